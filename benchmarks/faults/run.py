"""Fault tolerance of `extractor extract`: 30% injected faults, a re-run, and a SIGKILL.

    python -m benchmarks.faults.run                (or: make bench-faults)

Starts `benchmarks.common.server` on 127.0.0.1 with seeded faults (429 with Retry-After,
500, timeouts, malformed JSON, schema-invalid JSON; `--fault-rate` of all requests, the
kind drawn uniformly) and measures three things on N synthetic articles:

1. a full run: articles extracted, failed (by reason), lost (neither extracted nor reported
   failed; must be 0), retries and re-asks (from the records' provenance and from the
   server's log);
2. the same command again on the same cache: server requests for articles finished in
   run 1 (must be 0) and for the ones that failed (these are retried, as they should be);
3. a fresh run killed with SIGKILL once `--kill-after` of the articles have been answered,
   then re-run to completion: requests in the re-run for articles already finished before
   the kill (must be 0). "Finished" means the article's record was in the output or its
   answer in the cache when the process died. The server identifies the article of each
   request from the `Reference BENCH-nnnnnn` marker in the user message.

Bounded: each CLI run is killed after `--run-timeout` s; the server stops by itself.
A full run takes about 2-4 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import signal
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.common.extract_run import (
    ExtractRun,
    extract_command,
    read_outputs,
    run_extract,
    timed_command,
)
from benchmarks.common.harness import (
    REPO,
    bench_server,
    extractor_cli,
    header_markdown,
    read_log,
    run_and_record,
    set_tag,
)
from benchmarks.common.synthetic import article_id, write_articles

HERE = Path(__file__).resolve().parent


def build_parser() -> argparse.ArgumentParser:
    """Options; the defaults are the recorded benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.faults.run",
        description="Inject seeded faults into a loopback OpenAI-compatible server and check "
        "that `extractor extract` loses nothing and repeats no finished work.",
    )
    parser.add_argument("--n", type=int, default=1000, help="articles")
    parser.add_argument("--concurrency", type=int, default=16, help="extract --concurrency")
    parser.add_argument("--fault-rate", type=float, default=0.3, help="share of faulty answers")
    parser.add_argument("--seed", type=int, default=6, help="fault seed")
    parser.add_argument("--delay", type=float, default=0.2, help="server delay per answer (s)")
    parser.add_argument(
        "--client-timeout",
        type=float,
        default=2.0,
        help="extract --timeout (s), if the CLI has that option",
    )
    parser.add_argument(
        "--kill-after",
        type=float,
        default=0.4,
        help="SIGKILL once this share of articles has been answered",
    )
    parser.add_argument("--run-timeout", type=float, default=400.0, help="kill a run after (s)")
    parser.add_argument("--results", type=Path, default=HERE, help="where results go")
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here")
    return parser


def _extra_args(client_timeout: float) -> list[str]:
    """`--timeout S` when `extractor extract` offers it (the server holds past it)."""
    help_text = subprocess.run(
        [extractor_cli(), "extract", "--help"],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200", "TERM": "dumb"},
    ).stdout
    return ["--timeout", str(client_timeout)] if "--timeout" in help_text else []


def cached_article_ids(cache_dir: Path) -> set[str]:
    """Article ids whose answer is stored in a result cache directory (read-only scan)."""
    import diskcache

    ids: set[str] = set()
    if not cache_dir.exists():
        return ids
    with diskcache.Cache(str(cache_dir)) as cache:
        for key in list(cache.iterkeys()):
            raw = cache.get(key)
            try:
                value = json.loads(raw) if isinstance(raw, str) else None
            except json.JSONDecodeError:
                continue
            events = value.get("events") if isinstance(value, dict) else None
            if isinstance(events, dict) and events.get("article_id"):
                ids.add(events["article_id"])
    return ids


def _server_counts(log: list[dict[str, Any]], tag: str) -> dict[str, Any]:
    mine = sorted((r for r in log if r.get("tag") == tag), key=lambda r: r["t0"])
    by_article: dict[str, list[dict[str, Any]]] = {}
    for record in mine:
        by_article.setdefault(record["article"], []).append(record)
    gaps = [
        later["t0"] - first["t1"]
        for requests in by_article.values()
        for first, later in itertools.pairwise(requests)
        if first["outcome"] == "http429"
    ]
    return {
        "min_wait_after_429_s": round(min(gaps), 2) if gaps else None,
        "requests": len(mine),
        "by_outcome": dict(Counter(r["outcome"] for r in mine)),
        "reask_requests": sum(1 for r in mine if r.get("reask")),
        "articles_asked": len({r["article"] for r in mine}),
    }


