"""The CI gate: floors, baseline drops, unavailable gated rows."""

from __future__ import annotations

import pytest

from extractor.evals.gate import CheckKind, GateInput, baseline_entry, evaluate_gate
from extractor.evals.suite import Thresholds

THRESHOLDS = Thresholds(
    min_event_f1_main=0.3, min_slot_micro_f1=0.2, min_grounding_rate=0.9, max_drop=0.05
)
BASELINE = {"event_f1_main": 0.6, "slot_micro_f1": 0.4, "grounding_rate": 1.0}


def row(label: str = "local", gated: bool = True, **metrics: float) -> GateInput:
    return GateInput(label, gated, {**BASELINE, **metrics})


def test_passes_on_the_baseline_itself() -> None:
    result = evaluate_gate([row()], THRESHOLDS, {"local": BASELINE})
    assert result.passed
    assert {c.kind for c in result.checks} == {CheckKind.FLOOR, CheckKind.BASELINE}


def test_a_drop_within_the_margin_passes() -> None:
    result = evaluate_gate([row(event_f1_main=0.55)], THRESHOLDS, {"local": BASELINE})
    assert result.passed


def test_fails_on_a_planted_regression_below_the_baseline_margin() -> None:
    result = evaluate_gate([row(event_f1_main=0.5)], THRESHOLDS, {"local": BASELINE})
    assert not result.passed
    (failure,) = result.failures
    assert (failure.metric, failure.kind) == ("event_f1_main", CheckKind.BASELINE)
    assert "below the baseline 0.600" in failure.message


@pytest.mark.parametrize(
    ("metric", "value"),
    [
        pytest.param("event_f1_main", 0.29, id="event-f1"),
        pytest.param("slot_micro_f1", 0.1, id="slot-f1"),
        pytest.param("grounding_rate", float("nan"), id="nan-counts-as-zero"),
    ],
)
def test_fails_below_a_floor_without_baseline(metric: str, value: float) -> None:
    result = evaluate_gate([GateInput("local", True, {**BASELINE, metric: value})], THRESHOLDS, {})
    assert [(c.metric, c.kind) for c in result.failures] == [(metric, CheckKind.FLOOR)]
    assert any("no baseline yet" in note for note in result.notes)


def test_an_unavailable_gated_row_fails_and_ungated_rows_are_ignored() -> None:
    rows = [
        GateInput("local", True, {}, error="missing recorded output(s)"),
        row("other", gated=False, event_f1_main=0.0),
    ]
    result = evaluate_gate(rows, THRESHOLDS, {})
    assert [(c.label, c.kind) for c in result.failures] == [("local", CheckKind.STATUS)]


def test_nothing_gated_is_noted() -> None:
    result = evaluate_gate([row(gated=False)], THRESHOLDS, {})
    assert result.passed and result.checks == ()
    assert "nothing is enforced" in result.notes[0]


def test_baseline_entry_keeps_only_gated_metrics() -> None:
    entry = baseline_entry({**BASELINE, "event_precision": 0.9, "grounding_rate": float("nan")})
    assert entry == {"event_f1_main": 0.6, "slot_micro_f1": 0.4, "grounding_rate": 0.0}
