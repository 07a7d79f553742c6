"""Event, field, slot and grounding metrics for one article and for a corpus.

Scoring counts additive totals per article (`ScoreCounts`); corpus metrics are computed from
the summed totals (micro averages), never by averaging per-article ratios.

- event_precision = matched / predicted events. Matching is against ALL gold events, so a
  predicted background event that is in gold is not a false positive.
- event_recall_main = matched main gold / main gold; event_recall_all = matched / gold.
- event_f1_main, event_f1_all: harmonic means of precision with each recall.
- field_accuracy[f]: mean agreement of field f over matched pairs (mean set F1 for
  `weapon_types`); null when nothing was matched.
- slot_precision = correct / filled slots in predictions, slot_recall = correct / filled
  slots in gold, slot_micro_f1 their harmonic mean (MUC-style). Slots are all fields of
  `SCORED_FIELDS` (everything but event_type, summary, evidence). A slot is correct when
  filled on both sides of a matched pair and its comparator agrees; for `weapon_types` it
  earns its set F1 as partial credit. Filled slots of unmatched events count in the
  denominators.
- grounding_rate = predicted evidence quotes found verbatim in the article (after
  whitespace normalisation) / all predicted quotes.

Empty cases, chosen so that a perfect prediction always scores 1.0 and recall never depends
on the predictions' count: a recall with nothing to find is 1.0 (no main gold events:
event_recall_main = 1.0); a precision with nothing predicted is 1.0 when there was nothing
to find either, else 0.0; likewise for slots; grounding with no quotes is 1.0; an F1 whose
precision and recall are both 0 is 0.0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from extractor.core.schema import ArticleEvents, Event, Salience
from extractor.scoring.fields import SCORED_FIELDS, field_agreement, is_filled
from extractor.scoring.matching import EventMatch, match_events
from extractor.scoring.normalize import normalize_whitespace, quote_in_text

DECIMALS = 4
"""Digits kept by `to_dict`, so JSON output is stable."""


@dataclass(frozen=True)
class ScoreCounts:
    """Additive totals behind every metric; `a + b` pools two articles."""

    n_gold: int = 0
    n_gold_main: int = 0
    n_pred: int = 0
    n_matched: int = 0
    n_matched_main: int = 0
    field_sums: Mapping[str, float] = field(
        default_factory=lambda: dict.fromkeys(SCORED_FIELDS, 0.0)
    )
    slot_correct: float = 0.0
    slot_pred_filled: int = 0
    slot_gold_filled: int = 0
    n_quotes: int = 0
    n_quotes_grounded: int = 0

    def __add__(self, other: ScoreCounts) -> ScoreCounts:
        return ScoreCounts(
            n_gold=self.n_gold + other.n_gold,
            n_gold_main=self.n_gold_main + other.n_gold_main,
            n_pred=self.n_pred + other.n_pred,
            n_matched=self.n_matched + other.n_matched,
            n_matched_main=self.n_matched_main + other.n_matched_main,
            field_sums={f: self.field_sums[f] + other.field_sums[f] for f in SCORED_FIELDS},
            slot_correct=self.slot_correct + other.slot_correct,
            slot_pred_filled=self.slot_pred_filled + other.slot_pred_filled,
            slot_gold_filled=self.slot_gold_filled + other.slot_gold_filled,
            n_quotes=self.n_quotes + other.n_quotes,
            n_quotes_grounded=self.n_quotes_grounded + other.n_quotes_grounded,
        )


def _precision(correct: float, predicted: float, expected: float) -> float:
    if predicted == 0:
        return 1.0 if expected == 0 else 0.0
    return correct / predicted


def _recall(correct: float, expected: float) -> float:
    return 1.0 if expected == 0 else correct / expected


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 0.0 if total == 0 else 2 * precision * recall / total


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


@dataclass(frozen=True)
class Metrics:
    """Every reported metric, computed from `ScoreCounts` (see the module docstring)."""

    event_precision: float
    event_recall_main: float
    event_recall_all: float
    event_f1_main: float
    event_f1_all: float
    slot_precision: float
    slot_recall: float
    slot_micro_f1: float
    field_accuracy: Mapping[str, float | None]
    grounding_rate: float
    n_gold_events: int
    n_gold_main_events: int
    n_pred_events: int
    n_matched: int
    n_matched_main: int

    @classmethod
    def from_counts(cls, c: ScoreCounts) -> Metrics:
        """Turn totals into ratios, applying the documented empty-case rules."""
        precision = _precision(c.n_matched, c.n_pred, c.n_gold)
        recall_main = _recall(c.n_matched_main, c.n_gold_main)
        recall_all = _recall(c.n_matched, c.n_gold)
        slot_p = _precision(c.slot_correct, c.slot_pred_filled, c.slot_gold_filled)
        slot_r = _recall(c.slot_correct, c.slot_gold_filled)
        accuracy = {
            f: (c.field_sums[f] / c.n_matched if c.n_matched else None) for f in SCORED_FIELDS
        }
        grounding = 1.0 if c.n_quotes == 0 else c.n_quotes_grounded / c.n_quotes
        return cls(
            event_precision=precision,
            event_recall_main=recall_main,
            event_recall_all=recall_all,
            event_f1_main=_f1(precision, recall_main),
            event_f1_all=_f1(precision, recall_all),
            slot_precision=slot_p,
            slot_recall=slot_r,
            slot_micro_f1=_f1(slot_p, slot_r),
            field_accuracy=accuracy,
            grounding_rate=grounding,
            n_gold_events=c.n_gold,
            n_gold_main_events=c.n_gold_main,
            n_pred_events=c.n_pred,
            n_matched=c.n_matched,
            n_matched_main=c.n_matched_main,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready metrics, ratios rounded to `DECIMALS` digits."""
        out: dict[str, Any] = {}
        for item in fields(self):
            name, value = item.name, getattr(self, item.name)
            if name == "field_accuracy":
                out[name] = {f: _rounded(v) for f, v in value.items()}
            elif isinstance(value, float):
                out[name] = _rounded(value)
            else:
                out[name] = value
        return out


