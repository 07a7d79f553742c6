"""Invariants of the scorer, checked on random valid events (hypothesis)."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.core.schema import ArticleEvents, Event, WeaponType
from extractor.scoring import score_article

EVENT_METRICS = (
    "event_precision",
    "event_recall_main",
    "event_recall_all",
    "event_f1_main",
    "event_f1_all",
    "slot_precision",
    "slot_recall",
    "slot_micro_f1",
    "grounding_rate",
)

# Small pools so that near-duplicates and ties (the hard cases for matching) are common.
PLACES = ["Ain al-Asad Air Base", "Al-Assad Airbase", "Rumalyn", "Tower 22", "Erbil", "Iraq"]
DATES = [None, "2024", "2024-01", "2024-01-20", "2024-01-21", "2023-10-18"]
WORDS = ["Saturday", "Sunday evening", "last month", "U.S. forces", "minor damage", "Iran"]

optional_text = st.none() | st.sampled_from(WORDS) | st.text(min_size=1, max_size=12)
optional_count = st.none() | st.integers(min_value=0, max_value=5)

events = st.builds(
    Event,
    event_type=st.sampled_from(["attack", "strike"]),
    salience=st.sampled_from(["main", "background"]),
    date=st.sampled_from(DATES),
    date_text=optional_text,
    location=st.sampled_from(PLACES) | st.text(min_size=1, max_size=20),
    country=st.none() | st.sampled_from(["Iraq", "Syria", "Jordan"]),
    admin1=optional_text,
    weapon_types=st.lists(st.sampled_from(list(WeaponType)), max_size=3),
    projectiles=optional_count,
    intercepted=optional_count,
    perpetrator=optional_text,
    perpetrator_status=st.sampled_from(["claimed", "attributed", "unknown"]),
    target=optional_text,
    killed=optional_count,
    injured=optional_count,
    damage=optional_text,
    summary=st.just("An incident."),
    evidence=st.lists(st.sampled_from(["rockets hit", "a drone"]), min_size=1, max_size=3),
)
event_lists = st.lists(events, max_size=5)
TEXT = "Officials said rockets hit the base; a drone was shot down."


def _metrics(pred: list[Event], gold: list[Event]) -> dict[str, Any]:
    result = score_article(
        ArticleEvents(article_id="a", events=pred), ArticleEvents(article_id="a", events=gold), TEXT
    ).metrics.to_dict()
    return result


@settings(max_examples=50, deadline=None)
@given(event_lists)
def test_gold_against_itself_is_perfect(gold: list[Event]) -> None:
    metrics = _metrics(gold, gold)
    for name in EVENT_METRICS:
        assert metrics[name] == 1.0, name
    assert all(v in (None, 1.0) for v in metrics["field_accuracy"].values())
    assert metrics["n_matched"] == len(gold)


@settings(max_examples=50, deadline=None)
@given(event_lists, event_lists, st.randoms(use_true_random=False))
def test_scores_do_not_depend_on_event_order(
    pred: list[Event], gold: list[Event], rng: random.Random
) -> None:
    shuffled_pred, shuffled_gold = list(pred), list(gold)
    rng.shuffle(shuffled_pred)
    rng.shuffle(shuffled_gold)
    assert _metrics(shuffled_pred, shuffled_gold) == _metrics(pred, gold)


@settings(max_examples=50, deadline=None)
@given(event_lists.filter(bool), event_lists, st.data())
def test_removing_a_predicted_event_never_raises_recall(
    pred: list[Event], gold: list[Event], data: st.DataObject
) -> None:
    drop = data.draw(st.integers(min_value=0, max_value=len(pred) - 1))
    before = _metrics(pred, gold)
    after = _metrics(pred[:drop] + pred[drop + 1 :], gold)
    assert after["event_recall_all"] <= before["event_recall_all"]
    assert after["event_recall_main"] <= before["event_recall_main"]
