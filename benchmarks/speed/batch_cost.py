"""What one `llama_decode` of k tokens costs on this machine, k = 1..12, per model (issue 17).

    .venv/bin/python -m benchmarks.speed.batch_cost [--models qwen2.5-coder-1.5b,...]

After a 201-token prompt, k tokens are decoded in one batch (logits for all of them, as
when drafts are verified), the KV cache is cut back, and this is repeated; the median of
the repeats is reported. The decoder's draft length follows from this curve: a drafted
token is worth verifying when the batch it joins costs less than the single steps it may
save. Results: batch_cost.json and batch_cost.md beside this file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

from benchmarks.common.harness import git_commit, machine
from benchmarks.peers.run import wait_for_idle

HERE = Path(__file__).resolve().parent
PROMPT = b"The quick brown fox jumps over the lazy dog. " * 20
MAX_BATCH = 12
REPEATS = 6


def batch_costs(model: str, threads: int) -> dict[str, Any]:
    """Median ms of one decode of k tokens, k = 1..MAX_BATCH, after the fixed prompt."""
    from extractor.clients.llama_decoding import DecodeOptions, GreedyGrammarDecoder
    from extractor.clients.llama_inprocess import load_llama
    from extractor.models import resolve_model

    path, spec = resolve_model(model)
    assert spec is not None
    llama = load_llama(path, 4096, threads, spec.chat_format)
    decoder = GreedyGrammarDecoder(llama, DecodeOptions())
    prompt = list(llama.tokenize(PROMPT, add_bos=True))
    decoder._truncate(0)
    started = time.perf_counter()
    decoder._decode(prompt, logits_from=len(prompt) - 1)
    prompt_s = time.perf_counter() - started
    base = llama.n_tokens
    ms: dict[int, float] = {}
    for k in range(1, MAX_BATCH + 1):
        times = []
        for _ in range(REPEATS):
            decoder._truncate(base)
            started = time.perf_counter()
            decoder._decode(prompt[5 : 5 + k], logits_from=0)
            times.append(time.perf_counter() - started)
        ms[k] = round(statistics.median(times) * 1000, 1)
    decoder.close()
    return {
        "prompt_tokens": len(prompt),
        "prompt_tok_s": round(len(prompt) / prompt_s, 1),
        "ms_by_batch": ms,
        "ms_per_token_by_batch": {k: round(v / k, 1) for k, v in ms.items()},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="qwen2.5-coder-1.5b,qwen2.5-coder-0.5b")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--results", type=Path, default=HERE)
    args = parser.parse_args(argv)
    waited = wait_for_idle(600)
    results: dict[str, Any] = {
        "command": "python -m benchmarks.speed.batch_cost " + " ".join(argv or []),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": machine(),
        "threads": args.threads,
        "waited_for_other_models": waited,
        "load_average_start": os.getloadavg(),
        "models": {},
    }
    for model in args.models.split(","):
        results["models"][model] = batch_costs(model, args.threads)
        print(model, results["models"][model]["ms_by_batch"], flush=True)
    results["load_average_end"] = os.getloadavg()
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "batch_cost.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "batch_cost.md").write_text(markdown(results))
    return 0


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    ks = range(1, MAX_BATCH + 1)
    lines = [
        "# Cost of one decode of k tokens (issue 17)",
        "",
        f"- command: `{results['command']}`",
        f"- date: {results['date']}; commit {results['commit']}; {m['cpu_model']},"
        f" {m['nproc']} cores, {results['threads']} threads",
        f"- load average at start {tuple(round(x, 2) for x in results['load_average_start'])},"
        f" at end {tuple(round(x, 2) for x in results['load_average_end'])}",
        "",
        "Median ms of one `llama_decode` of k tokens after a 201-token prompt (logits for all k):",
        "",
        "| model | prompt tok/s | " + " | ".join(f"k={k}" for k in ks) + " |",
        "|---|---|" + "---|" * MAX_BATCH,
    ]
    for model, row in results["models"].items():
        cells = " | ".join(str(row["ms_by_batch"][k]) for k in ks)
        lines.append(f"| {model} | {row['prompt_tok_s']} | {cells} |")
    lines += ["", "ms per token:", "", "| model | " + " | ".join(f"k={k}" for k in ks) + " |"]
    lines.append("|---|" + "---|" * MAX_BATCH)
    for model, row in results["models"].items():
        cells = " | ".join(str(row["ms_per_token_by_batch"][k]) for k in ks)
        lines.append(f"| {model} | {cells} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    raise SystemExit(main(__import__("sys").argv[1:]))
