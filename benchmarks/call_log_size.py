"""How big the call log (`OUT/calls.db`) grows: replay a strategy over a folder of articles
from a recorded local call cache, with the log on, and report calls and bytes.

No model runs: the call cache (`--call-cache DIR` of an earlier local run, e.g. the
benchmarks' `build/callcache`) answers every call, and a call it has not recorded fails
that article instead of running the model. Measured 2026-12-02 (README "Quick start"):

    python -m benchmarks.call_log_size build/callcache gold/articles
    # sentence: 5 articles (0 not replayed), 80 calls, 348,160 bytes
    python -m benchmarks.call_log_size build/callcache gold/dev/articles
    # sentence: 22 articles (0 not replayed), 174 calls, 741,376 bytes
    # estimate_tokens vs the model's tokenizer (recorded counts): prompts
    # 108,548 / 92,726 (+17%), answers 8,509 / 8,145 (+4%)

It also compares `extractor.chunking.estimate_tokens` (what `extract --dry-run` uses) with
the tokens the model's own tokenizer counted for the same calls (Qwen2.5's, chat template
included), as recorded with each call.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest
from extractor.backends.call_cache import CachedChat
from extractor.backends.strategy_run import run_strategy
from extractor.call_log import CallLogStore, RunInfo, logged_extract
from extractor.chunking import estimate_tokens
from extractor.clients.base import Completion
from extractor.models import CATALOGUE, DEFAULT_MODEL
from extractor.strategies import Strategy, get_strategy


class NotRecorded:
    """The model behind the cache: refuses, so nothing runs."""

    def complete(self, *args: Any, **kwargs: Any) -> Completion:
        raise RuntimeError("this call is not in the call cache")


class ReplayBackend:
    """A strategy over the recorded calls only."""

    def __init__(self, strategy: Strategy, chat: CachedChat) -> None:
        self.strategy, self.chat = strategy, chat

    def extract(self, request: ExtractionRequest) -> BackendResult:
        return run_strategy(self.strategy, self.chat, request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("call_cache", type=Path)
    parser.add_argument("articles", type=Path)
    parser.add_argument("--strategy", default="sentence")
    parser.add_argument("--model", default=DEFAULT_MODEL)
    args = parser.parse_args()
    spec = CATALOGUE[args.model]
    strategy = get_strategy(args.strategy)
    chat = CachedChat(NotRecorded(), spec.sha256, args.call_cache)
    backend = ReplayBackend(strategy, chat)
    info = BackendInfo("local", spec.name, "replay", params={"strategy": strategy.name})
    missed = 0
    paths = sorted(args.articles.glob("*.txt"))
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "calls.db"
        with CallLogStore(db, RunInfo.of(info)) as store:
            for path in paths:
                request = ExtractionRequest(path.stem, path.read_text(encoding="utf-8"), "", "", "")
                try:
                    logged_extract(store, backend, request, 1)
                except Exception:
                    missed += 1
        with sqlite3.connect(db) as conn:
            rows = conn.execute(
                "select messages, prompt_tokens, response, completion_tokens from calls"
            ).fetchall()
        size = db.stat().st_size
    chat.close()
    print(
        f"{strategy.name}: {len(paths)} articles ({missed} not replayed), {len(rows)} calls, "
        f"{size:,} bytes"
    )
    estimated_in = sum(estimate_tokens(m["content"]) for r in rows for m in json.loads(r[0]))
    estimated_out = sum(estimate_tokens(r[2] or "") for r in rows)
    counted_in, counted_out = sum(r[1] for r in rows), sum(r[3] for r in rows)
    print(
        f"estimate_tokens vs the model's tokenizer (recorded counts): prompts "
        f"{estimated_in:,} / {counted_in:,} ({estimated_in / max(counted_in, 1) - 1:+.0%}), "
        f"answers {estimated_out:,} / {counted_out:,} "
        f"({estimated_out / max(counted_out, 1) - 1:+.0%})"
    )


if __name__ == "__main__":
    main()
