"""`field_summary`: one sentence from an event's fields, never a quote, nothing invented."""

from __future__ import annotations

from typing import Any

import pytest

from extractor.pipeline.summaries import MAX_SUMMARY_CHARS, field_summary
from tests.conftest import build_event

CASES: dict[str, tuple[dict[str, Any], str]] = {
    "an attack with every field": (
        {
            "location": "Tower 22",
            "country": "Jordan",
            "date": "2024-01-28",
            "weapon_types": ["drone"],
            "projectiles": None,
            "perpetrator": "Islamic Resistance in Iraq",
            "perpetrator_status": "attributed",
            "killed": 3,
            "injured": 40,
        },
        "Attack at Tower 22, Jordan, on 2024-01-28 with drones, attributed to Islamic "
        "Resistance in Iraq: 3 killed, 40 injured.",
    ),
    "a claimed strike": (
        {
            "event_type": "strike",
            "location": "Jurf al Sakhar",
            "admin1": "Babil",
            "date": "2024-07-30",
            "weapon_types": ["airstrike"],
            "projectiles": None,
            "perpetrator": "U.S. forces",
            "perpetrator_status": "claimed",
            "killed": 4,
        },
        "Strike at Jurf al Sakhar, Babil, Iraq, on 2024-07-30 with airstrikes, claimed by "
        "U.S. forces: 4 killed.",
    ),
    "only a weekday, counts of projectiles, nobody hurt": (
        {
            "date_text": "Sunday",
            "weapon_types": ["rocket", "drone"],
            "projectiles": 3,
            "intercepted": 2,
            "killed": 0,
            "injured": 0,
        },
        "Attack at Camp Larch, Iraq (Sunday) with rockets and drones (3 launched, 2 "
        "intercepted): no casualties.",
    ),
    "unknowns are left out": (
        {
            "date_text": None,
            "country": None,
            "weapon_types": [],
            "projectiles": None,
            "location": "near Qaim",
        },
        "Attack near Qaim.",
    ),
    "a place with its country, then the weapons": (
        {
            "event_type": "strike",
            "location": "Jurf al Sakhar",
            "date_text": None,
            "weapon_types": ["airstrike"],
        },
        "Strike at Jurf al Sakhar, Iraq, with airstrikes (2 launched).",
    ),
    "a strike placed only by its country": (
        {"event_type": "strike", "location": "Syria", "country": "Syria", "date": "2024-02"},
        "Strike in Syria in 2024-02 with rockets (2 launched).",
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_field_summary(name: str) -> None:
    fields, expected = CASES[name]
    summary = field_summary(build_event(**fields))
    assert summary == expected
    assert summary.count(". ") == 0 or "U.S." in summary  # one sentence


def test_a_summary_is_never_longer_than_the_schema_allows() -> None:
    event = build_event(location="X" * 300, perpetrator="Y" * 300, target="Z" * 300)
    assert len(field_summary(event)) <= MAX_SUMMARY_CHARS
