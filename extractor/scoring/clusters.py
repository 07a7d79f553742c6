"""Clustering scores: how well a grouping of items into incidents agrees with gold groups.

Items are any hashable keys (here `(article_id, event_index)`); a clustering maps each item
to a cluster label. Both scores are computed over the items the two clusterings share.

- **Pairwise**: every unordered pair of items is a decision "same incident or not".
  Precision = pairs joined in both / pairs joined by the prediction; recall = pairs joined in
  both / pairs joined in gold. No pair to join on a side counts as perfect on that side.
- **B-cubed** (Bagga & Baldwin 1998): for each item, precision = share of its predicted
  cluster that is in its gold cluster, recall = share of its gold cluster that is in its
  predicted cluster (the item itself included); averaged over items. Unlike pairwise, it
  gives singletons their due, so it never reaches zero while any item is right.

F1 is the harmonic mean (0 when both are 0). Scores do not depend on item order or on the
label names, and a perfect clustering scores 1.0 everywhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from itertools import combinations
from typing import Any, TypeVar

DECIMALS = 4
Item = TypeVar("Item", bound=Hashable)


def _f1(precision: float, recall: float) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class ClusterScores:
    """Pairwise and B-cubed precision, recall and F1 of one clustering against gold."""

    items: int
    gold_pairs: int
    predicted_pairs: int
    correct_pairs: int
    pairwise_precision: float
    pairwise_recall: float
    bcubed_precision: float
    bcubed_recall: float

    @property
    def pairwise_f1(self) -> float:
        """Harmonic mean of pairwise precision and recall."""
        return _f1(self.pairwise_precision, self.pairwise_recall)

    @property
    def bcubed_f1(self) -> float:
        """Harmonic mean of B-cubed precision and recall."""
        return _f1(self.bcubed_precision, self.bcubed_recall)

    def to_dict(self) -> dict[str, Any]:
        """Counts and scores (rounded), as the eval JSON carries them."""
        return {
            "items": self.items,
            "gold_pairs": self.gold_pairs,
            "predicted_pairs": self.predicted_pairs,
            "correct_pairs": self.correct_pairs,
            "pairwise_precision": round(self.pairwise_precision, DECIMALS),
            "pairwise_recall": round(self.pairwise_recall, DECIMALS),
            "pairwise_f1": round(self.pairwise_f1, DECIMALS),
            "bcubed_precision": round(self.bcubed_precision, DECIMALS),
            "bcubed_recall": round(self.bcubed_recall, DECIMALS),
            "bcubed_f1": round(self.bcubed_f1, DECIMALS),
        }


def _members(labels: Mapping[Item, Hashable], items: set[Item]) -> dict[Item, set[Item]]:
    clusters: dict[Hashable, set[Item]] = defaultdict(set)
    for item in items:
        clusters[labels[item]].add(item)
    return {item: clusters[labels[item]] for item in items}


def _pairs(cluster_of: Mapping[Item, set[Item]]) -> set[frozenset[Item]]:
    pairs: set[frozenset[Item]] = set()
    for cluster in {frozenset(c) for c in cluster_of.values()}:
        pairs.update(frozenset(pair) for pair in combinations(cluster, 2))
    return pairs


def score_clusters(
    predicted: Mapping[Item, Hashable], gold: Mapping[Item, Hashable]
) -> ClusterScores:
    """Pairwise and B-cubed scores of `predicted` against `gold` (item -> cluster label),
    over the items both label."""
    items = set(predicted) & set(gold)
    pred_of, gold_of = _members(predicted, items), _members(gold, items)
    pred_pairs, gold_pairs = _pairs(pred_of), _pairs(gold_of)
    correct = len(pred_pairs & gold_pairs)
    if items:
        b_precision = sum(len(pred_of[i] & gold_of[i]) / len(pred_of[i]) for i in items)
        b_recall = sum(len(pred_of[i] & gold_of[i]) / len(gold_of[i]) for i in items)
        b_precision, b_recall = b_precision / len(items), b_recall / len(items)
    else:
        b_precision = b_recall = 1.0
    return ClusterScores(
        items=len(items),
        gold_pairs=len(gold_pairs),
        predicted_pairs=len(pred_pairs),
        correct_pairs=correct,
        pairwise_precision=correct / len(pred_pairs) if pred_pairs else 1.0,
        pairwise_recall=correct / len(gold_pairs) if gold_pairs else 1.0,
        bcubed_precision=b_precision,
        bcubed_recall=b_recall,
    )
