"""Deterministic rules: dates, counts, weapons, names, sentences, dedup (table-driven)."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.core.schema import EventType
from extractor.core.schema import WeaponType as W
from extractor.pipeline import rules
from extractor.pipeline.dedup import merge_duplicates, place_key
from extractor.pipeline.sentences import reference_date, split_sentences
from tests.conftest import build_event

TUE = dt.date(2024, 1, 23)


@pytest.mark.parametrize(
    ("when", "context", "reference", "expected"),
    [
        pytest.param("Sunday", "", TUE, "2024-01-21", id="weekday-before-reference"),
        pytest.param("Tuesday", "", TUE, "2024-01-23", id="weekday-is-reference-day"),
        pytest.param("Thursday evening", "", TUE, "2024-01-18", id="weekday-with-time"),
        pytest.param("Sunday", "", None, None, id="weekday-without-anchor"),
        pytest.param("late last month", "", TUE, "2023-12", id="last-month"),
        pytest.param(
            "January 3", "taken on January 13, 2020", None, "2020-01-03", id="year-from-text"
        ),
        pytest.param("July 16", "", TUE, "2023-07-16", id="month-day-in-the-past"),
        pytest.param("in 2020", "", None, "2020", id="year-only"),
        pytest.param("Jan. 5, 2022", "", None, "2022-01-05", id="full-date"),
        pytest.param(None, "On Sunday rockets hit", TUE, None, id="no-when"),
    ],
)
def test_resolve_date(
    when: str | None, context: str, reference: dt.date | None, expected: str | None
) -> None:
    assert rules.resolve_date(when, context, reference) == expected


@pytest.mark.parametrize(
    ("value", "text", "zero_allowed", "expected"),
    [
        pytest.param(5, "hit with five Katyusha rockets", False, 5, id="number-word"),
        pytest.param(17, "17 ballistic missiles and rockets", False, 17, id="digits"),
        pytest.param(8, "five rockets hit; three other rockets fell outside", False, 8, id="sum"),
        pytest.param(12, "at least a dozen missiles", False, 12, id="dozen"),
        pytest.param(4, "two rockets hit the base", False, None, id="invented"),
        pytest.param(0, "No casualties were reported", True, 0, id="zero-stated"),
        pytest.param(0, "rockets hit the base", False, None, id="zero-invented"),
        pytest.param(None, "five rockets", False, None, id="none"),
    ],
)
def test_grounded_count(
    value: int | None, text: str, zero_allowed: bool, expected: int | None
) -> None:
    assert rules.grounded_count(value, text, zero_allowed=zero_allowed) == expected


@pytest.mark.parametrize(
    ("proposed", "text", "expected"),
    [
        pytest.param([W.ROCKET, W.DRONE], "rockets hit the base", [W.ROCKET], id="drop-unnamed"),
        pytest.param([W.MISSILE], "17 ballistic missiles", [W.BALLISTIC_MISSILE], id="ballistic"),
        pytest.param(
            [W.AIRSTRIKE], "the U.S. military bombed a factory", [W.AIRSTRIKE], id="bombed"
        ),
        pytest.param([W.ROCKET], "Katyusha rockets", [W.ROCKET], id="katyusha"),
        pytest.param([], "drones", [], id="empty-stays-empty"),
    ],
)
def test_grounded_weapons(proposed: list[W], text: str, expected: list[W]) -> None:
    assert rules.grounded_weapons(proposed, text) == expected


def test_names_must_occur_in_the_text() -> None:
    text = "The Islamic Resistance in Iraq claimed the attack."
    assert rules.grounded_name("Islamic Resistance in Iraq", text) == "Islamic Resistance in Iraq"
    assert rules.grounded_name("Kataib Hezbollah", text) is None
    assert rules.grounded_name("  ", text) is None


def test_sentences_keep_exact_offsets_and_abbreviations() -> None:
    text = "Rockets hit a U.S. base on Monday. Brig. Gen. Pat Ryder said so.\nNext line here."
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Rockets hit a U.S. base on Monday.",
        "Brig. Gen. Pat Ryder said so.",
        "Next line here.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Washington (UPI) Mar 4, 2023 -\nRockets hit.", dt.date(2023, 3, 4), id="dateline"
        ),
        pytest.param(
            "A ceremony in Baghdad, Wednesday, Jan. 5, 2022. More.",
            dt.date(2022, 1, 5),
            id="weekday",
        ),
        pytest.param(
            "A picture taken on January 13, 2020 shows soldiers at the base.", None, id="photo"
        ),
    ],
)
def test_reference_date(text: str, expected: dt.date | None) -> None:
    assert reference_date(text) == expected


def test_snap_quote_finds_the_real_sentence() -> None:
    sentences = split_sentences("Rockets hit Camp Larch on Sunday. Nobody was hurt.")
    snapped = rules.snap_quote("rockets hit Camp Larch Sunday", sentences)
    assert snapped is not None and snapped.text == "Rockets hit Camp Larch on Sunday."
    assert rules.snap_quote("A totally different invented sentence about ships.", sentences) is None


def test_duplicates_merge_evidence_and_fill_gaps() -> None:
    a = build_event(location="Ain al-Asad Air Base", evidence=["one"], killed=None)
    b = build_event(location="al-Asad airbase", evidence=["two"], killed=3)
    c = build_event(location="Rumalyn", evidence=["three"])
    merged = merge_duplicates([a, b, c])
    assert [e.location for e in merged] == ["Ain al-Asad Air Base", "Rumalyn"]
    assert merged[0].evidence == ["one", "two"] and merged[0].killed == 3
    assert place_key("the Ain al-Asad Air Base") == "ain al asad"


@pytest.mark.parametrize(
    ("location", "context", "expected"),
    [
        pytest.param(
            "Rumalyn",
            "Five rockets were fired from northern Iraq towards a base in Rumalyn in Syria.",
            ("Syria", None),
            id="nearest-country",
        ),
        pytest.param(
            "Ain al-Asad air base",
            "A drone hit the Ain al-Asad air base in the western Iraqi province of Anbar.",
            ("Iraq", "Anbar"),
            id="adjective-and-province",
        ),
        pytest.param(
            "Arbil",
            "Missiles hit a base in Arbil, capital of Iraq's autonomous Kurdish region.",
            ("Iraq", "Kurdistan Region"),
            id="region-alias",
        ),
        pytest.param(
            "Camp Larch",
            "Rockets hit Camp Larch in Nineveh province.",
            (None, "Nineveh"),
            id="no-country-from-outside-knowledge",
        ),
        pytest.param("Camp Larch", "Rockets hit Camp Larch.", (None, None), id="nothing-stated"),
    ],
)
def test_place_facts(location: str, context: str, expected: tuple[str | None, str | None]) -> None:
    assert rules.place_facts(location, context) == expected


STATEMENT = (
    '"U.S. forces conducted strikes on three facilities," Central Command said. '
    '"These strikes targeted KH headquarters," it added.'
)
TWO_BASES = "Rockets hit a base in Anbar and one in Baghdad on Wednesday."
ONE_PLACE = "Two drones headed toward a facility housing U.S. advisors at Baghdad airport."


@pytest.mark.parametrize(
    ("a", "b", "merged"),
    [
        pytest.param(
            {"event_type": "strike", "location": "three facilities", "evidence": [STATEMENT]},
            {"event_type": "strike", "location": "KH headquarters", "evidence": [STATEMENT]},
            True,
            id="one-strike-whatever-it-hit",
        ),
        pytest.param(
            {"location": "a base in Anbar", "evidence": [TWO_BASES]},
            {"location": "Baghdad", "evidence": [TWO_BASES]},
            False,
            id="two-attacks-in-one-sentence",
        ),
        pytest.param(
            {"location": "facility housing U.S. advisors", "evidence": [ONE_PLACE]},
            {"location": "Baghdad airport", "evidence": [ONE_PLACE]},
            True,
            id="one-place-phrase",
        ),
        pytest.param(
            {
                "event_type": "strike",
                "location": "Qaim",
                "evidence": [STATEMENT],
                "date": "2024-01-02",
            },
            {
                "event_type": "strike",
                "location": "Jurf",
                "evidence": [STATEMENT],
                "date": "2024-01-03",
            },
            False,
            id="different-days",
        ),
    ],
)
def test_same_sentence_duplicates(a: dict[str, object], b: dict[str, object], merged: bool) -> None:
    events = merge_duplicates([build_event(**a), build_event(**b)])
    assert len(events) == (1 if merged else 2)


@pytest.mark.parametrize(
    ("phrase", "expected"),
    [
        ("minor damage", "minor damage"),
        ("damage to infrastructure", "damage to infrastructure"),
        ("no significant damage", None),
        ("injured several American troops", None),
        ("heart attack", None),
        (None, None),
    ],
)
def test_physical_damage(phrase: str | None, expected: str | None) -> None:
    assert rules.physical_damage(phrase) == expected


def test_first_mention_finds_where_the_article_places_it() -> None:
    article = "Rockets were fired. A drone hit Ain al Asad Air Base in Iraq. It was later cleared."
    assert rules.first_mention("the Ain al Asad base", article) == (
        "A drone hit Ain al Asad Air Base in Iraq."
    )
    assert rules.first_mention("the base", article) == ""


@pytest.mark.parametrize(
    ("value", "text", "harm", "expected"),
    [
        (4, "Four U.S. personnel suffered traumatic brain injuries.", "killed", None),
        (4, "Four U.S. personnel suffered traumatic brain injuries.", "injured", 4),
        (3, "The strike killed three militants, while two soldiers were wounded.", "killed", 3),
        (2, "The strike killed three militants, while two soldiers were wounded.", "killed", None),
        (2, "The strike killed three militants, while two soldiers were wounded.", "injured", 2),
        (6, "Four were wounded; two more were injured later.", "injured", 6),
        (0, "No casualties were reported.", "killed", 0),
    ],
)
def test_casualty_counts_need_their_harm_word_in_the_same_clause(
    value: int, text: str, harm: str, expected: int | None
) -> None:
    assert rules.casualty_count(value, text, rules.Harm(harm)) == expected


@pytest.mark.parametrize(
    ("value", "text", "expected"),
    [
        (3, "They hit three of the militia's sites in Iraq and two in Syria.", None),
        (85, "U.S. forces struck more than 85 targets with bombers.", None),
        (2, "Two rockets landed near the base.", 2),
        (3, "The ship shot down three cruise missiles and several drones.", 3),
        (8, "Five missiles hit the base and three fell outside it.", 8),
    ],
)
def test_projectile_counts_need_a_projectile_word_in_the_same_clause(
    value: int, text: str, expected: int | None
) -> None:
    assert rules.projectile_count(value, text) == expected


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("strike", "U.S. airstrikes hit depots in Syria.", ["airstrike"]),
        ("strike", "A U.S. drone strike killed two commanders.", ["drone"]),
        ("strike", "U.S. forces struck five sites.", []),
        ("attack", "Militants attacked the base days after U.S. airstrikes.", []),
    ],
)
def test_a_strikes_own_words_name_its_weapons(kind: str, text: str, expected: list[str]) -> None:
    assert [w.value for w in rules.strike_weapons(EventType(kind), text)] == expected
