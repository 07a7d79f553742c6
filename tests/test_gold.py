"""The gold set: articles are the shared ones byte for byte, gold files validate strictly,
and every evidence quote is an exact substring of its article."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from extractor.core.schema import ArticleEvents, Event

GOLD = Path(__file__).resolve().parents[1] / "gold"
SHARED_ARTICLES = Path(__file__).resolve().parents[2] / "shared" / "articles"

ARTICLE_SHA256 = {
    "000_7c7a760b6ca90cfd": "e5018a474939667ce8139acd45ba10631802437afcf01de3145eb86b5f3d21e3",
    "001_502a541b01eeb6f6": "d9c50f5df323c86aa70b9dbe087215e9382d1601637c0ae2b3def296f5c99d08",
    "002_b66b5cd2fbb4d987": "7b6c7a12377fef33e40a9ab01ce13e03ca0740a9ecc543f8865ee8bda3f3b4e2",
    "003_f5c7942e44b7ceb8": "5d733da2e6d9e6196b6c532b056bc04fa54651f2c2712269b341809c83b6d9aa",
    "004_ec29e194aaed57fc": "6010ce7492292eeb0dc7722b2936b75caf5bf50f8105d01876c3047fd32d2a33",
}


def _gold_files() -> list[Path]:
    return sorted(GOLD.glob("*.json"))


def test_every_article_has_a_gold_file_and_nothing_else() -> None:
    assert {p.stem for p in _gold_files()} == set(ARTICLE_SHA256)
    assert {p.stem for p in (GOLD / "articles").glob("*.txt")} == set(ARTICLE_SHA256)


@pytest.mark.parametrize("article_id", sorted(ARTICLE_SHA256))
def test_article_is_the_shared_article_byte_for_byte(article_id: str) -> None:
    data = (GOLD / "articles" / f"{article_id}.txt").read_bytes()
    assert hashlib.sha256(data).hexdigest() == ARTICLE_SHA256[article_id]
    shared = SHARED_ARTICLES / f"{article_id}.txt"
    if shared.exists():
        assert shared.read_bytes() == data


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_gold_file_validates_strictly(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    record = ArticleEvents.model_validate(raw)
    assert record.article_id == path.stem
    assert record.events, "every article in the set reports at least one event"
    for event in raw["events"]:
        # gold carries exactly the contract's fields, no extras and none left out
        assert set(event) == set(Event.model_fields)


@pytest.mark.parametrize("path", _gold_files(), ids=lambda p: p.stem)
def test_every_evidence_quote_is_an_exact_substring(path: Path) -> None:
    record = ArticleEvents.model_validate_json(path.read_text(encoding="utf-8"))
    text = (GOLD / "articles" / f"{path.stem}.txt").read_text(encoding="utf-8")
    for index, event in enumerate(record.events):
        for quote in event.evidence:
            assert quote in text, f"event {index}: quote not in article: {quote[:60]!r}"


def test_gold_has_main_and_background_events_of_both_types() -> None:
    events = [
        e
        for p in _gold_files()
        for e in ArticleEvents.model_validate_json(p.read_text(encoding="utf-8")).events
    ]
    assert {e.event_type.value for e in events} == {"attack", "strike"}
    assert {e.salience.value for e in events} == {"main", "background"}
