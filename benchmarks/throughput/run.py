"""Throughput of `extractor extract` against a 200 ms loopback server, then from the cache.

    python -m benchmarks.throughput.run            (or: make bench-throughput)

Generates N synthetic articles into a temporary folder, starts `benchmarks.common.server`
(canned valid events after a fixed delay, one thread per connection) on 127.0.0.1, and
runs the real CLI at each concurrency with a fresh cache, reporting articles/s against the
ideal `N x delay / concurrency`. Then it re-runs the concurrency-16 command unchanged, which
must be served entirely from the cache (zero server requests), and reports the time split
of that cached run (reading inputs, cache lookups, grounding, writing outputs) from a
profile of a second cached run (py-spy when installed, else cProfile).

Pipeline time is the CLI command's own duration: interpreter start and imports (timed
apart by `benchmarks.common.timed_cli`) are excluded; the wall time is reported too.
Bounded: every CLI run is killed after `--run-timeout` seconds and the server stops by
itself; a full run takes about 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from pathlib import Path
from typing import Any

from benchmarks.common import profile_split
from benchmarks.common.extract_run import ExtractRun, extract_command, run_extract, timed_command
from benchmarks.common.harness import (
    bench_server,
    extractor_cli,
    header_markdown,
    read_log,
    run_and_record,
    set_tag,
)
from benchmarks.common.synthetic import write_articles

HERE = Path(__file__).resolve().parent
TARGET_SHARE_AT_16 = 0.80
TARGET_CACHED_S = 2.0
PYSPY_RATE_HZ = 500


def build_parser() -> argparse.ArgumentParser:
    """Options; the defaults are the recorded benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.throughput.run",
        description="Articles/s of `extractor extract` against a 200 ms loopback "
        "OpenAI-compatible server at several concurrencies, then the cached re-run.",
    )
    parser.add_argument("--n", type=int, default=1000, help="articles per run")
    parser.add_argument("--n-serial", type=int, default=200, help="articles at concurrency 1")
    parser.add_argument("--concurrency", default="1,4,16,64", help="comma-separated levels")
    parser.add_argument("--cached-at", type=int, default=16, help="concurrency re-run cached")
    parser.add_argument("--delay", type=float, default=0.2, help="server delay per answer (s)")
    parser.add_argument("--run-timeout", type=float, default=300.0, help="kill a run after (s)")
    parser.add_argument("--no-profile", action="store_true", help="skip the profiled re-run")
    parser.add_argument("--results", type=Path, default=HERE, help="where results go")
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here")
    return parser


def _requests(log: Path, tag: str) -> list[dict[str, Any]]:
    return [r for r in read_log(log) if r.get("tag") == tag]


def _row(tag: str, n: int, c: int, delay: float, run: ExtractRun, reqs: int) -> dict[str, Any]:
    ideal = n * delay / c
    pipeline = run.command_s or run.wall_s
    return {
        "run": tag,
        "concurrency": c,
        "articles": n,
        "extracted": len(run.records),
        "failures": len(run.failures),
        "server_requests": reqs,
        "exit_code": run.exit_code,
        "wall_s": round(run.wall_s, 3),
        "startup_s": round(run.import_s, 3) if run.import_s is not None else None,
        "pipeline_s": round(pipeline, 3),
        "articles_per_s": round(n / pipeline, 2),
        "ideal_s": round(ideal, 3),
        "share_of_ideal": round(ideal / pipeline, 3),
    }