def _filled_slots(event: Event) -> int:
    return sum(is_filled(getattr(event, f)) for f in SCORED_FIELDS)


def _correct_slots(pred: Event, gold: Event, agreements: Mapping[str, float]) -> float:
    return sum(
        agreements[f]
        for f in SCORED_FIELDS
        if is_filled(getattr(pred, f)) and is_filled(getattr(gold, f))
    )


def count_article(
    pred: ArticleEvents, gold: ArticleEvents, article_text: str
) -> tuple[ScoreCounts, tuple[EventMatch, ...]]:
    """Totals and matched pairs for one article's predicted vs gold events."""
    if pred.article_id != gold.article_id:
        raise ValueError(f"article ids differ: {pred.article_id!r} vs {gold.article_id!r}")
    matches = match_events(pred.events, gold.events)
    field_sums = dict.fromkeys(SCORED_FIELDS, 0.0)
    slot_correct = 0.0
    for m in matches:
        p, g = pred.events[m.pred_index], gold.events[m.gold_index]
        agreements = {f: field_agreement(f, p, g) for f in SCORED_FIELDS}
        for f, value in agreements.items():
            field_sums[f] += value
        slot_correct += _correct_slots(p, g, agreements)
    text = normalize_whitespace(article_text)
    quotes = [q for event in pred.events for q in event.evidence]
    counts = ScoreCounts(
        n_gold=len(gold.events),
        n_gold_main=sum(e.salience is Salience.MAIN for e in gold.events),
        n_pred=len(pred.events),
        n_matched=len(matches),
        n_matched_main=sum(gold.events[m.gold_index].salience is Salience.MAIN for m in matches),
        field_sums=field_sums,
        slot_correct=slot_correct,
        slot_pred_filled=sum(_filled_slots(e) for e in pred.events),
        slot_gold_filled=sum(_filled_slots(e) for e in gold.events),
        n_quotes=len(quotes),
        n_quotes_grounded=sum(quote_in_text(q, text) for q in quotes),
    )
    return counts, matches
