"""Long articles split on paragraph boundaries with overlap; chunk events merge."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from extractor.chunking import (
    Chunk,
    estimate_tokens,
    ground_chunk_events,
    merge_chunk_events,
    split_into_chunks,
)
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


def test_a_paragraph_longer_than_a_chunk_is_cut_between_sentences_then_words() -> None:
    sentence = "Rockets hit the base on Monday and officials said nobody was hurt. "
    words = "word " * 900
    text = "short\n\n" + sentence * 60 + "\n\n" + words + "\n\n" + "y" * 3000
    chunks = split_into_chunks(text, max_tokens=200, overlap_tokens=10)
    assert all(estimate_tokens(c.text) <= 200 for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    sentence_chunks = [c for c in chunks if sentence in c.text]
    assert all(c.text.endswith(sentence) for c in sentence_chunks[:-1])  # cut between sentences
    for before, after in itertools.pairwise(chunks):
        assert after.start <= before.end and after.end > before.end  # no gap, progress


ESTIMATES = {
    "empty": ("", 0),
    "english words": ("Two drones hit Camp Larch", 5),  # a token a word of up to 6 letters
    "long word": ("internationally", 3),
    "punctuation": ('{"a": 1},', 5),  # {" a ": 1 }, -> 2 + 1 + 1 + 1 digit
    "digits": ("2024", 4),
    "non-ascii letters": ("قاعدة", 5),
    "cjk": ("美军基地", 4),
    "a line break": ("a\nb", 3),
    "single spaces are free": ("a b", 2),
}


@pytest.mark.parametrize(("text", "tokens"), ESTIMATES.values(), ids=list(ESTIMATES))
def test_estimate_tokens(text: str, tokens: int) -> None:
    assert estimate_tokens(text) == tokens


def test_english_news_is_about_four_characters_a_token() -> None:
    from tests.conftest import GOLD_ARTICLES

    for path in GOLD_ARTICLES.glob("*.txt"):
        text = path.read_text(encoding="utf-8")
        assert 3.5 < len(text) / estimate_tokens(text) < 4.5, path.name


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from(list('ab1 .!?\n\u00e9\u4e00-,"')), min_size=1, max_size=3000
    ),
    max_tokens=st.integers(min_value=8, max_value=400),
    overlap=st.integers(min_value=0, max_value=300),
)
def test_chunks_fit_cover_the_text_and_progress(text: str, max_tokens: int, overlap: int) -> None:
    chunks = split_into_chunks(text, max_tokens, overlap)
    assert chunks[0].start == 0 and chunks[-1].end == len(text)
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert estimate_tokens(chunk.text) <= max_tokens
    for before, after in itertools.pairwise(chunks):
        assert before.start < after.start <= before.end < after.end


def test_events_of_different_chunks_merge_by_incident(make_event: Callable[..., Event]) -> None:
    first = make_event(location="Ain al-Asad", injured=None, evidence=["quote one"])
    same = make_event(location="Ain al-Asad Air Base", injured=3, evidence=["quote two"])
    other_day = make_event(
        location="Ain al-Asad", date_text="Monday", evidence=["quote three"]
    )  # same place, another day: another incident
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


def test_events_of_one_chunk_are_left_as_the_backend_gave_them(
    make_event: Callable[..., Event],
) -> None:
    twice = [make_event(evidence=["quote one"]), make_event(evidence=["quote two"])]
    merged = merge_chunk_events("a1", [ArticleEvents(article_id="a1", events=twice)])
    assert merged.events == twice


def test_quotes_are_grounded_where_their_chunk_has_them(make_event: Callable[..., Event]) -> None:
    quote = "Officials said the base was on alert."
    text = f"{quote}\n\nFiller.\n\nRockets hit Camp Larch on Sunday. {quote}\n"
    second = text.index("Rockets")
    chunks = [Chunk(0, second, text[:second]), Chunk(second, len(text), text[second:])]
    found = make_event(evidence=["Rockets hit Camp Larch on Sunday.", quote])
    missing = make_event(location="Tower 22", evidence=["not in the article at all"])
    answers = [
        ArticleEvents(article_id="a1", events=[missing]),
        ArticleEvents(article_id="a1", events=[found]),
    ]
    grounded = ground_chunk_events([found, missing], list(zip(chunks, answers, strict=True)), text)
    spans = grounded[0].evidence_spans
    assert [text[s.start or 0 : s.end] for s in spans] == found.evidence
    assert spans[1].start == text.rindex(quote)  # in the chunk that quoted it, not the first
    assert grounded[0].grounded and not grounded[1].grounded
