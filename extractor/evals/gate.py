"""The CI gate: floors on headline metrics and the allowed drop below a recorded baseline.

Pure functions over plain numbers. A row is *gated* when its backend says `gate = true` in
the suite; for each gated row and each metric in `GATED_METRICS`:

- `floor`: the value must be at least the suite's minimum (`min_<metric>`);
- `baseline`: the value must be at least `baseline - max_drop`, when evals/baseline.json
  has a value for that row (a row without one is noted, not failed: the first baseline is
  written deliberately with `--update-baseline`);
- a gated row that could not be scored at all (backend unavailable, a recorded output
  missing) fails the gate with its error.

A metric that could not be computed (NaN) counts as 0. Non-gated rows are shown, never gated.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from extractor.evals.suite import GATED_METRICS, Thresholds

EPSILON = 1e-9
"""Float slack so a metric equal to its limit passes."""


class CheckKind(StrEnum):
    """What a check compares."""

    FLOOR = "floor"
    BASELINE = "baseline"
    STATUS = "status"


@dataclass(frozen=True)
class GateInput:
    """What the gate needs of one comparison row."""

    label: str
    gated: bool
    metrics: Mapping[str, float]
    error: str | None = None


@dataclass(frozen=True)
class Check:
    """One comparison of one metric of one row against one limit."""

    label: str
    metric: str
    kind: CheckKind
    passed: bool
    value: float | None = None
    limit: float | None = None
    message: str = ""

    @property
    def short(self) -> str:
        """A few words for a table cell: `unavailable`, `event_f1_main < 0.300`, ..."""
        if self.kind is CheckKind.STATUS:
            return "unavailable"
        if self.kind is CheckKind.FLOOR:
            return f"{self.metric} < {self.limit or 0.0:.3f}"
        return f"{self.metric} < baseline - max_drop ({self.limit or 0.0:.3f})"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "label": self.label,
            "metric": self.metric,
            "kind": self.kind.value,
            "passed": self.passed,
            "value": self.value,
            "limit": self.limit,
            "message": self.message,
        }


@dataclass(frozen=True)
class GateResult:
    """Every check made, plus notes (e.g. a gated row with no baseline yet)."""

    checks: tuple[Check, ...]
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when every check passed."""
        return all(check.passed for check in self.checks)

    @property
    def failures(self) -> tuple[Check, ...]:
        """The checks that failed."""
        return tuple(check for check in self.checks if not check.passed)

    def failed_labels(self) -> set[str]:
        """Labels of rows with at least one failed check."""
        return {check.label for check in self.failures}

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "passed": self.passed,
            "checks": [check.to_dict() for check in self.checks],
            "notes": list(self.notes),
        }


def _value(metrics: Mapping[str, float], name: str) -> float:
    value = metrics.get(name, float("nan"))
    return 0.0 if value is None or math.isnan(value) else float(value)


def check_row(
    row: GateInput,
    thresholds: Thresholds,
    baseline: Mapping[str, float] | None,
    metrics: Sequence[str] = GATED_METRICS,
) -> list[Check]:
    """All checks for one gated row."""
    if row.error is not None:
        return [Check(row.label, "status", CheckKind.STATUS, False, message=row.error)]
    checks: list[Check] = []
    floors = thresholds.floors()
    for name in metrics:
        value = _value(row.metrics, name)
        floor = floors.get(name, 0.0)
        passed = value + EPSILON >= floor
        checks.append(
            Check(
                row.label,
                name,
                CheckKind.FLOOR,
                passed,
                value,
                floor,
                "" if passed else f"{name} {value:.3f} is below the minimum {floor:.3f}",
            )
        )
        if baseline is None or baseline.get(name) is None:
            continue
        limit = float(baseline[name]) - thresholds.max_drop
        passed = value + EPSILON >= limit
        message = (
            ""
            if passed
            else f"{name} {value:.3f} dropped more than {thresholds.max_drop:.3f} "
            f"below the baseline {float(baseline[name]):.3f}"
        )
        checks.append(Check(row.label, name, CheckKind.BASELINE, passed, value, limit, message))
    return checks


def evaluate_gate(
    rows: Sequence[GateInput],
    thresholds: Thresholds,
    baseline: Mapping[str, Mapping[str, float]],
) -> GateResult:
    """Run every check on every gated row; `baseline` maps row label to metric values."""
    checks: list[Check] = []
    notes: list[str] = []
    for row in rows:
        if not row.gated:
            continue
        row_baseline = baseline.get(row.label)
        if row_baseline is None and row.error is None:
            notes.append(f"{row.label}: no baseline yet (write one with --update-baseline)")
        checks.extend(check_row(row, thresholds, row_baseline))
    if not any(row.gated for row in rows):
        notes.append("no backend in this suite has gate = true: nothing is enforced")
    return GateResult(tuple(checks), tuple(notes))


def baseline_entry(metrics: Mapping[str, float]) -> dict[str, float]:
    """The values of one row that a baseline keeps (the gated metrics, NaN as 0)."""
    return {name: round(_value(metrics, name), 6) for name in GATED_METRICS}
