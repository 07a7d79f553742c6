"""The comparison as a table (for the terminal and Markdown) and as results files.

One table, backends side by side as columns and metrics as rows, so adding a backend adds
a column and every number for one backend reads top to bottom. The same cells feed the
rich table, the `.md` file and (transposed, headline only) the HTML summary.

    <out>/<date>-<suite>.json   machine-readable: `Comparison.to_dict()`
    <out>/<date>-<suite>.md     for people: the table, the gate verdict, the caveats
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from rich.table import Table

from extractor.evals.compare import Comparison, RowResult, RowStatus
from extractor.evals.stats import Interval
from extractor.scoring import SCORED_FIELDS

HEADLINE_ROWS = (
    ("event precision", "event_precision"),
    ("event recall (main)", "event_recall_main"),
    ("event recall (all)", "event_recall_all"),
    ("event F1 (main)", "event_f1_main"),
    ("event F1 (all)", "event_f1_all"),
    ("slot micro-F1", "slot_micro_f1"),
    ("grounding rate", "grounding_rate"),
)
DASH = "\u2014"


@dataclass(frozen=True)
class TableModel:
    """Header (metric, then one column per row label) and formatted rows."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for a table cell; a dash for missing or NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    return f"{value:.{digits}f}"


def fmt_interval(interval: Interval | None) -> str:
    """`0.667 [0.400, 0.857]`."""
    if interval is None:
        return DASH
    return f"{fmt(interval.point)} [{fmt(interval.low)}, {fmt(interval.high)}]"


def gate_cell(comparison: Comparison, row: RowResult) -> str:
    """`PASS`, `FAIL: <reasons>` or `not gated`."""
    if not row.spec.gated:
        return "not gated"
    failures = [c for c in comparison.gate.failures if c.label == row.label]
    if not failures:
        return "PASS"
    return "FAIL: " + "; ".join(c.short for c in failures)


def _column(comparison: Comparison, row: RowResult) -> list[str]:
    cells = [row.spec.backend.backend, row.spec.backend.model, row.spec.strategy, row.status.value]
    cells += [fmt_interval(row.intervals.get(name)) for _, name in HEADLINE_ROWS]
    accuracy = row.corpus.metrics.field_accuracy if row.corpus is not None else {}
    cells += [fmt(accuracy.get(name)) for name in SCORED_FIELDS]
    ops = row.ops
    if ops is None:
        cells += [DASH] * 8
    else:
        cells += [
            fmt(ops.first_attempt_validity),
            str(ops.reasks),
            str(ops.retries),
            f"{ops.failures}/{ops.articles}",
            f"{ops.prompt_tokens} / {ops.completion_tokens}",
            f"{fmt(ops.latency.p50, 2)} / {fmt(ops.latency.p95, 2)}",
            str(ops.cache_hits),
            f"${ops.cost_usd:.4f}" if ops.cost_usd is not None else DASH,
        ]
    cells.append(gate_cell(comparison, row))
    return cells


def comparison_table(comparison: Comparison) -> TableModel:
    """Metrics as rows, one column per backend row."""
    names = (
        ["backend", "model", "strategy", "status"]
        + [f"{label} (95% CI)" for label, _ in HEADLINE_ROWS]
        + [f"field accuracy: {name}" for name in SCORED_FIELDS]
        + [
            "first-attempt validity",
            "re-asks",
            "retries",
            "failed articles",
            "tokens in / out",
            "latency p50 / p95 (s)",
            "cache hits",
            "estimated cost",
            "gate",
        ]
    )
    columns = [_column(comparison, row) for row in comparison.rows]
    rows = tuple((name, *(column[index] for column in columns)) for index, name in enumerate(names))
    return TableModel(("metric", *(row.label for row in comparison.rows)), rows)


def caveats(comparison: Comparison) -> list[str]:
    """The notes every rendering carries: interval caution, mode, gate notes."""
    n = len(comparison.article_ids)
    articles = f"{n} gold article{'' if n == 1 else 's'}"
    boot = comparison.suite.bootstrap
    notes = [
        f"Intervals: {boot.confidence:.0%} percentile bootstrap over the {articles} "
        f"({boot.resamples} resamples, seed {boot.seed}). With only {articles} they are "
        "wide: differences inside them are not evidence that one backend is better.",
        "Offline: re-scored from evals/recorded/, no backend calls."
        if comparison.offline
        else "Live: backends called through the cached runner (cache hits are counted).",
    ]
    notes += [
        f"{row.label} is unavailable: {row.error}"
        for row in comparison.rows
        if row.status is not RowStatus.OK
    ]
    notes += list(comparison.gate.notes)
    return notes


def gate_summary(comparison: Comparison) -> str:
    """One line: the verdict and, on failure, what failed."""
    if comparison.gate.passed:
        return "gate: PASS (every threshold holds)"
    failed = "; ".join(f"{c.label}: {c.message}" for c in comparison.gate.failures)
    return f"gate: FAIL ({failed})"


def rich_table(comparison: Comparison) -> Table:
    """The side-by-side table for the terminal."""
    model = comparison_table(comparison)
    table = Table(title=f"suite {comparison.suite.name}", show_lines=False)
    for index, name in enumerate(model.header):
        table.add_column(name, justify="left" if index == 0 else "right", overflow="fold")
    for row in model.rows:
        style = "red" if row[0] == "gate" and any(c.startswith("FAIL") for c in row) else None
        table.add_row(*row, style=style)
    return table


def markdown(comparison: Comparison) -> str:
    """The `.md` results file."""
    model = comparison_table(comparison)

    def line(cells: tuple[str, ...]) -> str:
        return "| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |"

    parts = [
        f"# Eval results: suite `{comparison.suite.name}`",
        "",
        f"Run {comparison.started.isoformat(timespec='seconds')}, "
        f"{len(comparison.article_ids)} articles, "
        f"{'offline (recorded outputs)' if comparison.offline else 'live'}.",
        "",
        line(model.header),
        line(tuple("---" for _ in model.header)),
        *(line(row) for row in model.rows),
        "",
        f"**{gate_summary(comparison)}**",
        "",
        *(f"- {note}" for note in caveats(comparison)),
        "",
    ]
    return "\n".join(parts)


def results_stem(comparison: Comparison) -> str:
    """`<date>-<suite>`, the name shared by the .json, .md and .html files."""
    return f"{comparison.started.date().isoformat()}-{comparison.suite.name}"


def write_results(comparison: Comparison, out_dir: Path) -> tuple[Path, Path]:
    """Write `<date>-<suite>.json` and `.md` into `out_dir`; return their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = results_stem(comparison)
    json_path, md_path = out_dir / f"{stem}.json", out_dir / f"{stem}.md"
    json_path.write_text(json.dumps(comparison.to_dict(), indent=2) + "\n", encoding="utf-8")
    md_path.write_text(markdown(comparison), encoding="utf-8")
    return json_path, md_path
