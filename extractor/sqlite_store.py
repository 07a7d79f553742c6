"""`extract --sqlite PATH`: the run's records in an SQLite database, for SQL and Datasette.

    runs       run_id (key), started (ISO UTC), backend, model, mode, strategy, prompt_name,
               prompt_version, tokens_in, tokens_out, tokens_total, seconds, articles,
               events, failures, cache_hits
    articles   article_id (key), text_length, url, outlet, published, title, events,
               quotes, quotes_found, run_id (-> runs: the run that wrote it last)
    events     event_id (key, `<article_id>-<n>` as in events.csv), article_id (-> articles),
               position, every `Event` field but `evidence` (weapon_types `;`-separated),
               grounded, needs_review, review_reasons (`; `-separated)
    evidence   event_id (-> events), position (key: both), quote, start, end, match

One database takes any number of runs, over any output folders: each run adds its `runs`
row, and each of its extracted articles replaces that article's row, events and evidence
(a re-run never duplicates them). Failed articles are counted in `runs` only. The whole
run is one transaction (`BEGIN IMMEDIATE`, waiting up to a minute for another writer), so
two processes writing the same file both land completely, one after the other. It is
written at the end of the batch, also after Ctrl-C (the finished articles).

Problems: a path that cannot hold a database (a directory, below a file, not an SQLite
file) is an `OutputError`, one line; `check_sqlite_path` finds the first two before any
model call.
"""

from __future__ import annotations

import contextlib
import datetime
import sqlite3
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractor.backends.base import BackendInfo
from extractor.core.records import ExtractionRecord
from extractor.outputs import REASON_SEPARATOR, BatchSummary, OutputError, event_id
from extractor.outputs_lock import DirectoryLock

if TYPE_CHECKING:
    import sqlite_utils

BUSY_TIMEOUT_S = 60.0
EVENT_COLUMNS: dict[str, type] = {
    "event_id": str,
    "article_id": str,
    "position": int,
    "event_type": str,
    "salience": str,
    "date": str,
    "date_text": str,
    "location": str,
    "country": str,
    "admin1": str,
    "weapon_types": str,
    "projectiles": int,
    "intercepted": int,
    "perpetrator": str,
    "perpetrator_status": str,
    "target": str,
    "killed": int,
    "injured": int,
    "damage": str,
    "summary": str,
    "grounded": int,
    "needs_review": int,
    "review_reasons": str,
}


RUN_COLUMNS: dict[str, type] = {
    "run_id": str,
    "started": str,
    "backend": str,
    "model": str,
    "mode": str,
    "strategy": str,
    "prompt_name": str,
    "prompt_version": str,
    "tokens_in": int,
    "tokens_out": int,
    "tokens_total": int,
    "seconds": float,
    "articles": int,
    "events": int,
    "failures": int,
    "cache_hits": int,
}


@dataclass(frozen=True)
class RunRow:
    """One row of `runs`: how a batch was made and what it cost."""

    run_id: str
    started: str
    backend: str
    model: str
    mode: str
    strategy: str | None
    prompt_name: str | None
    prompt_version: str | None
    tokens_in: int
    tokens_out: int
    tokens_total: int
    seconds: float
    articles: int
    events: int
    failures: int
    cache_hits: int


def run_row(
    info: BackendInfo,
    records: Iterable[ExtractionRecord],
    summary: BatchSummary,
    started: datetime.datetime,
) -> RunRow:
    """The `runs` row of one batch (tokens count work done now, not cache hits)."""
    records = list(records)
    fresh = [r.provenance for r in records if not r.provenance.cache_hit]
    first = records[0].provenance if records else None
    strategy = info.params.get("strategy")
    return RunRow(
        run_id=uuid.uuid4().hex,
        started=started.astimezone(datetime.UTC).isoformat(timespec="seconds"),
        backend=info.backend,
        model=info.model,
        mode=info.mode,
        strategy=str(strategy) if strategy is not None else None,
        prompt_name=first.prompt_name if first else None,
        prompt_version=first.prompt_version if first else None,
        tokens_in=sum(p.tokens.prompt for p in fresh),
        tokens_out=sum(p.tokens.completion for p in fresh),
        tokens_total=summary.tokens,
        seconds=summary.wall_s,
        articles=summary.articles,
        events=summary.events,
        failures=summary.failures,
        cache_hits=summary.cache_hits,
    )


