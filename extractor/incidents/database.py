"""The incidents in the SQLite database, next to the tables `extractor extract --sqlite` writes.

Three tables, replaced as a whole by each call (an incident is a view of every article read,
so a later call supersedes an earlier one): `incidents` (the columns of `incidents.csv`,
keyed by `event_id`, the incident id), `incident_members` (one row per member event: its
article, its `event_id` as in the `events` table, outlet, URL and evidence offsets) and
`incident_conflicts` (one row per value of a disputed field, with the sources that gave it).
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from extractor.incidents.reconcile import Incident
from extractor.incidents.store import INCIDENT_COLUMNS, SEPARATOR, incident_row
from extractor.outputs import OutputError, event_id
from extractor.sqlite_store import BUSY_TIMEOUT_S, check_sqlite_path

INCIDENT_TABLES = ("incidents", "incident_members", "incident_conflicts")


def save_incidents(path: Path, incidents: Sequence[Incident]) -> None:
    """Write the incidents into the SQLite database at `path` (made if missing), replacing
    any incidents an earlier call wrote: tables `incidents` (the CSV's columns, keyed by
    `incident_id`), `incident_members` (incident, article, event, `event_id` as in the
    `events` table, outlet, URL, evidence offsets) and `incident_conflicts` (incident, field,
    value, sources)."""
    import sqlite_utils  # only when a database is written

    check_sqlite_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S)
        with contextlib.closing(conn):
            db = sqlite_utils.Database(conn)
            conn.execute("BEGIN IMMEDIATE")
            try:
                for name in reversed(INCIDENT_TABLES):
                    db.table(name).drop(ignore=True)
                _insert_incidents(db, incidents)
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.rollback()
                raise
    except (sqlite3.Error, OSError) as exc:
        raise OutputError(f"cannot write --sqlite {path}: {exc}") from None


def _insert_incidents(db: Any, incidents: Sequence[Incident]) -> None:
    db.table("incidents").create(
        {column: int if column in _INT_COLUMNS else str for column in INCIDENT_COLUMNS},
        pk="event_id",
    )
    db.table("incident_members").create(
        {"incident_id": str, "position": int, "article_id": str, "event_id": str,
         "outlet": str, "url": str, "evidence_offsets": str},
        pk=("incident_id", "position"),
        foreign_keys=[("incident_id", "incidents", "event_id")],
    )  # fmt: skip
    db.table("incident_conflicts").create(
        {"incident_id": str, "field": str, "position": int, "value": str, "sources": str},
        pk=("incident_id", "field", "position"),
        foreign_keys=[("incident_id", "incidents", "event_id")],
    )
    db.table("incidents").insert_all((incident_row(i) for i in incidents), pk="event_id")
    db.table("incident_members").insert_all(
        {
            "incident_id": incident.incident_id,
            "position": position,
            "article_id": m.article_id,
            "event_id": event_id(m.article_id, m.event_index),
            "outlet": m.outlet,
            "url": m.url,
            "evidence_offsets": ";".join(
                f"{q.start}-{q.end}" for q in m.evidence if q.start is not None
            ),
        }
        for incident in incidents
        for position, m in enumerate(incident.members, start=1)
    )
    db.table("incident_conflicts").insert_all(
        {
            "incident_id": incident.incident_id,
            "field": conflict.field,
            "position": position,
            "value": json.dumps(said.value, ensure_ascii=False),
            "sources": SEPARATOR.join(said.sources),
        }
        for incident in incidents
        for conflict in incident.conflicts
        for position, said in enumerate(conflict.values, start=1)
    )


_INT_COLUMNS = frozenset(
    {"year", "time_precision", "fatalities", "injured", "projectiles", "intercepted", "n_sources"}
)
