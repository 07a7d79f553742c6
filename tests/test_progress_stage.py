"""The plain progress lines' heartbeat names the latest model call: article and stage.

A multi-call strategy spends minutes on one article; the heartbeat then says which stage
it is in, from the call log's `on_call` (`extract` feeds it when stderr is not a terminal).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.cli.progress_lines import ProgressLines
from tests.openai_server import OpenAIServer


def test_the_heartbeat_names_the_latest_call() -> None:
    said: list[str] = []
    with ProgressLines(3, said.append, heartbeat=0.05) as lines:
        lines.stage("a2", "fields", 4)
        deadline = time.monotonic() + 5
        while not any("still working" in line for line in said) and time.monotonic() < deadline:
            time.sleep(0.02)
    beats = [line for line in said if "still working" in line]
    assert beats and beats[0].endswith("; latest call: a2 fields (call 4)")


def test_extract_feeds_the_stages_of_a_slow_article(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a1.txt").write_text("Two rockets hit Ain al-Asad air base on Monday.\n")
    with OpenAIServer() as server:
        args = ["extract", str(tmp_path / "a1.txt"), "-b", "openai", "-m", "m", "-s", "oneshot"]
        args += ["--base-url", server.url, "--out", str(tmp_path / "out"), "--no-cache"]
        original = ProgressLines.stage
        seen: list[tuple[str, str, int]] = []

        def spy(self: ProgressLines, article_id: str, slot: str, call: int) -> None:
            seen.append((article_id, slot, call))
            original(self, article_id, slot, call)

        monkeypatch.setattr(ProgressLines, "stage", spy)
        CliRunner().invoke(app, args)
    assert (
        seen and seen[0][0] == "a1" and [call for *_, call in seen] == list(range(1, len(seen) + 1))
    )
