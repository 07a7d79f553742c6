"""Which reports of different articles are one incident: one named case per rule."""

from __future__ import annotations

import itertools

import pytest

from extractor.incidents import cluster, compare, explain
from extractor.incidents.across import Report
from tests.incidents.helpers import report

A_DAY = {"date": "2024-01-14"}


@pytest.mark.parametrize(
    ("a", "b", "joined", "reason"),
    [
        pytest.param(
            report("a", location="Ain al-Asad Air Base", **A_DAY),
            report("b", location="Al-Assad Airbase", date_text="Sunday", published="2024-01-15"),
            True,
            "same place",
            id="one-place-narrow-days",
        ),
        pytest.param(
            report("a", location="Camp Larch", **A_DAY),
            report("b", location="Camp Larch", date="2024-01-15"),
            True,
            "days agree",
            id="a-day-apart-is-one-day",
        ),
        pytest.param(
            report("a", location="Camp Larch", **A_DAY),
            report("b", location="Camp Larch", date="2024-01-17"),
            False,
            "days differ",
            id="three-days-apart",
        ),
        pytest.param(
            report("a", location="Camp Larch", **A_DAY),
            report("b", location="Camp Larch", event_type="strike", **A_DAY),
            False,
            "different sides",
            id="attack-vs-strike",
        ),
        pytest.param(
            report("a", location="Ain al-Asad", **A_DAY),
            report("b", location="al-Tanf garrison", **A_DAY),
            False,
            "different places",
            id="two-bases",
        ),
        pytest.param(
            report("a", location="Camp Larch", **A_DAY),
            report("a", location="Camp Larch", **A_DAY, index=1),
            False,
            "same article",
            id="one-article",
        ),
        pytest.param(
            report("a", location="K1 airbase", date_text="Friday evening", killed=1),
            report("b", location="a base near Kirkuk", date="2019-12-27", killed=1),
            True,
            "same killed 1",
            id="weekday-and-casualties",
        ),
        pytest.param(
            report("a", location="K1 airbase", date_text="Friday evening"),
            report("b", location="a base near Kirkuk", date="2019-12-27"),
            False,
            "only a weekday",
            id="weekday-alone",
        ),
        pytest.param(
            report("a", location="K1 airbase", date_text="Friday", projectiles=2),
            report("b", location="a base near Kirkuk", date="2019-12-27", projectiles=2),
            False,
            "only a weekday",
            id="weekday-projectiles-in-a-region",
        ),
        pytest.param(
            report("a", location="al-Tanf", date_text="Wednesday", projectiles=2),
            report("b", location="Al-Tanf Garrison", date="2023-10-19", projectiles=2),
            True,
            "weekday fits",
            id="weekday-projectiles-at-one-place",
        ),
        pytest.param(
            report(
                "a", location="Camp Larch", date_text="Friday", killed=1, weapon_types=["drone"]
            ),
            report(
                "b", location="Camp Larch", date="2019-12-27", killed=1, weapon_types=["rocket"]
            ),
            False,
            "weapons that differ",
            id="weekday-weapons-differ",
        ),
        pytest.param(
            report("a", location="Camp Larch", date_text="Tuesday", killed=1),
            report("b", location="Camp Larch", date="2019-12-27", killed=1),
            False,
            "weekday does not fit",
            id="weekday-clash",
        ),
        pytest.param(
            report("a", location="Camp Larch", date_text="Monday", killed=1),
            report("b", location="Camp Larch", date_text="Monday", killed=1),
            False,
            "neither is on the calendar",
            id="two-weekdays-no-calendar",
        ),
        pytest.param(
            report("a", location="Iraq", event_type="strike", date="2024-02-02"),
            report(
                "b",
                location="Iraq",
                event_type="strike",
                date_text="late Friday",
                published="2024-02-04",
            ),
            True,
            "same country",
            id="strike-in-a-country",
        ),
        pytest.param(
            report("a", location="Iraq", event_type="strike", date="2024-02-02"),
            report("b", location="Syria", country="Syria", event_type="strike", date="2024-02-02"),
            False,
            "different countries",
            id="strike-in-two-countries",
        ),
        pytest.param(
            report("a", location="Syria", country="Syria", **A_DAY),
            report("b", location="Conoco", country="Syria", **A_DAY),
            False,
            "placed only by its country",
            id="attack-by-country-alone",
        ),
        pytest.param(
            report(
                "a",
                location="Jordan",
                country="Jordan",
                date_text="last week",
                killed=3,
                published="2024-02-04",
            ),
            report("b", location="Tower 22 base", country="Jordan", date="2024-01-28", killed=3),
            True,
            "same killed 3",
            id="attack-by-country-with-a-count",
        ),
        pytest.param(
            report("a", location="Camp Larch", date_text="last month", published="2024-02-04"),
            report("b", location="Camp Larch", date="2024-01-20"),
            False,
            "days not narrow",
            id="a-month-without-a-count",
        ),
        pytest.param(
            report(
                "a",
                location="Camp Larch",
                date_text="last month",
                published="2024-02-04",
                injured=4,
            ),
            report("b", location="Camp Larch", date="2024-01-20", injured=4),
            True,
            "same injured 4",
            id="a-month-with-a-count",
        ),
        pytest.param(
            report(
                "a", location="Camp Larch", salience="background", published="2024-02-04", injured=4
            ),
            report("b", location="Camp Larch", date="2023-05-20", injured=4),
            False,
            "no calendar day",
            id="two-years-is-no-day",
        ),
        pytest.param(
            report(
                "a",
                location="Red Sea near the coast of Hudayah",
                country=None,
                date_text="Sunday",
                projectiles=1,
            ),
            report("b", location="Red Sea", country=None, date="2024-01-14", projectiles=1),
            True,
            "both name Red Sea",
            id="a-place-in-common",
        ),
    ],
)
def test_compare(a: Report, b: Report, joined: bool, reason: str) -> None:
    verdict = compare(a, b)
    assert verdict.joined is joined, verdict.reasons
    assert any(reason in r for r in verdict.reasons), verdict.reasons
    assert compare(b, a).joined is joined


