"""`extractor logs`: read the call log that `extractor extract` writes (like `llm logs`).

By default the calls of the latest run in `out/calls.db` (`extract`'s default folder),
oldest first: for each call the article, attempt, stage, tokens, latency, whether its answer
could be used (else why not) and the raw answer as the model wrote it. `--json` prints the
rows whole (the messages sent included); `--runs` lists the runs the file holds.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from extractor.call_log import CALL_LOG_FILE
from extractor.call_log_queries import read_calls, read_runs
from extractor.cli.app import app, exit_on_error
from extractor.core.errors import InputError

MESSAGE_PREVIEW = 200
"""Characters of each message shown without --full."""


def _preview(text: str, full: bool) -> str:
    if full or len(text) <= MESSAGE_PREVIEW:
        return text
    return f"{text[:MESSAGE_PREVIEW]}... ({len(text)} characters; --full shows all)"


def _render(row: dict[str, Any], full: bool) -> str:
    state = "ok" if row["ok"] else "FAILED"
    if row.get("replayed"):
        state += " (replayed from the call cache)"
    tokens = f"{row['prompt_tokens']} in, {row['completion_tokens']} out"
    lines = [
        f"## {row['article_id']}  attempt {row['attempt']}  call {row['call']}  "
        f"{row['slot']}  {state}  ({tokens}, {row['latency_s']:.2f}s)  #{row['id']}",
        f"run {row['run_id']}  {row['datetime_utc']}  {row['backend']} {row['model']}"
        + (f"  schema {row['schema_hash']}" if row["schema_hash"] else ""),
    ]
    if row["error"]:
        lines.append(f"error: {row['error']}")
    for message in json.loads(row["messages"] or "[]"):
        content = message.get("content")
        if not isinstance(content, str):
            content = json.dumps(content, ensure_ascii=False)
        lines.append(f"{message.get('role', '?')}: {_preview(content, full)}")
    response = row["response"]
    lines.append("answer:" if response is not None else "answer: (none)")
    if response is not None:
        lines.append(response)
    return "\n".join(lines)


def _print_runs(runs: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(runs, indent=2, ensure_ascii=False))
        return
    for row in runs:
        typer.echo(
            f"{row['run_id']}  {row['started']}  {row['backend']} {row['model']} "
            f"{row['strategy'] or '-'}  calls {row['calls']}  failed {row['failed']}  "
            f"tokens {row['prompt_tokens']} in, {row['completion_tokens']} out"
        )


@app.command("logs")
@exit_on_error
def logs_command(
    db: Path | None = typer.Option(
        None,
        "--db",
        "-d",
        help=f"the call log to read (default: OUT/{CALL_LOG_FILE})",
    ),
    out: Path = typer.Option(
        Path("out"), "--out", help="output folder of the run, holding its call log"
    ),
    run: str | None = typer.Option(None, "--run", "-r", help="run id (default: the latest run)"),
    article: str | None = typer.Option(None, "--article", "-a", help="only this article's calls"),
    failed: bool = typer.Option(
        False, "--failed", metavar="", help="only calls whose answer was not usable"
    ),
    count: int | None = typer.Option(None, "--count", "-n", min=1, help="only the last N calls"),
    as_json: bool = typer.Option(
        False, "--json", metavar="", help="print the rows as a JSON array"
    ),
    full: bool = typer.Option(False, "--full", metavar="", help="print the messages sent in full"),
    runs: bool = typer.Option(False, "--runs", help="list the runs instead: id, model, calls"),
) -> None:
    """Show the model calls of a run: what was sent, what the model answered, what failed.

    `extractor extract` records every call in OUT/calls.db unless given `--no-log`.
    Exit code 0, or 2 when the log file does not exist.
    """
    path = db if db is not None else out / CALL_LOG_FILE
    if not path.is_file():
        raise InputError(f"{path}: no call log here (extract writes OUT/{CALL_LOG_FILE})")
    if runs:
        _print_runs(read_runs(path), as_json)
        return
    rows = list(read_calls(path, run_id=run, article_id=article, failed=failed, limit=count))
    if as_json:
        for row in rows:
            row["messages"] = json.loads(row["messages"] or "[]")
            row["ok"] = bool(row["ok"])
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        typer.echo("no calls match", err=True)
        return
    typer.echo("\n\n".join(_render(row, full) for row in rows))
