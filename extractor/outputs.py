"""Write extraction results: events.jsonl, events.csv, articles/<id>.json, failures.jsonl.

Every file is written atomically (a temp file in the same directory, then `os.replace`),
so a reader never sees half a file and a crash leaves the previous version whole. Each
article's own JSON is written the moment it finishes; the batch files are rewritten as
results arrive (at most every `flush_interval_s`) and once more at the end, so an
interrupted run keeps everything it had finished.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.articles import InputProblem
from extractor.core.records import ExtractionRecord, FailureRecord, GroundedEvent

CSV_COLUMNS = (
    "article_id",
    "event_id",
    "event_date",
    "date_text",
    "event_type",
    "salience",
    "country",
    "admin1",
    "location",
    "weapon_types",
    "projectiles",
    "intercepted",
    "perpetrator",
    "perpetrator_status",
    "target",
    "killed",
    "injured",
    "damage",
    "summary",
    "evidence",
    "grounded",
)
EVIDENCE_SEPARATOR = " | "


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file and `os.replace`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def event_id(article_id: str, index: int) -> str:
    """Stable id of the `index`-th (0-based) event of an article."""
    return f"{article_id}-{index + 1}"


def csv_row(article_id: str, index: int, event: GroundedEvent) -> dict[str, Any]:
    """One ACLED-like CSV row for one event."""
    data = event.model_dump(mode="json")
    row = {column: data.get(column) for column in CSV_COLUMNS}
    row.update(
        article_id=article_id,
        event_id=event_id(article_id, index),
        event_date=event.date,
        weapon_types=";".join(data["weapon_types"]),
        evidence=EVIDENCE_SEPARATOR.join(event.evidence),
        grounded=event.grounded,
    )
    return row


def render_csv(records: list[ExtractionRecord]) -> str:
    """events.csv: a header and one row per event."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        for index, event in enumerate(record.events):
            writer.writerow(csv_row(record.article_id, index, event))
    return buffer.getvalue()


def render_jsonl(items: list[ExtractionRecord] | list[FailureRecord]) -> str:
    """One JSON object per line."""
    return "".join(item.model_dump_json() + "\n" for item in items)


def failure_from_problem(problem: InputProblem) -> FailureRecord:
    """The failures.jsonl line for an input that could not be read."""
    return FailureRecord(
        article_id=problem.article_id,
        kind="input",
        message=problem.message,
        path=str(problem.path),
    )


class OutputWriter:
    """Collects outcomes and keeps the output directory up to date."""

    def __init__(self, out_dir: Path, flush_interval_s: float = 1.0) -> None:
        self.out_dir = out_dir
        self.flush_interval_s = flush_interval_s
        self.records: dict[str, ExtractionRecord] = {}
        self.failures: list[FailureRecord] = []
        self._last_flush = 0.0
        out_dir.mkdir(parents=True, exist_ok=True)

    def add(self, outcome: ExtractionRecord | FailureRecord) -> None:
        """Take one finished article: write its own file now, the batch files soon."""
        if isinstance(outcome, ExtractionRecord):
            self.records[outcome.article_id] = outcome
            path = self.out_dir / "articles" / f"{outcome.article_id}.json"
            atomic_write_text(path, outcome.model_dump_json(indent=2) + "\n")
        else:
            self.failures.append(outcome)
        if time.monotonic() - self._last_flush >= self.flush_interval_s:
            self.flush()

    def add_problem(self, problem: InputProblem) -> None:
        """Record an input that could not be read."""
        self.add(failure_from_problem(problem))

    def flush(self) -> None:
        """Rewrite events.jsonl, events.csv and failures.jsonl (removed when none failed)."""
        records = [self.records[key] for key in sorted(self.records)]
        atomic_write_text(self.out_dir / "events.jsonl", render_jsonl(records))
        atomic_write_text(self.out_dir / "events.csv", render_csv(records))
        failures_path = self.out_dir / "failures.jsonl"
        if self.failures:
            atomic_write_text(failures_path, render_jsonl(self.failures))
        else:
            failures_path.unlink(missing_ok=True)
        self._last_flush = time.monotonic()


@dataclass(frozen=True)
class BatchSummary:
    """The end-of-run numbers the CLI prints."""

    articles: int
    extracted: int
    events: int
    cache_hits: int
    retries: int
    reasks: int
    failures: int
    tokens: int
    quotes: int
    quotes_found: int
    wall_s: float

    @property
    def grounding_rate(self) -> float:
        """Share of evidence quotes located in their article."""
        return self.quotes_found / self.quotes if self.quotes else 1.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, grounding rate included."""
        data = dict(self.__dict__)
        data["grounding_rate"] = round(self.grounding_rate, 4)
        return data


def summarize(
    records: list[ExtractionRecord], failures: list[FailureRecord], wall_s: float
) -> BatchSummary:
    """Totals over one run; tokens and retries count only work done now, not cache hits."""
    fresh = [r for r in records if not r.provenance.cache_hit]
    return BatchSummary(
        articles=len(records) + len(failures),
        extracted=len(records),
        events=sum(len(r.events) for r in records),
        cache_hits=len(records) - len(fresh),
        retries=sum(r.provenance.retries for r in fresh),
        reasks=sum(r.provenance.reasks for r in fresh),
        failures=len(failures),
        tokens=sum(r.provenance.tokens.total for r in fresh) + sum(f.tokens for f in failures),
        quotes=sum(r.grounding.quotes for r in records),
        quotes_found=sum(r.grounding.found for r in records),
        wall_s=round(wall_s, 3),
    )


def dump_summary(summary: BatchSummary) -> str:
    """The summary as one JSON line."""
    return json.dumps(summary.as_dict(), sort_keys=True)
