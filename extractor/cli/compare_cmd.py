"""`extractor compare`: run an eval suite's backends side by side and gate on thresholds.

Exit codes: 0 when every threshold holds, 1 when one is missed (the table says which),
2 on usage or configuration errors.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import typer
from rich.console import Console

from extractor.cache import ResultCache
from extractor.cli.app import app, exit_on_error
from extractor.evals.compare import (
    Comparison,
    Producer,
    RowStatus,
    gate_rows,
    recorded_producer,
    run_comparison,
)
from extractor.evals.gate import baseline_entry
from extractor.evals.html_page import write_comparison_report
from extractor.evals.live import live_producer, recording
from extractor.evals.recordings import baseline_rows, write_baseline
from extractor.evals.results import caveats, gate_summary, rich_table, write_results
from extractor.evals.suite import Suite, load_suite
from extractor.predictions import load_gold


def _only(suite: Suite, labels: list[str]) -> Suite:
    if not labels:
        return suite
    known = {run.label for run in suite.runs}
    unknown = sorted(set(labels) - known)
    if unknown:
        raise typer.BadParameter(
            f"unknown row label(s) {', '.join(unknown)}; the suite has {', '.join(sorted(known))}",
            param_hint="--only",
        )
    runs = tuple(run for run in suite.runs if run.label in labels)
    return dataclasses.replace(suite, runs=runs)


def update_baseline(comparison: Comparison) -> Comparison:
    """Write the OK rows' gated metrics to the baseline file and re-gate against it."""
    suite = comparison.suite
    entries = {
        row.label: {
            "metrics": baseline_entry(row.metrics()),
            "source": {
                "backend": row.spec.backend.backend,
                "model": row.spec.backend.model,
                "variant": row.spec.variant.name,
                "offline": comparison.offline,
                "run": comparison.started.isoformat(timespec="seconds"),
                "articles": len(comparison.article_ids),
            },
        }
        for row in comparison.rows
        if row.status is RowStatus.OK
    }
    write_baseline(
        suite.baseline_path, suite.name, entries, keep=baseline_rows(suite.baseline_path)
    )
    gate = gate_rows(comparison.rows, suite)
    return Comparison(
        suite, comparison.offline, comparison.started, comparison.article_ids, comparison.rows, gate
    )


@app.command("compare")
@exit_on_error
def compare_command(
    suite_path: Path = typer.Option(
        ..., "--suite", help="Eval suite TOML file, e.g. evals/default.toml."
    ),
    offline: bool = typer.Option(
        False,
        "--offline",
        help="Re-score recorded outputs (evals/recorded/<label>/) only; never call a backend. "
        "A missing recorded output is an error naming it. This is the CI gate.",
    ),
    out: Path | None = typer.Option(
        None,
        "--out",
        help="Folder for <date>-<suite>.json/.md/.html (default: the suite's results folder).",
    ),
    record: bool = typer.Option(
        False,
        "--record",
        help="Deliberate refresh: write each row's real outputs to evals/recorded/<label>/.",
    ),
    update: bool = typer.Option(
        False,
        "--update-baseline",
        help="Deliberate refresh: write this run's metrics to the suite's baseline file.",
    ),
    only: list[str] = typer.Option(
        [], "--only", help="Run only this row label (repeatable), e.g. local-qwen2.5-coder-1.5b."
    ),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the cache."),
) -> None:
    """Compare the suite's backends side by side on the gold articles.

    Prints one table (event P/R/F1 with 95% bootstrap intervals over articles, slot
    micro-F1, per-field accuracy, grounding, validity, re-asks, retries, tokens, latency,
    cost) and writes results (.json, .md) and an HTML report. Exits 0 when every threshold
    holds, 1 when one is missed, 2 on usage errors.
    """
    if record and offline:
        raise typer.BadParameter("cannot record from recorded outputs", param_hint="--record")
    suite = _only(load_suite(suite_path), only)
    gold = load_gold(suite.gold_dir)
    console = Console(highlight=False, soft_wrap=False, width=max(Console().width, 160))
    with ResultCache(enabled=not no_cache) as cache:
        producer: Producer = recorded_producer(suite) if offline else live_producer(suite, cache)
        if record:
            producer = recording(producer, suite)
        comparison = run_comparison(suite, producer, offline=offline, gold=gold)
    if update:
        comparison = update_baseline(comparison)
    console.print(rich_table(comparison))
    for note in caveats(comparison):
        console.print(f"- {note}", markup=False)
    out_dir = out or suite.results_dir
    json_path, md_path = write_results(comparison, out_dir)
    html_path = write_comparison_report(comparison, gold, out_dir)
    console.print(f"wrote {json_path}, {md_path}, {html_path}", markup=False)
    if update:
        console.print(f"updated baseline {suite.baseline_path}", markup=False)
    console.print(
        gate_summary(comparison), markup=False, style="green" if comparison.gate.passed else "red"
    )
    if not comparison.gate.passed:
        raise typer.Exit(code=1)
