"""What `extractor extract` writes, and how: rendering, atomic files, the run's summary.

    out/articles/<article_id>.json   one extracted article (the source of truth)
    out/failures/<key>.json          one failed or skipped input (the source of truth)
    out/events.jsonl                 every record of articles/, one per line, by article id
    out/events.csv                   one ACLED-like row per event of those records
    out/events_acled.csv             the same events in ACLED's columns (`extractor.acled`)
    out/failures.jsonl               every record of failures/ (absent when there is none)

The combined files are rebuilt from all per-article records in the folder, never from one
run's memory (`extractor.output_store`), so no run, crash or second process shrinks them.
Every file is written atomically: a temp file in the same directory, then `os.replace`;
files get the usual permissions (0666 less the umask), like any file the user makes.

Errors: an `OSError` that stops every later write too (disk full, quota, read-only file
system) is a `OutputError` for the whole run (`is_whole_run_error`); any other one fails
only the article being written.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import os
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor.articles import InputProblem
from extractor.core.errors import ExtractorError
from extractor.core.records import ExtractionRecord, FailureRecord, GroundedEvent, SourceMetadata

WHOLE_RUN_ERRNOS = frozenset(
    code
    for code in (
        errno.ENOSPC,
        getattr(errno, "EDQUOT", None),
        errno.EROFS,
        errno.EFBIG,
        errno.EIO,
    )
    if code is not None
)
"""Write errors no other file of the run would escape: they stop the run at once."""
FILE_MODE = 0o666
TEMP_HEX_CHARS = 12
TEMP_NAME = re.compile(rf"\.[0-9a-f]{{{TEMP_HEX_CHARS}}}\.tmp")
"""The temp files of `atomic_write_text`: short, hidden, and never `*.json`."""


class OutputError(ExtractorError):
    """The output directory cannot take this run's results: one line, what and where."""


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
    "source",
    "source_url",
    "needs_review",
    "review_reasons",
)
"""New columns go at the end, so existing positions stay: `source` is the outlet and
`source_url` the article's URL, as the input gave them (empty when it did not);
`needs_review` and `review_reasons` (`; `-separated) are `extractor.review`'s flags."""
EVIDENCE_SEPARATOR = " | "
REASON_SEPARATOR = "; "


def describe_os_error(exc: OSError) -> str:
    """`No space left on device` and the like, for one-line messages."""
    return exc.strerror or str(exc) or type(exc).__name__


def is_whole_run_error(exc: OSError) -> bool:
    """True for errors that every later write would meet too (disk full, read-only, ...)."""
    return exc.errno in WHOLE_RUN_ERRNOS


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` via a temp file and `os.replace` (created with mode 0666
    less the umask; the temp name is short, so only `path`'s own name can be too long)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = text.encode("utf-8")
    while True:
        temp = path.parent / f".{secrets.token_hex(TEMP_HEX_CHARS // 2)}.tmp"
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        except FileExistsError:
            continue
        break
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def event_id(article_id: str, index: int) -> str:
    """Stable id of the `index`-th (0-based) event of an article."""
    return f"{article_id}-{index + 1}"


def csv_row(
    article_id: str, index: int, event: GroundedEvent, source: SourceMetadata | None = None
) -> dict[str, Any]:
    """One ACLED-like CSV row for one event (of an article from `source`, if known)."""
    data = event.model_dump(mode="json")
    row = {column: data.get(column) for column in CSV_COLUMNS}
    row.update(
        article_id=article_id,
        event_id=event_id(article_id, index),
        event_date=event.date,
        weapon_types=";".join(data["weapon_types"]),
        evidence=EVIDENCE_SEPARATOR.join(event.evidence),
        grounded=event.grounded,
        source=source.outlet if source is not None else None,
        source_url=source.url if source is not None else None,
        review_reasons=REASON_SEPARATOR.join(event.review_reasons),
    )
    return row


def render_csv(records: list[ExtractionRecord]) -> str:
    """events.csv: a header and one row per event."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        for index, event in enumerate(record.events):
            writer.writerow(csv_row(record.article_id, index, event, record.source))
    return buffer.getvalue()


def render_jsonl(items: list[ExtractionRecord] | list[FailureRecord]) -> str:
    """One JSON object per line."""
    return "".join(item.model_dump_json() + "\n" for item in items)


def failure_from_problem(problem: InputProblem, kind: str = "input") -> FailureRecord:
    """The failures.jsonl line for an input that could not be read (or was skipped)."""
    return FailureRecord(
        article_id=problem.article_id,
        kind=kind,
        message=problem.message,
        path=str(problem.path),
    )


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
    not_attempted: int = 0

    @property
    def grounding_rate(self) -> float:
        """Share of evidence quotes located in their article."""
        return self.quotes_found / self.quotes if self.quotes else 1.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form, grounding rate included."""
        data = dict(self.__dict__)
        data["grounding_rate"] = round(self.grounding_rate, 4)
        return data


RETRIED_KINDS = frozenset({"transient", "unreachable"})
"""Failure kinds whose `attempts` were the retry policy's (the rest were re-asks)."""


def summarize(
    records: list[ExtractionRecord],
    failures: list[FailureRecord],
    wall_s: float,
    not_attempted: Sequence[str] = (),
) -> BatchSummary:
    """Totals over one run; tokens, retries and re-asks count only work done now (not cache
    hits), including the attempts of articles that failed in the end."""
    fresh = [r for r in records if not r.provenance.cache_hit]
    failed_retries = sum(max(0, f.attempts - 1) for f in failures if f.kind in RETRIED_KINDS)
    failed_reasks = sum(max(0, f.attempts - 1) for f in failures if f.kind == "invalid_output")
    return BatchSummary(
        articles=len(records) + len(failures),
        extracted=len(records),
        events=sum(len(r.events) for r in records),
        cache_hits=len(records) - len(fresh),
        retries=sum(r.provenance.retries for r in fresh) + failed_retries,
        reasks=sum(r.provenance.reasks for r in fresh) + failed_reasks,
        failures=len(failures),
        tokens=sum(r.provenance.tokens.total for r in fresh) + sum(f.tokens for f in failures),
        quotes=sum(r.grounding.quotes for r in records),
        quotes_found=sum(r.grounding.found for r in records),
        wall_s=round(wall_s, 3),
        not_attempted=len(not_attempted),
    )


def dump_summary(summary: BatchSummary) -> str:
    """The summary as one JSON line."""
    return json.dumps(summary.as_dict(), sort_keys=True)
