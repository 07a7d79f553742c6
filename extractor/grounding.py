"""Evidence grounding: align each quote a model gave to `[start, end)` offsets in the article.

Three passes, cheapest and surest first:

1. exact substring;
2. normalised: runs of whitespace become one space, curly quotes and primes become straight
   quotes, every dash variant becomes `-`; offsets are mapped back to the original text;
3. fuzzy: `rapidfuzz.fuzz.partial_ratio_alignment` on the normalised texts, accepted at a
   score of at least `FUZZY_THRESHOLD` (90 of 100: one or two changed characters in a
   typical 60-character quote, but not a paraphrase) and only for quotes of at least
   `FUZZY_MIN_CHARS` characters, where a few edits cannot turn one phrase into another.

A quote found by none of them is kept with `match="none"`; an event is `grounded` only when
all its quotes were found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from extractor.core.records import EvidenceSpan, GroundedEvent, GroundingStats, MatchKind
from extractor.core.schema import Event

FUZZY_THRESHOLD = 90.0
FUZZY_MIN_CHARS = 12

_CHAR_MAP = {
    **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u00b4`", "'"),
    **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
    **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad", "-"),
}


@dataclass(frozen=True)
class NormalizedText:
    """A normalised copy of a text plus, per character, its offset in the original."""

    text: str
    offsets: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Map a `[start, end)` span of the normalised text back to the original."""
        return self.offsets[start], self.offsets[end - 1] + 1


def normalize(text: str) -> NormalizedText:
    """Fold whitespace runs, quote and dash variants; keep a map back to the original."""
    chars: list[str] = []
    offsets: list[int] = []
    for index, char in enumerate(text):
        if char.isspace():
            if chars and chars[-1] == " ":
                continue
            char = " "
        chars.append(_CHAR_MAP.get(char, char))
        offsets.append(index)
    return NormalizedText("".join(chars), tuple(offsets))


def _normalized_quote(quote: str) -> str:
    return normalize(quote).text.strip()


def _snap_to_words(text: str, start: int, end: int, limit: int = 4) -> tuple[int, int]:
    """Widen a fuzzy span that cut a word at either end to the whole word (a few chars)."""
    for _ in range(limit):
        if 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum():
            start -= 1
    for _ in range(limit):
        if 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum():
            end += 1
    return start, end


def align_quote(quote: str, text: str, normalized: NormalizedText | None = None) -> EvidenceSpan:
    """Find one quote in `text` and return its span (`match="none"` when not found)."""
    start = text.find(quote) if quote else -1
    if start >= 0:
        return EvidenceSpan(
            quote=quote, start=start, end=start + len(quote), match=MatchKind.EXACT, score=100.0
        )
    norm = normalized or normalize(text)
    needle = _normalized_quote(quote)
    if not needle:
        return EvidenceSpan(quote=quote)
    found = norm.text.find(needle)
    if found >= 0:
        begin, end = norm.original_span(found, found + len(needle))
        return EvidenceSpan(
            quote=quote, start=begin, end=end, match=MatchKind.NORMALIZED, score=100.0
        )
    if len(needle) < FUZZY_MIN_CHARS or len(needle) > len(norm.text):
        return EvidenceSpan(quote=quote)
    alignment = fuzz.partial_ratio_alignment(needle, norm.text, score_cutoff=FUZZY_THRESHOLD)
    if alignment is None or alignment.dest_end <= alignment.dest_start:
        return EvidenceSpan(quote=quote)
    start, stop = _snap_to_words(norm.text, alignment.dest_start, alignment.dest_end)
    begin, end = norm.original_span(start, stop)
    return EvidenceSpan(
        quote=quote,
        start=begin,
        end=end,
        match=MatchKind.FUZZY,
        score=round(alignment.score, 2),
    )


def ground_event(
    event: Event, text: str, normalized: NormalizedText | None = None
) -> GroundedEvent:
    """Attach evidence spans to one event; `grounded` is True when every quote was found."""
    norm = normalized or normalize(text)
    spans = [align_quote(quote, text, norm) for quote in event.evidence]
    return GroundedEvent(
        **event.model_dump(),
        evidence_spans=spans,
        grounded=bool(spans) and all(span.found for span in spans),
    )


def ground_events(events: Iterable[Event], text: str) -> list[GroundedEvent]:
    """Ground every event of one article against the article text."""
    norm = normalize(text)
    return [ground_event(event, text, norm) for event in events]


def grounding_stats(events: Iterable[GroundedEvent]) -> GroundingStats:
    """Count evidence quotes found versus given, over some grounded events."""
    spans = [span for event in events for span in event.evidence_spans]
    return GroundingStats(quotes=len(spans), found=sum(span.found for span in spans))
