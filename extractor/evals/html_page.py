"""The HTML report of a comparison: every backend's highlighted evidence and gold diff.

Turns a `Comparison` into the `ReportPage` that `extractor.report.html` renders: a summary
row per backend on top, then per article one block per backend.
"""

from __future__ import annotations

from pathlib import Path

from extractor.core.records import FailureRecord
from extractor.evals.compare import Comparison, RowResult, RowStatus, predictions_of
from extractor.evals.results import caveats, fmt, fmt_interval, gate_cell, results_stem
from extractor.predictions import GoldSet
from extractor.report.build import run_view, write_report
from extractor.report.html import ArticleView, ReportPage, RunView, SummaryTable

SUMMARY_HEADER = (
    "row",
    "model",
    "strategy",
    "status",
    "F1 main (95% CI)",
    "F1 all",
    "precision",
    "recall main",
    "slot F1",
    "grounding",
    "valid 1st try",
    "tokens in/out",
    "p50/p95 s",
    "cost",
    "gate",
)


def _summary_row(comparison: Comparison, row: RowResult) -> tuple[str, ...]:
    if row.corpus is None or row.ops is None:
        return (
            row.label,
            row.spec.backend.model,
            row.spec.strategy,
            f"unavailable: {row.error}",
            *["\u2014"] * 10,
            gate_cell(comparison, row),
        )
    m, ops = row.corpus.metrics, row.ops
    return (
        row.label,
        row.spec.backend.model,
        row.spec.strategy,
        "ok",
        fmt_interval(row.intervals.get("event_f1_main")),
        fmt(m.event_f1_all),
        fmt(m.event_precision),
        fmt(m.event_recall_main),
        fmt(m.slot_micro_f1),
        fmt(m.grounding_rate),
        fmt(ops.first_attempt_validity),
        f"{ops.prompt_tokens}/{ops.completion_tokens}",
        f"{fmt(ops.latency.p50, 2)}/{fmt(ops.latency.p95, 2)}",
        f"${ops.cost_usd:.4f}" if ops.cost_usd is not None else "\u2014",
        gate_cell(comparison, row),
    )


def _run_view(row: RowResult, gold: GoldSet) -> RunView:
    if row.status is not RowStatus.OK:
        return RunView(row.label, error=f"unavailable: {row.error}")
    view = run_view(row.label, predictions_of(row.records), gold.texts, row.corpus)
    failures = {
        article_id: ArticleView(failure=f"{record.kind}: {record.message}")
        for article_id, record in row.records.items()
        if isinstance(record, FailureRecord)
    }
    return RunView(row.label, {**view.articles, **failures})


def comparison_page(comparison: Comparison, gold: GoldSet) -> ReportPage:
    """The page for one comparison."""
    rows = comparison.rows
    return ReportPage(
        title=f"Backend comparison: suite {comparison.suite.name}",
        texts=gold.texts,
        runs=tuple(_run_view(row, gold) for row in rows),
        summary=SummaryTable(
            SUMMARY_HEADER,
            tuple(_summary_row(comparison, row) for row in rows),
            tuple(
                "unavailable"
                if row.status is not RowStatus.OK
                else "failed"
                if row.label in comparison.gate.failed_labels()
                else ""
                for row in rows
            ),
        ),
        gold=gold.records,
        notes=tuple(caveats(comparison)),
    )


def write_comparison_report(comparison: Comparison, gold: GoldSet, out_dir: Path) -> Path:
    """Write `<out_dir>/<date>-<suite>.html` and return its path."""
    path = out_dir / f"{results_stem(comparison)}.html"
    return write_report(comparison_page(comparison, gold), path)
