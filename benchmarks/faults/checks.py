"""The fault cases of the table (`benchmarks.faults.cases`): each runs the real
`extractor extract` in child processes against the real loopback server of the tests
(`tests/openai_server.py`), reusing the tests' helpers, and says what it saw.

A check returns `Seen(observed, passed)`; an exception (a helper's failed assert, a child
that overran its time) is a failed case, reported by the table. Every child is bounded by
`CHILD_TIMEOUT_S` and killed when it overruns.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.openai_server import OpenAIServer, Reply
from tests.test_outputs_grow import (
    asked_about,
    csv_rows,
    jsonl_ids,
    one_event,
    openai_args,
    start_extract,
    wait_for,
    write_articles,
)

CHILD_TIMEOUT_S = 60.0
SIGNAL_EXIT_S = 5.0  # a signalled run must be gone within this
KEY = "sk-test-fault-table"


@dataclass(frozen=True)
class Seen:
    """What a case observed, and whether that is what was expected."""

    observed: str
    passed: bool


@dataclass(frozen=True)
class Done:
    """A finished child: exit code, output, and seconds from `since` to its end."""

    code: int | None
    stderr: str
    seconds: float
    stdout: bytes = b""

    @property
    def error_lines(self) -> list[str]:
        """stderr without the progress bar."""
        return [x for x in self.stderr.strip().splitlines() if not x.startswith("extracting")]

    @property
    def traceback(self) -> bool:
        return "Traceback" in self.stderr


def extract(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start `python -m extractor.cli extract ARGS` with a test key."""
    command = [sys.executable, "-m", "extractor.cli", "extract", *map(str, args)]
    environment = {**os.environ, "OPENAI_API_KEY": KEY, **(env or {})}
    return subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def finish(child: subprocess.Popen[bytes], since: float | None = None) -> Done:
    """Wait for a child (killed after `CHILD_TIMEOUT_S`: code None)."""
    started = time.monotonic() if since is None else since
    try:
        stdout, stderr = child.communicate(timeout=CHILD_TIMEOUT_S)
        code: int | None = child.returncode
    except subprocess.TimeoutExpired:
        child.kill()
        stdout, stderr = child.communicate(timeout=30)
        code = None
    seconds = time.monotonic() - started
    return Done(code, stderr.decode(errors="replace"), seconds, stdout or b"")


def run(*args: str | Path, env: dict[str, str] | None = None) -> Done:
    """Run `extractor extract ARGS` to its end."""
    return finish(extract(*args, env=env))


def records(out: Path, name: str = "events.jsonl") -> list[dict[str, Any]]:
    path = out / name
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def one_line_error(done: Done) -> str | None:
    """The single `error: ...` line of a usage failure, else None."""
    lines = done.error_lines
    ok = done.code == 2 and len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0] if ok and not done.traceback else None


