"""Small builders of valid events for the scoring tests."""

from __future__ import annotations

from typing import Any

from extractor.core.schema import ArticleEvents, Event

ARTICLE_ID = "art"

_AIN_AL_ASAD: dict[str, Any] = {
    "event_type": "attack",
    "salience": "main",
    "date": "2024-01-20",
    "date_text": "Saturday",
    "location": "Ain al-Asad Air Base",
    "country": "Iraq",
    "admin1": "Anbar",
    "weapon_types": ["missile"],
    "projectiles": 4,
    "intercepted": 2,
    "perpetrator": "Islamic Resistance in Iraq",
    "perpetrator_status": "claimed",
    "target": "U.S. forces",
    "killed": None,
    "injured": 3,
    "damage": None,
    "summary": "Missiles hit Ain al-Asad.",
    "evidence": ["missiles hit the base"],
}
"""13 filled slots (killed and damage are null)."""

_RUMALYN: dict[str, Any] = {
    "event_type": "attack",
    "salience": "main",
    "date": "2024-01-21",
    "date_text": "Sunday",
    "location": "Rumalyn",
    "country": "Syria",
    "admin1": None,
    "weapon_types": ["drone"],
    "projectiles": None,
    "intercepted": None,
    "perpetrator": None,
    "perpetrator_status": "unknown",
    "target": "coalition forces",
    "killed": 0,
    "injured": 0,
    "damage": "minor damage",
    "summary": "A drone attacked Rumalyn.",
    "evidence": ["a drone attacked Rumalyn"],
}
"""11 filled slots."""


def asad(**changes: Any) -> Event:
    """The Ain al-Asad missile attack of 2024-01-20, with `changes` applied."""
    return Event.model_validate({**_AIN_AL_ASAD, **changes})


def rumalyn(**changes: Any) -> Event:
    """The Rumalyn drone attack of 2024-01-21, with `changes` applied."""
    return Event.model_validate({**_RUMALYN, **changes})


def article(*events: Event) -> ArticleEvents:
    """An `ArticleEvents` for the test article."""
    return ArticleEvents(article_id=ARTICLE_ID, events=list(events))


ARTICLE_TEXT = "Officials said missiles hit the base on Saturday; a drone attacked Rumalyn."
"""Contains every default evidence quote."""
