"""Raw speed of the installed llama.cpp runtime: prompt and generation tokens per second.

Measures the build that `make runtime` made (probed instruction sets, no AMX) on one gold
article, with nothing of ours around llama-cpp-python: the model loaded once, the article
prompt evaluated from an empty KV cache, then a fixed number of tokens generated greedily
with end-of-text ignored (so every run generates the same count). Repeated `--repeats`
times; the median is reported, with the machine, the build's instruction sets, the
command and the date, into `runtime_speed.json` and a line appended to `runtime_speed.md`.

    .venv/bin/python -m benchmarks.local_model.runtime_speed --model qwen2.5-coder-1.5b
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from extractor.models import resolve_model
from extractor.models.runtime import installed_stamp

HERE = Path(__file__).resolve().parent
ARTICLE = HERE.parents[1] / "gold" / "articles" / "002_b66b5cd2fbb4d987.txt"


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or the platform's answer)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def measure(model_path: Path, n_threads: int, generate: int, repeats: int) -> dict[str, object]:
    """Median prompt and generation speed over `repeats` runs of one article."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import llama_cpp

    llama = llama_cpp.Llama(
        model_path=str(model_path), n_ctx=4096, n_threads=n_threads, verbose=False
    )
    prompt = llama.tokenize(ARTICLE.read_text(encoding="utf-8").encode("utf-8"))
    prompt_tps, gen_tps = [], []
    for _ in range(repeats):
        llama.reset()
        started = time.perf_counter()
        llama.eval(prompt)
        prompt_tps.append(len(prompt) / (time.perf_counter() - started))
        started = time.perf_counter()
        for _ in range(generate):
            next_token = llama.sample(temp=0.0)
            llama.eval([next_token])
        gen_tps.append(generate / (time.perf_counter() - started))
    return {
        "prompt_tokens": len(prompt),
        "generated_tokens": generate,
        "prompt_tok_s": round(statistics.median(prompt_tps), 1),
        "gen_tok_s": round(statistics.median(gen_tps), 1),
        "prompt_tok_s_runs": [round(x, 1) for x in prompt_tps],
        "gen_tok_s_runs": [round(x, 1) for x in gen_tps],
    }


def main() -> int:
    """Measure and record."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="qwen2.5-coder-1.5b")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--generate", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    path, _ = resolve_model(args.model)
    numbers = measure(path, args.threads, args.generate, args.repeats)
    build = installed_stamp() or {}
    record = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            [Path(sys.executable).name, "-m", "benchmarks.local_model.runtime_speed", *sys.argv[1:]]
        ),
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "load_avg_before": os.getloadavg(),
        "model": args.model,
        "threads": args.threads,
        "instruction_sets": build.get("instruction_sets"),
        "cmake_args": build.get("cmake_args"),
        **numbers,
    }  # fmt: skip
    (HERE / "runtime_speed.json").write_text(json.dumps(record, indent=2) + "\n")
    line = (
        f"| {record['date'][:10]} | {record['cpu']} | {args.model} | {args.threads} | "
        f"{' '.join(str(s).upper() for s in build.get('instruction_sets') or [])} | "
        f"{numbers['prompt_tokens']} | {numbers['prompt_tok_s']} | {numbers['gen_tok_s']} |\n"
    )
    with (HERE / "runtime_speed.md").open("a", encoding="utf-8") as table:
        table.write(line)
    print(json.dumps(record, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
