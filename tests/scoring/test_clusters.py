"""Pairwise and B-cubed clustering scores: named cases and invariants (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.scoring.clusters import score_clusters

GOLD = {"a": 1, "b": 1, "c": 1, "d": 2, "e": 3}


@pytest.mark.parametrize(
    ("predicted", "pairwise", "bcubed"),
    [
        pytest.param(GOLD, (1.0, 1.0), (1.0, 1.0), id="perfect"),
        pytest.param({k: k for k in GOLD}, (1.0, 0.0), (1.0, 0.6), id="all-singletons"),
        pytest.param({k: 0 for k in GOLD}, (0.3, 1.0), (0.44, 1.0), id="one-cluster"),
        pytest.param(
            {"a": 1, "b": 1, "c": 2, "d": 2, "e": 3},
            (0.5, 1 / 3),
            (0.8, 11 / 15),
            id="split-and-wrong-join",
        ),
    ],
)
def test_scores(predicted: dict, pairwise: tuple, bcubed: tuple) -> None:
    scores = score_clusters(predicted, GOLD)
    assert (scores.pairwise_precision, scores.pairwise_recall) == pytest.approx(pairwise)
    assert (scores.bcubed_precision, scores.bcubed_recall) == pytest.approx(bcubed)


def test_counts_and_dict() -> None:
    scores = score_clusters({"a": 1, "b": 1, "c": 2, "d": 2, "e": 3}, GOLD)
    assert (scores.gold_pairs, scores.predicted_pairs, scores.correct_pairs) == (3, 2, 1)
    data = scores.to_dict()
    assert data["pairwise_f1"] == pytest.approx(0.4) and data["items"] == 5
    assert set(data) >= {"pairwise_f1", "bcubed_f1", "bcubed_precision", "pairwise_recall"}


def test_only_shared_items_count_and_empty_is_perfect() -> None:
    assert score_clusters({"a": 1, "b": 1, "z": 1}, GOLD).predicted_pairs == 1
    empty = score_clusters({}, {})
    assert empty.pairwise_f1 == 1.0 and empty.bcubed_f1 == 1.0 and empty.items == 0


labelings = st.dictionaries(st.integers(0, 12), st.integers(0, 4), min_size=1, max_size=12)


@given(labelings)
def test_a_perfect_clustering_scores_one(gold: dict[int, int]) -> None:
    renamed = {item: f"x{label}" for item, label in gold.items()}
    scores = score_clusters(renamed, gold)
    assert scores.pairwise_f1 == 1.0 and scores.bcubed_f1 == 1.0


@given(labelings, st.randoms())
def test_scores_do_not_depend_on_item_order(gold: dict[int, int], rnd) -> None:  # type: ignore[no-untyped-def]
    predicted = {item: (label * 7 + item) % 3 for item, label in gold.items()}
    items = list(gold)
    rnd.shuffle(items)
    shuffled_pred = {i: predicted[i] for i in items}
    shuffled_gold = {i: gold[i] for i in items}
    assert score_clusters(shuffled_pred, shuffled_gold) == score_clusters(predicted, gold)
    scores = score_clusters(predicted, gold)
    assert 0.0 <= scores.bcubed_f1 <= 1.0 and 0.0 <= scores.pairwise_f1 <= 1.0
