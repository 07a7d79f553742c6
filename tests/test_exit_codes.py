"""`extractor extract` exits with the codes its help and the README document, one test each.

0 every article extracted; 1 an article failed (the rest written), or the batch stopped
itself (unreachable endpoint, --max-cost); 2 a usage or input error before any model call
(unknown backend or option, a mistyped path); 130 Ctrl-C; 143 SIGTERM (finished articles
kept in both). The signals are real: the fake backend sends one to this process while it
answers the second article (`tests/test_signals.py` does the same with child processes).
"""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.backends.base import ExtractionRequest
from extractor.backends.fake import FakeBackend
from extractor.cli import app
from extractor.core.errors import InvalidModelOutput
from extractor.core.schema import ArticleEvents

TEXT = "Two rockets hit Ain al-Asad air base on Monday, officials said."


def _folder(tmp_path: Path, *ids: str) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    for article_id in ids:
        (folder / f"{article_id}.txt").write_text(TEXT + "\n")
    return folder


def _run(tmp_path: Path, *args: str | Path) -> Any:
    base = ["extract", "--backend", "fake", "--out", str(tmp_path / "out"), "--no-cache"]
    return CliRunner().invoke(app, [*base, *map(str, args)])


def _written(tmp_path: Path) -> list[str]:
    events = tmp_path / "out" / "events.jsonl"
    lines = events.read_text().splitlines() if events.exists() else []
    return [json.loads(line)["article_id"] for line in lines]


def test_0_when_every_article_is_extracted(fake_backend: FakeBackend, tmp_path: Path) -> None:
    result = _run(tmp_path, _folder(tmp_path, "a1", "a2"))
    assert result.exit_code == 0, result.output
    assert _written(tmp_path) == ["a1", "a2"]


def test_1_when_an_article_fails_and_the_rest_is_written(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.push(InvalidModelOutput("no valid answer", attempts=3, last_output="{"))
    result = _run(tmp_path, _folder(tmp_path, "a1", "a2"))
    assert result.exit_code == 1, result.output
    assert "failed: a1" in result.output and _written(tmp_path) == ["a2"]


@pytest.mark.parametrize(
    "args, message",
    [
        (["missing-folder"], "no article could be read"),
        (["IN", "--backend", "nope"], "unknown backend 'nope'"),
        (["IN", "-o", "temperature=0.5"], "backend 'fake' has no option 'temperature'"),
        (["IN", "-o", "temperature"], "-o takes key=value"),
    ],
    ids=["mistyped path", "unknown backend", "unknown model option", "option without value"],
)
def test_2_for_usage_and_input_errors_before_any_model_call(
    fake_backend: FakeBackend, tmp_path: Path, args: list[str], message: str
) -> None:
    folder = _folder(tmp_path, "a1")
    given = [
        str(folder) if a == "IN" else str(tmp_path / a) if a == "missing-folder" else a
        for a in args
    ]
    result = _run(tmp_path, *given)
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert fake_backend.calls == []


@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_130_and_143_when_stopped_by_a_signal_keeping_what_finished(
    fake_backend: FakeBackend, tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    def answer(request: ExtractionRequest) -> ArticleEvents:
        if request.article_id == "a2":
            os.kill(os.getpid(), signum)
        return ArticleEvents(article_id=request.article_id, events=[])

    fake_backend.respond = answer
    result = _run(tmp_path, _folder(tmp_path, "a1", "a2", "a3"))
    assert result.exit_code == code, result.output
    assert "a1" in _written(tmp_path) and "a3" not in _written(tmp_path)
