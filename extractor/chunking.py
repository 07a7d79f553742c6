"""Split articles too long for a backend's context, and merge the events found per chunk.

Token counts are estimated at `CHARS_PER_TOKEN` characters per token (about right for
English news text with common tokenizers; an over-estimate errs towards smaller chunks).
Chunks end on paragraph boundaries (blank lines) and overlap by a paragraph or more, so an
incident told across a boundary appears whole in at least one chunk. Events found in
several chunks are merged when they share event type, normalised location and date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractor.core.schema import ArticleEvents, Event

CHARS_PER_TOKEN = 4
DEFAULT_OVERLAP_TOKENS = 200
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_NOT_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True)
class Chunk:
    """A slice `[start, end)` of the article text."""

    start: int
    end: int
    text: str


def estimate_tokens(text: str) -> int:
    """Rough token count of a text (characters / 4, rounded up)."""
    return -(-len(text) // CHARS_PER_TOKEN)


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """`[start, end)` of each paragraph, the separator included at its end."""
    bounds: list[tuple[int, int]] = []
    start = 0
    for match in _PARAGRAPH_BREAK.finditer(text):
        bounds.append((start, match.end()))
        start = match.end()
    if start < len(text):
        bounds.append((start, len(text)))
    return bounds


def split_into_chunks(
    text: str, max_tokens: int, overlap_tokens: int = DEFAULT_OVERLAP_TOKENS
) -> list[Chunk]:
    """Split `text` into chunks of at most about `max_tokens`, on paragraph boundaries.

    A single paragraph longer than the budget becomes a chunk of its own (it is not cut
    mid-sentence); a text within the budget is returned as one chunk.
    """
    if max_tokens <= 0:
        raise ValueError("max_tokens must be positive")
    if estimate_tokens(text) <= max_tokens:
        return [Chunk(0, len(text), text)]
    budget = max_tokens * CHARS_PER_TOKEN
    overlap = min(overlap_tokens * CHARS_PER_TOKEN, budget // 2)
    paragraphs = _paragraphs(text)
    chunks: list[Chunk] = []
    first = 0
    while first < len(paragraphs):
        last = first
        while (
            last + 1 < len(paragraphs) and paragraphs[last + 1][1] - paragraphs[first][0] <= budget
        ):
            last += 1
        start, end = paragraphs[first][0], paragraphs[last][1]
        chunks.append(Chunk(start, end, text[start:end]))
        if last + 1 >= len(paragraphs):
            break
        next_first = last + 1
        while next_first - 1 > first and end - paragraphs[next_first - 1][0] <= overlap:
            next_first -= 1
        first = next_first
    return chunks


def _normalized_location(location: str) -> str:
    return _NOT_WORD.sub(" ", location.casefold()).strip()


def event_key(event: Event) -> tuple[str, str, str | None]:
    """What makes two events from different chunks the same incident."""
    return (event.event_type.value, _normalized_location(event.location), event.date)


def _merge_pair(kept: Event, other: Event) -> Event:
    """Keep the first event's fields, fill its gaps from the other, union the evidence."""
    data = kept.model_dump()
    for field, value in other.model_dump().items():
        if data.get(field) is None and value is not None:
            data[field] = value
    data["weapon_types"] = list(dict.fromkeys([*kept.weapon_types, *other.weapon_types]))
    data["evidence"] = list(dict.fromkeys([*kept.evidence, *other.evidence]))[:12]
    return Event.model_validate(data)


def merge_chunk_events(article_id: str, parts: list[ArticleEvents]) -> ArticleEvents:
    """Merge the events of several chunks of one article, dropping duplicates."""
    merged: dict[tuple[str, str, str | None], Event] = {}
    for part in parts:
        for event in part.events:
            key = event_key(event)
            merged[key] = _merge_pair(merged[key], event) if key in merged else event
    return ArticleEvents(article_id=article_id, events=list(merged.values()))
