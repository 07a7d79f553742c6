"""Progress when stderr is a log: a plain line per finished article, a heartbeat while none
finishes. A real child process with stderr to a pipe, against the loopback server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from extractor.cli.progress_lines import ProgressLines
from tests.openai_server import OpenAIServer


def test_lines_count_articles_and_estimate_what_is_left() -> None:
    said: list[str] = []
    with ProgressLines(3, said.append, heartbeat=0.05) as lines:
        lines.finished("a1", "ok")
        import time

        time.sleep(0.2)  # no article finishes: heartbeats
        lines.finished("a2", "FAILED")
    assert said[0] == "extracting 3 article(s)"
    assert said[1].startswith("[1/3] a1 ok (") and "min left" in said[1]
    assert any(line.startswith("still working: 1/3 articles done") for line in said)
    assert any(line.startswith("[2/3] a2 FAILED") for line in said)


def test_extract_prints_a_line_per_article_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    articles = tmp_path / "articles"
    articles.mkdir()
    for article_id in ("b1", "b2"):
        (articles / f"{article_id}.txt").write_text(f"Article {article_id}: nothing happened.\n")
    with OpenAIServer() as server:
        command = [
            sys.executable, "-m", "extractor.cli", "extract", str(articles),
            "--backend", "openai", "--base-url", server.url, "--model", "any",
            "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"),
        ]  # fmt: skip
        env = {**os.environ, "OPENAI_API_KEY": "sk-test"}
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "extracting 2 article(s)" in done.stderr
    assert "[1/2] " in done.stderr and "[2/2] " in done.stderr
