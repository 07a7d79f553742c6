"""Shared benchmark plumbing: machine facts, result files, a managed server subprocess.

Every benchmark writes `results.json` (for machines) and `results.md` (for people) into
its own folder, each stating the command, the machine (`nproc`, CPU model, RAM), the date
and the git commit it measured.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def extractor_cli() -> str:
    """Path of the `extractor` console script next to the running interpreter."""
    candidate = VENV_BIN / "extractor"
    return str(candidate) if candidate.exists() else "extractor"


def machine() -> dict[str, Any]:
    """nproc, CPU model, RAM and Python version of this machine."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu_model": cpu,
        "ram_gib": ram_gib,
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def git_commit() -> str | None:
    """The commit of the working tree (with `+dirty` when it has changes), or None."""
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return f"{sha}+dirty" if dirty else sha or None


def header(command: str) -> dict[str, Any]:
    """The fields every results file starts with."""
    return {
        "command": command,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "git_commit": git_commit(),
        "machine": machine(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def header_markdown(head: dict[str, Any]) -> str:
    """The header as a few Markdown lines."""
    m = head["machine"]
    return (
        f"- command: `{head['command']}`\n"
        f"- date (UTC): {head['date']}; commit: {head['git_commit']}\n"
        f"- machine: nproc={m['nproc']}, CPU {m['cpu_model']}, RAM {m['ram_gib']} GiB, "
        f"Python {m['python']}\n"
        f"- load average (1, 5, 15 min) at start: {head.get('load_average_at_start')} "
        f"(shared machine; other jobs inflate times)\n"
    )


def write_results(folder: Path, results: dict[str, Any], markdown: str) -> None:
    """Write `results.json` and `results.md` into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results, indent=2, sort_keys=False) + "\n")
    (folder / "results.md").write_text(markdown.rstrip() + "\n")


def command_line() -> str:
    """How this benchmark was invoked (`python -m benchmarks.x.run ...`), for the header."""
    main = sys.modules["__main__"]
    spec = getattr(main, "__spec__", None)
    program = ["-m", spec.name] if spec is not None else [sys.argv[0]]
    interpreter = (
        os.path.relpath(sys.executable, REPO)
        if sys.executable.startswith(str(REPO))
        else Path(sys.executable).name
    )
    return " ".join(shlex.quote(a) for a in [interpreter, *program, *sys.argv[1:]])


@contextmanager
def bench_server(args: list[str], log: Path, timeout_s: float = 30.0) -> Iterator[str]:
    """Run `benchmarks.common.server` in its own process; yield its base URL; stop it after."""
    command = [sys.executable, "-m", "benchmarks.common.server", "--log", str(log), *args]
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + timeout_s
        line = process.stdout.readline()
        if not line.startswith("listening ") or time.monotonic() > deadline:
            raise RuntimeError(f"benchmark server did not start: {line!r}")
        yield line.split()[1]
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def read_log(log: Path) -> list[dict[str, Any]]:
    """The server's request log as a list of records."""
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def set_tag(url: str, tag: str) -> None:
    """Label the server's following log lines with `tag` (e.g. `run2`)."""
    import urllib.request

    base = url.removesuffix("/v1")
    with urllib.request.urlopen(f"{base}/bench/tag/{tag}", timeout=5) as response:
        response.read()


def run_and_record(
    args: Any,
    prefix: str,
    run: Callable[[Any, Path], dict[str, Any]],
    verdicts: Callable[[dict[str, Any]], Any],
    markdown: Callable[[dict[str, Any]], str],
) -> int:
    """Run a benchmark in `args.workdir` (or a temp dir), then write and print its results."""
    head = header(command_line())
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        results = run(args, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
            results = run(args, Path(tmp))
    results = {"header": head, **results}
    results["verdicts"] = verdicts(results)
    text = markdown(results)
    write_results(args.results, results, text)
    print(text)
    return 0
