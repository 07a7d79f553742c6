"""A review draft: one article's events as the reviewer is deciding them, and its checks.

    Draft                     one article under review (saved server-side on every change)
    ├── article_id, version   version grows by one per write; a stale write is a conflict
    ├── gold_etag             hash of the gold file the last save wrote (or found), or null
    └── events: [DraftEvent]
        ├── key               "p3" from the run's event 3, or "a1" added by the reviewer
        ├── status            pending | accepted | rejected
        ├── fields            every `Event` field but evidence, each may be null while drafting
        ├── evidence          [{quote, start, end}]: `text[start:end] == quote` when placed
        ├── original          the run's fields, for the diff (null for added events)
        └── review_reasons    the run's `needs_review` reasons; cleared on accept

Drafts are loose (a half-typed event is fine); `to_gold` is strict: it builds the contract's
`ArticleEvents` from the accepted events and fails with one line per problem.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, field_validator

from extractor.core.schema import ArticleEvents, Event, validate_partial_date
from extractor.grounding import ground_events
from extractor.predictions import describe_validation_error

FIELD_NAMES: tuple[str, ...] = tuple(name for name in Event.model_fields if name != "evidence")
"""The `Event` fields a card edits; evidence is edited as spans."""


def _loose(name: str) -> Any:
    info = Event.model_fields[name]
    return (info.rebuild_annotation() | None, None)


_DraftFieldsBase = create_model(
    "_DraftFieldsBase",
    __config__=ConfigDict(extra="forbid"),
    **{name: _loose(name) for name in FIELD_NAMES},
)


class DraftFields(_DraftFieldsBase):  # type: ignore[misc,valid-type]
    """The `Event` fields with their types and limits, each allowed to be null."""

    @field_validator("date")
    @classmethod
    def _check_date(cls, value: str | None) -> str | None:
        return validate_partial_date(value)


class Status(StrEnum):
    """Where the reviewer stands on one event."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Span(BaseModel):
    """One evidence quote and its place in the article (`start`/`end` null: not found)."""

    model_config = ConfigDict(extra="forbid")

    quote: Annotated[str, Field(min_length=1, max_length=1000)]
    start: Annotated[int, Field(ge=0)] | None = None
    end: Annotated[int, Field(ge=0)] | None = None


class DraftEvent(BaseModel):
    """One event card."""

    model_config = ConfigDict(extra="forbid")

    key: Annotated[str, Field(pattern=r"^[ap]\d{1,4}$")]
    status: Status = Status.PENDING
    fields: DraftFields
    evidence: list[Span] = Field(default_factory=list, max_length=12)
    original: dict[str, Any] | None = None
    review_reasons: list[str] = Field(default_factory=list)


class Draft(BaseModel):
    """One article under review."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    version: int = 0
    gold_etag: str | None = None
    events: list[DraftEvent] = Field(default_factory=list, max_length=200)


class DraftError(ValueError):
    """A draft or a save that cannot be accepted; the message says what and where."""


def parse_events(raw: Any) -> list[DraftEvent]:
    """Validate the events a page sent; a wrong type is a `DraftError` naming the field."""
    if not isinstance(raw, list):
        raise DraftError("events: expected a list")
    events = []
    for index, item in enumerate(raw):
        try:
            events.append(DraftEvent.model_validate(item))
        except ValidationError as exc:
            raise DraftError(f"events[{index}].{describe_validation_error(exc)}") from None
    return events


def check_spans(events: list[DraftEvent], text: str) -> None:
    """Every placed span must lie inside the text and hold exactly its quote."""
    for i, event in enumerate(events):
        for j, span in enumerate(event.evidence):
            if span.start is None and span.end is None:
                continue
            where = f"events[{i}].evidence[{j}]"
            if span.start is None or span.end is None or not span.start < span.end <= len(text):
                raise DraftError(
                    f"{where}: span {span.start}-{span.end} is outside the text (0-{len(text)})"
                )
            if text[span.start : span.end] != span.quote:
                raise DraftError(f"{where}: the quote is not the text at {span.start}-{span.end}")


def draft_from_run(
    article_id: str, events: list[Event], reasons: list[list[str]], text: str
) -> Draft:
    """A fresh draft from the run's events: evidence placed in the text, every event pending.

    A quote found after whitespace normalisation (or fuzzily) becomes the text's own words,
    so an accepted quote is always an exact substring; one not found keeps no offsets.
    """
    cards = []
    for index, event in enumerate(ground_events(events, text)):
        spans = [
            Span(quote=text[s.start : s.end], start=s.start, end=s.end)
            if s.start is not None and s.end is not None and s.end > s.start
            else Span(quote=s.quote)
            for s in event.evidence_spans
        ]
        fields = event.model_dump(mode="json", include=set(FIELD_NAMES))
        cards.append(
            DraftEvent(
                key=f"p{index}",
                fields=DraftFields.model_validate(fields),
                evidence=spans,
                original={**fields, "evidence": list(event.evidence)},
                review_reasons=reasons[index] if index < len(reasons) else [],
            )
        )
    return Draft(article_id=article_id, events=cards)


def to_gold(draft: Draft, text: str) -> ArticleEvents:
    """The accepted events as a strict gold record; `DraftError` when any is unfinished.

    Pending events block a save (nothing is dropped without a decision); each accepted event
    must validate against the schema and every quote must be an exact substring of the text.
    """
    pending = [e.key for e in draft.events if e.status is Status.PENDING]
    if pending:
        raise DraftError(
            f"{len(pending)} event(s) still pending: accept or reject each before saving"
        )
    check_spans(draft.events, text)
    accepted = [e for e in draft.events if e.status is Status.ACCEPTED]
    events = []
    for number, card in enumerate(accepted, start=1):
        missing = [s.quote[:40] for s in card.evidence if s.start is None or s.quote not in text]
        if missing:
            raise DraftError(
                f"accepted event {number}: quote {missing[0]!r} is not in the article: "
                "remove it or select the words in the text"
            )
        record = {
            **card.fields.model_dump(mode="json"),
            "evidence": [s.quote for s in card.evidence],
        }
        record["weapon_types"] = record["weapon_types"] or []  # none named: the empty set
        try:
            events.append(Event.model_validate(record))
        except ValidationError as exc:
            raise DraftError(f"accepted event {number}: {describe_validation_error(exc)}") from None
    return ArticleEvents(article_id=draft.article_id, events=events)
