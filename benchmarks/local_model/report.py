"""Write the local-model benchmark as results.json (machines) and results.md (people)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COLUMNS = (
    "article",
    "calls",
    "prompt_tokens",
    "prompt_tokens_evaluated",
    "prompt_s",
    "prompt_tok_s",
    "generated_tokens",
    "gen_tok_s",
    "model_call_s",
    "wall_s",
)
RSS_ALLOWANCE = 1.5e9


def targets(results: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """The three targets of issue 4 with the measured value and whether each is met."""
    raw_total = sum(r["raw_s"] for r in results["raw"])
    wall_total = sum(r["wall_s"] for r in results["warm"])
    overhead = 100 * (wall_total - raw_total) / raw_total
    pairs = list(zip(results["cold"][1:], results["warm"][1:], strict=True))
    savings = [100 * (1 - w["prompt_s"] / c["prompt_s"]) for c, w in pairs if c["prompt_s"] > 0]
    rss_limit = results["model_file_bytes"] + RSS_ALLOWANCE
    return [
        ("pipeline overhead over raw llama.cpp <= 10%", f"{overhead:.1f}%", overhead <= 10),
        (
            "warm-prefix prompt time >= 30% lower than cold (articles 2..)",
            ", ".join(f"{s:.0f}%" for s in savings) or "n/a",
            bool(savings) and min(savings) >= 30,
        ),
        (
            "peak RSS <= model file + 1.5 GB",
            f"{results['peak_rss_bytes'] / 1e9:.2f} GB (limit {rss_limit / 1e9:.2f} GB)",
            results["peak_rss_bytes"] <= rss_limit,
        ),
    ]


def _table(rows: list[dict[str, Any]]) -> list[str]:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(str(row[c]) for c in COLUMNS) + " |" for row in rows]
    return lines


def write_reports(results: dict[str, Any], out: Path) -> None:
    """results.json and results.md into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    results = {
        **results,
        "targets": [{"target": t, "measured": m, "met": ok} for t, m, ok in targets(results)],
    }
    (out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = [
        f"# Local backend benchmark: {results['model']}, variant {results['variant']}",
        "",
        f"- command: `{results['command']}`",
        f"- date: {results['date']}; machine: {results['machine']}; "
        f"load average at end: {', '.join(f'{x:.1f}' for x in results['load_average_at_end'])}",
        f"- model file: {results['model_file_bytes'] / 1e9:.2f} GB; load {results['load_s']} s; "
        f"n_threads {results['n_threads']}; peak RSS {results['peak_rss_bytes'] / 1e9:.2f} GB",
        "",
        "## Targets",
        "",
        "| target | measured | met |",
        "|---|---|---|",
        *[
            f"| {t['target']} | {t['measured']} | {'yes' if t['met'] else 'NO'} |"
            for t in results["targets"]
        ],
        "",
        "## Warm pass (article 1 cold, later articles find the shared prefix cached)",
        "",
        *_table(results["warm"]),
        "",
        "## Cold pass (KV cache cleared before each article)",
        "",
        *_table(results["cold"]),
        "",
        "## Raw llama-cpp-python replay of the warm pass's calls",
        "",
        "| article | raw s | pipeline overhead |",
        "|---|---|---|",
        *[f"| {r['article']} | {r['raw_s']} | {r['overhead_pct']}% |" for r in results["raw"]],
        "",
    ]
    (out / "results.md").write_text("\n".join(lines))
