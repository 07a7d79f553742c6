"""Scoring: match predicted to gold events and compute event, field, slot and grounding metrics.

Pure functions only (no I/O); imports nothing of ours but `extractor.core`. Start at
`score_corpus` / `score_article`; the similarity and its threshold live in `similarity`,
the per-field comparators in `fields`, text normalisation in `normalize`.
"""

from __future__ import annotations

from extractor.scoring.fields import (
    SCORED_FIELDS,
    STRING_MATCH_THRESHOLD,
    compare_values,
    dates_match,
    weapon_f1,
)
from extractor.scoring.matching import EventMatch, match_events
from extractor.scoring.metrics import Metrics, ScoreCounts
from extractor.scoring.scores import ArticleScore, CorpusScore, score_article, score_corpus
from extractor.scoring.similarity import THRESHOLD, WEIGHTS, event_similarity

__all__ = [
    "SCORED_FIELDS",
    "STRING_MATCH_THRESHOLD",
    "THRESHOLD",
    "WEIGHTS",
    "ArticleScore",
    "CorpusScore",
    "EventMatch",
    "Metrics",
    "ScoreCounts",
    "compare_values",
    "dates_match",
    "event_similarity",
    "match_events",
    "score_article",
    "score_corpus",
    "weapon_f1",
]
