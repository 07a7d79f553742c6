"""Pure statistics for the comparison table: bootstrap intervals and latency percentiles.

The bootstrap resamples *articles* with replacement and recomputes a corpus-level metric
from the resampled articles' counts (so a micro-averaged F1 stays micro-averaged), with a
fixed seed so the same inputs always give the same interval. With five gold articles the
intervals are wide: they say how much the headline numbers could move with other articles
of the same kind, which is exactly the caution a five-article eval needs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

T = TypeVar("T")


@dataclass(frozen=True)
class Interval:
    """A point estimate with a percentile-bootstrap interval `[low, high]`."""

    point: float
    low: float
    high: float
    confidence: float
    resamples: int
    samples: int

    @property
    def width(self) -> float:
        """`high - low`."""
        return self.high - self.low

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {
            "point": self.point,
            "low": self.low,
            "high": self.high,
            "confidence": self.confidence,
            "resamples": self.resamples,
            "samples": self.samples,
        }


def bootstrap_intervals(
    items: Sequence[T],
    statistic: Callable[[Sequence[T]], Mapping[str, float]],
    *,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Interval]:
    """Percentile bootstrap of several named statistics over `items` resampled with replacement.

    `statistic` receives one resample (a list of items) and returns named floats; every
    name is bootstrapped over the same resamples. NaN values (a ratio with an empty
    denominator) are left out of that name's interval. With no items, there are no intervals.
    """
    if not items:
        return {}
    point = {name: float(value) for name, value in statistic(items).items()}
    rng = np.random.default_rng(seed)
    indices = rng.integers(0, len(items), size=(resamples, len(items)))
    draws = [statistic([items[i] for i in row]) for row in indices]
    alpha = (1.0 - confidence) / 2.0
    intervals: dict[str, Interval] = {}
    for name, estimate in point.items():
        values = np.array([draw[name] for draw in draws], dtype=float)
        values = values[~np.isnan(values)]
        if values.size == 0:
            low = high = estimate
        elif np.all(values == values[0]):
            # Quantile interpolation could leave float dust when every resample is equal.
            low = high = float(values[0])
        else:
            low, high = (float(v) for v in np.quantile(values, [alpha, 1.0 - alpha]))
        intervals[name] = Interval(estimate, low, high, confidence, resamples, len(items))
    return intervals


def bootstrap_interval(
    items: Sequence[T],
    statistic: Callable[[Sequence[T]], float],
    *,
    resamples: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> Interval:
    """Percentile bootstrap of one statistic; see `bootstrap_intervals`."""
    if not items:
        nan = float("nan")
        return Interval(nan, nan, nan, confidence, resamples, 0)
    result = bootstrap_intervals(
        items,
        lambda sample: {"value": statistic(sample)},
        resamples=resamples,
        seed=seed,
        confidence=confidence,
    )
    return result["value"]


def ratio(numerator: float, denominator: float) -> float:
    """`numerator / denominator`, NaN when the denominator is zero."""
    return numerator / denominator if denominator else float("nan")


def f1(precision: float, recall: float) -> float:
    """Harmonic mean; 0 when both are 0, NaN when either is NaN."""
    if math.isnan(precision) or math.isnan(recall):
        return float("nan")
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100, linear interpolation); NaN for no values."""
    if not values:
        return float("nan")
    return float(np.percentile(np.asarray(values, dtype=float), q))


@dataclass(frozen=True)
class LatencySummary:
    """Seconds per article: median, 95th percentile, total."""

    p50: float
    p95: float
    total: float
    count: int

    def to_dict(self) -> dict[str, float | int]:
        """JSON-ready form."""
        return {"p50": self.p50, "p95": self.p95, "total": self.total, "count": self.count}


def latency_summary(seconds: Sequence[float]) -> LatencySummary:
    """Median and p95 latency over per-article timings."""
    return LatencySummary(
        p50=percentile(seconds, 50),
        p95=percentile(seconds, 95),
        total=float(sum(seconds)),
        count=len(seconds),
    )
