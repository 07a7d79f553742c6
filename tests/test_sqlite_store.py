"""`--sqlite PATH` / `extract(sqlite=...)`: a real SQLite file across runs, read by Datasette."""

from __future__ import annotations

import json
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import extractor
from extractor.backends.base import ExtractionRequest
from extractor.backends.fake import FakeBackend
from extractor.cli import app
from extractor.core.schema import ArticleEvents
from extractor.outputs import OutputError
from tests.conftest import build_event

TEXTS = {
    "a1": "Two rockets hit Camp Larch on Sunday. Nobody was hurt.",
    "a2": "A drone struck Camp Birch on Monday. Two were injured.",
    "a3": "Mortars landed near Camp Cedar on Tuesday. No damage.",
}
DATASETTE_WAIT_S = 30.0


def answer_with(events_per_article: int) -> Callable[[ExtractionRequest], ArticleEvents]:
    """A fake answer: `events_per_article` events quoting the article's first sentence."""

    def answer(request: ExtractionRequest) -> ArticleEvents:
        sentence = request.text.split(". ")[0]
        events = [
            build_event(evidence=[sentence], summary=f"{sentence} ({n})", weapon_types=["rocket"])
            for n in range(events_per_article)
        ]
        return ArticleEvents(article_id=request.article_id, events=events)

    return answer


def query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def two_runs(fake_backend: FakeBackend, tmp_path: Path) -> Path:
    """a1, a2 with one event each; then a2, a3 with two events each, into one database."""
    db = tmp_path / "events.db"
    out = tmp_path / "out"
    fake_backend.respond = answer_with(1)
    first = {k: TEXTS[k] for k in ("a1", "a2")}
    extractor.extract(first, backend="fake", out_dir=out, no_cache=True, sqlite=db)
    fake_backend.respond = answer_with(2)
    second = {k: TEXTS[k] for k in ("a2", "a3")}
    extractor.extract(second, backend="fake", out_dir=out, no_cache=True, sqlite=db)
    return db


def test_two_overlapping_runs_keep_each_article_once_with_its_latest_events(
    two_runs: Path,
) -> None:
    articles = query(two_runs, "SELECT article_id, text_length, events FROM articles ORDER BY 1")
    assert articles == [(k, len(TEXTS[k]), n) for k, n in (("a1", 1), ("a2", 2), ("a3", 2))]
    events = query(two_runs, "SELECT event_id, article_id, weapon_types FROM events ORDER BY 1")
    assert events == [
        ("a1-1", "a1", "rocket"),
        ("a2-1", "a2", "rocket"),
        ("a2-2", "a2", "rocket"),
        ("a3-1", "a3", "rocket"),
        ("a3-2", "a3", "rocket"),
    ]
    summaries = query(two_runs, "SELECT summary FROM events WHERE article_id = 'a2' ORDER BY 1")
    sentence = "A drone struck Camp Birch on Monday"
    assert summaries == [(f"{sentence} (0)",), (f"{sentence} (1)",)]
    evidence = query(
        two_runs,
        'SELECT e.event_id, e.quote, e.start, e."end", a.text_length FROM evidence e '
        "JOIN events v USING (event_id) JOIN articles a USING (article_id) ORDER BY 1",
    )
    assert [row[0] for row in evidence] == [row[0] for row in events]
    for event_id, quote, start, end, _ in evidence:
        assert TEXTS[event_id[:2]][start:end] == quote
    runs = query(two_runs, "SELECT run_id, backend, model, articles, events FROM runs ORDER BY 4")
    assert [(r[1], r[3], r[4]) for r in runs] == [("fake", 2, 2), ("fake", 2, 4)]
    latest = query(two_runs, "SELECT run_id FROM articles WHERE article_id = 'a2'")[0][0]
    assert latest != query(two_runs, "SELECT run_id FROM articles WHERE article_id = 'a1'")[0][0]
    assert query(two_runs, "PRAGMA foreign_key_check") == []


def test_the_cli_option_writes_the_database_and_refuses_a_directory(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.respond = answer_with(1)
    article = tmp_path / "a1.txt"
    article.write_text(TEXTS["a1"], encoding="utf-8")
    db = tmp_path / "db" / "events.db"
    base = ["extract", str(article), "--backend", "fake", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, [*base, "--sqlite", str(db)])
    assert result.exit_code == 0, result.output
    assert query(db, "SELECT event_id FROM events") == [("a1-1",)]

    refused = CliRunner().invoke(app, [*base, "--sqlite", str(tmp_path)])
    assert refused.exit_code == 2
    assert "is a directory" in refused.output
    assert len(fake_backend.calls) == 1  # refused before any backend call


def test_without_an_output_folder_and_on_a_file_that_is_not_a_database(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.respond = answer_with(1)
    db = tmp_path / "only.db"
    extractor.extract({"a3": TEXTS["a3"]}, backend="fake", no_cache=True, sqlite=db)
    assert query(db, "SELECT article_id FROM articles") == [("a3",)]
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(OutputError, match=r"garbage\.db"):
        extractor.extract({"a3": TEXTS["a3"]}, backend="fake", no_cache=True, sqlite=garbage)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def datasette(two_runs: Path) -> Iterator[str]:
    """Datasette serving the database on a free loopback port; stopped at the end."""
    executable = shutil.which("datasette", path=str(Path(sys.executable).parent))
    if executable is None:
        pytest.skip("datasette is not installed (pip install -e '.[dev]')")
    port = free_port()
    command = [executable, "serve", str(two_runs), "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + DATASETTE_WAIT_S
        while True:
            assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
            try:
                with urllib.request.urlopen(f"{url}/-/versions.json", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "datasette did not start in time"
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
        if server.stderr is not None:
            server.stderr.close()


def test_datasette_answers_sql_over_http(datasette: str, two_runs: Path) -> None:
    sql = (
        "SELECT a.article_id, count(e.event_id) AS n FROM articles a "
        "LEFT JOIN events e USING (article_id) GROUP BY a.article_id ORDER BY a.article_id"
    )
    params = urllib.parse.urlencode({"sql": sql, "_shape": "array"})
    with urllib.request.urlopen(f"{datasette}/{two_runs.stem}.json?{params}", timeout=10) as reply:
        rows = json.load(reply)
    assert rows == [
        {"article_id": "a1", "n": 1},
        {"article_id": "a2", "n": 2},
        {"article_id": "a3", "n": 2},
    ]
