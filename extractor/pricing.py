"""What model tokens cost: a price table per model, in US dollars per 1M tokens.

The table ships with the package (`extractor/prices.toml`, an editable TOML file); a file
of the same layout named by `--prices PATH` or `$EXTRACTOR_PRICES` replaces its entries
model by model. A model matches the longest table name it starts with, as
`KNOWN_CONTEXT_TOKENS` does; the `local` backend costs nothing. A model with no price has
none (`None`): a cost is then unknown, never silently zero.

    prices = load_prices()
    price_for("gpt-4o-mini-2024-07-18", "openai", prices).cost(10_000, 2_000)  # 0.0027
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

from extractor.core.errors import ConfigError

PRICES_ENV_VAR = "EXTRACTOR_PRICES"
FREE_BACKENDS = frozenset({"local"})
"""Backends that run on this machine: their tokens cost nothing."""


@dataclass(frozen=True)
class Price:
    """US dollars per 1M input (prompt) and output (completion) tokens."""

    input_per_m: float
    output_per_m: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Dollars for these tokens."""
        return (prompt_tokens * self.input_per_m + completion_tokens * self.output_per_m) / 1e6

    def describe(self) -> str:
        """`$0.15 / $0.60 per 1M tokens in / out`."""
        return f"${self.input_per_m:g} / ${self.output_per_m:g} per 1M tokens in / out"


FREE = Price(0.0, 0.0)


def _read_table(source: str, text: str) -> dict[str, Price]:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"prices {source}: not valid TOML: {exc}") from None
    models = data.get("models", {})
    if not isinstance(models, dict):
        raise ConfigError(f"prices {source}: [models] must be a table of models")
    table: dict[str, Price] = {}
    for name, entry in models.items():
        try:
            price = Price(float(entry["input"]), float(entry["output"]))
        except (KeyError, TypeError, ValueError):
            raise ConfigError(
                f'prices {source}: [models."{name}"] needs numbers input = ... and output = ...'
            ) from None
        if price.input_per_m < 0 or price.output_per_m < 0:
            raise ConfigError(f'prices {source}: [models."{name}"] has a negative price')
        table[name.casefold()] = price
    return table


def load_prices(path: str | os.PathLike[str] | None = None) -> dict[str, Price]:
    """The packaged table, with `path` (else `$EXTRACTOR_PRICES`, if set) laid over it."""
    table = _read_table("extractor/prices.toml", (files("extractor") / "prices.toml").read_text())
    chosen = path or os.environ.get(PRICES_ENV_VAR)
    if chosen:
        try:
            text = Path(chosen).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"prices {chosen}: cannot be read ({exc.strerror or exc})") from None
        table.update(_read_table(str(chosen), text))
    return table


def price_for(model: str, backend: str, prices: dict[str, Price]) -> Price | None:
    """The price of `model`: free on a local backend, else the longest matching table name."""
    if backend in FREE_BACKENDS:
        return FREE
    name = model.rsplit("/", 1)[-1].casefold()
    for candidate in (model.casefold(), name):
        if candidate in prices:
            return prices[candidate]
    known = [prefix for prefix in prices if name.startswith(prefix)]
    return prices[max(known, key=len)] if known else None