def test_cluster_never_chains_through_a_clash() -> None:
    # b joins a (a day apart) and c (a day apart), but a and c are two days apart
    a = report("a", location="Camp Larch", date="2024-01-13", killed=1)
    b = report("b", location="Camp Larch", date="2024-01-14", killed=1)
    c = report("c", location="Camp Larch", date="2024-01-15")
    groups = cluster([a, b, c])
    assert sorted(len(g) for g in groups) == [1, 2]
    assert [a, b] in groups
    [line] = [x for x in explain([a, b, c]) if x.startswith("JOINED b#1 ~ c#1")]
    assert line.endswith(
        "but kept in two incidents: a#1 and c#1, already in their incidents, clash: "
        "days differ (2024-01-13 / 2024-01-15)"
    )


def test_two_events_of_one_article_share_an_incident_only_through_another() -> None:
    wed = report("a", location="Al-Tanf", date="2023-10-18", projectiles=2)
    earlier = report(
        "a",
        index=1,
        location="Al-Tanf Garrison",
        date_text="earlier in the day",
        published="2023-10-19",
    )
    other = report("b", location="al-Tanf garrison", date="2023-10-19", projectiles=2)
    assert not compare(wed, earlier).joined
    assert cluster([wed, earlier, other]) == [[wed, earlier, other]]
    apart = report("a", index=2, location="Al-Tanf", date="2023-10-10")
    assert apart not in cluster([wed, apart, other])[0]


def test_cluster_is_order_free() -> None:
    reports = [
        report("a", location="Camp Larch", date="2024-01-14"),
        report("b", location="Camp Larch", date_text="Sunday", published="2024-01-15"),
        report("c", location="Erbil", date="2024-01-14"),
        report("d", location="Erbil airport", date="2024-01-14"),
        report("e", location="Iraq", event_type="strike", date="2024-01-14"),
    ]
    expected = {frozenset(r.key for r in g) for g in cluster(reports)}
    for order in itertools.permutations(reports):
        assert {frozenset(r.key for r in g) for g in cluster(list(order))} == expected
    assert len(expected) == 4


def test_explain_lists_joins_and_near_misses_only() -> None:
    a = report("a", location="Camp Larch", date="2024-01-14")
    b = report("b", location="Camp Larch", date="2024-01-14")
    c = report("c", location="Camp Larch", date="2024-03-01")
    d = report("d", location="Erbil", date="2024-01-14")
    lines = explain([a, b, c, d])
    assert lines[0].startswith("JOINED a#1 ~ b#1: same place")
    assert any(line.startswith("APART  a#1 ~ c#1") and "days differ" in line for line in lines)
    assert not any("d#1" in line for line in lines)
