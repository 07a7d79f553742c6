"""One-to-one matching of predicted to gold events by optimal assignment.

Only pairs with `event_similarity >= THRESHOLD` may be matched. Among the possible
one-to-one matchings, `match_events` picks the best one by these criteria, in order:

1. the most matched pairs (a pairing that finds more incidents always wins);
2. the highest total similarity (so two attacks on one day at two bases pair each with its
   own base, whatever order they are listed in);
3. the highest total field agreement (a tie in similarity goes to the pairing whose fields
   agree best);
4. the most `main` gold events matched.

The criteria are folded into one integer weight per pair (exact in float64 for fewer than
100 events a side) and solved with `scipy.optimize.linear_sum_assignment`. Events are put in
a canonical order first, so the result never depends on the order they were listed in.
Criterion 1 also makes recall monotone: dropping a predicted event can never raise it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

from extractor.core.schema import Event, Salience
from extractor.scoring.fields import mean_agreement
from extractor.scoring.similarity import THRESHOLD, event_similarity

# Place values of the four criteria inside one pair weight (see the module docstring).
_PER_MATCH = 10**12
_PER_SIMILARITY_UNIT = 10**6  # similarity in units of 1e-4
_PER_AGREEMENT_UNIT = 10**2  # field agreement in units of 1e-2
_PER_MAIN = 1


@dataclass(frozen=True)
class EventMatch:
    """A matched pair: indices into the predicted and gold event lists, and their similarity."""

    pred_index: int
    gold_index: int
    similarity: float


def _canonical_order(events: Sequence[Event]) -> list[int]:
    """Indices of `events` sorted by content, so that equal inputs in any order agree."""
    keys = [event.model_dump_json() for event in events]
    return sorted(range(len(events)), key=lambda i: (keys[i], i))


def _pair_weight(similarity: float, agreement: float, gold_is_main: bool) -> int:
    return (
        _PER_MATCH
        + round(similarity * 10_000) * _PER_SIMILARITY_UNIT
        + round(agreement * 100) * _PER_AGREEMENT_UNIT
        + (_PER_MAIN if gold_is_main else 0)
    )


def match_events(pred: Sequence[Event], gold: Sequence[Event]) -> tuple[EventMatch, ...]:
    """Match predicted to gold events one-to-one; returns the pairs sorted by gold index."""
    if not pred or not gold:
        return ()
    pred_order, gold_order = _canonical_order(pred), _canonical_order(gold)
    weights = np.zeros((len(pred), len(gold)), dtype=np.float64)
    similarities: dict[tuple[int, int], float] = {}
    for row, p in enumerate(pred_order):
        for col, g in enumerate(gold_order):
            similarity = event_similarity(pred[p], gold[g])
            if similarity < THRESHOLD:
                continue
            similarities[row, col] = similarity
            weights[row, col] = _pair_weight(
                similarity,
                mean_agreement(pred[p], gold[g]),
                gold[g].salience is Salience.MAIN,
            )
    rows, cols = linear_sum_assignment(weights, maximize=True)
    matches = [
        EventMatch(pred_order[r], gold_order[c], similarities[r, c])
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
        if (r, c) in similarities
    ]
    return tuple(sorted(matches, key=lambda m: m.gold_index))
