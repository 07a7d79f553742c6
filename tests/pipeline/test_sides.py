"""Side-consistency rules: event type, perpetrator, aggregates (table-driven)."""

from __future__ import annotations

import pytest

from extractor.core.schema import EventType as T
from extractor.pipeline import sides

ARTICLE = "The attack was claimed by Saraya al-Nasr, Reuters reported, according to the Wire."


@pytest.mark.parametrize(
    ("proposed", "evidence", "expected"),
    [
        pytest.param(
            T.STRIKE, "U.S. troops shot down two drones over the base.", T.ATTACK, id="interception"
        ),
        pytest.param(T.STRIKE, "Rockets hit the base on Monday.", T.ATTACK, id="incoming-fire"),
        pytest.param(T.STRIKE, "U.S. jets bombed a depot near Qaim.", T.STRIKE, id="bombing"),
        pytest.param(
            T.STRIKE, "Artillery responded by firing six rounds.", T.STRIKE, id="artillery"
        ),
        pytest.param(T.ATTACK, "Drones struck the base.", T.ATTACK, id="attack-stays"),
    ],
)
def test_corrected_type(proposed: T, evidence: str, expected: T) -> None:
    assert sides.corrected_type(proposed, evidence) is expected


@pytest.mark.parametrize(
    ("perpetrator", "event_type", "target", "expected"),
    [
        pytest.param("Saraya al-Nasr", T.ATTACK, "U.S. forces", "Saraya al-Nasr", id="kept"),
        pytest.param("U.S. and Coalition troops", T.ATTACK, None, None, id="attack-by-own-side"),
        pytest.param("Saraya al-Nasr", T.STRIKE, None, None, id="strike-by-other-side"),
        pytest.param(
            "U.S. military", T.STRIKE, "Saraya al-Nasr", "U.S. military", id="strike-kept"
        ),
        pytest.param("Reuters", T.ATTACK, None, None, id="news-source"),
        pytest.param("the Wire", T.ATTACK, None, None, id="according-to"),
        pytest.param("Camp Larch", T.ATTACK, "Camp Larch", None, id="target-is-not-perpetrator"),
        pytest.param(None, T.ATTACK, None, None, id="none"),
    ],
)
def test_checked_perpetrator(
    perpetrator: str | None, event_type: T, target: str | None, expected: str | None
) -> None:
    assert sides.checked_perpetrator(perpetrator, event_type, target, ARTICLE) == expected


def test_aggregates_are_not_incidents() -> None:
    assert sides.is_aggregate("Iraq", ["In the past 24 hours, four areas in Iraq were attacked."])
    assert not sides.is_aggregate("Camp Larch", ["Since Monday, rockets hit Camp Larch."])
    assert not sides.is_aggregate("Iraq", ["Rockets hit a base in Iraq on Monday."])


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        pytest.param("Rockets hit a base hosting U.S. troops.", True, id="base"),
        pytest.param("U.S. jets bombed a depot near Qaim.", True, id="own-side"),
        pytest.param(
            "Israel confirmed its role in the killing of a commander in Beirut.", False, id="other"
        ),
    ],
)
def test_in_scope(evidence: str, expected: bool) -> None:
    assert sides.in_scope(evidence) is expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        pytest.param(
            "Iran has indicated that any retaliatory attack will involve its proxy forces.",
            True,
            id="hypothetical",
        ),
        pytest.param("The group vowed to keep up attacks on U.S. forces.", True, id="vow"),
        pytest.param(
            "Iraqi militants have historically targeted U.S. forces in Iraq.", True, id="history"
        ),
        pytest.param(
            "There have been more than 140 attacks on U.S. forces since October.", True, id="tally"
        ),
        pytest.param(
            "In the past 24 hours, four different areas where U.S. troops are have been attacked.",
            True,
            id="areas",
        ),
        pytest.param("Since Monday, rockets hit Camp Larch.", False, id="since-with-incident"),
        pytest.param(
            "Rockets hit Camp Larch on Monday and officials said they would respond.",
            False,
            id="incident-with-reaction",
        ),
        pytest.param(
            "The base has faced repeated attacks, including one late last month on Camp Larch.",
            False,
            id="tally-naming-one",
        ),
    ],
)
def test_reports_no_incident(sentence: str, expected: bool) -> None:
    assert sides.reports_no_incident(sentence) is expected


def test_unplaceable_attacks_are_country_only() -> None:
    assert sides.unplaceable(T.ATTACK, "Iraq")
    assert sides.unplaceable(T.ATTACK, " western Syria ")
    assert not sides.unplaceable(T.STRIKE, "Iraq")  # "airstrikes in Iraq" is a place for a strike
    assert not sides.unplaceable(T.ATTACK, "a base in Iraq")


def test_the_dateline_or_a_place_is_never_the_perpetrator() -> None:
    article = "ZARQA (Desert News) – Two rockets hit Camp Larch, home to U.S. troops."
    assert sides.checked_perpetrator("ZARQA (Desert News)", T.ATTACK, None, article) is None
    assert sides.checked_perpetrator("Desert News", T.ATTACK, None, article) is None
    assert sides.checked_perpetrator("Baghdad", T.ATTACK, None, article) is None
    kept = sides.checked_perpetrator("Saraya al-Nasr", T.ATTACK, None, article)
    assert kept == "Saraya al-Nasr"


@pytest.mark.parametrize(
    ("sentence", "tally"),
    [
        ("Militias have launched 165 attacks on U.S. bases since October.", True),
        ("The response has been restrained, with only eight strikes on depots.", True),
        ("Dozens of drone attacks have targeted the base this year.", True),
        ("The group claimed two attacks Tuesday using drones against the base.", False),
        ("Three rockets struck the base on Sunday, officials said.", False),
    ],
)
def test_counts_of_five_or_more_attacks_are_tallies(sentence: str, tally: bool) -> None:
    assert sides.reports_no_incident(sentence) is tally


@pytest.mark.parametrize(
    ("evidence", "side"),
    [
        ("U.S. forces conducted strikes against five sites.", "U.S. forces"),
        ("The coalition struck launch sites near Mayadeen.", "coalition"),
        ("American warplanes bombed a depot.", "American warplanes"),
        ("Jets bombed a depot, officials said.", None),
    ],
)
def test_the_acting_side_of_a_strike_is_read_from_its_sentences(
    evidence: str, side: str | None
) -> None:
    assert sides.acting_side(evidence) == side


@pytest.mark.parametrize(
    "name",
    ["Pentagon spokesman Jonathan Hoffman", "U.S. officials", "Defense Secretary Lloyd Austin",
     "Iraqi Ministry of Defense", "the Associated Press"],
)  # fmt: skip
def test_who_told_the_news_is_not_the_perpetrator(name: str) -> None:
    article = "Rockets hit Camp Larch, home to U.S. troops, on Monday."
    assert sides.checked_perpetrator(name, T.ATTACK, None, article) is None
