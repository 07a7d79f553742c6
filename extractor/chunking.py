"""Split articles too long for a backend's context, and merge the events found per chunk.

Tokens are estimated without a tokenizer (`estimate_tokens`): a run of ASCII letters costs
one token per six letters or part of it, ASCII punctuation one per two characters, every
digit and every non-ASCII character one each (Qwen splits digits; CJK and Arabic run near
a token per character), and a line break or a run of spaces one. On English news that is
about 4 characters per token, like common BPE tokenizers; on other scripts it errs high,
towards smaller chunks. A server that still says the context was exceeded gets the chunk
again, split smaller (the runner does that).

Chunks end on paragraph boundaries (blank lines) and repeat the last paragraphs of the chunk
before (about `DEFAULT_OVERLAP_TOKENS`), so an incident told across a boundary appears whole
in at least one chunk; a paragraph too long for a chunk is cut between sentences, a sentence
between words. Every chunk's estimate is within the budget. Events found in several chunks
are merged when the one incident-identity rule (`extractor.incidents.same_incident`)
says they are one incident, and every evidence quote is aligned in the chunk it was quoted
from, with offsets in the full article.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from extractor.core.errors import ConfigError
from extractor.core.records import EvidenceSpan, GroundedEvent
from extractor.core.schema import ArticleEvents, Event
from extractor.grounding import NormalizedText, align_quote, normalize
from extractor.incidents.identity import merge_duplicates, same_incident

DEFAULT_OVERLAP_TOKENS = 200
MIN_CHUNK_TOKENS = 64
"""A context that leaves less article text than this per request is a configuration error."""
LETTERS_PER_TOKEN = 6
PUNCTUATION_PER_TOKEN = 2
_LETTERS = re.compile(r"[A-Za-z]+")
_PUNCTUATION = re.compile(r"[!-/:-@\[-`{-~]+")
_BREAKS = re.compile(r"\s\s+|[^\S ]")  # a run of whitespace, unless one plain space
_SINGLES = re.compile(r"[0-9]|[^\x00-\x7f\s]")
_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_SENTENCE_END = re.compile(r"[.!?\u3002]+[\"'\u2019\u201d)\]]*\s+")
_WHITESPACE = re.compile(r"\s+")
_SEPARATORS = (_PARAGRAPH_BREAK, _SENTENCE_END, _WHITESPACE)


@dataclass(frozen=True)
class Chunk:
    """A slice `[start, end)` of the article text."""

    start: int
    end: int
    text: str


def estimate_tokens(text: str) -> int:
    """Estimated token count of a text (see the module docstring); never above `len(text)`."""
    letters = sum(
        (len(run) + LETTERS_PER_TOKEN - 1) // LETTERS_PER_TOKEN for run in _LETTERS.findall(text)
    )
    punctuation = sum(
        (len(run) + PUNCTUATION_PER_TOKEN - 1) // PUNCTUATION_PER_TOKEN
        for run in _PUNCTUATION.findall(text)
    )
    return letters + punctuation + len(_BREAKS.findall(text)) + len(_SINGLES.findall(text))


def _pieces(text: str, start: int, end: int, separator: re.Pattern[str]) -> Iterator[int]:
    """Ends of the pieces of `text[start:end]`, each piece ending after its separator."""
    for match in separator.finditer(text, start, end):
        if start < match.end() < end:
            yield match.end()
    yield end


def _units(text: str, start: int, end: int, max_cost: int, level: int = 0) -> Iterator[int]:
    """Ends of consecutive units of `text[start:end]`, each costing at most `max_cost`:
    paragraphs, else sentences, else words, else slices of `max_cost - 1` characters."""
    if level == len(_SEPARATORS):
        size = max(1, max_cost - 1)  # a token per character at most (`estimate_tokens`)
        yield from range(start + size, end, size)
        yield end
        return
    begin = start
    for stop in _pieces(text, start, end, _SEPARATORS[level]):
        if estimate_tokens(text[begin:stop]) + 1 <= max_cost:
            yield stop
        else:
            yield from _units(text, begin, stop, max_cost, level + 1)
        begin = stop


def split_into_chunks(
    text: str, max_tokens: int, overlap_tokens: int = DEFAULT_OVERLAP_TOKENS
) -> list[Chunk]:
    """Split `text` into chunks whose `estimate_tokens` is at most `max_tokens`.

    Cuts fall between paragraphs where they can (see the module docstring); consecutive
    chunks share about `overlap_tokens` (at most half a chunk) and every chunk brings new
    text. A text within the budget is returned as one chunk.
    """
    if max_tokens <= 0:
        raise ValueError("max_tokens must be positive")
    if len(text) <= max_tokens or estimate_tokens(text) <= max_tokens:  # estimate <= len
        return [Chunk(0, len(text), text)]
    # A unit's cost is its estimate plus one: joining two units can add one token (two
    # spaces become a run), so a sum of costs bounds the estimate of the joined text.
    ends = list(_units(text, 0, len(text), max_tokens))
    starts = [0, *ends[:-1]]
    costs = [estimate_tokens(text[s:e]) + 1 for s, e in zip(starts, ends, strict=True)]
    total = [0, *itertools.accumulate(costs)]  # cost of units i..j-1 is total[j] - total[i]
    overlap = min(overlap_tokens, max_tokens // 2)
    chunks: list[Chunk] = []
    first = 0
    while True:
        last = first
        while last + 1 < len(ends) and total[last + 2] - total[first] <= max_tokens:
            last += 1
        chunks.append(Chunk(starts[first], ends[last], text[starts[first] : ends[last]]))
        if last + 1 == len(ends):
            return chunks
        following = last + 1  # the next chunk repeats some units, and brings this one
        while (
            following - 1 > first
            and total[last + 1] - total[following - 1] <= overlap
            and total[last + 2] - total[following - 1] <= max_tokens
        ):
            following -= 1
        first = following


def split_chunk(chunk: Chunk, max_tokens: int, overlap_tokens: int) -> list[Chunk]:
    """`split_into_chunks` of one chunk, with offsets in the text the chunk came from."""
    return [
        Chunk(chunk.start + part.start, chunk.start + part.end, part.text)
        for part in split_into_chunks(chunk.text, max_tokens, overlap_tokens)
    ]


@dataclass(frozen=True)
class ContextBudget:
    """How much article text one request holds: the declared `context` less the `prompt`
    (with what the backend adds to it, e.g. a schema) and the `answer`, all in
    `estimate_tokens` units. No context declared: an article is one request."""

    context: int | None
    prompt: int
    answer: int
    overlap: int = DEFAULT_OVERLAP_TOKENS

    def article_tokens(self, context: float) -> int:
        """Tokens of article text that one request in `context` tokens holds."""
        return int(context) - self.prompt - self.answer

    def split(self, text: str) -> list[Chunk]:
        """The article as one chunk, or split so that each request fits the context."""
        if not self.context:
            return [Chunk(0, len(text), text)]
        budget = self.article_tokens(self.context)
        if budget < MIN_CHUNK_TOKENS:
            raise ConfigError(
                f"the backend's context ({self.context} tokens) cannot hold the prompt "
                f"({self.prompt}), an answer ({self.answer}) and {MIN_CHUNK_TOKENS} tokens of "
                "article: declare a larger context"
            )
        return split_into_chunks(text, budget, self.overlap)

    def smaller(self, chunk: Chunk, limit: int | None, counted: int | None) -> int | None:
        """A budget to split `chunk` with after the server refused it as over its context:
        half the chunk at most; where the server said its `limit` and how many tokens it
        `counted`, the budget for that limit in our units (its count over our estimate
        scales the limit). None when too little would fit."""
        tokens = estimate_tokens(chunk.text)
        budget = tokens // 2
        if limit:
            scale = counted / (self.prompt + tokens) if counted else 1.0
            budget = min(budget, self.article_tokens(limit / max(scale, 1.0)))
        return budget if budget >= MIN_CHUNK_TOKENS else None


def merge_chunk_events(article_id: str, parts: Sequence[ArticleEvents]) -> ArticleEvents:
    """The events of several chunks of one article, in order, an event of a later chunk
    merged into an earlier chunk's event of the same incident (`same_incident`): fields
    kept from the first, gaps filled and evidence united (`merge_duplicates`). Events of
    one chunk are left as the backend gave them, as for an article of one chunk."""
    kept: list[Event] = []
    for part in parts:
        earlier = len(kept)
        for event in part.events:
            same = next((i for i in range(earlier) if same_incident(kept[i], event)), None)
            if same is None:
                kept.append(event)
            else:
                [kept[same]] = merge_duplicates([kept[same], event])
    return ArticleEvents(article_id=article_id, events=kept)


def _shifted(span: EvidenceSpan, offset: int) -> EvidenceSpan:
    if span.start is None or span.end is None:
        return span
    return span.model_copy(update={"start": span.start + offset, "end": span.end + offset})


def ground_chunk_events(
    events: Sequence[Event], parts: Sequence[tuple[Chunk, ArticleEvents]], text: str
) -> list[GroundedEvent]:
    """Ground merged events: each quote is aligned in the first chunk whose answer gave it
    (the text the model read), its offsets moved into the full article `text`; a quote not
    found there is looked for in the whole article."""
    source: dict[str, Chunk] = {}
    for chunk, answer in parts:
        for event in answer.events:
            for quote in event.evidence:
                source.setdefault(quote, chunk)
    normalized: dict[tuple[int, int], NormalizedText] = {}

    def align_in(chunk: Chunk, quote: str) -> EvidenceSpan:
        key = (chunk.start, chunk.end)
        if key not in normalized:
            normalized[key] = normalize(chunk.text)
        return _shifted(align_quote(quote, chunk.text, normalized[key]), chunk.start)

    def align(quote: str) -> EvidenceSpan:
        chunk = source.get(quote)
        span = align_in(chunk, quote) if chunk is not None else None
        if span is not None and span.found:
            return span
        return align_in(Chunk(0, len(text), text), quote)

    grounded = []
    for event in events:
        spans = [align(quote) for quote in event.evidence]
        grounded.append(
            GroundedEvent(
                **event.model_dump(),
                evidence_spans=spans,
                grounded=bool(spans) and all(span.found for span in spans),
            )
        )
    return grounded
