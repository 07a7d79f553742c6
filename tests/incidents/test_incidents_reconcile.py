"""One record per incident: each reconcile rule, the conflicts and who said each value."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.incidents import build_incident
from extractor.incidents.dates import Window
from extractor.incidents.reconcile import reconcile_count, reconcile_date, shared_days
from tests.incidents.helpers import report

D = dt.date


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


def test_without_own_dates_the_words_read_against_each_reference_decide() -> None:
    friday = report(
        "a", event_type="strike", location="Iraq", date_text="late Friday", published="2024-02-04"
    )
    feb = report(
        "b", event_type="strike", location="Iraq", date_text="Feb. 02", published="2024-02"
    )
    assert build_incident([friday, feb]).event.date == "2024-02-02"
    vague = report("c", event_type="strike", location="Iraq", published="2024-02-04")
    assert build_incident([vague]).event.date is None  # the week before publication: no date
    month = report(
        "d", event_type="strike", location="Iraq", date_text="last week", published="2024-02-20"
    )
    assert build_incident([month]).event.date == "2024-02"


@pytest.mark.parametrize(
    ("windows", "expected"),
    [
        pytest.param(
            [("2024-01-10", "2024-01-20"), ("2024-01-20", "2024-01-25")],
            "2024-01-20",
            id="one-day-shared",
        ),
        pytest.param([("2024-01-10", "2024-01-20"), None], "2024-01", id="one-month"),
        pytest.param([("2024-01-28", "2024-02-03")], None, id="spans-two-months"),
        pytest.param(
            [("2024-01-01", "2024-01-02"), ("2024-01-05", "2024-01-06")], None, id="no-day-shared"
        ),
        pytest.param([None], None, id="nothing-known"),
    ],
)
def test_shared_days(windows: list, expected: str | None) -> None:
    known = [Window(D.fromisoformat(w[0]), D.fromisoformat(w[1])) if w else None for w in windows]
    assert shared_days(known) == expected


def test_a_country_and_a_place_in_it_are_no_location_conflict() -> None:
    jordan = report("a", location="Jordan", country="Jordan", killed=3)
    tower = report("b", location="Tower 22 base", country="Jordan", killed=3)
    assert build_incident([jordan, tower]).conflicts == []
    assert build_incident([jordan, tower]).event.location == "Tower 22 base"
