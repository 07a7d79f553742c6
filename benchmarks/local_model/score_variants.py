"""Score local pipeline variants on gold; write evals/results/local-<variant>-<model>.json.

    .venv/bin/python -m benchmarks.local_model.score_variants --model qwen2.5-coder-1.5b \
        --variant staged --variant sentence --variant oneshot

Each variant runs through `LocalBackend` (the model is loaded once for all variants), its
predictions are written to `--work/<variant>/<article_id>.json` and scored by
`extractor eval --json`; the result file holds every metric of that JSON plus the model,
its SHA-256, the prompt versions, date, command, machine and timing. `--memo DIR` replays
model answers already seen for identical calls (useful while changing only the
deterministic rules; a recorded result says whether a memo was used).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from extractor.backends.base import ExtractionRequest
from extractor.backends.local import LocalBackend
from extractor.clients.llama_inprocess import LlamaChat
from extractor.pipeline.chat import Completion


class MemoChat:
    """Replays answers to identical calls from a directory; asks the model otherwise."""

    def __init__(self, inner: Any, directory: Path, tag: str) -> None:
        self.inner, self.directory, self.tag = inner, directory, tag
        self.timings = inner.timings
        directory.mkdir(parents=True, exist_ok=True)

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """The remembered answer, or a new one (then remembered)."""
        key = json.dumps([self.tag, system, user, schema, max_tokens])
        path = self.directory / hashlib.sha256(key.encode()).hexdigest()
        if path.is_file():
            return Completion(**json.loads(path.read_text()))
        completion: Completion = self.inner.complete(system, user, schema, max_tokens, slot=slot)
        path.write_text(json.dumps(completion.__dict__))
        return completion


def score_variant(variant: str, args: argparse.Namespace, model: LlamaChat) -> dict[str, Any]:
    """Run one variant over the articles, score it, return the result record."""
    backend = LocalBackend(model=args.model, strategy=variant)
    chat: Any = model if args.memo is None else MemoChat(model, args.memo, backend.model_name)
    backend._chat = chat
    work = args.work / variant
    work.mkdir(parents=True, exist_ok=True)
    started, prompt, completion = time.perf_counter(), 0, 0
    for path in sorted(args.articles.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        result = backend.extract(ExtractionRequest(path.stem, text, "", "", "score"))
        prompt += result.usage.prompt_tokens
        completion += result.usage.completion_tokens
        (work / f"{path.stem}.json").write_text(result.events.model_dump_json(indent=1))
        print(variant, path.stem, len(result.events.events), result.extra, file=sys.stderr)
    wall = time.perf_counter() - started
    scored = subprocess.run(
        [
            str(Path(sys.executable).parent / "extractor"),
            "eval",
            "--pred",
            str(work),
            "--gold",
            str(args.gold),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    record = {
        "backend": "local",
        "model": backend.model_name,
        "model_sha256": backend.info.params["model_sha256"],
        "variant": variant,
        "prompt_versions": backend.prompt_versions,
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": "python -m benchmarks.local_model.score_variants " + " ".join(sys.argv[1:]),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}",
        "memo_used": args.memo is not None,
        "wall_s": round(wall, 1),
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "metrics": json.loads(scored.stdout),
    }
    return record


def main(argv: list[str] | None = None) -> int:
    """Score each --variant and write its result file."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--variant", action="append", required=True)
    parser.add_argument("--articles", type=Path, default=Path("gold/articles"))
    parser.add_argument("--gold", type=Path, default=Path("gold"))
    parser.add_argument("--work", type=Path, default=Path("/tmp/extractor-variants"))
    parser.add_argument("--results", type=Path, default=Path("evals/results"))
    parser.add_argument("--memo", type=Path, default=None)
    args = parser.parse_args(argv)
    model = LocalBackend(model=args.model).chat  # loaded once, shared by every variant
    for variant in args.variant:
        record = score_variant(variant, args, model)
        args.results.mkdir(parents=True, exist_ok=True)
        out = args.results / f"local-{variant}-{record['model']}.json"
        out.write_text(json.dumps(record, indent=2) + "\n")
        corpus = {k: v for k, v in record["metrics"].items() if isinstance(v, int | float)}
        print(out, json.dumps(corpus), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
