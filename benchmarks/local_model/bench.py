"""Speed and memory of the `local` backend, per article, cold and warm-prefix, vs raw llama.cpp.

    .venv/bin/python -m benchmarks.local_model.bench --model qwen2.5-coder-1.5b --variant oneshot

Passes, in one process (the model is loaded once):
  1. warm: every article in order through `LocalBackend`; the first finds an empty KV cache,
     the others find the previous article's shared instruction prefix cached.
  2. cold: articles 2.. again, with the KV cache cleared before each.
  3. raw: the exact calls of pass 1 (same messages, grammar, max_tokens, same order, same
     cache state) replayed straight through `llama_cpp.Llama.create_chat_completion`, as
     the baseline for pipeline overhead.
Writes results.json and results.md into --out. Numbers are from one run on a shared
machine; the run records the machine and the load average.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.local_model.report import write_reports
from extractor.backends.base import ExtractionRequest
from extractor.backends.local import LocalBackend
from extractor.clients.llama_inprocess import LlamaChat
from extractor.pipeline.chat import Completion

ARTICLES = Path("gold/articles")


class RecordingChat(LlamaChat):
    """A `LlamaChat` that also records each call's arguments for the raw replay."""

    def __init__(self, inner: LlamaChat) -> None:
        super().__init__(inner.llama)
        self.recorded: list[tuple[str, str, dict[str, Any], int]] = []

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """Record, then answer as `LlamaChat` does."""
        self.recorded.append((system, user, schema, max_tokens))
        return super().complete(system, user, schema, max_tokens, slot=slot)


def _sum(timings: list[dict[str, float]]) -> dict[str, float]:
    keys = ("wall_s", "prompt_eval_tokens", "prompt_eval_s", "gen_tokens", "gen_s")
    return {k: sum(t[k] for t in timings) for k in keys}


def _article_row(
    name: str, result: Any, wall: float, timings: list[dict[str, float]]
) -> dict[str, Any]:
    total = _sum(timings)
    return {
        "article": name,
        "calls": len(timings),
        "prompt_tokens": result.usage.prompt_tokens,
        "prompt_tokens_evaluated": int(total["prompt_eval_tokens"]),
        "prompt_s": round(total["prompt_eval_s"], 2),
        "prompt_tok_s": round(total["prompt_eval_tokens"] / max(total["prompt_eval_s"], 1e-9), 1),
        "generated_tokens": result.usage.completion_tokens,
        "gen_s": round(total["gen_s"], 2),
        "gen_tok_s": round(total["gen_tokens"] / max(total["gen_s"], 1e-9), 1),
        "model_call_s": round(total["wall_s"], 2),
        "wall_s": round(wall, 2),
        "events": len(result.events.events),
    }


def run_pipeline(
    chat: RecordingChat, backend: LocalBackend, path: Path, cold: bool
) -> dict[str, Any]:
    """One article through the backend; returns its row (and leaves its calls recorded)."""
    if cold:
        chat.llama.reset()
        chat.llama._ctx.kv_cache_clear()
    first = len(chat.timings)
    started = time.perf_counter()
    text = path.read_text(encoding="utf-8")
    result = backend.extract(ExtractionRequest(path.stem, text, "", "", "bench"))
    return _article_row(path.stem, result, time.perf_counter() - started, chat.timings[first:])


def replay_raw(chat: RecordingChat, calls: list[tuple[str, str, dict[str, Any], int]]) -> float:
    """Seconds for the same calls straight through llama-cpp-python (grammar prebuilt)."""
    grammars = [chat._grammar(schema) for _, _, schema, _ in calls]
    started = time.perf_counter()
    for (system, user, _, max_tokens), grammar in zip(calls, grammars, strict=True):
        chat.llama.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            grammar=grammar,
            temperature=0.0,
            repeat_penalty=1.0,
            max_tokens=max_tokens,
            seed=0,
        )
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    """Run the three passes and write the reports."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--variant", default="oneshot")
    parser.add_argument("--articles", type=Path, default=ARTICLES)
    parser.add_argument("--limit", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/local_model"))
    args = parser.parse_args(argv)
    paths = sorted(args.articles.glob("*.txt"))[: args.limit]

    backend = LocalBackend(model=args.model, strategy=args.variant)
    load_started = time.perf_counter()
    chat = RecordingChat(backend.chat)
    load_s = time.perf_counter() - load_started
    backend._chat = chat

    warm, per_article_calls = [], []
    for path in paths:
        start = len(chat.recorded)
        warm.append(run_pipeline(chat, backend, path, cold=path == paths[0]))
        per_article_calls.append(chat.recorded[start:])
        print(json.dumps(warm[-1]), file=sys.stderr, flush=True)
    cold = [warm[0]] + [run_pipeline(chat, backend, p, cold=True) for p in paths[1:]]
    chat.llama.reset()
    chat.llama._ctx.kv_cache_clear()
    raw = []
    for row, calls in zip(warm, per_article_calls, strict=True):
        raw_s = replay_raw(chat, calls)
        raw.append(
            {
                "article": row["article"],
                "raw_s": round(raw_s, 2),
                "overhead_pct": round(100 * (row["wall_s"] - raw_s) / raw_s, 1),
            }
        )
    results = {
        "command": "python -m benchmarks.local_model.bench " + " ".join(argv or sys.argv[1:]),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {os.cpu_count()} cores, {platform.platform()}",
        "load_average_at_end": os.getloadavg(),
        "model": backend.model_name,
        "variant": args.variant,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "model_file_bytes": backend.path.stat().st_size,
        "n_threads": backend.n_threads,
        "load_s": round(load_s, 2),
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "warm": warm,
        "cold": cold,
        "raw": raw,
    }
    write_reports(results, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
