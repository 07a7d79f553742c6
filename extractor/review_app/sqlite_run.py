"""Read a run back from the SQLite file `extract --sqlite` wrote, for review.

The `events` table holds every `Event` field but evidence (weapon types `;`-joined, review
reasons joined by `REASON_SEPARATOR`), `evidence` the quotes in order. Articles the file
holds with no events come back with an empty list. Read-only; any problem is one
`InputError` line naming the file.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.core.errors import InputError
from extractor.core.schema import ArticleEvents, Event
from extractor.outputs import REASON_SEPARATOR
from extractor.predictions import describe_validation_error

SQLITE_SUFFIXES = frozenset({".db", ".sqlite", ".sqlite3"})


def is_sqlite_run(path: Path) -> bool:
    """True for a file named like an SQLite database."""
    return path.is_file() and path.suffix.lower() in SQLITE_SUFFIXES


def _rows(path: Path, query: str) -> list[dict[str, Any]]:
    try:
        with sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute(query)]
    except sqlite3.Error as exc:
        raise InputError(f"{path}: not a database `extract --sqlite` wrote ({exc})") from None


def load_sqlite_run(path: Path) -> tuple[dict[str, ArticleEvents], dict[str, list[list[str]]]]:
    """Each article's events, and each event's review reasons, from an `--sqlite` file."""
    articles = _rows(path, "SELECT article_id FROM articles ORDER BY article_id")
    events = _rows(path, "SELECT * FROM events ORDER BY article_id, position")
    quotes: dict[str, list[str]] = {}
    for row in _rows(path, "SELECT event_id, quote FROM evidence ORDER BY event_id, position"):
        quotes.setdefault(row["event_id"], []).append(row["quote"])
    records: dict[str, list[Event]] = {row["article_id"]: [] for row in articles}
    reasons: dict[str, list[list[str]]] = {article_id: [] for article_id in records}
    for row in events:
        data = {name: row.get(name) for name in Event.model_fields}
        data["weapon_types"] = [w for w in (row.get("weapon_types") or "").split(";") if w]
        data["evidence"] = quotes.get(row["event_id"], [])
        try:
            event = Event.model_validate(data)
        except ValidationError as exc:
            where = f"{path}: event {row['event_id']}"
            raise InputError(f"{where}: {describe_validation_error(exc)}") from None
        records.setdefault(row["article_id"], []).append(event)
        joined = row.get("review_reasons") or ""
        reasons.setdefault(row["article_id"], []).append(
            joined.split(REASON_SEPARATOR) if joined else []
        )
    if not records:
        raise InputError(f"{path}: no articles in this database")
    return (
        {a: ArticleEvents(article_id=a, events=evs) for a, evs in records.items()},
        reasons,
    )
