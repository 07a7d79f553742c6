"""Fault cases about what a run is given: inputs that are not articles, destinations that
cannot be used, a corrupt cache, an empty model name (see `benchmarks.faults.checks`)."""

from __future__ import annotations

import os
from pathlib import Path

from benchmarks.faults.checks import (
    Seen,
    answering_server,
    one_line_error,
    records,
    run,
    text_file,
)
from tests.test_outputs_grow import EVIDENCE

TEXT = f"{EVIDENCE} Nobody was hurt.\n"


def _openai(url: str, out: Path, cache: Path | None = None) -> list[str | Path]:
    args: list[str | Path] = ["--backend", "openai", "--base-url", url, "--model", "any"]
    args += ["--out", out]
    return [*args, "--cache-dir", cache] if cache is not None else [*args, "--no-cache"]


def empty_file(work: Path) -> Seen:
    folder = work / "in"
    for name, text in (("a1.txt", TEXT), ("a2.txt", TEXT), ("empty.txt", "")):
        text_file(folder, name, text)
    with answering_server() as server:
        done = run(folder, *_openai(server.url, work / "out"))
    failures = records(work / "out", "failures.jsonl")
    extracted = [r["article_id"] for r in records(work / "out")]
    kinds = {f["article_id"]: f["kind"] for f in failures}
    return Seen(
        f"exit {done.code}; extracted {', '.join(extracted)}; failure records {kinds}; "
        f"traceback: {done.traceback}",
        done.code == 1 and extracted == ["a1", "a2"] and kinds == {"empty": "input"},
    )


def long_file_name(work: Path) -> Seen:
    long_id = "n" * 237
    text_file(work / "in", f"{long_id}.txt", TEXT)
    text_file(work / "in", "short.txt", TEXT)
    with answering_server() as server:
        done = run(work / "in", *_openai(server.url, work / "out"))
        hits = server.hits
    [failure] = records(work / "out", "failures.jsonl") or [{}]
    extracted = [r["article_id"] for r in records(work / "out")]
    said = "237 characters long; the limit is 200" in str(failure.get("message"))
    return Seen(
        f"exit {done.code}; requests {hits}; extracted {extracted}; the long one: "
        f"kind {failure.get('kind')!r}, names the limit: {said}",
        done.code == 1 and hits == 1 and extracted == ["short"] and said,
    )


def out_is_a_file(work: Path) -> Seen:
    text_file(work / "in", "a1.txt", TEXT)
    taken = text_file(work, "taken", "a file")
    with answering_server() as server:
        done = run(work / "in", *_openai(server.url, taken))
        hits = server.hits
    line = one_line_error(done)
    return Seen(
        f"exit {done.code}; {line or done.error_lines}; requests {hits}",
        line is not None and "is a file" in line and hits == 0,
    )


def cache_dir_is_a_file(work: Path) -> Seen:
    text_file(work / "in", "a1.txt", TEXT)
    cache = text_file(work, "cachefile", "a file")
    with answering_server() as server:
        done = run(work / "in", *_openai(server.url, work / "out", cache))
        hits = server.hits
    line = one_line_error(done)
    return Seen(
        f"exit {done.code}; {line or done.error_lines}; requests {hits}",
        line is not None and "result cache directory" in line and hits == 0,
    )


def corrupt_cache(work: Path) -> Seen:
    text_file(work / "in", "a1.txt", TEXT)
    cache = work / "cache"
    cache.mkdir()
    (cache / "cache.db").write_bytes(b"this is not a database" * 100)
    with answering_server() as server:
        first = run(work / "in", *_openai(server.url, work / "out", cache))
        hits = server.hits
        again = run(work / "in", *_openai(server.url, work / "out", cache))
        repeated = server.hits - hits
    moved = [p.name for p in cache.glob("cache.db.corrupt-*")]
    noticed = "corrupt" in first.stderr and "moved it to" in first.stderr
    return Seen(
        f"exit {first.code}, notice: {noticed}, moved aside: {len(moved)} file; "
        f"re-run exit {again.code} with {repeated} requests ('cache hits 1': "
        f"{'cache hits 1' in again.stderr})",
        first.code == 0 and noticed and len(moved) == 1 and again.code == 0 and repeated == 0,
    )


