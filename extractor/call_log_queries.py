"""Reading the call log (`extractor.call_log` writes it): calls of a run, and the runs.

`extractor logs` is a thin caller of these; they work on any copy of the file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlite_utils


def read_calls(
    path: Path,
    *,
    run_id: str | None = None,
    article_id: str | None = None,
    failed: bool = False,
    limit: int | None = None,
) -> Iterator[dict[str, Any]]:
    """Rows of the log, oldest first: of `run_id` (default: the latest run), of one
    article, only failed calls, the last `limit` of them."""
    db = sqlite_utils.Database(path)
    try:
        if run_id is None:
            latest = list(db.query("select run_id from runs order by started desc, rowid desc"))
            run_id = latest[0]["run_id"] if latest else ""
        where, params = ["c.run_id = :run"], {"run": run_id}
        if article_id is not None:
            where.append("c.article_id = :article")
            params["article"] = article_id
        if failed:
            where.append("c.ok = 0")
        sql = (
            "select c.*, r.backend, r.base_url from calls c join runs r using (run_id) "
            f"where {' and '.join(where)} order by c.id desc"
        )
        if limit is not None:
            sql += f" limit {int(limit)}"
        yield from reversed(list(db.query(sql, params)))
    finally:
        db.close()


def read_runs(path: Path) -> list[dict[str, Any]]:
    """Every run in the log, newest first, with its calls, failed calls and tokens."""
    db = sqlite_utils.Database(path)
    try:
        return list(
            db.query(
                "select r.*, count(c.id) as calls, coalesce(sum(1 - c.ok), 0) as failed, "
                "coalesce(sum(c.prompt_tokens), 0) as prompt_tokens, "
                "coalesce(sum(c.completion_tokens), 0) as completion_tokens "
                "from runs r left join calls c using (run_id) "
                "group by r.run_id order by r.started desc, r.rowid desc"
            )
        )
    finally:
        db.close()
