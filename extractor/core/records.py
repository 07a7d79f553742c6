"""Output record types: what `extractor extract` writes, one line per article.

    ExtractionRecord                one article that was extracted
    ├── article_id
    ├── events: [GroundedEvent]     an `Event` plus evidence_spans, grounded and review flags
    ├── grounding: GroundingStats   quotes found / total
    ├── provenance: Provenance      backend, model, mode, prompt and schema versions, cost
    └── source: SourceMetadata      url, published (ISO date), outlet, title; or null
    FailureRecord                   one article (or input path) that could not be extracted

The scorer reads `article_id` and the `Event` fields of each event and ignores the rest,
so these records load wherever an `ArticleEvents` is expected (after dropping extras).
"""

from __future__ import annotations

import datetime
import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from extractor.core.schema import SCHEMA_VERSION, Event

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def check_iso_date(value: str) -> datetime.date:
    """The date `value` names, when it is exactly `YYYY-MM-DD`; else `ValueError` (one line)."""
    try:
        if ISO_DATE.fullmatch(value):
            return datetime.date.fromisoformat(value)
    except ValueError:
        pass
    raise ValueError(f"published {value!r} is not an ISO date (YYYY-MM-DD)")


class SourceMetadata(BaseModel):
    """Where an article came from, as its input said (JSONL / CSV columns); all optional.

    `published` is an ISO date (`YYYY-MM-DD`): a pipeline may take it as the reference
    date for relative dates ("on Sunday"). Nothing here is checked against the text.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = None
    published: str | None = None
    outlet: str | None = None
    title: str | None = None

    @field_validator("published")
    @classmethod
    def _iso_date(cls, value: str | None) -> str | None:
        if value is not None:
            check_iso_date(value)
        return value

    @property
    def published_date(self) -> datetime.date | None:
        """`published` as a date, or None."""
        return datetime.date.fromisoformat(self.published) if self.published else None


class MatchKind(StrEnum):
    """How an evidence quote was found in the article text."""

    EXACT = "exact"
    NORMALIZED = "normalized"
    FUZZY = "fuzzy"
    NONE = "none"


class EvidenceSpan(BaseModel):
    """One evidence quote and where it sits in the article: `text[start:end]`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    quote: str
    start: int | None = None
    end: int | None = None
    match: MatchKind = MatchKind.NONE
    score: float = Field(default=0.0, ge=0.0, le=100.0)

    @property
    def found(self) -> bool:
        """True when the quote was located in the article."""
        return self.match is not MatchKind.NONE


OUTPUT_ONLY_FIELDS = frozenset({"evidence_spans", "grounded", "needs_review", "review_reasons"})
"""The fields a `GroundedEvent` adds to the contract's `Event`."""


class GroundedEvent(Event):
    """An `Event` with its evidence quotes aligned to character offsets, and whether a person
    should check it (`extractor.review`: the reasons, one short line each)."""

    evidence_spans: list[EvidenceSpan] = Field(default_factory=list)
    grounded: bool = False
    needs_review: bool = False
    review_reasons: list[str] = Field(default_factory=list)

    def to_event(self) -> Event:
        """The plain contract `Event`, without grounding and review fields."""
        return Event.model_validate(self.model_dump(exclude=set(OUTPUT_ONLY_FIELDS)))


class GroundingStats(BaseModel):
    """How many evidence quotes of one article were found in its text."""

    model_config = ConfigDict(extra="forbid")

    quotes: int = 0
    found: int = 0

    @property
    def rate(self) -> float:
        """Share of quotes found; 1.0 when there were none to find."""
        return self.found / self.quotes if self.quotes else 1.0


class TokenCounts(BaseModel):
    """Tokens spent on one article, failed attempts and re-asks included."""

    model_config = ConfigDict(extra="forbid")

    prompt: int = 0
    completion: int = 0
    total: int = 0


class Provenance(BaseModel):
    """How a record was made: enough to reproduce it and to know what it cost."""

    model_config = ConfigDict(extra="forbid")

    backend: str
    model: str
    mode: str
    base_url: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    prompt_name: str
    prompt_version: str
    schema_version: str = SCHEMA_VERSION
    schema_hash: str
    tokens: TokenCounts = Field(default_factory=TokenCounts)
    latency_s: float = 0.0
    cache_hit: bool = False
    attempts: int = 1
    retries: int = 0
    reasks: int = 0
    chunks: int = 1


class ExtractionRecord(BaseModel):
    """One extracted article: events with grounding, provenance, and its source, if given."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    events: list[GroundedEvent] = Field(default_factory=list)
    grounding: GroundingStats = Field(default_factory=GroundingStats)
    provenance: Provenance
    source: SourceMetadata | None = None


class FailureRecord(BaseModel):
    """One article or input that produced no record, and why (never dropped silently)."""

    model_config = ConfigDict(extra="forbid")

    article_id: str | None
    kind: str
    message: str
    path: str | None = None
    attempts: int = 0
    tokens: int = 0
