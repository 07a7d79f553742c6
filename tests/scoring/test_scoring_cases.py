"""Named scoring cases with hand-computed expected values.

Ain al-Asad (`asad`) has 13 filled slots, Rumalyn (`rumalyn`) 11; see tests/scoring/events.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from extractor.core.schema import Event
from extractor.scoring import score_article
from tests.scoring.events import ARTICLE_TEXT, article, asad, rumalyn


@dataclass(frozen=True)
class Case:
    name: str
    pred: list[Event]
    gold: list[Event]
    expected: dict[str, Any]


CASES = [
    Case(
        "perfect",
        [asad(), rumalyn()],
        [asad(), rumalyn()],
        {"event_f1_all": 1.0, "slot_micro_f1": 1.0, "grounding_rate": 1.0, "n_matched": 2},
    ),
    Case(
        "missed event",
        [asad()],
        [asad(), rumalyn()],
        {
            "event_precision": 1.0,
            "event_recall_main": 0.5,
            "event_recall_all": 0.5,
            "event_f1_all": 0.6667,  # 2 * 1 * 0.5 / 1.5
            "slot_precision": 1.0,
            "slot_recall": 0.5417,  # 13 / (13 + 11)
            "slot_micro_f1": 0.7027,
        },
    ),
    Case(
        "spurious event",
        [asad(), rumalyn()],
        [asad()],
        {
            "event_precision": 0.5,
            "event_recall_all": 1.0,
            "event_f1_all": 0.6667,
            "slot_precision": 0.5417,  # 13 / 24
            "slot_recall": 1.0,
        },
    ),
    Case(
        "predicted background event in gold is not a false positive",
        [asad(), rumalyn(salience="background")],
        [asad(), rumalyn(salience="background")],
        {"event_precision": 1.0, "event_recall_main": 1.0, "n_matched_main": 1},
    ),
    Case(
        "missed background event costs recall_all, not recall_main",
        [asad()],
        [asad(), rumalyn(salience="background")],
        {"event_recall_main": 1.0, "event_f1_main": 1.0, "event_recall_all": 0.5},
    ),
    Case(
        "swapped dates still match by place; date is wrong twice",
        [asad(date="2024-01-21"), rumalyn(date="2024-01-20")],
        [asad(), rumalyn()],
        {
            "n_matched": 2,
            "field_accuracy.date": 0.0,
            "field_accuracy.location": 1.0,
            "slot_micro_f1": 0.9167,  # 22 / 24 both ways
        },
    ),
    Case(
        "killed null vs 0 is wrong",
        [asad()],
        [asad(killed=0)],
        {
            "field_accuracy.killed": 0.0,
            "slot_precision": 1.0,
            "slot_recall": 0.9286,  # 13 / 14
            "slot_micro_f1": 0.963,
        },
    ),
    Case("killed 0 vs null is wrong", [asad(killed=0)], [asad()], {"field_accuracy.killed": 0.0}),
    Case("killed null vs null agrees", [asad()], [asad()], {"field_accuracy.killed": 1.0}),
    Case(
        "weapon set overlap {rocket, drone} vs {rocket}",
        [asad(weapon_types=["rocket", "drone"])],
        [asad(weapon_types=["rocket"])],
        {
            "field_accuracy.weapon_types": 0.6667,  # 2 * 1 / (2 + 1)
            "slot_micro_f1": 0.9744,  # (12 + 2/3) / 13
        },
    ),
    Case(
        "gold month accepts a day in that month",
        [asad(date="2024-01-23")],
        [asad(date="2024-01")],
        {"field_accuracy.date": 1.0},
    ),
    Case(
        "prediction less precise than gold is wrong (but still matches)",
        [asad(date="2024-01")],
        [asad(date="2024-01-23")],
        {"n_matched": 1, "field_accuracy.date": 0.0},
    ),
    Case(
        "gold year accepts any date in that year",
        [asad(date="2024-12-31")],
        [asad(date="2024")],
        {"field_accuracy.date": 1.0},
    ),
    Case(
        "location spelling variants score as the same place",
        [asad(location="Al-Assad Airbase")],
        [asad(location="Ain al-Asad air base")],
        {"n_matched": 1, "field_accuracy.location": 1.0},
    ),
    Case(
        "event types must agree",
        [asad(event_type="strike")],
        [asad()],
        {"n_matched": 0, "event_precision": 0.0, "event_recall_all": 0.0, "event_f1_all": 0.0},
    ),
    Case(
        "ungrounded quote",
        [asad(evidence=["missiles  hit\nthe base", "a quote from elsewhere"])],
        [asad()],
        {"grounding_rate": 0.5},
    ),
    Case(
        "both empty is perfect",
        [],
        [],
        {
            "event_precision": 1.0,
            "event_recall_all": 1.0,
            "event_f1_all": 1.0,
            "slot_micro_f1": 1.0,
            "grounding_rate": 1.0,
            "field_accuracy.date": None,
        },
    ),
    Case(
        "no predictions against gold",
        [],
        [asad()],
        {"event_precision": 0.0, "event_recall_all": 0.0, "event_f1_all": 0.0},
    ),
    Case(
        "predictions against empty gold",
        [asad()],
        [],
        {
            "event_precision": 0.0,
            "event_recall_all": 1.0,
            "event_f1_all": 0.0,
            "slot_micro_f1": 0.0,
        },
    ),
]


def _lookup(result: dict[str, Any], key: str) -> Any:
    for part in key.split("."):
        result = result[part]
    return result


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_scoring_case(case: Case) -> None:
    result = score_article(article(*case.pred), article(*case.gold), ARTICLE_TEXT).to_dict()
    for key, expected in case.expected.items():
        actual = _lookup(result, key)
        if expected is None:
            assert actual is None, key
        else:
            assert actual == pytest.approx(expected, abs=1e-4), key


def test_same_day_attacks_at_two_bases_pair_with_their_own_base() -> None:
    day = {"date": "2024-01-20", "weapon_types": ["rocket"]}
    gold = [asad(**day), rumalyn(**day)]
    pred = [rumalyn(**day), asad(location="Al-Assad Airbase", **day)]
    score = score_article(article(*pred), article(*gold), ARTICLE_TEXT)
    assert {(m.pred_index, m.gold_index) for m in score.matches} == {(0, 1), (1, 0)}
    assert score.metrics.field_accuracy["location"] == 1.0


def test_assignment_is_global_not_greedy() -> None:
    # pred[0] fits gold[0] perfectly (1.0) but also gold[1] (0.75: same base, other day);
    # pred[1] fits only gold[0] (0.79). Greedy would match pred[0]-gold[0] and stop at one.
    gold = [asad(weapon_types=["rocket"]), asad(date="2024-01-21", weapon_types=["rocket"])]
    pred = [asad(weapon_types=["rocket"]), asad(location="Al-Asad", weapon_types=["drone"])]
    score = score_article(article(*pred), article(*gold), ARTICLE_TEXT)
    assert {(m.pred_index, m.gold_index) for m in score.matches} == {(0, 1), (1, 0)}
    assert score.metrics.event_recall_all == 1.0
