"""Record the suite row "sentence strategy over a real llama.cpp HTTP server".

    make record-server-row            # or: python -m benchmarks.strategies.record_server_row

Starts `python -m llama_cpp.server` on 127.0.0.1 at the port the suite row names, serving
the row's catalogue GGUF with the in-process settings (threads = CPUs, the catalogue
context, chatml, seed 0), runs
`extractor compare --suite SUITE --only LABEL --record --update-baseline` against it with
an empty result cache (so every article is really asked), and stops the server. The row's
outputs land in the suite's recordings like any other row; compare them with the in-process
row in the results table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from benchmarks.common.harness import REPO, extractor_cli
from benchmarks.common.llama_server import llama_server
from extractor.evals.suite import load_suite
from extractor.models import resolve_model

LABEL = "llamacpp-server-qwen2.5-coder-1.5b"


def main(argv: list[str] | None = None) -> int:
    """Serve the model, record the row, stop the server."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.strategies.record_server_row")
    parser.add_argument("--suite", type=Path, default=REPO / "evals/default.toml")
    parser.add_argument("--label", default=LABEL, help="the suite row to record")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    suite = load_suite(args.suite)
    row = next((run for run in suite.runs if run.label == args.label), None)
    if row is None or row.backend.base_url is None:
        print(f"{args.suite} has no HTTP row {args.label!r}", file=sys.stderr)
        return 2
    port = urlsplit(row.backend.base_url).port
    gguf, spec = resolve_model(row.backend.model)
    context = spec.context_tokens if spec else 8192
    chat_format = spec.chat_format if spec else None
    log = REPO / "build" / "llama-server-row.log"
    log.parent.mkdir(exist_ok=True)
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="server-row-cache-") as cache,
        llama_server(
            gguf, threads=args.threads, n_ctx=context, chat_format=chat_format, log=log, port=port
        ) as url,
    ):
        print(f"serving {gguf.name} at {url}", flush=True)
        command = [
            extractor_cli(), "compare", "--suite", str(args.suite), "--only", args.label,
            "--record", "--update-baseline",
        ]  # fmt: skip
        done = subprocess.run(command, cwd=REPO, env={**os.environ, "EXTRACTOR_CACHE_DIR": cache})
    print(f"recorded {args.label} in {time.perf_counter() - started:.0f} s", flush=True)
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