def check_sqlite_path(path: Path) -> None:
    """Raise `OutputError` (one line) when `path` cannot be an SQLite file; creates nothing."""
    if path.is_dir():
        raise OutputError(f"--sqlite {path} cannot be used: it is a directory")
    for parent in path.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"--sqlite {path} cannot be used: {parent} is a file")
            return


def _create_tables(db: sqlite_utils.Database) -> None:
    db.table("runs").create(
        RUN_COLUMNS,
        pk="run_id",
        if_not_exists=True,
    )
    db.table("articles").create(
        {
            "article_id": str,
            "text_length": int,
            "url": str,
            "outlet": str,
            "published": str,
            "title": str,
            "events": int,
            "quotes": int,
            "quotes_found": int,
            "run_id": str,
        },
        pk="article_id",
        foreign_keys=[("run_id", "runs", "run_id")],
        if_not_exists=True,
    )
    db.table("events").create(
        EVENT_COLUMNS,
        pk="event_id",
        foreign_keys=[("article_id", "articles", "article_id")],
        if_not_exists=True,
    )
    db.table("evidence").create(
        {"event_id": str, "position": int, "quote": str, "start": int, "end": int, "match": str},
        pk=("event_id", "position"),
        foreign_keys=[("event_id", "events", "event_id")],
        if_not_exists=True,
    )
    db.table("events").create_index(["article_id"], if_not_exists=True)


def _replace_article(
    db: sqlite_utils.Database, record: ExtractionRecord, run_id: str, text_length: int | None
) -> None:
    """This record's rows instead of whatever an earlier run wrote for its article."""
    article_id = record.article_id
    db.execute(
        "DELETE FROM evidence WHERE event_id IN (SELECT event_id FROM events WHERE article_id = ?)",
        [article_id],
    )
    db.table("events").delete_where("article_id = ?", [article_id])
    source = record.source
    db.table("articles").upsert(
        {
            "article_id": article_id,
            "text_length": text_length,
            "url": source.url if source else None,
            "outlet": source.outlet if source else None,
            "published": source.published if source else None,
            "title": source.title if source else None,
            "events": len(record.events),
            "quotes": record.grounding.quotes,
            "quotes_found": record.grounding.found,
            "run_id": run_id,
        },
        pk="article_id",
    )
    events: list[dict[str, Any]] = []
    evidence: list[dict[str, Any]] = []
    for index, event in enumerate(record.events):
        key = event_id(article_id, index)
        data = event.model_dump(mode="json")
        row = {column: data.get(column) for column in EVENT_COLUMNS}
        row.update(
            event_id=key,
            article_id=article_id,
            position=index + 1,
            weapon_types=";".join(data["weapon_types"]),
            grounded=int(event.grounded),
            needs_review=int(event.needs_review),
            review_reasons=REASON_SEPARATOR.join(event.review_reasons),
        )
        events.append(row)
        spans = event.evidence_spans or []
        quotes: list[tuple[str, int | None, int | None, str | None]] = [
            (s.quote, s.start, s.end, s.match.value) for s in spans
        ] or [(quote, None, None, None) for quote in event.evidence]
        for position, (quote, start, end, match) in enumerate(quotes, start=1):
            evidence.append(
                {
                    "event_id": key,
                    "position": position,
                    "quote": quote,
                    "start": start,
                    "end": end,
                    "match": match,
                }
            )
    db.table("events").insert_all(events, pk="event_id", alter=True)  # older files: add columns
    db.table("evidence").insert_all(evidence, pk=("event_id", "position"))


def save_run(
    path: Path,
    run: RunRow,
    records: Iterable[ExtractionRecord],
    text_lengths: Mapping[str, int] | None = None,
    lock_dir: Path | None = None,
) -> None:
    """Add one run and its extracted articles to the database at `path` (made if missing),
    in one transaction, holding `lock_dir`'s `DirectoryLock` (the output folder's, so it
    is written like the combined files); `OutputError` (one line) when it cannot be."""
    import sqlite_utils  # only when a run writes a database

    lengths = text_lengths or {}
    check_sqlite_path(path)
    lock = DirectoryLock(lock_dir) if lock_dir is not None else contextlib.nullcontext()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        with lock, contextlib.closing(conn):
            db = sqlite_utils.Database(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                _create_tables(db)
                db.table("runs").insert(asdict(run), pk="run_id")
                for record in records:
                    _replace_article(db, record, run.run_id, lengths.get(record.article_id))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise
    except (sqlite3.Error, OSError) as exc:
        raise OutputError(f"cannot write --sqlite {path}: {exc}") from None
