"""Run `extractor extract` against a benchmark server as a subprocess and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.common.harness import REPO


@dataclass
class ExtractRun:
    """One `extractor extract` invocation and its measurements."""

    wall_s: float
    import_s: float | None
    command_s: float | None
    exit_code: int | None
    stderr_tail: str
    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)


def extract_command(
    inputs: list[Path],
    url: str,
    out: Path,
    cache: Path,
    concurrency: int,
    extra: list[str] | None = None,
) -> list[str]:
    """The `extractor extract ...` arguments (without the program name)."""
    return [
        "extract",
        *map(str, inputs),
        "--backend",
        "openai",
        "--base-url",
        url,
        "--model",
        "bench",
        "--out",
        str(out),
        "--concurrency",
        str(concurrency),
        "--cache-dir",
        str(cache),
        *(extra or []),
    ]


def timed_command(cli_args: list[str], timing: Path, profile: Path | None = None) -> list[str]:
    """Wrap extractor arguments in `benchmarks.common.timed_cli`."""
    command = [sys.executable, "-m", "benchmarks.common.timed_cli", "--timing", str(timing)]
    if profile is not None:
        command += ["--profile", str(profile)]
    return [*command, "--", *cli_args]


def read_outputs(out: Path) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Extraction records by article id, and failure records, from every JSONL under `out`."""
    records: dict[str, dict[str, Any]] = {}
    failures: list[dict[str, Any]] = []
    if not out.exists():
        return records, failures
    for path in sorted(out.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:
                continue  # a line cut by SIGKILL
            if not isinstance(item, dict):
                continue
            if "provenance" in item and "article_id" in item:
                records[item["article_id"]] = item
            elif "kind" in item and "message" in item:
                failures.append(item)
    for path in sorted(out.rglob("*.json")):
        try:
            item = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(item, dict) and "provenance" in item and "article_id" in item:
            records.setdefault(item["article_id"], item)
    return records, failures


def run_extract(
    command: list[str],
    out: Path,
    timing: Path,
    timeout_s: float,
    env: dict[str, str] | None = None,
) -> ExtractRun:
    """Run a (timed) extract command to completion, bounded by `timeout_s`."""
    timing.unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            env={**os.environ, **(env or {})},
        )
        code: int | None = done.returncode
        stderr = done.stderr
    except subprocess.TimeoutExpired as exc:
        code = None
        stderr = (exc.stderr or b"").decode() if isinstance(exc.stderr, bytes) else ""
        stderr += f"\n[benchmark] killed after {timeout_s} s"
    wall = time.perf_counter() - start
    timings = json.loads(timing.read_text()) if timing.exists() else {}
    records, failures = read_outputs(out)
    return ExtractRun(
        wall_s=wall,
        import_s=timings.get("import_s"),
        command_s=timings.get("command_s"),
        exit_code=code,
        stderr_tail=stderr[-2000:],
        records=records,
        failures=failures,
    )
