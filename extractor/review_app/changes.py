"""What the reviewer changed, and how the run scores against what they reviewed.

`article_diff` lists, per event card, the fields changed from the run's values and, when
the gold folder already holds this article, the difference between the accepted events and
that gold (paired by the scorer's own `match_events`). `score_reviewed` scores the run on the
reviewed articles with `score_corpus`, the function `extractor eval` runs.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from extractor.core.errors import InputError
from extractor.core.schema import ArticleEvents, Event
from extractor.predictions import load_gold
from extractor.review_app.drafts import Draft, DraftEvent, Status
from extractor.review_app.store import ReviewStore
from extractor.scoring import match_events, score_corpus


def _card_values(card: DraftEvent) -> dict[str, Any]:
    return {**card.fields.model_dump(mode="json"), "evidence": [s.quote for s in card.evidence]}


def _changed(before: dict[str, Any], after: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in after
        if before.get(name) != after.get(name)
    ]


def _as_event(card: DraftEvent) -> Event | None:
    try:
        return Event.model_validate(_card_values(card))
    except ValidationError:
        return None


def _against_gold(draft: Draft, gold: ArticleEvents) -> dict[str, Any]:
    accepted = [c for c in draft.events if c.status is Status.ACCEPTED]
    events = [e for e in (_as_event(c) for c in accepted) if e is not None]
    matches = match_events(events, gold.events)
    paired_pred = {m.pred_index for m in matches}
    paired_gold = {m.gold_index for m in matches}
    dump = [e.model_dump(mode="json") for e in events]
    gold_dump = [e.model_dump(mode="json") for e in gold.events]
    return {
        "changed": [
            {
                "location": dump[m.pred_index]["location"],
                "fields": _changed(gold_dump[m.gold_index], dump[m.pred_index]),
            }
            for m in matches
            if _changed(gold_dump[m.gold_index], dump[m.pred_index])
        ],
        "new": [d["location"] for i, d in enumerate(dump) if i not in paired_pred],
        "dropped": [d["location"] for i, d in enumerate(gold_dump) if i not in paired_gold],
    }


def article_diff(store: ReviewStore, article_id: str) -> dict[str, Any]:
    """Changes from the run per card, and from the saved gold when there is one."""
    draft = store.load_draft(article_id)
    cards = []
    for number, card in enumerate(draft.events, start=1):
        after = _card_values(card)
        cards.append(
            {
                "number": number,
                "key": card.key,
                "status": card.status.value,
                "added": card.original is None,
                "fields": [] if card.original is None else _changed(card.original, after),
            }
        )
    gold_path = store.gold_path(article_id)
    against_gold = None
    if gold_path.is_file():
        gold = load_gold(store.gold_dir).records.get(article_id)
        if gold is not None:
            against_gold = _against_gold(draft, gold)
    return {"article_id": article_id, "cards": cards, "gold": against_gold}


def score_reviewed(store: ReviewStore) -> dict[str, Any]:
    """The run scored against the gold folder, on the articles both hold (eval's scorer)."""
    if not any(store.gold_dir.glob("*.json")):
        raise InputError(f"{store.gold_dir}: no gold saved yet: save an article first")
    gold = load_gold(store.gold_dir)
    reviewed = sorted(set(gold.records) & set(store.predictions))
    if not reviewed:
        raise InputError(f"{store.gold_dir}: no gold for any article of this run yet")
    result = score_corpus(
        {a: store.predictions[a] for a in reviewed},
        {a: gold.records[a] for a in reviewed},
        gold.texts,
    )
    return {"articles": reviewed, "score": result.to_dict()}
