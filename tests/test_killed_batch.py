"""A batch whose process dies mid-run (as the local model's process does when the native
runtime crashes) keeps every finished article, and the rerun resumes: no finished article is
asked of the model again. Real child processes, a real loopback server, a real SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.openai_server import OpenAIServer, Reply, empty_answer

IDS = ["a1", "a2", "a3", "a4"]


def _article_ids(server: OpenAIServer) -> list[str]:
    found = []
    for request in server.requests:
        user = request["body"]["messages"][-1]["content"]
        found.append(next(line for line in user.splitlines() if line.startswith("article_id: ")))
    return [line.split(": ", 1)[1] for line in found]


def _extract(server: OpenAIServer, tmp_path: Path) -> subprocess.Popen[Any]:
    command = [
        sys.executable, "-m", "extractor.cli", "extract", str(tmp_path / "articles"),
        "--backend", "openai", "--base-url", server.url, "--model", "any",
        "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"),
        "--concurrency", "1",
    ]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": "sk-test"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def test_sigkill_mid_batch_keeps_finished_articles_and_the_rerun_resumes(
    tmp_path: Path,
) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for article_id in IDS:
        (articles / f"{article_id}.txt").write_text(f"Article {article_id}: nothing happened.\n")
    with OpenAIServer(answer=empty_answer, hang_s=60.0) as server:
        server.script("a3", Reply.hang())  # the batch is still running when it dies
        child = _extract(server, tmp_path)
        finished = tmp_path / "out" / "articles"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(list(finished.glob("*.json"))) < 2:
            time.sleep(0.1)
        done_before = sorted(p.stem for p in finished.glob("*.json"))
        assert done_before == ["a1", "a2"]
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        assert child.returncode == -signal.SIGKILL
        asked_before = len(server.requests)

        rerun = _extract(server, tmp_path)
        _, stderr = rerun.communicate(timeout=120)
        assert rerun.returncode == 0, stderr.decode()
        asked_again = _article_ids(server)[asked_before:]
        assert sorted(set(asked_again)) == ["a3", "a4"]  # nothing finished was asked again
    records = (tmp_path / "out" / "events.jsonl").read_text().splitlines()
    assert sorted(json.loads(line)["article_id"] for line in records) == IDS