def text_file(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder / name


@contextmanager
def answering_server(**options: Any) -> Iterator[OpenAIServer]:
    """The tests' loopback server answering one grounded event per article."""
    with OpenAIServer(**{"answer": one_event, "hang_s": 60.0, **options}) as server:
        yield server


# --- outputs never shrink; signals ----------------------------------------------------------


def _finished_batch_rerun_with_a_slow_article(
    work: Path, server: OpenAIServer
) -> tuple[Path, subprocess.Popen[bytes], str]:
    """Run a1..a3 to the end, add a0 (hangs), start the re-run and wait until a0 is asked."""
    articles = write_articles(work / "in", "a1", "a2", "a3")
    out, cache = work / "out", work / "cache"
    first = finish(start_extract(out, cache, articles, backend=openai_args(server)))
    before = f"first run exit {first.code}, {len(jsonl_ids(out / 'events.jsonl'))} lines"
    write_articles(articles, "a0")
    server.script("a0", Reply.hang())
    child = start_extract(out, cache, articles, backend=openai_args(server))
    wait_for(lambda: asked_about(server, "a0"), CHILD_TIMEOUT_S)
    time.sleep(0.5)
    return out, child, before


def rerun_killed(work: Path) -> Seen:
    with answering_server() as server:
        out, child, before = _finished_batch_rerun_with_a_slow_article(work, server)
        during = (jsonl_ids(out / "events.jsonl"), csv_rows(out / "events.csv"))
        child.send_signal(signal.SIGKILL)
        finish(child)
    after = (jsonl_ids(out / "events.jsonl"), csv_rows(out / "events.csv"))
    expected = (["a1", "a2", "a3"], 3)
    return Seen(
        f"{before}; while a0 hangs: {len(during[0])} lines, {during[1]} csv rows; "
        f"after SIGKILL: {len(after[0])} lines ({', '.join(after[0])}), {after[1]} csv rows",
        during == after == expected,
    )


def rerun_ctrl_c(work: Path) -> Seen:
    with answering_server() as server:
        out, child, before = _finished_batch_rerun_with_a_slow_article(work, server)
        signalled = time.monotonic()
        child.send_signal(signal.SIGINT)
        done = finish(child, signalled)
    ids, rows = jsonl_ids(out / "events.jsonl"), csv_rows(out / "events.csv")
    return Seen(
        f"{before}; SIGINT while a0 hangs: exit {done.code} after {done.seconds:.1f} s, "
        f"{len(ids)} lines ({', '.join(ids)}), {rows} csv rows, traceback: {done.traceback}",
        done.code == 130
        and done.seconds < SIGNAL_EXIT_S
        and (ids, rows) == (["a1", "a2", "a3"], 3)
        and not done.traceback,
    )


def _signalled(work: Path, signals: list[int]) -> tuple[Done, list[str], int, int]:
    """a1..a4 with a3 hanging: the signals once a3 is asked; exit, written ids, requests."""
    articles = write_articles(work / "in", "a1", "a2", "a3", "a4")
    out = work / "out"
    with answering_server() as server:
        server.script("a3", Reply.hang())
        child = start_extract(out, work / "cache", articles, backend=openai_args(server))
        wait_for(lambda: asked_about(server, "a3"), CHILD_TIMEOUT_S)
        time.sleep(0.3)
        before = server.hits
        signalled = time.monotonic()
        for signum in signals:
            child.send_signal(signum)
        done = finish(child, signalled)
        time.sleep(0.3)
        after = server.hits
    return done, jsonl_ids(out / "events.jsonl"), before, after


def sigint_twice(work: Path) -> Seen:
    done, ids, before, after = _signalled(work, [signal.SIGINT, signal.SIGINT])
    return Seen(
        f"exit {done.code} after {done.seconds:.1f} s; written: {', '.join(ids) or 'none'}; "
        f"requests after the signals: {after - before}; traceback: {done.traceback}",
        done.code == 130 and done.seconds < SIGNAL_EXIT_S and not done.traceback,
    )


def sigterm(work: Path) -> Seen:
    done, ids, before, after = _signalled(work, [signal.SIGTERM])
    said = "terminated (SIGTERM): finished articles were written" in done.stderr
    return Seen(
        f"exit {done.code} after {done.seconds:.1f} s; written: {', '.join(ids)}; "
        f"requests after the signal: {after - before}; says so: {said}; "
        f"traceback: {done.traceback}",
        done.code == 143
        and done.seconds < SIGNAL_EXIT_S
        and ids == ["a1", "a2"]
        and after == before
        and said
        and not done.traceback,
    )


def two_processes(work: Path) -> Seen:
    first_ids = [f"x{i:02d}" for i in range(25)]
    second_ids = [f"y{i:02d}" for i in range(20)]
    one = write_articles(work / "one", *first_ids)
    two = write_articles(work / "two", *second_ids)
    out, fake = work / "out", ["--backend", "fake"]
    children = [
        start_extract(out, work / "cache1", one, backend=fake),
        start_extract(out, work / "cache2", two, backend=fake),
    ]
    codes = [finish(child).code for child in children]
    ids = jsonl_ids(out / "events.jsonl")
    files = len(list((out / "articles").glob("*.json")))
    lock_left = (out / ".extractor.lock").exists()
    return Seen(
        f"exits {codes}; events.jsonl {len(ids)} lines, articles/ {files} files, "
        f"lock left: {lock_left}",
        codes == [0, 0] and ids == sorted(first_ids + second_ids) and files == 45 and not lock_left,
    )
