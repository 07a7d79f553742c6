"""A dead endpoint stops the batch after a few articles in a row, naming the URL.

Real connections to a port on 127.0.0.1 that nothing listens on: refused at once, retried
by the policy, then the batch halts; the articles it did not start are reported as not
attempted (not failed), and the retries spent on the failed ones are counted.
"""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from benchmarks.common.llama_server import free_port
from extractor.articles import Article
from extractor.backends.openai_compat import OpenAIBackend
from extractor.cli.app import app
from extractor.core.records import ExtractionRecord, FailureRecord
from extractor.endpoint_watch import UnreachableStreak
from extractor.retry import RetryPolicy
from extractor.runner import CachedRunner, RunnerConfig, extract_to_directory
from tests.openai_server import OpenAIServer

FAST = RetryPolicy(max_attempts=2, initial_wait_s=0.001, max_wait_s=0.002, jitter_s=0.001)
TEXT = "Two rockets hit Ain al-Asad air base on Monday, officials said."


def _articles(count: int) -> list[Article]:
    return [Article(f"a{i}", TEXT, Path(f"a{i}.txt")) for i in range(count)]


def _failure(kind: str) -> FailureRecord:
    return FailureRecord(article_id="x", kind=kind, message="cannot reach http://h/v1: refused")


def test_the_streak_counts_unreachable_articles_in_a_row_only() -> None:
    streak = UnreachableStreak(limit=2, endpoint="http://h/v1")
    assert streak.see(_failure("unreachable")) is None
    assert streak.see(_failure("transient")) is None  # a different failure breaks the streak
    assert streak.see(_failure("unreachable")) is None
    reason = streak.see(_failure("unreachable"))
    assert reason is not None and "2 articles in a row could not reach http://h/v1" in reason


def test_a_refused_endpoint_halts_the_batch_and_reports_the_rest_not_attempted(
    tmp_path: Path,
) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"
    backend = OpenAIBackend(model="m", base_url=url, timeout=5)
    config = RunnerConfig(retry=FAST, max_unreachable_in_a_row=3)
    result, summary = extract_to_directory(_articles(7), backend, tmp_path, config=config)
    backend.close()
    assert result.halted is not None and url in result.halted
    assert [f.kind for f in result.failures] == ["unreachable"] * 3
    assert all(url in f.message for f in result.failures)
    assert result.not_attempted == ["a3", "a4", "a5", "a6"]
    assert (summary.failures, summary.not_attempted, summary.retries) == (3, 4, 3)
    written = [json.loads(x) for x in (tmp_path / "failures.jsonl").read_text().splitlines()]
    assert [f["article_id"] for f in written] == ["a0", "a1", "a2"]  # not-attempted: not failed


def test_a_live_endpoint_is_not_halted_by_one_unreachable_article() -> None:
    with OpenAIServer() as server:
        backend = OpenAIBackend(model="m", base_url=server.url)
        runner = CachedRunner(backend, config=RunnerConfig(retry=FAST))
        result = runner.run(_articles(4))
        backend.close()
    assert result.halted is None and result.not_attempted == []
    assert all(isinstance(r, ExtractionRecord) for r in result.records) and not result.failures


def test_cli_names_the_url_and_the_articles_not_attempted(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(5):
        (folder / f"a{i}.txt").write_text(TEXT + "\n")
    url = f"http://127.0.0.1:{free_port()}/v1"
    args = ["extract", str(folder), "--backend", "openai", "--base-url", url, "--model", "m"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out"), "--no-cache"])
    assert result.exit_code == 1
    assert f"3 articles in a row could not reach {url}" in result.output
    assert "not attempted (not failed" in result.output and "2 article(s): a3, a4" in result.output
    assert "not attempted 2" in result.output
