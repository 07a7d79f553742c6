"""Eval suites: `evals/<name>.toml` loaded into frozen dataclasses.

A suite names the gold to score against, the backends to compare (each with a model,
generation parameters, an optional base URL and price), the pipeline/prompt variants to
cross them with, and the thresholds CI enforces. Paths in the file are relative to the
file itself, so a suite works from any working directory. Unknown keys are errors: a typo
in a threshold name must not silently switch the gate off. See evals/README.md.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

from extractor.core.errors import ConfigError
from extractor.strategies import DEFAULT_STRATEGY

LABEL_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")
DEFAULT_VARIANT = "default"
DEFAULT_PROMPT = "extract"
GATED_METRICS = ("event_f1_main", "slot_micro_f1", "grounding_rate")


@dataclass(frozen=True)
class Price:
    """Price in dollars per one million tokens, prompt (in) and completion (out)."""

    input_per_1m: float
    output_per_1m: float

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        """Dollars for that many tokens."""
        return (prompt_tokens * self.input_per_1m + completion_tokens * self.output_per_1m) / 1e6


@dataclass(frozen=True)
class Variant:
    """A pipeline/prompt variant: which prompt, plus parameters layered over a backend's."""

    name: str = DEFAULT_VARIANT
    prompt: str = DEFAULT_PROMPT
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class BackendSpec:
    """One backend to compare: a registry name, a model and how to call it."""

    label: str
    backend: str
    model: str
    base_url: str | None = None
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    price: Price | None = None
    gate: tuple[str, ...] = ()
    variants: tuple[str, ...] = (DEFAULT_VARIANT,)


@dataclass(frozen=True)
class RunSpec:
    """One row of the comparison: a backend crossed with a variant."""

    backend: BackendSpec
    variant: Variant

    @property
    def label(self) -> str:
        """Row name and recordings directory: the backend label, `+variant` unless default."""
        if self.variant.name == DEFAULT_VARIANT:
            return self.backend.label
        return f"{self.backend.label}+{self.variant.name}"

    @property
    def gated(self) -> bool:
        """Whether CI enforces the thresholds on this row."""
        return self.variant.name in self.backend.gate

    @property
    def params(self) -> dict[str, Any]:
        """Generation parameters: the backend's, overridden by the variant's."""
        return {**self.backend.params, **self.variant.params}

    @property
    def strategy(self) -> str:
        """The extraction strategy of this row: its `strategy` param, else the backend's
        default (`extractor.strategies.DEFAULT_STRATEGY`), else "-" for other backends."""
        named = self.params.get("strategy") or self.params.get("variant")
        return str(named or DEFAULT_STRATEGY.get(self.backend.backend, "-"))


@dataclass(frozen=True)
class Thresholds:
    """What CI enforces on gated rows: floors, and the allowed drop below the baseline."""

    min_event_f1_main: float = 0.0
    min_slot_micro_f1: float = 0.0
    min_grounding_rate: float = 0.0
    max_drop: float = 0.05

    def floors(self) -> dict[str, float]:
        """Minimum value per gated metric."""
        return {
            "event_f1_main": self.min_event_f1_main,
            "slot_micro_f1": self.min_slot_micro_f1,
            "grounding_rate": self.min_grounding_rate,
        }


@dataclass(frozen=True)
class BootstrapConfig:
    """Article-level bootstrap: resamples, seed and confidence level."""

    resamples: int = 2000
    seed: int = 0
    confidence: float = 0.95


@dataclass(frozen=True)
class Suite:
    """A whole eval suite, paths resolved."""

    name: str
    path: Path
    gold_dir: Path
    baseline_path: Path
    recorded_dir: Path
    results_dir: Path
    runs: tuple[RunSpec, ...]
    thresholds: Thresholds = Thresholds()
    bootstrap: BootstrapConfig = BootstrapConfig()
    concurrency: int = 1


def _table(data: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _check_keys(table: Mapping[str, Any], allowed: set[str], where: str) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}"
        )


