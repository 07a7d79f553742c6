"""Scoring entry points: one article (`score_article`) and a whole corpus (`score_corpus`).

Both are pure: they take already loaded records and article texts (reading files is
`extractor.predictions`' job) and return frozen result objects whose `to_dict()` is the JSON
that `extractor eval --json` prints.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import reduce
from operator import add
from typing import Any

from extractor.core.schema import ArticleEvents
from extractor.scoring.matching import EventMatch
from extractor.scoring.metrics import DECIMALS, Metrics, ScoreCounts, count_article


@dataclass(frozen=True)
class ArticleScore:
    """Scores of one article: totals, metrics and the matched pairs."""

    article_id: str
    counts: ScoreCounts
    metrics: Metrics
    matches: tuple[EventMatch, ...]

    def to_dict(self) -> dict[str, Any]:
        """The article's metrics plus its matches as `{pred_index, gold_index, similarity}`."""
        return {
            **self.metrics.to_dict(),
            "matches": [
                {
                    "pred_index": m.pred_index,
                    "gold_index": m.gold_index,
                    "similarity": round(m.similarity, DECIMALS),
                }
                for m in self.matches
            ],
        }


@dataclass(frozen=True)
class CorpusScore:
    """Scores of a corpus: pooled metrics, per-article scores, and gold articles not predicted."""

    metrics: Metrics
    articles: tuple[ArticleScore, ...]
    missing_articles: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """Corpus metrics, `missing_articles` and `per_article` (article id -> its metrics)."""
        return {
            **self.metrics.to_dict(),
            "missing_articles": list(self.missing_articles),
            "per_article": {a.article_id: a.to_dict() for a in self.articles},
        }


def score_article(pred: ArticleEvents, gold: ArticleEvents, article_text: str) -> ArticleScore:
    """Score one article's predicted events against its gold events.

    `article_text` is the article itself, used only to check that evidence quotes are
    verbatim (grounding). Raises `ValueError` when the two records name different articles.
    """
    counts, matches = count_article(pred, gold, article_text)
    return ArticleScore(gold.article_id, counts, Metrics.from_counts(counts), matches)


def score_corpus(
    preds: Mapping[str, ArticleEvents],
    golds: Mapping[str, ArticleEvents],
    texts: Mapping[str, str],
) -> CorpusScore:
    """Score every gold article; one without a prediction counts as predicting no events.

    `preds`, `golds` and `texts` are keyed by article id. Articles come out sorted by id, and
    those missing from `preds` are listed in `missing_articles`. Raises `ValueError` for a
    prediction whose article is not in gold, or a gold article without its text.
    """
    unknown = sorted(set(preds) - set(golds))
    if unknown:
        raise ValueError(f"predictions for articles not in gold: {', '.join(unknown)}")
    textless = sorted(set(golds) - set(texts))
    if textless:
        raise ValueError(f"no article text for: {', '.join(textless)}")
    missing = tuple(sorted(set(golds) - set(preds)))
    articles = tuple(
        score_article(
            preds.get(article_id) or ArticleEvents(article_id=article_id, events=[]),
            golds[article_id],
            texts[article_id],
        )
        for article_id in sorted(golds)
    )
    total = reduce(add, (a.counts for a in articles), ScoreCounts())
    return CorpusScore(Metrics.from_counts(total), articles, missing)
