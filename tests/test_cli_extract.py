"""`extractor extract` and `extractor cache` end to end, against the loopback server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.backends.fake import FakeBackend
from extractor.cli import app
from extractor.outputs import CSV_COLUMNS
from tests.conftest import GOLD_ARTICLES, build_event
from tests.openai_server import OpenAIServer, Reply

SECRET = "sk-cli-test-9d3a61f0c2-do-not-leak"
ARTICLE_IDS = sorted(p.stem for p in GOLD_ARTICLES.glob("*.txt"))


def gold_answer(article_id: str) -> dict[str, Any]:
    """A valid answer quoting the article's first sentence (so it grounds)."""
    path = GOLD_ARTICLES / f"{article_id}.txt"
    if not path.is_file():
        return {"article_id": article_id, "events": []}
    text = path.read_text(encoding="utf-8")
    first_line = next(line for line in text.splitlines() if len(line) > 20)
    event = build_event(evidence=[first_line[:120]], summary=first_line[:120])
    return {"article_id": article_id, "events": [event.model_dump(mode="json")]}


@pytest.fixture
def server() -> Any:
    with OpenAIServer(answer=gold_answer, hang_s=3.0) as running:
        yield running


def _extract(server: OpenAIServer, out: Path, *paths: Path) -> Any:
    args = [str(p) for p in paths or sorted(GOLD_ARTICLES.glob("*.txt"))]  # not metadata.json
    command = [
        "extract",
        *args,
        "--backend",
        "openai",
        "--base-url",
        server.url,
        "--model",
        "any",
        "--out",
        str(out),
    ]
    return CliRunner().invoke(app, command)


def test_done_when_all_five_then_zero_requests(
    server: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cache_dir = tmp_path / "default-cache"
    out = tmp_path / "out"
    first = _extract(server, out)
    assert first.exit_code == 0, first.output
    assert server.hits == 5
    second = _extract(server, out)
    assert second.exit_code == 0, second.output
    assert server.hits == 5  # every article came from the cache
    assert "cache hits 5" in second.stderr

    records = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [r["article_id"] for r in records] == ARTICLE_IDS
    provenance = records[0]["provenance"]
    assert (provenance["backend"], provenance["model"], provenance["mode"]) == (
        "openai",
        "any",
        "json",
    )
    assert provenance["base_url"] == server.url and provenance["prompt_version"]
    assert records[0]["events"][0]["grounded"] is True
    assert records[0]["events"][0]["evidence_spans"][0]["match"] == "exact"
    header = (out / "events.csv").read_text().splitlines()[0]
    assert header == ",".join(CSV_COLUMNS)
    assert sorted(p.stem for p in (out / "articles").iterdir()) == ARTICLE_IDS
    assert not (out / "failures.jsonl").exists()

    for folder in (out, cache_dir):
        for path in folder.rglob("*"):
            if path.is_file():
                assert SECRET.encode() not in path.read_bytes(), path


def test_failed_article_is_recorded_and_retried_next_run(
    server: OpenAIServer, tmp_path: Path
) -> None:
    server.script(ARTICLE_IDS[0], *[Reply.schema_violation()] * 3)
    out = tmp_path / "out"
    first = _extract(server, out)
    assert first.exit_code == 1
    [failure] = [json.loads(x) for x in (out / "failures.jsonl").read_text().splitlines()]
    assert (failure["article_id"], failure["kind"]) == (ARTICLE_IDS[0], "invalid_output")
    assert failure["attempts"] == 3 and failure["tokens"] == 360
    assert (out / "events.jsonl").read_text().count("\n") == 4
    hits = server.hits
    second = _extract(server, out)
    assert second.exit_code == 0
    assert server.hits == hits + 1 and not (out / "failures.jsonl").exists()


def test_bad_inputs_go_to_failures_and_the_batch_goes_on(
    server: OpenAIServer, tmp_path: Path
) -> None:
    good = tmp_path / "in" / "good.txt"
    good.parent.mkdir()
    good.write_text("Rockets hit Camp Larch.", encoding="utf-8")
    (tmp_path / "in" / "bad.txt").write_bytes(b"\xff\xfe broken")
    result = _extract(server, tmp_path / "out", tmp_path / "in", tmp_path / "missing")
    assert result.exit_code == 1
    failures = (tmp_path / "out" / "failures.jsonl").read_text()
    assert "not valid UTF-8 (tried utf-8)" in failures and "no such file" in failures
    assert json.loads((tmp_path / "out" / "events.jsonl").read_text())["article_id"] == "good"


def test_unknown_backend_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["extract", str(GOLD_ARTICLES), "--backend", "nope"])
    assert result.exit_code == 2
    assert "unknown backend 'nope'" in result.stderr


def test_fake_backend_no_cache_and_cache_commands(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    runner = CliRunner()
    cache_dir = tmp_path / "cache"
    base = ["extract", str(GOLD_ARTICLES), "--backend", "fake", "--out", str(tmp_path / "o")]
    assert runner.invoke(app, [*base, "--no-cache", "--cache-dir", str(cache_dir)]).exit_code == 0
    assert runner.invoke(app, [*base, "--cache-dir", str(cache_dir)]).exit_code == 0
    assert len(fake_backend.calls) == 10
    stats = runner.invoke(app, ["cache", "stats", "--cache-dir", str(cache_dir)])
    assert "entries\t5" in stats.stdout and str(cache_dir) in stats.stdout
    cleared = runner.invoke(app, ["cache", "clear", "--cache-dir", str(cache_dir)])
    assert "removed 5 entries" in cleared.stdout


@pytest.mark.parametrize(
    "command", [["extract"], ["cache"], ["cache", "stats"], ["cache", "clear"]]
)
def test_commands_have_help(command: list[str]) -> None:
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0 and len(result.stdout) > 100


@pytest.mark.parametrize(
    ("backend", "option", "message"),
    [
        ("local", "--strategy", "unknown strategy 'bogus': choose one of sentence, staged"),
        ("openai", "--strategy", "unknown strategy 'bogus': choose one of sentence, staged"),
        ("local", "--variant", "unknown strategy 'bogus'"),
        ("fake", "--strategy", "does not accept these options"),
        ("local", "--preset", "unknown preset 'bogus': choose one of accurate, fast"),
        ("openai", "--preset", "--preset is an option of the local backend, not of 'openai'"),
    ],
)
def test_strategy_option_reaches_the_backend(backend: str, option: str, message: str) -> None:
    result = CliRunner().invoke(
        app, ["extract", str(GOLD_ARTICLES), "--backend", backend, option, "bogus"]
    )
    assert result.exit_code == 2
    assert message in result.output
