"""Rich tables for `extractor eval`: corpus summary, per-article rows, per-field accuracy."""

from __future__ import annotations

from rich import box
from rich.console import Console
from rich.table import Table

from extractor.scoring import SCORED_FIELDS, CorpusScore, Metrics


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def summary_table(metrics: Metrics) -> Table:
    """One row per corpus-level metric."""
    table = Table(title="Corpus", title_justify="left")
    table.add_column("metric")
    table.add_column("value", justify="right")
    rows = [
        ("gold events (main)", f"{metrics.n_gold_events} ({metrics.n_gold_main_events})"),
        ("predicted events", str(metrics.n_pred_events)),
        ("matched (main)", f"{metrics.n_matched} ({metrics.n_matched_main})"),
        ("event precision", _pct(metrics.event_precision)),
        ("event recall, main", _pct(metrics.event_recall_main)),
        ("event recall, all", _pct(metrics.event_recall_all)),
        ("event F1, main", _pct(metrics.event_f1_main)),
        ("event F1, all", _pct(metrics.event_f1_all)),
        ("slot precision", _pct(metrics.slot_precision)),
        ("slot recall", _pct(metrics.slot_recall)),
        ("slot micro F1", _pct(metrics.slot_micro_f1)),
        ("grounding rate", _pct(metrics.grounding_rate)),
    ]
    for name, value in rows:
        table.add_row(name, value)
    return table


def article_table(result: CorpusScore) -> Table:
    """One row per gold article with its event, slot and grounding scores.

    Articles without a prediction are marked with `*`.
    """
    table = Table(
        title="Per article",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        padding=(0, 1),
        collapse_padding=True,
        show_edge=False,
    )
    table.add_column("article", no_wrap=True)
    table.add_column("g/p/m", justify="right", no_wrap=True)
    for name in ("P", "R main", "R all", "F1", "slot F1", "ground"):
        table.add_column(name, justify="right", no_wrap=True)
    missing = set(result.missing_articles)
    for article in result.articles:
        m = article.metrics
        table.add_row(
            article.article_id + ("*" if article.article_id in missing else ""),
            f"{m.n_gold_events}/{m.n_pred_events}/{m.n_matched}",
            _pct(m.event_precision),
            _pct(m.event_recall_main),
            _pct(m.event_recall_all),
            _pct(m.event_f1_all),
            _pct(m.slot_micro_f1),
            _pct(m.grounding_rate),
        )
    table.caption = "g/p/m: gold, predicted, matched events; F1 = event F1 on all gold"
    table.caption_justify = "left"
    return table


def field_table(metrics: Metrics) -> Table:
    """Accuracy of each scored field over matched pairs."""
    table = Table(title="Field accuracy (matched pairs)", title_justify="left")
    table.add_column("field")
    table.add_column("accuracy", justify="right")
    for name in SCORED_FIELDS:
        table.add_row(name, _pct(metrics.field_accuracy[name]))
    return table


def render_eval(result: CorpusScore, console: Console) -> None:
    """Print the three tables and the list of gold articles that had no prediction."""
    console.print(summary_table(result.metrics))
    console.print(article_table(result))
    console.print(field_table(result.metrics))
    if result.missing_articles:
        console.print(
            "* Missing predictions (scored as no events): " + ", ".join(result.missing_articles),
            markup=False,
        )
