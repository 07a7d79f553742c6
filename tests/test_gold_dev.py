"""The development set: 22 articles byte for byte the shared ones, hand-labelled gold that
validates strictly, exact evidence quotes, metadata for every article, incident groups that
point at real gold events, and the scorer's 1.0 on gold against itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.core.schema import ArticleEvents, Event
from extractor.predictions import evaluate_paths

ROOT = Path(__file__).resolve().parents[1]
DEV = ROOT / "gold" / "dev"
SHARED_DEVSET = ROOT.parent / "shared" / "devset" / "articles"
N_ARTICLES = 22


def _gold_files() -> list[Path]:
    return sorted(DEV.glob("*.json"))


def test_every_dev_article_has_gold_and_metadata() -> None:
    gold = {p.stem for p in _gold_files()} - {"incidents"}
    articles = {p.stem for p in (DEV / "articles").glob("*.txt")}
    metadata = json.loads((DEV / "articles" / "metadata.json").read_text(encoding="utf-8"))
    assert len(articles) == N_ARTICLES
    assert gold == articles == set(metadata)
    for stem, meta in metadata.items():
        assert meta["outlet"] and meta["url"].startswith("https://"), stem
        assert meta["published"] is None or len(meta["published"]) == 10, stem


@pytest.mark.skipif(not SHARED_DEVSET.is_dir(), reason="../shared/devset is not beside the repo")
def test_dev_articles_are_the_shared_ones_byte_for_byte() -> None:
    for path in sorted((DEV / "articles").glob("*.txt")):
        assert path.read_bytes() == (SHARED_DEVSET / path.name).read_bytes(), path.name


@pytest.mark.parametrize(
    "path", [p for p in _gold_files() if p.stem != "incidents"], ids=lambda p: p.stem
)
def test_dev_gold_validates_and_quotes_are_exact(path: Path) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    record = ArticleEvents.model_validate(raw)
    assert record.article_id == path.stem
    text = (DEV / "articles" / f"{path.stem}.txt").read_text(encoding="utf-8")
    for index, (event, raw_event) in enumerate(zip(record.events, raw["events"], strict=True)):
        assert list(raw_event) == list(Event.model_fields), f"event {index}: field set/order"
        for quote in event.evidence:
            assert quote in text, f"event {index}: quote not in article: {quote[:60]!r}"


def test_dev_set_covers_empty_articles_and_both_types_and_saliences() -> None:
    records = [
        ArticleEvents.model_validate_json(p.read_text(encoding="utf-8"))
        for p in _gold_files()
        if p.stem != "incidents"
    ]
    events = [e for r in records for e in r.events]
    assert sum(1 for r in records if not r.events) >= 4  # out of scope and the policy story
    assert {e.event_type.value for e in events} == {"attack", "strike"}
    assert {e.salience.value for e in events} == {"main", "background"}


def test_incident_groups_point_at_gold_events_of_one_type() -> None:
    groups = json.loads((DEV / "incidents.json").read_text(encoding="utf-8"))["incidents"]
    seen: set[tuple[str, int]] = set()
    for group in groups:
        types = set()
        assert len(group["events"]) >= 2, group["id"]
        for article_id, index in group["events"]:
            folder = ROOT / "gold" if article_id[:3].isdigit() and "_" in article_id[3:4] else DEV
            record = ArticleEvents.model_validate_json(
                (folder / f"{article_id}.json").read_text(encoding="utf-8")
            )
            types.add(record.events[index].event_type)
            assert (article_id, index) not in seen, f"{article_id}[{index}] in two incidents"
            seen.add((article_id, index))
        assert len(types) == 1, f"{group['id']} mixes attacks and strikes"


def test_scorer_gives_one_on_dev_gold_against_itself() -> None:
    metrics = evaluate_paths(DEV, DEV).metrics
    assert (metrics.n_gold_events, metrics.n_gold_main_events) == (37, 29)
    assert metrics.event_f1_all == 1.0 and metrics.slot_micro_f1 == 1.0
