"""The combined output files only grow: they are rebuilt from every per-article record in
the folder, so a re-run, a bad input, a crash or a second process never shrinks them.
Real child processes, the real loopback server, real signals."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import build_event
from tests.openai_server import OpenAIServer, Reply

EVIDENCE = "Two rockets hit Camp Larch on Sunday."
LOCK_NAME = ".extractor.lock"


def one_event(article_id: str) -> dict[str, Any]:
    """A valid answer with one grounded event, so events.csv gets a row per article."""
    event = build_event(evidence=[EVIDENCE])
    return {"article_id": article_id, "events": [event.model_dump(mode="json")]}


def write_articles(folder: Path, *ids: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for article_id in ids:
        (folder / f"{article_id}.txt").write_text(f"{EVIDENCE} ({article_id})\n", encoding="utf-8")
    return folder


def start_extract(
    out: Path, cache: Path, *inputs: Path, backend: list[str], concurrency: int = 1
) -> subprocess.Popen[bytes]:
    command = [
        sys.executable, "-m", "extractor.cli", "extract", *map(str, inputs), *backend,
        "--out", str(out), "--cache-dir", str(cache), "--concurrency", str(concurrency),
    ]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": "sk-test-grow"}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def openai_args(server: OpenAIServer) -> list[str]:
    return ["--backend", "openai", "--base-url", server.url, "--model", "any"]


def jsonl_ids(path: Path) -> list[str]:
    return [json.loads(line)["article_id"] for line in path.read_text().splitlines()]


def csv_rows(path: Path) -> int:
    return len(path.read_text().splitlines()) - 1


def wait_for(condition: Any, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer(answer=one_event, hang_s=60.0) as running:
        yield running


def asked_about(server: OpenAIServer, article_id: str) -> bool:
    """Whether the server was asked about `article_id` (from the prompt's id line)."""
    line = f"article_id: {article_id}"
    return any(
        line in str(request["body"]["messages"][-1]["content"]).splitlines()
        for request in server.requests
    )


def test_rerun_with_a_bad_input_and_a_slow_new_article_keeps_every_earlier_line(
    server: OpenAIServer, tmp_path: Path
) -> None:
    articles = write_articles(tmp_path / "in", "a1", "a2", "a3")
    out, cache = tmp_path / "out", tmp_path / "cache"
    first = start_extract(out, cache, articles, backend=openai_args(server))
    _, stderr = first.communicate(timeout=60)
    assert first.returncode == 0, stderr.decode()
    assert jsonl_ids(out / "events.jsonl") == ["a1", "a2", "a3"]

    write_articles(articles, "a0")  # new, sorted first, and it hangs
    (articles / "bad.txt").write_text("   \n", encoding="utf-8")  # a bad input
    server.script("a0", Reply.hang())
    child = start_extract(out, cache, articles, backend=openai_args(server))
    try:
        wait_for(lambda: asked_about(server, "a0"))
        time.sleep(0.5)  # the run is under way: a bad input is recorded, a0 in flight
        assert jsonl_ids(out / "events.jsonl") == ["a1", "a2", "a3"]
        assert csv_rows(out / "events.csv") == 3
        assert "bad.txt" in (out / "failures.jsonl").read_text()
    finally:
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
    assert jsonl_ids(out / "events.jsonl") == ["a1", "a2", "a3"]  # killed: still all there
    assert csv_rows(out / "events.csv") == 3


def test_two_processes_on_one_out_both_land_completely(tmp_path: Path) -> None:
    first_ids = [f"x{i:02d}" for i in range(25)]
    second_ids = [f"y{i:02d}" for i in range(20)]
    one = write_articles(tmp_path / "one", *first_ids)
    two = write_articles(tmp_path / "two", *second_ids)
    out = tmp_path / "out"
    fake = ["--backend", "fake"]
    children = [
        start_extract(out, tmp_path / "cache1", one, backend=fake),
        start_extract(out, tmp_path / "cache2", two, backend=fake),
    ]
    for child in children:
        _, stderr = child.communicate(timeout=120)
        assert child.returncode == 0, stderr.decode()
    assert jsonl_ids(out / "events.jsonl") == sorted(first_ids + second_ids)
    assert len(list((out / "articles").glob("*.json"))) == 45
    assert not (out / LOCK_NAME).exists()


def test_output_files_get_normal_permissions(server: OpenAIServer, tmp_path: Path) -> None:
    articles = write_articles(tmp_path / "in", "a1")
    (articles / "empty.txt").write_text("", encoding="utf-8")
    out = tmp_path / "out"
    child = start_extract(out, tmp_path / "cache", articles, backend=openai_args(server))
    child.communicate(timeout=60)
    assert child.returncode == 1  # empty.txt failed
    written = [out / "events.jsonl", out / "events.csv", out / "failures.jsonl"]
    written += [*out.glob("articles/*.json"), *out.glob("failures/*.json")]
    umask = os.umask(0)
    os.umask(umask)
    for path in written:
        assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask, path


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    out = write_articles(tmp_path / "in", "a1").parent / "out"
    out.mkdir()
    (out / LOCK_NAME).write_text(f"{dead.pid}\n", encoding="ascii")
    child = start_extract(out, tmp_path / "cache", tmp_path / "in", backend=["--backend", "fake"])
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 0, stderr.decode()
    assert jsonl_ids(out / "events.jsonl") == ["a1"]
    assert not (out / LOCK_NAME).exists()


def test_a_live_holder_makes_a_rebuild_wait_then_say_who(tmp_path: Path) -> None:
    from extractor.outputs import OutputError
    from extractor.outputs_lock import DirectoryLock

    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; "
            "from extractor.outputs_lock import DirectoryLock; "
            "lock = DirectoryLock(Path(sys.argv[1])); lock.acquire(); print('held', flush=True); "
            "time.sleep(60)",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == b"held\n"
        started = time.monotonic()
        with pytest.raises(OutputError, match=f"pid {holder.pid} has been rebuilding"):
            DirectoryLock(tmp_path, wait_s=0.3).acquire()
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.communicate(timeout=30)
    with DirectoryLock(tmp_path, wait_s=5):  # its death released it
        assert (tmp_path / LOCK_NAME).read_text().strip() == str(os.getpid())


def test_temp_files_left_by_a_killed_writer_are_swept(tmp_path: Path) -> None:
    import extractor

    out = tmp_path / "out"
    (out / "articles").mkdir(parents=True)
    stale, fresh = out / ".0123456789ab.tmp", out / "articles" / ".abcdef012345.tmp"
    for path in (stale, fresh, out / "articles" / ".aaaaaaaaaaaa.tmp"):
        path.write_text("half a file", encoding="utf-8")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    os.utime(out / "articles" / ".aaaaaaaaaaaa.tmp", (old, old))
    extractor.extract({"a1": EVIDENCE}, backend="fake", out_dir=out, no_cache=True)
    assert sorted(p.name for p in out.rglob(".*.tmp")) == [fresh.name]  # a live writer's stays
