"""A chunk's answer as the runner keeps it, and its form in the result cache.

Only validated answers are cached, as JSON (events, tokens, latency, attempts, re-asks);
an entry that no longer validates (the schema changed) reads as a miss, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from extractor.backends.base import Usage
from extractor.core.schema import ArticleEvents


@dataclass
class Answer:
    """One chunk's validated answer and what it cost, from the backend or the cache."""

    events: ArticleEvents
    usage: Usage
    latency_s: float
    attempts: int
    reasks: int
    cache_hit: bool


def answer_to_cache(answer: Answer) -> dict[str, Any]:
    """The JSON value stored in the result cache for one answer."""
    return {
        "events": answer.events.model_dump(mode="json"),
        "usage": {
            "prompt_tokens": answer.usage.prompt_tokens,
            "completion_tokens": answer.usage.completion_tokens,
        },
        "latency_s": answer.latency_s,
        "attempts": answer.attempts,
        "reasks": answer.reasks,
    }


def answer_from_cache(value: dict[str, Any], article_id: str) -> Answer | None:
    """A cached answer, or None when the entry does not validate any more."""
    try:
        events = ArticleEvents.model_validate(value["events"])
        usage = Usage(**value.get("usage", {}))
    except (KeyError, TypeError, ValueError):
        return None
    return Answer(
        events=events.model_copy(update={"article_id": article_id}),
        usage=usage,
        latency_s=float(value.get("latency_s", 0.0)),
        attempts=int(value.get("attempts", 1)),
        reasks=int(value.get("reasks", 0)),
        cache_hit=True,
    )
