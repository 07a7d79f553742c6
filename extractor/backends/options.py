"""Model options given as `-o key=value` on the command line, checked per backend.

A backend declares what it takes as `MODEL_OPTIONS`, a class attribute mapping each
option's name to a `ModelOption` (its type and a line of help), as llm's model options do.
`parse_model_options` turns the strings into typed keyword arguments for that backend,
and refuses an unknown name or a value of the wrong type in one line naming the options
that exist. A backend without `MODEL_OPTIONS` takes none this way.

    parse_model_options("openai", ["temperature=0.2", "max_tokens=800"])
    # {"temperature": 0.2, "max_tokens": 800}
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from extractor.backends.registry import backend_factory
from extractor.core.errors import ConfigError


@dataclass(frozen=True)
class ModelOption:
    """One `-o` option: the type its value must have, and what it does."""

    type: type[int] | type[float] | type[str]
    help: str


_KINDS: dict[type, str] = {int: "a whole number", float: "a number", str: "text"}


def model_options(backend: str) -> dict[str, ModelOption]:
    """The `-o` options the backend called `backend` declares."""
    options = getattr(backend_factory(backend), "MODEL_OPTIONS", None)
    return dict(options) if isinstance(options, dict) else {}


def parse_model_options(backend: str, pairs: Iterable[str]) -> dict[str, Any]:
    """`key=value` strings as typed keyword arguments of `backend` (`ConfigError` if not)."""
    pairs = list(pairs)
    if not pairs:
        return {}
    declared = model_options(backend)
    known = ", ".join(sorted(declared)) or "none"
    parsed: dict[str, Any] = {}
    for pair in pairs:
        key, equals, raw = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not equals or not key:
            raise ConfigError(f"-o takes key=value, got {pair!r} (options of {backend}: {known})")
        option = declared.get(key)
        if option is None:
            raise ConfigError(f"backend {backend!r} has no option {key!r}; its options: {known}")
        try:
            parsed[key] = option.type(raw.strip())
        except ValueError:
            raise ConfigError(
                f"-o {key}: {raw!r} is not {_KINDS[option.type]} ({option.help})"
            ) from None
    return parsed