def _summary(n: int, run: ExtractRun) -> dict[str, Any]:
    failed_ids = {f.get("article_id") for f in run.failures if f.get("article_id")}
    extracted = set(run.records)
    expected = {article_id(i) for i in range(n)}
    prov = [r["provenance"] for r in run.records.values()]
    fresh = [p for p in prov if not p.get("cache_hit")]
    return {
        "exit_code": run.exit_code,
        "wall_s": round(run.wall_s, 2),
        "extracted": len(extracted),
        "failed": len(failed_ids),
        "failed_by_reason": dict(Counter(f.get("kind") for f in run.failures)),
        "failure_examples": [f.get("message", "")[:160] for f in run.failures[:3]],
        "lost": len(expected - extracted - failed_ids),
        # provenance of articles answered in this run (cache hits repeat the old numbers)
        "retries": sum(p.get("retries", 0) for p in fresh),
        "reasks": sum(p.get("reasks", 0) for p in fresh),
        "attempts": sum(p.get("attempts", 0) for p in fresh),
        "cache_hits": sum(1 for p in prov if p.get("cache_hit")),
    }


def _article_key(article: str) -> str:
    return article_id(int(article)) if article.isdigit() else article


def _requests_for(log: list[dict[str, Any]], tag: str, ids: set[str]) -> int:
    return sum(1 for r in log if r.get("tag") == tag and _article_key(r["article"]) in ids)


def _kill_midway(
    command: list[str], log_path: Path, n: int, share: float, timeout: float
) -> dict[str, Any]:
    """Start a run, SIGKILL it once `share` of the articles were answered OK."""
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    answered: set[str] = set()
    with log_path.open(encoding="utf-8") as log:
        log.seek(0, 2)
        while process.poll() is None and time.monotonic() < deadline:
            for line in log.readlines():
                record = json.loads(line)
                if record.get("tag") == "kill1" and record["outcome"] == "ok":
                    answered.add(record["article"])
            if len(answered) >= share * n:
                break
            time.sleep(0.05)
    exited_early = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait()
    return {"answered_before_kill": len(answered), "exited_before_kill": exited_early}


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """The full run, the re-run, and the kill test; returns the results."""
    articles = work / "articles"
    write_articles(articles, args.n)
    log_path = work / "requests.jsonl"
    extra = _extra_args(args.client_timeout)
    hold = args.client_timeout + 1 if extra else 125.0
    server_args = [
        "--delay",
        str(args.delay),
        "--fault-rate",
        str(args.fault_rate),
        "--seed",
        str(args.seed),
        "--retry-after",
        "1",
        "--timeout-hold",
        str(hold),
        "--max-seconds",
        str(args.run_timeout * 5),
    ]
    results: dict[str, Any] = {
        "config": {
            "n": args.n,
            "concurrency": args.concurrency,
            "fault_rate": args.fault_rate,
            "seed": args.seed,
            "delay_s": args.delay,
            "client_timeout_s": args.client_timeout if extra else "CLI default",
            "timeout_hold_s": hold,
            "kill_after": args.kill_after,
        }
    }
    with bench_server(server_args, log_path) as url:
        out, cache = work / "out", work / "cache"
        cli_args = extract_command([articles], url, out, cache, args.concurrency, extra)
        results["command"] = ["extractor", *cli_args]
        for tag in ("run1", "run2"):
            set_tag(url, tag)
            timing = work / f"timing-{tag}.json"
            outcome = run_extract(timed_command(cli_args, timing), out, timing, args.run_timeout)
            results[tag] = _summary(args.n, outcome)
            if tag == "run1":
                finished = set(outcome.records)
                failed = {str(f["article_id"]) for f in outcome.failures if f.get("article_id")}
            print(tag, results[tag], flush=True)
        log = read_log(log_path)
        results["run1"]["server"] = _server_counts(log, "run1")
        results["run2"]["server"] = _server_counts(log, "run2")
        results["run2"]["requests_for_finished"] = _requests_for(log, "run2", finished)
        results["run2"]["requests_for_failed_in_run1"] = _requests_for(log, "run2", failed)

        # SIGKILL mid-run, then re-run
        out_k, cache_k = work / "out-kill", work / "cache-kill"
        kill_args = extract_command([articles], url, out_k, cache_k, args.concurrency, extra)
        set_tag(url, "kill1")
        timing = work / "timing-kill1.json"
        kill = _kill_midway(
            timed_command(kill_args, timing), log_path, args.n, args.kill_after, args.run_timeout
        )
        written, _ = read_outputs(out_k)
        in_cache = cached_article_ids(cache_k)
        finished_k = set(written) | in_cache
        kill.update(
            records_written=len(written), answers_in_cache=len(in_cache), finished=len(finished_k)
        )
        set_tag(url, "kill2")
        timing = work / "timing-kill2.json"
        rerun = run_extract(timed_command(kill_args, timing), out_k, timing, args.run_timeout)
        log = read_log(log_path)
        answered_k1 = {
            _article_key(r["article"])
            for r in log
            if r.get("tag") == "kill1" and r["outcome"] == "ok"
        }
        kill["rerun"] = _summary(args.n, rerun)
        kill["rerun"]["server"] = _server_counts(log, "kill2")
        kill["repeated_requests_for_finished"] = _requests_for(log, "kill2", finished_k)
        kill["answered_but_unfinished_at_kill"] = len(answered_k1 - finished_k)
        kill["requests_for_answered_but_unfinished"] = _requests_for(
            log, "kill2", answered_k1 - finished_k
        )
        results["kill"] = kill
        print("kill", kill, flush=True)
    return results


