"""One record per incident: each reconcile rule, the conflicts and who said each value."""

from __future__ import annotations

import pytest

from extractor.incidents import build_incident
from extractor.incidents.reconcile import reconcile_count, reconcile_date
from tests.incidents.helpers import report


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        pytest.param(["2024-08-09", "2024-08"], "2024-08-09", id="day-inside-month"),
        pytest.param(["2024-08", "2024"], "2024-08", id="month-inside-year"),
        pytest.param(["2023-10-18", "2023-10-19"], "2023-10", id="days-clash-month-shared"),
        pytest.param(["2023-12-31", "2024-01-01"], None, id="days-clash-across-years"),
        pytest.param(["2023-12-31", "2024-01"], None, id="day-outside-month"),
        pytest.param(["2023-10-18", "2023-11-02", "2023"], "2023", id="year-shared"),
        pytest.param([], None, id="no-date"),
    ],
)
def test_reconcile_date(dates: list[str], expected: str | None) -> None:
    assert reconcile_date(dates) == expected
    assert reconcile_date(list(reversed(dates))) == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [([1, 1, 18], 1), ([4, 34], 4), ([40, 34, 40], 40), ([0], 0), ([], None)],
    ids=["most-sources", "tie-takes-lower", "majority-over-lower", "zero-is-a-count", "none"],
)
def test_reconcile_count(values: list[int], expected: int | None) -> None:
    assert reconcile_count(values) == expected


def test_incident_fields_members_and_conflicts() -> None:
    afp = report(
        "afp",
        location="a base near Kirkuk",
        date="2019-12-27",
        killed=1,
        perpetrator="Kataib Hezbollah",
        perpetrator_status="attributed",
        weapon_types=["rocket"],
        evidence=["One contractor was killed."],
    )
    gov = report(
        "gov",
        location="K-1 Air Base",
        date="2019-12",
        killed=1,
        injured=18,
        perpetrator="KH",
        perpetrator_status="claimed",
        weapon_types=["rocket", "mortar"],
        evidence=["One killed, 18 wounded.", "Rockets struck K-1."],
    )
    third = report("third", location="K1 airbase", date=None, killed=2, salience="background")
    incident = build_incident([afp, gov, third])
    event = incident.event
    assert incident.n_sources == 3 and incident.incident_id.startswith("inc-")
    assert event.date == "2019-12-27" and event.killed == 1 and event.injured == 18
    assert event.location == "K-1 Air Base" and event.admin1 == "Kirkuk"
    assert event.perpetrator == "KH" and event.perpetrator_status.value == "claimed"
    assert [w.value for w in event.weapon_types] == ["rocket", "mortar"]
    assert event.salience.value == "main" and event.summary == gov.event.summary
    assert event.evidence[:2] == ["One contractor was killed.", "One killed, 18 wounded."]
    assert [m.article_id for m in incident.members] == ["afp", "gov", "third"]
    assert incident.members[0].outlet == "Outlet afp" and incident.members[0].url
    conflicts = {c.field: c for c in incident.conflicts}
    assert set(conflicts) == {"date", "weapon_types", "perpetrator", "perpetrator_status", "killed"}
    killed = {v.value: v.sources for v in conflicts["killed"].values}
    assert killed == {1: ["Outlet afp (afp)", "Outlet gov (gov)"], 2: ["Outlet third (third)"]}


def test_spellings_of_one_place_are_no_conflict() -> None:
    a = report("a", location="al-Tanf garrison", target="U.S. forces", date="2023-10-19")
    b = report("b", location="Al-Tanf base", target="U.S. Forces", date="2023-10-19")
    assert build_incident([a, b]).conflicts == []
    c = report("c", location="Conoco", target="U.S. forces", date="2023-10-19")
    assert [c.field for c in build_incident([a, c]).conflicts] == ["location"]


def test_incident_id_is_stable_whatever_the_order() -> None:
    a, b = report("a", location="Camp Larch"), report("b", location="Camp Larch")
    assert build_incident([a, b]).incident_id == build_incident([b, a]).incident_id
    assert build_incident([a]).incident_id != build_incident([a, b]).incident_id
