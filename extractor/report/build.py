"""Assemble a `ReportPage` from predictions on disk (what `extractor report` runs).

Evidence is grounded afresh against the article text, so the highlights are right for the
text shown whatever produced the predictions (an `extract` run, recorded outputs, or plain
`ArticleEvents` files without offsets).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from extractor.articles import read_articles
from extractor.core.errors import InputError
from extractor.core.schema import ArticleEvents
from extractor.grounding import ground_events
from extractor.predictions import load_gold, load_predictions
from extractor.report.html import ArticleView, ReportPage, RunView, SummaryTable, render_report
from extractor.scoring import ArticleScore, CorpusScore, score_corpus

SUMMARY_HEADER = (
    "predictions",
    "event P",
    "R(main)",
    "R(all)",
    "F1(main)",
    "F1(all)",
    "slot F1",
    "grounding",
)


def article_view(record: ArticleEvents, text: str, score: ArticleScore | None) -> ArticleView:
    """One article's events grounded against its text, with matches when scored."""
    return ArticleView(
        events=tuple(ground_events(record.events, text)),
        matches=score.matches if score is not None else None,
    )


def run_view(
    label: str,
    predictions: Mapping[str, ArticleEvents],
    texts: Mapping[str, str],
    corpus: CorpusScore | None,
) -> RunView:
    """All of one backend's articles, ready to render."""
    scores = {a.article_id: a for a in corpus.articles} if corpus is not None else {}
    return RunView(
        label=label,
        articles={
            article_id: article_view(record, texts[article_id], scores.get(article_id))
            for article_id, record in predictions.items()
            if article_id in texts
        },
    )


def summary_row(label: str, corpus: CorpusScore | None) -> tuple[str, ...]:
    """One summary-table row: the headline metrics, dashes without gold."""
    if corpus is None:
        return (label, *["\u2014"] * (len(SUMMARY_HEADER) - 1))
    m = corpus.metrics
    values = (
        m.event_precision,
        m.event_recall_main,
        m.event_recall_all,
        m.event_f1_main,
        m.event_f1_all,
        m.slot_micro_f1,
        m.grounding_rate,
    )
    return (label, *(f"{value:.3f}" for value in values))


def _texts(articles_dir: Path) -> dict[str, str]:
    batch = read_articles([articles_dir])
    if batch.problems:
        raise InputError(batch.problems[0].message)
    return {article.article_id: article.text for article in batch.articles}


def build_report_page(
    pred_path: Path, gold_dir: Path | None = None, articles_dir: Path | None = None
) -> ReportPage:
    """Load predictions (and gold) from disk and build the page for them.

    Article texts come from `articles_dir`, else from `gold_dir/articles`; one of the two
    is needed. Predictions for articles with no text are an `InputError`.
    """
    predictions = load_predictions(pred_path)
    gold = load_gold(gold_dir) if gold_dir is not None else None
    if articles_dir is not None:
        texts = _texts(articles_dir)
    elif gold is not None:
        texts = gold.texts
    else:
        raise InputError("need --gold or --articles: the report shows the article texts")
    textless = sorted(set(predictions) - set(texts))
    if textless:
        raise InputError(f"{pred_path}: no article text for {', '.join(textless)}")
    corpus = None
    if gold is not None:
        unknown = sorted(set(predictions) - set(gold.records))
        if unknown:
            raise InputError(
                f"{pred_path}: articles not in gold ({gold_dir}): {', '.join(unknown)}"
            )
        corpus = score_corpus(predictions, gold.records, gold.texts)
        shown = {
            article_id: texts[article_id] for article_id in gold.records if article_id in texts
        }
    else:
        shown = {article_id: texts[article_id] for article_id in predictions}
    notes: tuple[str, ...] = (
        "Grounding: share of evidence quotes found verbatim (whitespace-normalised).",
    )
    if corpus is not None and corpus.missing_articles:
        notes += (f"No prediction for: {', '.join(corpus.missing_articles)}",)
    return ReportPage(
        title=f"Extraction report: {pred_path.name}",
        texts=shown,
        runs=(run_view(pred_path.name, predictions, shown, corpus),),
        summary=SummaryTable(SUMMARY_HEADER, (summary_row(pred_path.name, corpus),)),
        gold=gold.records if gold is not None else None,
        notes=notes,
    )


def write_report(page: ReportPage, out: Path) -> Path:
    """Render `page` and write it to `out` (parent folders created)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(page), encoding="utf-8")
    return out
