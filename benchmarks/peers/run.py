"""Our pipeline against two peers on a gold set, same local model, same threads.

    make bench-peers        # the five seed articles (gold/)
    make bench-peers-dev    # the 22-article development set (gold/dev), results in dev/
    python -m benchmarks.peers.run --peers-python build/peers-venv/bin/python

1. ours: `extractor extract <gold>/articles --backend local` with default settings (fresh cache);
2. a plain instructor baseline (`benchmarks.peers.instructor_baseline`): one call per
   article, `response_model=ArticleEvents`, a short prompt;
3. LangExtract 1.7.1 (`benchmarks.peers.langextract_peer`) with a prompt and one invented
   example, via its OpenAI provider; `benchmarks.peers.adapter` maps its extractions to
   `ArticleEvents`.

Peers 2 and 3 talk HTTP to `python -m llama_cpp.server` on 127.0.0.1 serving the same GGUF
(`extractor model path ...`) with the same threads and context as our backend
(`--n_threads 2 --n_ctx 8192 --logits_all false --chat_format chatml`), behind
`benchmarks.peers.proxy`, which sets temperature 0 and repeat_penalty 1.0 (our decoding)
where a request does not, and counts tokens. All three are scored by
`extractor eval --json`. The machine is shared: before starting, the script waits (up to
`--wait-idle` s) until no other process has llama.cpp loaded, and it never runs two model
jobs at once. Bounded: each peer is killed after `--peer-timeout` s (default 40 min).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.common.harness import (
    REPO,
    extractor_cli,
    header_markdown,
    run_and_record,
)
from benchmarks.peers.adapter import to_article_events

HERE = Path(__file__).resolve().parent
GOLD = REPO / "gold"
TARGET_MARGIN = 0.15
TARGET_WALL_RATIO = 1.5


def build_parser() -> argparse.ArgumentParser:
    """Options; the defaults are the recorded benchmark."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.run",
        description="Ours vs a plain instructor baseline vs LangExtract on the gold articles, "
        "all on the same local GGUF model, scored by `extractor eval --json`.",
    )
    parser.add_argument("--model", default="qwen2.5-coder-1.5b", help="catalogue model name")
    parser.add_argument(
        "--peers-python",
        type=Path,
        default=REPO / "build/peers-venv/bin/python",
        help="interpreter with langextract and llama-cpp-python[server] (make bench-peers)",
    )
    parser.add_argument(
        "--gold",
        type=Path,
        default=GOLD,
        help="gold folder: its articles/*.txt are extracted and scored against it (default gold/)",
    )
    parser.add_argument("--only", default="ours,instructor,langextract", help="peers to run")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="n_threads")
    parser.add_argument("--n-ctx", type=int, default=8192, help="context size")
    parser.add_argument("--max-tokens", type=int, default=2500, help="baseline answer cap")
    parser.add_argument("--peer-timeout", type=float, default=2400.0, help="kill a peer after")
    parser.add_argument("--wait-idle", type=float, default=1800.0, help="wait for other models")
    parser.add_argument("--results", type=Path, default=HERE, help="where results go")
    parser.add_argument("--workdir", type=Path, default=None, help="keep files here")
    return parser


def other_model_processes() -> list[int]:
    """Pids of other processes that have llama.cpp loaded (reads /proc/*/maps)."""
    mine = {os.getpid(), os.getppid()}
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in mine:
            continue
        try:
            if "libllama" in (entry / "maps").read_text(errors="ignore"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def wait_for_idle(limit_s: float) -> dict[str, Any]:
    """Wait until no other process runs a llama.cpp model; report how long we waited."""
    started = time.monotonic()
    while (busy := other_model_processes()) and time.monotonic() - started < limit_s:
        print(f"waiting: other model processes {busy}", file=sys.stderr, flush=True)
        time.sleep(15)
    return {"waited_s": round(time.monotonic() - started, 1), "still_busy": busy}


def run_timed(command: list[str], timeout: float, env: dict[str, str] | None = None) -> dict:
    """Run a command to completion (bounded); wall time, exit code, stderr tail."""
    environment = {**os.environ, **(env or {})}
    environment.pop("EXTRACTOR_LOCAL_CALL_CACHE", None)  # replayed calls would not be timed
    started = time.perf_counter()
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=environment,
        )
        code, stderr = done.returncode, done.stderr
    except subprocess.TimeoutExpired:
        code, stderr = None, f"killed after {timeout} s"
    return {
        "wall_s": round(time.perf_counter() - started, 1),
        "exit_code": code,
        "stderr_tail": stderr[-1500:],
    }


