"""The call log: `extract` records every model call, `extractor logs` shows them.

Against the loopback server: a failed article's invalid answers are in the log word for
word, with the error that rejected them; a pipeline strategy's calls are logged per stage;
a backend that reports no calls of its own still gets one row per attempt; credentials in
the text never reach the file.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import extractor
from extractor.api import extract_batch, open_backend, read_inputs
from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest
from extractor.backends.call_cache import CachedChat
from extractor.backends.fake import FakeBackend
from extractor.call_log import CallLogStore, RunInfo, logged_chat, logged_extract
from extractor.cli import app
from extractor.clients.base import Completion
from extractor.core.schema import ArticleEvents
from tests.openai_server import OpenAIServer, Reply

TEXT = "Two rockets hit Ain al-Asad air base on Monday, officials said."
SECRET = "sk-calllog-5b1e0c7a9f-do-not-store"


def _articles(tmp_path: Path, texts: dict[str, str]) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for article_id, text in texts.items():
        (folder / f"{article_id}.txt").write_text(text + "\n")
    return folder


def _extract(server: OpenAIServer, folder: Path, out: Path, *extra: str) -> Any:
    args = ["extract", str(folder), "--backend", "openai", "--base-url", server.url]
    args += ["--model", "m", "--out", str(out), "--no-cache", *extra]
    return CliRunner().invoke(app, args)


def _logs(*args: str) -> Any:
    return CliRunner().invoke(app, ["logs", *args])


def test_logs_show_a_failed_articles_raw_answers_and_why(tmp_path: Path) -> None:
    folder = _articles(tmp_path, {"a1": TEXT, "a2": TEXT + f" Key {SECRET} leaked."})
    out = tmp_path / "out"
    with OpenAIServer() as server:
        server.script(
            "a2", Reply.malformed_json(), Reply.schema_violation(), Reply.malformed_json()
        )
        result = _extract(server, folder, out)
    assert result.exit_code == 1, result.output  # a2 failed after 3 attempts
    assert f"extractor logs --db {out / 'calls.db'} --failed" in result.output

    shown = _logs("--out", str(out))
    assert shown.exit_code == 0, shown.output
    assert shown.output.count("## a1") == 1 and shown.output.count("## a2") == 3
    assert '{"article_id": "a2", "events": [' in shown.output  # the malformed answer, verbatim
    assert '"event_type": "picnic"' in shown.output  # the schema-violating one
    assert "FAILED" in shown.output and "validation error" in shown.output

    failed = json.loads(_logs("--out", str(out), "--failed", "--json").output)
    assert [(r["article_id"], r["call"], r["ok"]) for r in failed] == [
        ("a2", 1, False),
        ("a2", 2, False),
        ("a2", 3, False),
    ]
    assert all(r["error"] and r["prompt_tokens"] == 100 for r in failed)
    assert failed[0]["messages"][0]["role"] == "system"
    assert len(failed[1]["messages"]) > 2  # the re-ask carries the earlier answer and error

    only_a1 = json.loads(_logs("--db", str(out / "calls.db"), "-a", "a1", "--json").output)
    assert [(r["article_id"], r["ok"], r["slot"]) for r in only_a1] == [("a1", True, "single-call")]
    assert only_a1[0]["response"] == '{"article_id": "a1", "events": []}'
    assert SECRET not in (out / "calls.db").read_bytes().decode("utf-8", "replace")


def test_each_run_is_its_own_and_the_latest_is_shown(tmp_path: Path) -> None:
    folder = _articles(tmp_path, {"a1": TEXT})
    out = tmp_path / "out"
    with OpenAIServer() as server:
        assert _extract(server, folder, out).exit_code == 0
        server.script("a1", *[Reply.malformed_json()] * 3)
        assert _extract(server, folder, out).exit_code == 1
    rows = json.loads(_logs("--out", str(out), "--json").output)
    assert [r["ok"] for r in rows] == [False, False, False]  # the second run only
    with sqlite3.connect(out / "calls.db") as db:
        runs = [r[0] for r in db.execute("select run_id from runs order by started, rowid")]
    first = json.loads(_logs("--out", str(out), "--run", runs[0], "--json").output)
    assert len(runs) == 2 and [r["ok"] for r in first] == [True]
    listed = json.loads(_logs("--out", str(out), "--runs", "--json").output)
    assert [(r["run_id"], r["calls"], r["failed"]) for r in listed] == [
        (runs[1], 3, 3),
        (runs[0], 1, 0),
    ]
    assert runs[1] in _logs("--out", str(out), "--runs").output.splitlines()[0]


def test_concurrent_articles_each_get_their_own_calls(tmp_path: Path) -> None:
    ids = [f"c{i}" for i in range(8)]
    folder = _articles(tmp_path, dict.fromkeys(ids, TEXT))
    out = tmp_path / "out"
    with OpenAIServer() as server:
        server.script("c3", Reply.malformed_json(), Reply.ok())
        assert _extract(server, folder, out, "-j", "4").exit_code == 0
    rows = json.loads(_logs("--out", str(out), "--json").output)
    assert sorted(r["article_id"] for r in rows) == sorted([*ids, "c3"])
    for row in rows:  # the server's answer names the article it was asked about
        assert f'"article_id": "{row["article_id"]}"' in row["response"]
    assert [(r["call"], r["ok"]) for r in rows if r["article_id"] == "c3"] == [
        (1, False),
        (2, True),
    ]


def test_a_pipeline_strategy_logs_each_stage_and_the_rejected_answer(tmp_path: Path) -> None:
    folder = _articles(tmp_path, {"a1": TEXT})
    out = tmp_path / "out"
    with OpenAIServer() as server:  # answers every stage with an ArticleEvents: invalid there
        result = _extract(server, folder, out, "--strategy", "oneshot")
    assert result.exit_code == 1, result.output
    rows = json.loads(_logs("--out", str(out), "--json").output)
    assert rows and all(r["strategy"] == "oneshot" and r["slot"] != "single-call" for r in rows)
    assert rows[-1]["ok"] is False and "did not validate" in rows[-1]["error"]
    # the pipeline's prompts carry no `article_id:` line, so the server says "unknown"
    assert rows[-1]["response"] == '{"article_id": "unknown", "events": []}'
    assert rows[-1]["schema_hash"]


def test_a_backend_without_call_reports_gets_a_row_per_attempt(tmp_path: Path) -> None:
    backend = FakeBackend()
    db = tmp_path / "calls.db"
    extractor.extract({"x1": TEXT, "x2": TEXT}, backend=backend, no_cache=True, call_log=db)
    rows = json.loads(_logs("--db", str(db), "--json").output)
    assert [(r["article_id"], r["slot"], r["ok"]) for r in rows] == [
        ("x1", "backend", True),
        ("x2", "backend", True),
    ]
    assert rows[0]["response"] == '{"article_id":"x1","events":[]}'
    assert (rows[0]["prompt_tokens"], rows[0]["completion_tokens"]) == (10, 5)


def test_no_log_writes_no_log_and_logs_says_so(tmp_path: Path) -> None:
    folder = _articles(tmp_path, {"a1": TEXT})
    out = tmp_path / "out"
    with OpenAIServer() as server:
        assert _extract(server, folder, out, "--no-log").exit_code == 0
    assert not (out / "calls.db").exists()
    missing = _logs("--out", str(out))
    assert missing.exit_code == 2 and "no call log" in missing.output


@pytest.mark.parametrize("option", ["--log-db"])
def test_the_log_can_live_elsewhere(tmp_path: Path, option: str) -> None:
    folder = _articles(tmp_path, {"a1": TEXT})
    db = tmp_path / "logs" / "all.db"
    with OpenAIServer() as server:
        assert _extract(server, folder, tmp_path / "out", option, str(db)).exit_code == 0
    assert len(json.loads(_logs("--db", str(db), "--json").output)) == 1


class _NoCallsNeeded:
    """A backend that reports its calls (through `logged_chat`) and needs none here."""

    def extract(self, request: ExtractionRequest) -> BackendResult:
        logged_chat(FakeChat())
        return BackendResult(events=ArticleEvents(article_id=request.article_id, events=[]))


class FakeChat:
    def complete(self, *args: Any, **kwargs: Any) -> Completion:
        raise AssertionError("not called")


def test_a_reporting_backend_that_made_no_call_gets_no_row(tmp_path: Path) -> None:
    db = tmp_path / "calls.db"
    request = ExtractionRequest("q1", TEXT, "system", "user", "v1")
    info = BackendInfo("custom", "m", "mode")
    with CallLogStore(db, RunInfo.of(info)) as store:
        logged_extract(store, _NoCallsNeeded(), request, 1)
        logged_extract(store, FakeBackend(), request, 1)  # reports nothing: one row
    rows = json.loads(_logs("--db", str(db), "--json").output)
    assert [(r["article_id"], r["slot"]) for r in rows] == [("q1", "backend")]


def test_on_call_hears_each_logged_call_with_its_stage(tmp_path: Path) -> None:
    folder = _articles(tmp_path, {"a1": TEXT, "a2": TEXT})
    heard: list[tuple[str, str]] = []
    db = tmp_path / "calls.db"
    with OpenAIServer() as server:
        options = {"base_url": server.url, "model": "m", "strategy": "oneshot"}
        with open_backend("openai", **options) as backend:
            extract_batch(
                read_inputs([folder]),
                backend,
                no_cache=True,
                call_log=db,
                on_call=lambda article, stage: heard.append((article, stage)),
            )
    rows = json.loads(_logs("--db", str(db), "--json").output)
    assert heard == [(r["article_id"], r["slot"]) for r in rows]
    assert {article for article, _ in heard} == {"a1", "a2"}


class _Recorded:
    """A model answering one fixed JSON, counting its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def complete(self, *args: Any, **kwargs: Any) -> Completion:
        self.calls += 1
        return Completion('{"x": 1}', 7, 3)


def test_calls_replayed_from_the_call_cache_are_marked(tmp_path: Path) -> None:
    model = _Recorded()
    chat = CachedChat(model, "model-id", tmp_path / "callcache")

    class Backend:
        def extract(self, request: ExtractionRequest) -> BackendResult:
            logged_chat(chat).complete("system", "user", {"type": "object"}, 10, slot="fields")
            return BackendResult(events=ArticleEvents(article_id=request.article_id, events=[]))

    db = tmp_path / "calls.db"
    with CallLogStore(db, RunInfo.of(BackendInfo("local", "m", "grammar"))) as store:
        for article_id in ("r1", "r2"):  # the same call twice: asked, then replayed
            logged_extract(store, Backend(), ExtractionRequest(article_id, TEXT, "", "", ""), 1)
    chat.close()
    rows = json.loads(_logs("--db", str(db), "--json").output)
    assert [(r["article_id"], r["replayed"], r["ok"]) for r in rows] == [
        ("r1", 0, True),
        ("r2", 1, True),
    ]
    assert model.calls == 1 and "replayed from the call cache" in _logs("--db", str(db)).output
