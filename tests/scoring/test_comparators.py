"""Named cases for normalisation, per-field comparators and the event similarity."""

from __future__ import annotations

from typing import Any

import pytest

from extractor.scoring import THRESHOLD, WEIGHTS, compare_values, dates_match, event_similarity
from extractor.scoring.normalize import normalize_place, normalize_text, quote_in_text
from tests.scoring.events import asad, rumalyn

SAME_PLACE = [
    ("Ain al-Asad air base", "Al-Assad Airbase"),
    ("Ain al-Asad air base", "Ain al Asad Air Base"),
    ("Al-Assad Airbase", "Ain al Asad Air Base"),
    ("Ain al-Asad", "Ain al-Assad"),
    ("al Asad Air Base in Iraq", "Ain al-Asad"),
    ("Erbil", "Arbil"),
    ("Tower 22", "Tower 22 in Jordan"),
    ("Baghdad airport", "Baghdad International Airport"),
]
DIFFERENT_PLACE = [
    ("Rumalyn", "Ain al-Asad"),
    ("Tower 22", "Tower 2"),
    ("Iraq", "Ain al-Asad air base, Iraq"),
    ("Syria", "Iraq"),
    ("Erbil", "Baghdad"),
]


@pytest.mark.parametrize(("a", "b"), SAME_PLACE, ids=" ~ ".join)
def test_place_variants_match(a: str, b: str) -> None:
    assert compare_values("location", a, b) == 1.0
    assert compare_values("location", b, a) == 1.0


@pytest.mark.parametrize(("a", "b"), DIFFERENT_PLACE, ids=" !~ ".join)
def test_different_places_do_not_match(a: str, b: str) -> None:
    assert compare_values("location", a, b) == 0.0


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Ain al-Asad Air Base", "ain asad"),
        ("Al-Assad Airbase", "asad"),
        ("the air base", "air base"),  # only generic words: kept
        ("Iraq", "iraq"),
    ],
)
def test_normalize_place(raw: str, normal: str) -> None:
    assert normalize_place(raw) == normal


def test_normalize_text_drops_accents_case_punctuation_and_articles() -> None:
    assert normalize_text("The U.S.-led Coalition's Base, Qā'im") == "us led coalitions base qaim"


FIELD_CASES: list[tuple[str, str, Any, Any, float]] = [
    ("enum equal", "perpetrator_status", "claimed", "claimed", 1.0),
    ("enum differs", "perpetrator_status", "claimed", "attributed", 0.0),
    ("int equal", "injured", 5, 5, 1.0),
    ("int differs", "injured", 4, 5, 0.0),
    ("null vs 0", "killed", None, 0, 0.0),
    ("0 vs null", "killed", 0, None, 0.0),
    ("null vs null", "killed", None, None, 1.0),
    ("weapons overlap", "weapon_types", ["rocket", "drone"], ["rocket"], 2 / 3),
    ("weapons both empty", "weapon_types", [], [], 1.0),
    ("weapons one empty", "weapon_types", [], ["rocket"], 0.0),
    ("weapons disjoint", "weapon_types", ["mortar"], ["rocket"], 0.0),
    ("string vs null", "perpetrator", "Kataib Hezbollah", None, 0.0),
    ("string null vs null", "damage", None, None, 1.0),
    (
        "string article",
        "perpetrator",
        "the Islamic Resistance in Iraq",
        "Islamic Resistance in Iraq",
        1.0,
    ),
    ("string contained", "date_text", "Thursday", "Thursday evening", 1.0),
    ("string other", "perpetrator", "Kataib Hezbollah", "Islamic Resistance in Iraq", 0.0),
    ("negation guard", "damage", "no damage", "minor damage", 0.0),
    ("number guard", "date_text", "January 3", "January 4", 0.0),
    ("admin1 generic word", "admin1", "Anbar province", "Anbar", 1.0),
    ("country case", "country", "iraq", "Iraq", 1.0),
    ("date equal", "date", "2024-01-23", "2024-01-23", 1.0),
    ("date in gold month", "date", "2024-01-23", "2024-01", 1.0),
    ("date less precise than gold", "date", "2024-01", "2024-01-23", 0.0),
    ("date in gold year", "date", "2024-06", "2024", 1.0),
    ("date other month", "date", "2024-02-01", "2024-01", 0.0),
    ("date null vs date", "date", None, "2024-01", 0.0),
    ("date null vs null", "date", None, None, 1.0),
]


@pytest.mark.parametrize(
    ("field", "pred", "gold", "expected"),
    [case[1:] for case in FIELD_CASES],
    ids=[case[0] for case in FIELD_CASES],
)
def test_field_comparator(field: str, pred: Any, gold: Any, expected: float) -> None:
    assert compare_values(field, pred, gold) == pytest.approx(expected)


def test_dates_match_is_not_a_plain_prefix() -> None:
    assert not dates_match("2024-11", "2024-1")  # not a valid date, but never a prefix hit
    assert dates_match("2024-01-02", "2024-01")


def test_weights_sum_to_one_and_threshold_in_range() -> None:
    assert sum(WEIGHTS.values()) == pytest.approx(1.0)
    assert 0 < THRESHOLD < 1


SIMILARITY_CASES = [
    ("identical", asad(), asad(), 1.0),
    ("other type", asad(event_type="strike"), asad(), 0.0),
    ("same place, other day", asad(date="2024-01-21"), asad(), 0.75),  # 0.6 + 0 + 0.15
    ("no dates at all", asad(date=None, date_text=None), asad(date=None, date_text=None), 0.875),
    ("one weapon set empty", asad(weapon_types=[]), asad(), 0.925),  # 0.6 + 0.25 + 0.075
]


@pytest.mark.parametrize(
    ("pred", "gold", "expected"),
    [case[1:] for case in SIMILARITY_CASES],
    ids=[case[0] for case in SIMILARITY_CASES],
)
def test_event_similarity(pred: Any, gold: Any, expected: float) -> None:
    assert event_similarity(pred, gold) == pytest.approx(expected)


def test_other_place_same_day_and_weapon_stays_under_threshold() -> None:
    same = {"date": "2024-01-20", "weapon_types": ["rocket"]}
    assert event_similarity(rumalyn(**same), asad(**same)) < THRESHOLD


def test_quote_in_text_normalises_whitespace_only() -> None:
    text = "Rockets hit the base on Thursday."
    assert quote_in_text("hit  the\nbase", text)
    assert not quote_in_text("Hit the base", text)
