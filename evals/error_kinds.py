"""Count a prediction's errors by kind against gold: what kind of spurious event, how many
missed, which fields wrong. The kinds follow the development-set issue's list, so a change
can be judged by the kind of error it removes, not only by F1.

    python evals/error_kinds.py PRED_DIR_OR_JSONL GOLD_DIR [--only 01,02,...] [--json]

Spurious (unmatched predicted) events are classed by the first test that holds:

- `out_of_scope`: the article has no gold event at all, or the event's sentences name
  neither U.S./coalition forces nor one of their bases;
- `aggregate`: its sentences count or summarise many incidents ("165 attacks since ...");
- `reaction`: its sentences report a statement or a reaction, not a kinetic act;
- `generic_place`: its location is not a place (an actor, a unit, "the bases");
- `split`: another prediction of the same type in the article matched a gold event at the
  same place or with a sentence in common (one incident told as two);
- `other`.

Missed gold events are counted as `missed_main` / `missed_background`; wrong fields on
matched pairs per field. The classing is heuristic: it is a reading aid, not a metric.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from extractor import gazetteer
from extractor.core.schema import ArticleEvents, Event
from extractor.pipeline import sides
from extractor.pipeline.dedup import same_place
from extractor.predictions import load_gold, load_predictions
from extractor.scoring import score_corpus
from extractor.scoring.fields import compare_values
from extractor.scoring.matching import match_events

FIELDS = (
    "salience", "date", "location", "country", "admin1", "weapon_types", "projectiles",
    "intercepted", "perpetrator", "perpetrator_status", "target", "killed", "injured", "damage",
)  # fmt: skip
_REACTION = re.compile(
    r"\b(condemn\w*|denounc\w*|statement|said|says|warned|vowed|called|violation|"
    r"sovereignty|responded|response)\b",
    re.I,
)
_KINETIC = re.compile(
    r"\b(hit|struck|strikes?|fired|launched|landed|exploded|targeted|bombed|killed|shot down|"
    r"intercepted|attack(?:ed)?)\b",
    re.I,
)


def spurious_kind(event: Event, others: list[tuple[Event, bool]], gold_empty: bool) -> str:
    """The kind of one unmatched prediction (see module doc)."""
    text = " ".join(event.evidence)
    if gold_empty or not sides.in_scope(text):
        return "out_of_scope"
    if any(sides.reports_no_incident(q) for q in event.evidence) or sides.is_aggregate(
        event.location, event.evidence
    ):
        return "aggregate"
    if _REACTION.search(text) and not _KINETIC.search(text):
        return "reaction"
    if not gazetteer.is_place_name(event.location):
        return "generic_place"
    for other, matched in others:
        if other is event or not matched or other.event_type != event.event_type:
            continue
        if same_place(other.location, event.location) or set(other.evidence) & set(event.evidence):
            return "split"
    return "other"


def count_errors(
    preds: dict[str, ArticleEvents], golds: dict[str, ArticleEvents]
) -> dict[str, Counter[str]]:
    """Spurious events by kind, missed gold events, and wrong fields, over the articles."""
    spurious: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    fields: Counter[str] = Counter()
    for article_id, gold in golds.items():
        pred = preds.get(article_id, ArticleEvents(article_id=article_id, events=[]))
        matches = match_events(pred.events, gold.events)
        matched_pred = {m.pred_index: m.gold_index for m in matches}
        flagged = [(e, i in matched_pred) for i, e in enumerate(pred.events)]
        for i, event in enumerate(pred.events):
            if i not in matched_pred:
                spurious[spurious_kind(event, flagged, not gold.events)] += 1
        matched_gold = set(matched_pred.values())
        for j, event in enumerate(gold.events):
            if j not in matched_gold:
                missed[f"missed_{event.salience.value}"] += 1
        for i, j in matched_pred.items():
            for name in FIELDS:
                p, g = getattr(pred.events[i], name), getattr(gold.events[j], name)
                if compare_values(name, p, g) < 1.0:
                    fields[name] += 1
    return {"spurious": spurious, "missed": missed, "wrong_fields": fields}


def main() -> int:
    """Command line: print (or dump as JSON) the error counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pred", type=Path)
    parser.add_argument("gold", type=Path)
    parser.add_argument("--only", default="", help="comma-separated article id prefixes")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    golds = dict(load_gold(args.gold).records)
    if args.only:
        prefixes = tuple(args.only.split(","))
        golds = {k: v for k, v in golds.items() if k.startswith(prefixes)}
    preds = load_predictions(args.pred)
    counts = count_errors(preds, golds)
    gold_set = load_gold(args.gold)
    metrics = score_corpus(
        {k: v for k, v in preds.items() if k in golds}, golds, gold_set.texts
    ).metrics
    headline = {
        "articles": len(golds),
        "gold_events": metrics.n_gold_events,
        "predicted_events": metrics.n_pred_events,
        "event_precision": metrics.event_precision,
        "event_recall_main": metrics.event_recall_main,
        "event_f1_main": metrics.event_f1_main,
        "event_f1_all": metrics.event_f1_all,
        "slot_micro_f1": metrics.slot_micro_f1,
    }
    if args.json:
        out = {"scores": headline, **{k: dict(v) for k, v in counts.items()}}
        print(json.dumps(out, indent=2, sort_keys=True))
        return 0
    print(" ".join(f"{k} {v}" for k, v in headline.items()))
    for group, counter in counts.items():
        total = sum(counter.values())
        detail = ", ".join(f"{k} {v}" for k, v in counter.most_common())
        print(f"{group} {total}: {detail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
