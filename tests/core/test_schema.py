"""The event contract: field names, enums, null semantics and date precision."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from extractor.cli import app
from extractor.core.schema import ArticleEvents, Event, schema_hash

MINIMAL = {
    "event_type": "attack",
    "salience": "main",
    "date": None,
    "date_text": None,
    "location": "Rumalyn",
    "country": None,
    "admin1": None,
    "weapon_types": [],
    "projectiles": None,
    "intercepted": None,
    "perpetrator": None,
    "perpetrator_status": "unknown",
    "target": None,
    "killed": None,
    "injured": None,
    "damage": None,
    "summary": "Rockets hit a base.",
    "evidence": ["Rockets hit a base."],
}


def test_field_names_are_the_contract() -> None:
    assert list(Event.model_fields) == list(MINIMAL)
    assert list(ArticleEvents.model_fields) == ["article_id", "events"]


@pytest.mark.parametrize(
    ("date", "ok"),
    [
        ("2024", True),
        ("2024-01", True),
        ("2024-01-23", True),
        ("2024-02-30", False),
        ("2024-13", False),
        ("Jan 23, 2024", False),
        ("2024-1-3", False),
        (None, True),
    ],
)
def test_date_precision_forms(date: str | None, ok: bool) -> None:
    record = dict(MINIMAL, date=date)
    if ok:
        assert Event.model_validate(record).date == date
    else:
        with pytest.raises(ValidationError):
            Event.model_validate(record)


@pytest.mark.parametrize(
    "change",
    [
        {"event_type": "bombing"},
        {"weapon_types": ["laser"]},
        {"perpetrator_status": "suspected"},
        {"killed": -1},
        {"evidence": []},
        {"nickname": "extra field"},
    ],
    ids=["bad-type", "bad-weapon", "bad-status", "negative-count", "no-evidence", "extra"],
)
def test_invalid_events_are_rejected(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Event.model_validate(dict(MINIMAL, **change))


def test_zero_and_null_are_different_values() -> None:
    assert Event.model_validate(dict(MINIMAL, killed=0)).killed == 0
    assert Event.model_validate(MINIMAL).killed is None


def test_duplicate_weapons_collapse() -> None:
    event = Event.model_validate(dict(MINIMAL, weapon_types=["rocket", "rocket", "drone"]))
    assert [w.value for w in event.weapon_types] == ["rocket", "drone"]


def test_schema_command_prints_json_schema() -> None:
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert schema["title"] == "ArticleEvents"
    assert "Event" in schema["$defs"]
    assert len(schema_hash()) == 16
