"""Long articles split on paragraph boundaries with overlap; chunk events merge."""

from __future__ import annotations

import itertools
from collections.abc import Callable

from extractor.chunking import estimate_tokens, merge_chunk_events, split_into_chunks
from extractor.core.schema import ArticleEvents, Event


def _article(paragraphs: int, size: int = 400) -> str:
    return "\n\n".join(f"P{i} " + "x" * size for i in range(paragraphs))


def test_short_text_is_one_chunk() -> None:
    text = _article(3)
    assert [c.text for c in split_into_chunks(text, max_tokens=estimate_tokens(text))] == [text]


def test_long_text_splits_on_paragraphs_with_overlap_and_full_coverage() -> None:
    text = _article(12)
    chunks = split_into_chunks(text, max_tokens=300, overlap_tokens=110)
    assert len(chunks) > 1
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.text.startswith("P")  # starts on a paragraph
        assert estimate_tokens(chunk.text) <= 300
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # overlap: no incident falls between chunks
        assert after.start > before.start  # progress


def test_an_oversized_paragraph_is_its_own_chunk() -> None:
    text = "short\n\n" + "y" * 5000 + "\n\nshort again"
    chunks = split_into_chunks(text, max_tokens=200, overlap_tokens=10)
    assert any(len(c.text.strip()) == 5000 for c in chunks)
    assert chunks[-1].end == len(text)


def test_merge_drops_duplicates_and_unions_evidence(make_event: Callable[..., Event]) -> None:
    first = make_event(location="Ain al-Asad", injured=None, evidence=["quote one"])
    same = make_event(location="ain al asad", injured=3, evidence=["quote two"])
    other_day = make_event(location="Ain al-Asad", date="2024-01-05", evidence=["quote three"])
    merged = merge_chunk_events(
        "a1",
        [
            ArticleEvents(article_id="a1", events=[first]),
            ArticleEvents(article_id="a1", events=[same, other_day]),
        ],
    )
    assert len(merged.events) == 2
    assert merged.events[0].evidence == ["quote one", "quote two"]
    assert merged.events[0].injured == 3