def score(pred: Path, gold: Path) -> dict[str, Any]:
    """`extractor eval --pred PRED --gold GOLD --json`, parsed."""
    done = subprocess.run(
        [extractor_cli(), "eval", "--pred", str(pred), "--gold", str(gold), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        return {"error": (done.stderr or done.stdout)[-1000:]}


def _started_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("listening "):
            return line.split()[1]
        if not line and process.poll() is not None:
            break
    raise RuntimeError("proxy did not start")


@contextmanager
def llama_server(args: argparse.Namespace, gguf: Path, work: Path) -> Iterator[str]:
    """llama_cpp.server on 127.0.0.1 plus the proxy in front; yields the proxy's /v1 URL."""
    port = _free_port()
    server_cmd = [
        str(args.peers_python),
        "-m",
        "llama_cpp.server",
        "--model",
        str(gguf),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_threads",
        str(args.threads),
        "--n_threads_batch",
        str(args.threads),
        "--n_ctx",
        str(args.n_ctx),
        "--logits_all",
        "false",
        "--chat_format",
        "chatml",
        "--seed",
        "0",
    ]
    log = (work / "llama-server.log").open("w")
    server = subprocess.Popen(server_cmd, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    proxy = None
    try:
        upstream = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300
        while True:
            try:
                with urllib.request.urlopen(f"{upstream}/v1/models", timeout=5) as r:
                    r.read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server did not start; see {log.name}") from None
                time.sleep(1)
        proxy = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "benchmarks.peers.proxy",
                "--upstream",
                upstream,
                "--log",
                str(work / "usage.jsonl"),
                "--max-seconds",
                str(4 * args.peer_timeout),
            ],
            cwd=REPO,
            stdout=subprocess.PIPE,
            text=True,
        )
        yield _started_line(proxy, 30)
    finally:
        for process in (proxy, server):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        log.close()


def _shown(path: Path) -> str:
    """`path` relative to the repository where it lies inside it."""
    resolved = path.resolve()
    return str(resolved.relative_to(REPO)) if resolved.is_relative_to(REPO) else str(path)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tag(url: str, tag: str) -> None:
    with urllib.request.urlopen(f"{url.removesuffix('/v1')}/bench/tag/{tag}", timeout=5) as r:
        r.read()


def _usage(work: Path, tag: str) -> dict[str, int]:
    path = work / "usage.jsonl"
    lines = [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []
    mine = [x for x in lines if x.get("tag") == tag]
    return {
        "calls": len(mine),
        "prompt_tokens": sum(x.get("prompt_tokens", 0) for x in mine),
        "completion_tokens": sum(x.get("completion_tokens", 0) for x in mine),
        "hit_length_cap": sum(1 for x in mine if x.get("finish_reason") == "length"),
        "http_errors": sum(1 for x in mine if x.get("status", 200) >= 400),
    }


def run_ours(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Our pipeline, default settings, fresh cache."""
    out = work / "ours"
    command = [
        extractor_cli(),
        "extract",
        str(args.gold / "articles"),
        "--backend",
        "local",
        "--model",
        args.model,
        "--out",
        str(out),
        "--cache-dir",
        str(work / "cache"),
    ]
    result = run_timed(command, args.peer_timeout)
    pred = out / "events.jsonl"
    records = [json.loads(x) for x in pred.read_text().splitlines()] if pred.exists() else []
    tokens = [r["provenance"]["tokens"] for r in records]
    result.update(
        command=["extractor", *command[1:]],
        pred=str(pred),
        prompt_tokens=sum(t["prompt"] for t in tokens),
        completion_tokens=sum(t["completion"] for t in tokens),
        failures=[  # items skipped in the input folder (e.g. metadata.json) are not failures
            line
            for line in (
                (out / "failures.jsonl").read_text().splitlines()
                if (out / "failures.jsonl").exists()
                else []
            )
            if json.loads(line).get("kind") != "skipped"
        ],
    )
    return result


def run_instructor(args: argparse.Namespace, work: Path, url: str) -> dict[str, Any]:
    """The plain instructor baseline through the proxy."""
    _tag(url, "instructor")
    pred = work / "instructor.jsonl"
    command = [
        sys.executable,
        "-m",
        "benchmarks.peers.instructor_baseline",
        "--base-url",
        url,
        "--articles",
        str(args.gold / "articles"),
        "--out",
        str(pred),
        "--max-tokens",
        str(args.max_tokens),
    ]
    result = run_timed(command, args.peer_timeout)
    summary = pred.with_suffix(".summary.json")
    failures = json.loads(summary.read_text())["failures"] if summary.exists() else []
    result.update(pred=str(pred), failures=failures, **_usage(work, "instructor"))
    return result


def run_langextract(args: argparse.Namespace, work: Path, url: str) -> dict[str, Any]:
    """LangExtract through the proxy, then the adapter."""
    _tag(url, "langextract")
    raw = work / "langextract-raw.json"
    command = [
        str(args.peers_python),
        str(HERE / "langextract_peer.py"),
        "--base-url",
        url,
        "--articles",
        str(args.gold / "articles"),
        "--out",
        str(raw),
    ]
    result = run_timed(command, args.peer_timeout, env={"OPENAI_API_KEY": "none"})
    pred = work / "langextract.jsonl"
    dropped, failures, lines = 0, [], []
    payload = json.loads(raw.read_text()) if raw.exists() else {"articles": {}}
    for path in sorted((args.gold / "articles").glob("*.txt")):
        item = payload["articles"].get(path.stem, {"extractions": [], "error": "not run"})
        events, lost = to_article_events(path.stem, item["extractions"], path.read_text())
        dropped += lost
        if item.get("error"):
            failures.append({"article_id": path.stem, "error": item["error"][:500]})
        lines.append(events.model_dump_json())
    pred.write_text("".join(line + "\n" for line in lines))
    result.update(
        pred=str(pred), failures=failures, adapter_dropped=dropped, **_usage(work, "langextract")
    )
    return result


def _gguf(model: str) -> Path:
    done = subprocess.run(
        [extractor_cli(), "model", "path", model],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=True,
    )
    return Path(done.stdout.strip().splitlines()[-1])


def run(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Every requested peer, one after the other, then the scores."""
    only = set(args.only.split(","))
    gguf = _gguf(args.model)
    results: dict[str, Any] = {
        "model": args.model,
        "gguf": str(gguf),
        "threads": args.threads,
        "n_ctx": args.n_ctx,
        "gold": _shown(args.gold),
        "articles": len(list((args.gold / "articles").glob("*.txt"))),
        "peers": {},
    }
    results["idle_wait"] = wait_for_idle(args.wait_idle)
    if "ours" in only:
        results["peers"]["ours"] = run_ours(args, work)
        print("ours", results["peers"]["ours"]["wall_s"], flush=True)
    if only & {"instructor", "langextract"}:
        wait_for_idle(args.wait_idle)
        with llama_server(args, gguf, work) as url:
            if "instructor" in only:
                results["peers"]["instructor"] = run_instructor(args, work, url)
                print("instructor", results["peers"]["instructor"]["wall_s"], flush=True)
            if "langextract" in only:
                results["peers"]["langextract"] = run_langextract(args, work, url)
                print("langextract", results["peers"]["langextract"]["wall_s"], flush=True)
    for peer in results["peers"].values():
        peer["scores"] = score(Path(peer["pred"]), args.gold)
    return results


def verdicts(results: dict[str, Any]) -> list[str]:
    """Pass/fail lines for the stated target."""
    peers = results["peers"]
    ours = peers.get("ours", {}).get("scores", {})
    lines = []
    for name in ("instructor", "langextract"):
        other = peers.get(name, {}).get("scores", {})
        if not ours or not other or "error" in ours or "error" in other:
            continue
        for metric in ("event_f1_main", "slot_micro_f1"):
            margin = ours[metric] - other[metric]
            ok = margin >= TARGET_MARGIN
            lines.append(
                f"{'PASS' if ok else 'MISS'}: {metric} ours - {name} = {margin:+.3f} "
                f"(target >= +{TARGET_MARGIN})"
            )
    base = peers.get("instructor")
    if base and "ours" in peers and base["wall_s"]:
        ratio = peers["ours"]["wall_s"] / base["wall_s"]
        ok = ratio <= TARGET_WALL_RATIO
        lines.append(
            f"{'PASS' if ok else 'MISS'}: wall time ours / instructor = {ratio:.2f} "
            f"(target <= {TARGET_WALL_RATIO})"
        )
    return lines


def markdown(results: dict[str, Any]) -> str:
    """Results as a Markdown section."""
    lines = [
        f"## Peers ({results.get('articles', 5)} articles of {results.get('gold', 'gold')}, "
        "same local model and threads)",
        "",
        header_markdown(results["header"]),
        f"- model {results['model']} ({results['gguf']}), n_threads {results['threads']}, "
        f"n_ctx {results['n_ctx']}; waited {results['idle_wait']['waited_s']} s for other "
        "model jobs to finish",
        "",
        "| peer | event F1 main | event F1 all | slot micro-F1 | grounding | wall s "
        "| tokens (prompt + completion) | calls | failed articles |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name, peer in results["peers"].items():
        s = peer.get("scores", {})
        if "error" in s or not s:
            lines.append(f"| {name} | scoring failed: {s.get('error', '')[:80]} |")
            continue
        tokens = f"{peer.get('prompt_tokens', 0)} + {peer.get('completion_tokens', 0)}"
        lines.append(
            f"| {name} | {s['event_f1_main']:.3f} | {s['event_f1_all']:.3f} "
            f"| {s['slot_micro_f1']:.3f} | {s['grounding_rate']:.3f} | {peer['wall_s']} "
            f"| {tokens} | {peer.get('calls', '-')} | {len(peer.get('failures', []))} |"
        )
    lines += ["", "Per article (event F1 main / predicted events / matched):", ""]
    names = list(results["peers"])
    lines += ["| article | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    articles = sorted(
        {a for p in results["peers"].values() for a in p.get("scores", {}).get("per_article", {})}
    )
    for article in articles:
        cells = []
        for name in names:
            a = results["peers"][name].get("scores", {}).get("per_article", {}).get(article, {})
            cells.append(
                f"{a.get('event_f1_main', 0):.2f} / {a.get('n_pred_events', 0)} / "
                f"{a.get('n_matched', 0)}"
                if a
                else "-"
            )
        lines.append(f"| {article} | " + " | ".join(cells) + " |")
    lines += ["", *(f"- {v}" for v in results.get("verdicts", []))]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write results.json and results.md."""
    args = build_parser().parse_args(argv)
    args.gold = args.gold.resolve()
    if not list((args.gold / "articles").glob("*.txt")):
        print(f"no articles: {args.gold / 'articles'} holds no .txt files", file=sys.stderr)
        return 2
    if {"instructor", "langextract"} & set(args.only.split(",")) and not args.peers_python.exists():
        print(
            f"missing {args.peers_python}: run `make bench-peers` (it builds build/peers-venv "
            "from benchmarks/peers/requirements.txt)",
            file=sys.stderr,
        )
        return 2
    return run_and_record(args, "bench-peers-", run, verdicts, markdown)


if __name__ == "__main__":
    raise SystemExit(main())
