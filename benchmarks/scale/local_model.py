"""The local model on Ray actors on this machine: 1 and 2 actors vs the default engine.

    .venv/bin/python -m benchmarks.scale.local_model [--articles 4] [--model M]

The same short development-set articles, the default local model and strategy, a fresh
cache each run, one run after the other (nothing else may run a model meanwhile):

- `local`: the default single-process engine (llama.cpp with all cores)
- `ray x1`: `--engine ray --workers 1 --worker-cpus 2` (one actor, 2 threads)
- `ray x2`: `--engine ray --workers 2 --worker-cpus 1` (two actors, 1 thread each)

On 2 cores no gain is expected: two actors split the same cores and each loads its own
copy of the model. Results: local_model.json and local_model.md beside this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.common.harness import REPO, extractor_cli, git_commit, machine
from benchmarks.peers.run import wait_for_idle

HERE = Path(__file__).resolve().parent
DEV = REPO / "gold" / "dev" / "articles"
RUNS = {
    "local": [],
    "ray x1": ["--engine", "ray", "--workers", "1", "--worker-cpus", "2"],
    "ray x2": ["--engine", "ray", "--workers", "2", "--worker-cpus", "1"],
}


def shortest_articles(n: int) -> list[Path]:
    """The `n` shortest development-set articles (keeps the run near ten minutes)."""
    return sorted(DEV.glob("*.txt"), key=lambda p: p.stat().st_size)[:n]


def events_of(out: Path) -> dict[str, Any]:
    """Article id -> its events, from a run's events.jsonl."""
    path = out / "events.jsonl"
    if not path.exists():
        return {}
    return {r["article_id"]: r["events"] for r in map(json.loads, path.read_text().splitlines())}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=4)
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--work", type=Path, default=REPO / "build" / "scale-local")
    parser.add_argument("--results", type=Path, default=HERE)
    args = parser.parse_args(argv)
    waited = wait_for_idle(600)
    articles = shortest_articles(args.articles)
    rows: dict[str, Any] = {}
    outputs: dict[str, dict[str, Any]] = {}
    for name, extra in RUNS.items():
        out = args.work / name.replace(" ", "-")
        command = [
            extractor_cli(), "extract", *map(str, articles), "--backend", "local",
            "--model", args.model, "--out", str(out), "--no-cache", "--no-log", *extra,
        ]  # fmt: skip
        env = {**os.environ, "RAY_AUTH_MODE": "disabled"}
        env.pop("EXTRACTOR_LOCAL_CALL_CACHE", None)
        started = time.perf_counter()
        done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env)
        wall = time.perf_counter() - started
        outputs[name] = events_of(out)
        rows[name] = {
            "command": " ".join(["extractor", *command[1:]]),
            "exit_code": done.returncode,
            "wall_s": round(wall, 1),
            "extracted": len(outputs[name]),
            "articles_per_hour": round(len(outputs[name]) / wall * 3600, 1),
            "stderr_tail": done.stderr[-600:] if done.returncode else "",
        }
        print(name, rows[name]["wall_s"], "s", flush=True)
    for name in rows:
        rows[name]["events_same_as_local"] = outputs[name] == outputs["local"]
    results = {
        "command": "python -m benchmarks.scale.local_model " + " ".join(argv or []),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "model": args.model,
        "articles": [p.stem for p in articles],
        "waited_for_other_models": waited,
        "load_average_end": os.getloadavg(),
        "runs": rows,
    }
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "local_model.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "local_model.md").write_text(markdown(results))
    return 0


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [
        "# The local model on Ray actors (this 2-core machine)",
        "",
        f"- command: `{results['command']}`",
        f"- date: {results['date']}; commit {results['commit']}; {m['cpu_model']},"
        f" {m['nproc']} cores; model {results['model']}, default strategy, fresh cache",
        f"- articles ({len(results['articles'])} shortest of the development set):"
        f" {', '.join(results['articles'])}",
        f"- load average at end: {tuple(round(x, 2) for x in results['load_average_end'])}",
        "",
        "| run | wall s (incl. start-up and model loads) | extracted | articles/hour |"
        " events same as `local` |",
        "|---|---|---|---|---|",
    ]
    for name, r in results["runs"].items():
        lines.append(
            f"| {name} | {r['wall_s']} | {r['extracted']} | {r['articles_per_hour']} |"
            f" {r['events_same_as_local']} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(__import__("sys").argv[1:]))