def fifo_argument(work: Path) -> Seen:
    fifo = work / "pipe.txt"
    os.mkfifo(fifo)
    good = text_file(work / "in", "a1.txt", TEXT)
    done = run(fifo, good, "--backend", "fake", "--out", work / "out", "--no-cache")
    [failure] = records(work / "out", "failures.jsonl") or [{}]
    said = "not a regular file (a FIFO (named pipe))" in str(failure.get("message"))
    extracted = [r["article_id"] for r in records(work / "out")]
    return Seen(
        f"exit {done.code} after {done.seconds:.1f} s (nobody writes the FIFO); extracted "
        f"{extracted}; failure says FIFO: {said}",
        done.code == 1 and done.seconds < 30 and extracted == ["a1"] and said,
    )


def dev_zero(work: Path) -> Seen:
    good = text_file(work / "in", "a1.txt", TEXT)
    done = run("/dev/zero", good, "--backend", "fake", "--out", work / "out", "--no-cache")
    [failure] = records(work / "out", "failures.jsonl") or [{}]
    said = "not a regular file (a character device)" in str(failure.get("message"))
    return Seen(
        f"exit {done.code} after {done.seconds:.1f} s; failure says character device: {said}; "
        f"extracted {[r['article_id'] for r in records(work / 'out')]}",
        done.code == 1 and done.seconds < 30 and said,
    )


def odd_directory(work: Path) -> Seen:
    folder = work / "in"
    text_file(folder, "a1.txt", TEXT)
    text_file(folder, "B2.TXT", TEXT)
    (folder / "sub").mkdir()
    os.mkfifo(folder / "pipe")
    (folder / "broken.txt").symlink_to(folder / "nowhere.txt")
    (folder / "loop.txt").symlink_to(folder / "loop.txt")
    done = run(folder, "--backend", "fake", "--out", work / "out", "--no-cache")
    extracted = [r["article_id"] for r in records(work / "out")]
    kinds = {Path(f["path"]).name: f["kind"] for f in records(work / "out", "failures.jsonl")}
    expected = {"pipe": "skipped", "sub": "skipped", "broken.txt": "input", "loop.txt": "input"}
    return Seen(
        f"exit {done.code} after {done.seconds:.1f} s; extracted {extracted}; "
        f"recorded {kinds}; traceback: {done.traceback}",
        done.code == 1 and extracted == ["B2", "a1"] and kinds == expected and not done.traceback,
    )


def utf16_bom(work: Path) -> Seen:
    folder = work / "in"
    folder.mkdir()
    (folder / "a1.txt").write_bytes(TEXT.encode("utf-16"))  # little-endian, with a BOM
    with answering_server() as server:
        done = run(folder, *_openai(server.url, work / "out"))
        sent = str(server.requests[0]["body"]["messages"][-1]["content"]) if server.hits else ""
    [record] = records(work / "out") or [{}]
    rate = record.get("grounding", {})
    return Seen(
        f"exit {done.code}; text sent decoded: {EVIDENCE in sent}; evidence quotes found "
        f"{rate.get('found')}/{rate.get('quotes')}",
        done.code == 0 and EVIDENCE in sent and rate.get("found") == rate.get("quotes") == 1,
    )


def empty_model(work: Path) -> Seen:
    text_file(work / "in", "a1.txt", TEXT)
    with answering_server() as server:
        done = run(
            work / "in", "--backend", "openai", "--base-url", server.url, "--model", "",
            "--out", work / "out",
        )  # fmt: skip
        hits = server.hits
    line = one_line_error(done)
    return Seen(
        f"exit {done.code}; {line or done.error_lines}; requests {hits}",
        line is not None and "model is empty" in line and hits == 0,
    )
