"""The event contract: `Event` and `ArticleEvents`, exactly as ../shared/SCHEMA.md names them.

Gold files contain only these fields. Model outputs may carry more (provenance, evidence
offsets) in the wrapper types defined at the bottom of this module, which the scorer ignores.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

SCHEMA_VERSION = "1.0"

_ISO_PARTIAL = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


class EventType(StrEnum):
    """Who acted: hostile action against U.S./coalition forces, or action by them."""

    ATTACK = "attack"
    STRIKE = "strike"


class Salience(StrEnum):
    """`main`: the news the article reports; `background`: earlier incidents for context."""

    MAIN = "main"
    BACKGROUND = "background"


class WeaponType(StrEnum):
    """Closed list of weapon kinds named by the text."""

    ROCKET = "rocket"
    MISSILE = "missile"
    BALLISTIC_MISSILE = "ballistic_missile"
    DRONE = "drone"
    MORTAR = "mortar"
    INDIRECT_FIRE = "indirect_fire"
    ARTILLERY = "artillery"
    AIRSTRIKE = "airstrike"
    EXPLOSIVE = "explosive"
    SMALL_ARMS = "small_arms"


class PerpetratorStatus(StrEnum):
    """`claimed` by the actor itself, `attributed` by officials or the article, or `unknown`."""

    CLAIMED = "claimed"
    ATTRIBUTED = "attributed"
    UNKNOWN = "unknown"


NonNegativeInt = Annotated[int, Field(ge=0, le=100_000)]
ShortText = Annotated[str, Field(min_length=1, max_length=300)]
Quote = Annotated[str, Field(min_length=1, max_length=1000)]


def validate_partial_date(value: str | None) -> str | None:
    """Accept `YYYY`, `YYYY-MM` or `YYYY-MM-DD` naming a real calendar date, or None."""
    if value is None:
        return None
    if not _ISO_PARTIAL.match(value):
        raise ValueError(f"date must be YYYY, YYYY-MM or YYYY-MM-DD, got {value!r}")
    parts = [int(p) for p in value.split("-")]
    year, month, day = [*parts, 1, 1][:3]
    try:
        dt.date(year, month, day)
    except ValueError as exc:
        raise ValueError(f"not a calendar date: {value!r}") from exc
    return value


class Event(BaseModel):
    """One kinetic incident at one place on one day, with one attacking side."""

    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    event_type: EventType
    salience: Salience
    date: str | None = Field(description="ISO 8601 YYYY, YYYY-MM or YYYY-MM-DD, or null")
    date_text: ShortText | None = Field(description="the article's own words for when")
    location: ShortText = Field(description="the place attacked or struck, as named")
    country: ShortText | None
    admin1: ShortText | None
    weapon_types: list[WeaponType] = Field(default_factory=list, max_length=10)
    projectiles: NonNegativeInt | None
    intercepted: NonNegativeInt | None
    perpetrator: ShortText | None
    perpetrator_status: PerpetratorStatus
    target: ShortText | None
    killed: NonNegativeInt | None
    injured: NonNegativeInt | None
    damage: ShortText | None
    summary: Annotated[str, Field(min_length=1, max_length=600)]
    evidence: list[Quote] = Field(min_length=1, max_length=12)

    @field_validator("date")
    @classmethod
    def _check_date(cls, value: str | None) -> str | None:
        return validate_partial_date(value)

    @field_validator("weapon_types")
    @classmethod
    def _unique_weapons(cls, value: list[WeaponType]) -> list[WeaponType]:
        return list(dict.fromkeys(value))


class ArticleEvents(BaseModel):
    """All events extracted from (or labelled in) one article."""

    model_config = ConfigDict(extra="forbid")

    article_id: Annotated[str, Field(min_length=1, max_length=200)]
    events: list[Event] = Field(default_factory=list)


@functools.cache
def schema_hash(model: type[BaseModel] = ArticleEvents) -> str:
    """Short content hash of a model's JSON Schema; part of every cache key.

    Cached: generating a JSON Schema costs milliseconds and the runner asks per article.
    """
    text = json.dumps(model.model_json_schema(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def json_schema() -> dict[str, Any]:
    """The JSON Schema of `ArticleEvents` (what `extractor schema` prints)."""
    return ArticleEvents.model_json_schema()