def _typed(table: Mapping[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = table[key]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise ConfigError(f"{where}: {key} has the wrong type ({type(value).__name__})")
    return value


def _label(value: Any, where: str) -> str:
    if not isinstance(value, str) or not LABEL_PATTERN.match(value):
        raise ConfigError(
            f"{where}: label {value!r} must be letters, digits, '.', '_', '+' or '-' "
            "(it names a directory under evals/recorded/)"
        )
    return value


def _variant(table: Mapping[str, Any], where: str) -> Variant:
    _check_keys(table, {"name", "prompt", "params"}, where)
    name = _label(table.get("name", DEFAULT_VARIANT), where)
    params = table.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: params must be a table")
    prompt = str(table.get("prompt", DEFAULT_PROMPT))
    return Variant(name=name, prompt=prompt, params=MappingProxyType(dict(params)))


def _price(value: Any, where: str) -> Price | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: price must be a table")
    _check_keys(value, {"input_per_1m", "output_per_1m"}, f"{where}.price")
    try:
        return Price(float(value["input_per_1m"]), float(value["output_per_1m"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"{where}: price needs numeric input_per_1m and output_per_1m") from exc


def _backend(table: Mapping[str, Any], where: str) -> BackendSpec:
    allowed = {"label", "backend", "model", "base_url", "params", "price", "gate", "variants"}
    _check_keys(table, allowed, where)
    for key in ("backend", "model"):
        if key not in table:
            raise ConfigError(f"{where}: missing {key}")
    backend = str(_typed(table, "backend", str, where))
    model = str(_typed(table, "model", str, where))
    label = _label(table.get("label", f"{backend}-{model}".replace(":", "-")), where)
    params = table.get("params", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{where}: params must be a table")
    variants = table.get("variants", [DEFAULT_VARIANT])
    if not isinstance(variants, list) or not variants:
        raise ConfigError(f"{where}: variants must be a non-empty list of variant names")
    base_url = table.get("base_url")
    gate = table.get("gate", False)
    if isinstance(gate, bool):
        gated = tuple(str(v) for v in variants) if gate else ()
    elif isinstance(gate, list) and set(gate) <= set(variants):
        gated = tuple(str(v) for v in gate)
    else:
        raise ConfigError(f"{where}: gate must be true, false or a list of this backend's variants")
    return BackendSpec(
        label=label,
        backend=backend,
        model=model,
        base_url=str(base_url) if base_url is not None else None,
        params=MappingProxyType(dict(params)),
        price=_price(table.get("price"), where),
        gate=gated,
        variants=tuple(str(v) for v in variants),
    )


def _thresholds(table: Mapping[str, Any], where: str) -> Thresholds:
    names = {"min_event_f1_main", "min_slot_micro_f1", "min_grounding_rate", "max_drop"}
    _check_keys(table, names, where)
    values = {key: float(_typed(table, key, (int, float), where)) for key in table}
    for key, value in values.items():
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"{where}: {key} must be between 0 and 1, got {value}")
    return Thresholds(**values)


def _bootstrap(table: Mapping[str, Any], where: str) -> BootstrapConfig:
    _check_keys(table, {"resamples", "seed", "confidence"}, where)
    config = BootstrapConfig(
        resamples=int(table.get("resamples", 2000)),
        seed=int(table.get("seed", 0)),
        confidence=float(table.get("confidence", 0.95)),
    )
    if config.resamples < 1 or not 0.0 < config.confidence < 1.0:
        raise ConfigError(f"{where}: resamples must be >= 1 and 0 < confidence < 1")
    return config


def _runs(backends: list[BackendSpec], variants: dict[str, Variant], where: str) -> list[RunSpec]:
    runs: list[RunSpec] = []
    for spec in backends:
        for name in spec.variants:
            if name not in variants:
                raise ConfigError(f"{where}: backend {spec.label!r} names unknown variant {name!r}")
            runs.append(RunSpec(spec, variants[name]))
    labels = [run.label for run in runs]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise ConfigError(f"{where}: duplicate run label(s): {', '.join(duplicates)}")
    return runs


def parse_suite(data: Mapping[str, Any], path: Path) -> Suite:
    """Build a `Suite` from parsed TOML; relative paths resolve against `path`'s folder."""
    where = str(path)
    _check_keys(data, {"suite", "bootstrap", "thresholds", "variants", "backends"}, where)
    head = _table(data, "suite", where)
    allowed = {"name", "gold", "baseline", "recorded", "results", "concurrency"}
    _check_keys(head, allowed, f"{where} [suite]")
    base = path.parent

    def resolve(key: str, default: str) -> Path:
        return (base / str(head.get(key, default))).resolve()

    variant_tables = data.get("variants", [])
    if not isinstance(variant_tables, list):
        raise ConfigError(f"{where}: [[variants]] must be an array of tables")
    variants = {DEFAULT_VARIANT: Variant()}
    for index, table in enumerate(variant_tables):
        variant = _variant(table, f"{where} variants[{index}]")
        variants[variant.name] = variant
    backend_tables = data.get("backends", [])
    if not isinstance(backend_tables, list) or not backend_tables:
        raise ConfigError(f"{where}: needs at least one [[backends]] table")
    backends = [_backend(t, f"{where} backends[{i}]") for i, t in enumerate(backend_tables)]
    return Suite(
        name=_label(head.get("name", path.stem), f"{where} [suite]"),
        path=path.resolve(),
        gold_dir=resolve("gold", "../gold"),
        baseline_path=resolve("baseline", "baseline.json"),
        recorded_dir=resolve("recorded", "recorded"),
        results_dir=resolve("results", "results"),
        runs=tuple(_runs(backends, variants, where)),
        thresholds=_thresholds(_table(data, "thresholds", where), f"{where} [thresholds]"),
        bootstrap=_bootstrap(_table(data, "bootstrap", where), f"{where} [bootstrap]"),
        concurrency=max(1, int(head.get("concurrency", 1))),
    )


def load_suite(path: Path) -> Suite:
    """Read and validate one suite file; every problem is a `ConfigError` naming the file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such suite file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read suite file ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_suite(data, path)