def _profile_run(
    cmd_args: list[str], work: Path, out: Path, timeout: float, name: str
) -> dict[str, Any]:
    """Profile one run; return seconds per phase, the hottest functions, and the tool."""
    timing = work / f"timing-profile-{name}.json"
    pyspy = shutil.which("py-spy")
    if pyspy:
        raw = work / f"{name}.pyspy.txt"
        command = [
            pyspy,
            "record",
            "--rate",
            str(PYSPY_RATE_HZ),
            "--gil",
            "--format",
            "raw",
            "--output",
            str(raw),
            "--",
            *timed_command(cmd_args, timing),
        ]
        run = run_extract(command, out, timing, timeout)
        seconds = profile_split.split_pyspy_raw(raw, PYSPY_RATE_HZ) if raw.exists() else {}
        top = profile_split.top_functions_pyspy(raw, PYSPY_RATE_HZ) if raw.exists() else []
        return {
            "tool": f"py-spy --gil at {PYSPY_RATE_HZ} Hz",
            "command_s": run.command_s,
            "seconds": seconds,
            "top_functions_inclusive_s": top,
        }
    prof = work / f"{name}.prof"
    run = run_extract(timed_command(cmd_args, timing, prof), out, timing, timeout)
    shares = profile_split.split_cprofile(prof, run.command_s or 0.0) if prof.exists() else {}
    seconds = {k: v * (run.command_s or 0.0) for k, v in shares.items()}
    return {"tool": "cProfile (main thread only)", "command_s": run.command_s, "seconds": seconds}


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Run every level, the cached re-run and its profile; return the results."""
    levels = [int(c) for c in args.concurrency.split(",") if c]
    articles = work / "articles"
    write_articles(articles, max(args.n, args.n_serial))
    serial_dir = work / "articles-serial"
    serial_dir.mkdir(exist_ok=True)
    for index in range(args.n_serial):
        name = f"bench-{index:06d}.txt"
        shutil.copy(articles / name, serial_dir / name)
    log = work / "requests.jsonl"
    rows: list[dict[str, Any]] = []
    cached: dict[str, Any] = {}
    server_args = ["--delay", str(args.delay), "--max-seconds", str(args.run_timeout * 8)]
    with bench_server(server_args, log) as url:
        for c in levels:
            n, inputs = (args.n_serial, serial_dir) if c == 1 else (args.n, articles)
            tag = f"c{c}"
            set_tag(url, tag)
            out, cache = work / f"out-{tag}", work / f"cache-{tag}"
            cli_args = extract_command([inputs], url, out, cache, c)
            timing = work / f"timing-{tag}.json"
            result = run_extract(timed_command(cli_args, timing), out, timing, args.run_timeout)
            rows.append(_row(tag, n, c, args.delay, result, len(_requests(log, tag))))
            print(rows[-1], flush=True)
            missed = rows[-1]["share_of_ideal"] < TARGET_SHARE_AT_16
            if c == 16 and missed and not args.no_profile:
                set_tag(url, f"{tag}-profile")
                fresh = work / f"cache-{tag}-profile"
                prof_args = extract_command([inputs], url, work / f"out-{tag}-p", fresh, c)
                rows[-1]["profile"] = _profile_run(
                    prof_args, work, work / f"out-{tag}-p", args.run_timeout, tag
                )
                print(rows[-1]["profile"], flush=True)
            if c == args.cached_at:
                set_tag(url, "cached")
                timing = work / "timing-cached.json"
                again = run_extract(timed_command(cli_args, timing), out, timing, args.run_timeout)
                cached = _row("cached", n, c, args.delay, again, len(_requests(log, "cached")))
                cached["command"] = ["extractor", *cli_args]
                print(cached, flush=True)
                if not args.no_profile:
                    set_tag(url, "cached-profile")
                    cached["profile"] = _profile_run(
                        cli_args, work, out, args.run_timeout, "cached"
                    )
                    cached["profile"]["server_requests"] = len(_requests(log, "cached-profile"))
                    print(cached["profile"], flush=True)
    return {"levels": rows, "cached": cached, "delay_s": args.delay}


def markdown(results: dict[str, Any]) -> str:
    """The results as a Markdown section."""
    lines = [
        "## Throughput (loopback server, fixed delay per answer)",
        "",
        header_markdown(results["header"]),
        "| concurrency | articles | extracted | failures | requests | pipeline s | wall s "
        "| articles/s | ideal s | % of ideal |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results["levels"]:
        lines.append(
            f"| {r['concurrency']} | {r['articles']} | {r['extracted']} | {r['failures']} "
            f"| {r['server_requests']} | {r['pipeline_s']} | {r['wall_s']} "
            f"| {r['articles_per_s']} | {r['ideal_s']} | {100 * r['share_of_ideal']:.0f}% |"
        )
    for r in results["levels"]:
        if r.get("profile"):
            lines += [
                "",
                _profile_markdown(
                    f"a profiled run at concurrency {r['concurrency']}", r["profile"]
                ),
            ]
    c = results.get("cached") or {}
    if c:
        lines += [
            "",
            f"Cached re-run of the concurrency-{c['concurrency']} command: {c['extracted']} "
            f"records, {c['server_requests']} server requests, pipeline {c['pipeline_s']} s "
            f"(start-up {c['startup_s']} s, wall {c['wall_s']} s); target < {TARGET_CACHED_S} s.",
        ]
        prof = c.get("profile")
        if prof and prof.get("seconds"):
            lines += ["", _profile_markdown("a profiled cached re-run", prof)]
        lines.append("")
    for verdict in results.get("verdicts", []):
        lines.append(f"- {verdict}")
    return "\n".join(lines)


def _profile_markdown(what: str, prof: dict[str, Any]) -> str:
    lines = [
        f"Time split of {what} ({prof['tool']}; the command took {prof['command_s']:.2f} s "
        "with the profiler attached):",
        "",
        "| phase | seconds (GIL held) |",
        "|---|---|",
    ]
    lines += [f"| {phase} | {sec:.2f} |" for phase, sec in prof["seconds"].items()]
    top = prof.get("top_functions_inclusive_s") or []
    if top:
        lines += ["", "Hottest functions (inclusive seconds, GIL held):", ""]
        lines += [f"- {sec:.2f} s `{name}`" for name, sec in top[:10]]
    return "\n".join(lines)


def verdicts(results: dict[str, Any]) -> list[str]:
    """Pass/fail lines for the stated targets."""
    out = []
    at16 = [r for r in results["levels"] if r["concurrency"] == 16]
    if at16:
        share = at16[0]["share_of_ideal"]
        ok = share >= TARGET_SHARE_AT_16
        out.append(
            f"{'PASS' if ok else 'MISS'}: {100 * share:.0f}% of ideal at concurrency 16 "
            f"(target >= {100 * TARGET_SHARE_AT_16:.0f}%)"
        )
    c = results.get("cached") or {}
    if c:
        ok = c["pipeline_s"] < TARGET_CACHED_S and c["server_requests"] == 0
        out.append(
            f"{'PASS' if ok else 'MISS'}: cached re-run {c['pipeline_s']} s with "
            f"{c['server_requests']} requests (target < {TARGET_CACHED_S} s, 0 requests)"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write results.json and results.md."""
    args = build_parser().parse_args(argv)
    subprocess.run([extractor_cli(), "--help"], capture_output=True, check=False)  # warm .pyc
    return run_and_record(args, "bench-throughput-", run, verdicts, markdown)


if __name__ == "__main__":
    raise SystemExit(main())
