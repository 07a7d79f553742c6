"""Bootstrap intervals and latency percentiles."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest

from extractor.evals.stats import (
    bootstrap_interval,
    bootstrap_intervals,
    latency_summary,
    percentile,
)


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def test_identical_per_article_scores_give_a_zero_width_interval() -> None:
    interval = bootstrap_interval([0.6] * 5, mean, resamples=500, seed=1)
    assert (interval.point, interval.low, interval.high) == (0.6, 0.6, 0.6)
    assert interval.width == 0.0


def test_interval_contains_the_point_and_is_deterministic_for_a_seed() -> None:
    values = [0.0, 0.2, 0.5, 0.9, 1.0]
    first = bootstrap_interval(values, mean, resamples=1000, seed=3)
    again = bootstrap_interval(values, mean, resamples=1000, seed=3)
    assert first == again
    assert first.low <= first.point <= first.high
    assert first.width > 0.2  # five articles: wide


def test_several_statistics_share_the_resamples() -> None:
    pairs = [(1, 2), (2, 4), (3, 6)]
    result = bootstrap_intervals(
        pairs,
        lambda sample: {
            "a": sum(p[0] for p in sample) / len(sample),
            "b": sum(p[1] for p in sample) / len(sample),
        },
        resamples=300,
        seed=0,
    )
    assert result["b"].low == pytest.approx(2 * result["a"].low)
    assert result["b"].high == pytest.approx(2 * result["a"].high)


def test_nan_resamples_are_left_out() -> None:
    interval = bootstrap_interval(
        [0, 1], lambda s: float("nan") if sum(s) == 0 else 1.0, resamples=200
    )
    assert (interval.low, interval.high) == (1.0, 1.0)


def test_no_items_give_nan() -> None:
    assert math.isnan(bootstrap_interval([], mean).point)
    assert bootstrap_intervals([], lambda s: {"x": 1.0}) == {}


@pytest.mark.parametrize(
    ("values", "q", "expected"),
    [
        pytest.param([1.0, 2.0, 3.0], 50, 2.0, id="median-odd"),
        pytest.param([1.0, 2.0, 3.0, 4.0], 50, 2.5, id="median-even-interpolates"),
        pytest.param([0.0, 10.0], 95, 9.5, id="p95-interpolates"),
        pytest.param([7.0], 95, 7.0, id="single"),
    ],
)
def test_percentile(values: list[float], q: float, expected: float) -> None:
    assert percentile(values, q) == pytest.approx(expected)


def test_latency_summary() -> None:
    summary = latency_summary([1.0, 2.0, 3.0, 4.0, 100.0])
    assert summary.p50 == 3.0
    assert summary.p95 > 4.0
    assert summary.total == 110.0
    assert math.isnan(latency_summary([]).p50)
