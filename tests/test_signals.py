"""Ctrl-C (SIGINT) and SIGTERM stop a batch cleanly and quickly; a second one at once.

Real child processes (`python -m extractor.cli extract`) against the real loopback server,
one of whose replies hangs for a minute: the first signal must cancel it within a couple of
seconds (no retry after it), write every finished article and exit 130 or 143."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.openai_server import OpenAIServer, Reply

IDS = ["a1", "a2", "a3", "a4"]
PROMPT_LINE = "article_id: {}"


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer(hang_s=60.0) as running:
        yield running


def write_articles(folder: Path, *ids: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for article_id in ids:
        (folder / f"{article_id}.txt").write_text(f"Article {article_id}: quiet day.\n")
    return folder


def start(server: OpenAIServer, tmp_path: Path) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "extractor.cli", "extract", str(tmp_path / "in"),
        "--backend", "openai", "--base-url", server.url, "--model", "any",
        "--out", str(tmp_path / "out"), "--cache-dir", str(tmp_path / "cache"),
    ]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-signals"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def asked(server: OpenAIServer) -> list[str]:
    """Article ids of the requests so far, in order."""
    found = []
    for request in server.requests:
        for line in str(request["body"]["messages"][-1]["content"]).splitlines():
            if line.startswith("article_id: "):
                found.append(line.removeprefix("article_id: "))
    return found


def wait_until_asked(server: OpenAIServer, article_id: str, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while article_id not in asked(server):
        assert child.poll() is None, child.communicate()[1].decode()
        assert time.monotonic() < deadline, "the child never asked about " + article_id
        time.sleep(0.05)
    time.sleep(0.3)  # the request is in flight, hanging


def finish(child: subprocess.Popen[bytes], timeout_s: float) -> tuple[int, str, float]:
    """Exit code, stderr and seconds until the child ended (killed if it overruns)."""
    started = time.monotonic()
    try:
        _, stderr = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate(timeout=30)
        pytest.fail(f"the child did not exit within {timeout_s} s of the signal")
    return child.returncode, stderr.decode(), time.monotonic() - started


def written_ids(tmp_path: Path) -> list[str]:
    lines = (tmp_path / "out" / "events.jsonl").read_text().splitlines()
    return [json.loads(line)["article_id"] for line in lines]


@pytest.mark.parametrize(
    ("signum", "code", "word"),
    [(signal.SIGINT, 130, "interrupted (SIGINT)"), (signal.SIGTERM, 143, "terminated (SIGTERM)")],
    ids=["SIGINT", "SIGTERM"],
)
def test_first_signal_cancels_the_hanging_request_writes_what_finished_and_exits(
    server: OpenAIServer, tmp_path: Path, signum: int, code: int, word: str
) -> None:
    write_articles(tmp_path / "in", *IDS)
    server.script("a3", Reply.hang())
    child = start(server, tmp_path)
    wait_until_asked(server, "a3", child)
    requests_before = server.hits
    child.send_signal(signum)
    returncode, stderr, took = finish(child, timeout_s=15)
    assert (returncode, took < 5) == (code, True), stderr
    assert "Traceback" not in stderr
    assert f"{word}: finished articles were written" in stderr
    assert written_ids(tmp_path) == ["a1", "a2"]
    time.sleep(0.5)
    assert server.hits == requests_before  # nothing retried or started after the signal
    assert "a4" not in asked(server)


def test_ctrl_c_during_a_rerun_keeps_every_earlier_line(
    server: OpenAIServer, tmp_path: Path
) -> None:
    write_articles(tmp_path / "in", "a1", "a2", "a3")
    first = start(server, tmp_path)
    assert finish(first, timeout_s=60)[0] == 0
    write_articles(tmp_path / "in", "a0")  # new, first in order, and it hangs
    server.script("a0", Reply.hang())
    child = start(server, tmp_path)
    wait_until_asked(server, "a0", child)
    child.send_signal(signal.SIGINT)
    returncode, stderr, _ = finish(child, timeout_s=15)
    assert returncode == 130, stderr
    assert written_ids(tmp_path) == ["a1", "a2", "a3"]


def test_second_signal_exits_at_once_without_a_traceback(
    server: OpenAIServer, tmp_path: Path
) -> None:
    write_articles(tmp_path / "in", *IDS)
    server.script("a1", Reply.hang())
    child = start(server, tmp_path)
    wait_until_asked(server, "a1", child)
    child.send_signal(signal.SIGINT)
    child.send_signal(signal.SIGINT)
    returncode, stderr, took = finish(child, timeout_s=15)
    assert (returncode, took < 5) == (130, True), stderr
    assert "Traceback" not in stderr


SLOW_TO_STOP = """
import signal, sys, time
from extractor.cli.stop_signals import StopSignals

signals = StopSignals()
with signals.installed():
    signals.defer()
    print("ready", flush=True)
    signals.stop.wait(30)
    print("stopping slowly", flush=True)
    time.sleep(30)  # a shutdown that takes long: only a second signal ends it now
print("not reached", flush=True)
"""


@pytest.mark.parametrize(
    ("second", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)], ids=["SIGINT", "SIGTERM"]
)
def test_second_signal_ends_a_slow_shutdown(second: int, code: int) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_TO_STOP], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert child.stdout is not None and child.stdout.readline() == b"ready\n"
    child.send_signal(signal.SIGINT)
    assert child.stdout.readline() == b"stopping slowly\n"
    child.send_signal(second)
    returncode, stderr, took = finish(child, timeout_s=10)
    assert (returncode, took < 3) == (code, True)
    assert f"{signal.Signals(second).name} again: exiting now" in stderr
    assert "Traceback" not in stderr
