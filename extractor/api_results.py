"""What `extract` returns, and what the Python API does with extraction results afterwards.

    >>> result = extractor.extract(texts, backend="openai")     # doctest: +SKIP
    >>> extractor.evaluate(result, "gold").metrics              # doctest: +SKIP
    >>> extractor.merge_incidents(["out/", "out-more/"])        # doctest: +SKIP

- `ExtractionResult`: one `extract` call's records and failures (`.articles` as plain
  contract `ArticleEvents`);
- `evaluate`: score predictions against gold, as `extractor eval` does;
- `merge_incidents`: merge the events of many articles into incidents, as
  `extractor incidents` does.

`extractor.api` re-exports all three, and its docstring holds the API's error contract.
Scoring (scipy) and incident merging are imported only when called.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from extractor.core.errors import InputError
from extractor.core.records import ExtractionRecord, FailureRecord
from extractor.core.schema import ArticleEvents
from extractor.outputs import BatchSummary

if TYPE_CHECKING:
    from extractor.incidents import Incident
    from extractor.predictions import GoldSet
    from extractor.scoring import CorpusScore

__all__ = ["ExtractionResult", "evaluate", "merge_incidents"]


@dataclass(frozen=True)
class ExtractionResult:
    """What one `extract` call produced: records in input order, and every failure.

    `records` are the full output records (events with evidence offsets, grounding,
    provenance); `articles` are the same events as plain contract `ArticleEvents`.
    `failures` lists unreadable inputs first, then articles whose attempts ran out.
    `skipped` lists what input directories held besides articles (not failures).
    `halted` says why the batch stopped by itself (its endpoint could not be reached for
    several articles in a row); `not_attempted` are the article ids it then did not do
    (not failed: the same call does them once the endpoint answers).
    """

    records: tuple[ExtractionRecord, ...]
    failures: tuple[FailureRecord, ...]
    summary: BatchSummary
    interrupted: bool = False
    out_dir: Path | None = None
    skipped: tuple[FailureRecord, ...] = ()
    halted: str | None = None
    not_attempted: tuple[str, ...] = ()

    @property
    def articles(self) -> list[ArticleEvents]:
        """One `ArticleEvents` per extracted article, in input order."""
        return [_as_article_events(record) for record in self.records]

    @property
    def ok(self) -> bool:
        """True when every input was extracted."""
        return not self.failures and not self.interrupted and not self.not_attempted

    def __repr__(self) -> str:
        failed = ", ".join(f"{f.article_id or f.path}: {f.kind}" for f in self.failures[:3])
        more = ", ..." if len(self.failures) > 3 else ""
        return (
            f"ExtractionResult(articles={len(self.records)}, "
            f"events={sum(len(r.events) for r in self.records)}, "
            f"failures={len(self.failures)}{f' [{failed}{more}]' if failed else ''}, "
            f"cache_hits={self.summary.cache_hits}"
            f"{', interrupted' if self.interrupted else ''})"
        )


Predictions = (
    str
    | os.PathLike[str]
    | ExtractionResult
    | Mapping[str, ArticleEvents | ExtractionRecord]
    | Iterable[ArticleEvents | ExtractionRecord]
)
"""What `evaluate` scores: a path (`events.jsonl` or a directory of `<id>.json`) or records."""


def _as_article_events(record: object) -> ArticleEvents:
    """The contract record of an output record (events without grounding fields)."""
    if isinstance(record, ExtractionRecord):
        return ArticleEvents(
            article_id=record.article_id, events=[e.to_event() for e in record.events]
        )
    if isinstance(record, ArticleEvents):
        return record
    raise TypeError(f"expected ArticleEvents or ExtractionRecord, got {type(record).__name__}")


def _prediction_records(pred: Predictions) -> dict[str, ArticleEvents]:
    """Prediction objects keyed by article id (duplicates are an `InputError`)."""
    if isinstance(pred, ExtractionResult):
        items: Iterable[object] = pred.records
    elif isinstance(pred, Mapping):
        items = pred.values()
    else:
        items = pred  # type: ignore[assignment]
    records: dict[str, ArticleEvents] = {}
    for item in items:
        record = _as_article_events(item)
        if record.article_id in records:
            raise InputError(f"predictions: duplicate article id {record.article_id!r}")
        records[record.article_id] = record
    return records


def evaluate(pred: Predictions, gold: str | os.PathLike[str] | GoldSet) -> CorpusScore:
    """Score predictions against gold: the same scores as `extractor eval --pred P --gold G`.

    `pred`: a path (`events.jsonl`, or a directory of `<article_id>.json`), an
    `ExtractionResult`, or `ArticleEvents` / `ExtractionRecord` objects (a list, or a
    mapping by article id). `gold`: a gold directory (`<id>.json` + `articles/<id>.txt`)
    or a loaded `GoldSet`. Gold articles without a prediction count as predicting no
    events (`missing_articles`); a prediction for an article not in gold is an `InputError`.
    """
    from extractor import predictions  # scoring imports scipy: only when scoring
    from extractor.scoring import score_corpus

    if isinstance(pred, str | os.PathLike) and isinstance(gold, str | os.PathLike):
        return predictions.evaluate_paths(Path(pred), Path(gold))
    gold_set = gold if isinstance(gold, predictions.GoldSet) else predictions.load_gold(Path(gold))
    if isinstance(pred, str | os.PathLike):
        records = predictions.load_predictions(Path(pred))
    else:
        records = _prediction_records(pred)
    unknown = sorted(set(records) - set(gold_set.records))
    if unknown:
        raise InputError(
            f"predictions for article ids not in gold: {', '.join(map(repr, unknown))}"
        )
    return score_corpus(records, gold_set.records, gold_set.texts)


OutputFolders = str | os.PathLike[str] | Iterable[str | os.PathLike[str]]
"""One or more `extractor extract --out` folders (or folders of `<article_id>.json` records)."""


def merge_incidents(
    outputs: OutputFolders,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    metadata: str | os.PathLike[str] | Iterable[str | os.PathLike[str]] | None = None,
    sqlite: str | os.PathLike[str] | None = None,
) -> list[Incident]:
    """Merge the events of many articles into incidents; the Python face of `extractor incidents`.

    `outputs`: extraction output folders (their `events.jsonl`, else `articles/<id>.json`).
    `metadata`: JSON files (one or several) of article id -> outlet, url, published,
    filling in what the records' `source` lacks (the published date is the reference for
    "Sunday", "yesterday"); a later file wins for an article in two.
    `out_dir`: also write `incidents.jsonl` and `incidents.csv` there; `sqlite`: also write
    the tables `incidents`, `incident_members`, `incident_conflicts` into that database.
    Returns the incidents (`extractor.incidents.Incident`), in the order of their first
    report; the rule is in `extractor.incidents.across` and `.reconcile`.
    """
    from extractor.api import check_destinations  # the API imports this module: not above
    from extractor.incidents import merge_reports
    from extractor.incidents.database import save_incidents
    from extractor.incidents.store import (
        load_reports,
        read_metadata_files,
        render_incidents_csv,
        render_incidents_jsonl,
    )
    from extractor.outputs import atomic_write_text

    folders = [outputs] if isinstance(outputs, str | os.PathLike) else list(outputs)
    if not folders:
        raise InputError("no extraction output folder given")
    check_destinations(out_dir, no_cache=True, sqlite=sqlite)
    sources = read_metadata_files(metadata) if metadata is not None else None
    incidents = merge_reports(load_reports([Path(f) for f in folders], sources))
    if out_dir is not None:
        atomic_write_text(Path(out_dir) / "incidents.jsonl", render_incidents_jsonl(incidents))
        atomic_write_text(Path(out_dir) / "incidents.csv", render_incidents_csv(incidents))
    if sqlite is not None:
        save_incidents(Path(sqlite), incidents)
    return incidents