def verdicts(r: dict[str, Any]) -> list[str]:
    """Pass/fail lines for the stated targets."""

    def line(ok: bool, text: str) -> str:
        return f"{'PASS' if ok else 'MISS'}: {text}"

    kill = r["kill"]
    return [
        line(r["run1"]["lost"] == 0, f"lost in run 1: {r['run1']['lost']} (must be 0)"),
        line(
            r["run2"]["requests_for_finished"] == 0,
            f"run 2 requests for articles finished in run 1: "
            f"{r['run2']['requests_for_finished']} (must be 0)",
        ),
        line(
            kill["repeated_requests_for_finished"] == 0 and kill["finished"] > 0,
            f"after SIGKILL, re-run requests for the {kill['finished']} finished articles: "
            f"{kill['repeated_requests_for_finished']} (must be 0)",
        ),
        line(kill["rerun"]["lost"] == 0, f"lost after kill + re-run: {kill['rerun']['lost']}"),
    ]


def markdown(r: dict[str, Any]) -> str:
    """Results as a Markdown section."""
    c = r["config"]
    rows = []
    for tag, label in (("run1", "run 1 (faults)"), ("run2", "run 2 (same command)")):
        s = r[tag]
        rows.append(
            f"| {label} | {s['extracted']} | {s['failed']} {s['failed_by_reason'] or ''} "
            f"| {s['lost']} | {s['retries']} | {s['reasks']} | {s['server']['requests']} "
            f"| {s['server']['reask_requests']} | {s['server']['by_outcome']} | {s['wall_s']} |"
        )
    k = r["kill"]
    lines = [
        "## Faults (30% injected, seeded)",
        "",
        header_markdown(r["header"]),
        f"- {c['n']} articles, concurrency {c['concurrency']}, fault rate {c['fault_rate']}, "
        f"seed {c['seed']}, delay {c['delay_s']} s, client timeout {c['client_timeout_s']}, "
        f"server hold on a timeout fault {c['timeout_hold_s']} s",
        "",
        "| run | extracted | failed (reason) | lost | retries | re-asks | server requests "
        "| re-ask requests seen by server | by outcome | wall s |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Retries and re-asks are from the records' provenance (articles answered in that run);",
        "the server's count of re-ask requests is the ground truth for re-asks.",
        f"Shortest wait before retrying after a 429 with `Retry-After: 1`: "
        f"{r['run1']['server']['min_wait_after_429_s']} s.",
        "",
        f"Run 2 asked the server {r['run2']['requests_for_finished']} times for articles "
        f"finished in run 1, and {r['run2']['requests_for_failed_in_run1']} times for the ones "
        f"that failed (retried on purpose).",
        "",
        f"SIGKILL after {k['answered_before_kill']} articles were answered: "
        f"{k['records_written']} records written, {k['answers_in_cache']} answers cached "
        f"({k['finished']} finished). The re-run made {k['rerun']['server']['requests']} "
        f"requests, {k['repeated_requests_for_finished']} of them for finished articles; "
        f"{k['answered_but_unfinished_at_kill']} articles were answered but not yet stored "
        f"when killed and were asked again ({k['requests_for_answered_but_unfinished']} "
        f"requests). After the re-run: {k['rerun']['extracted']} extracted, "
        f"{k['rerun']['failed']} failed, {k['rerun']['lost']} lost.",
        "",
        *(f"- {v}" for v in r["verdicts"]),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write results.json and results.md."""
    args = build_parser().parse_args(argv)
    return run_and_record(args, "bench-faults-", run, verdicts, markdown)


if __name__ == "__main__":
    raise SystemExit(main())
