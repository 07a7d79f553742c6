"""Variant `oneshot`: one bounded, evidence-first, grammar-constrained call per article.

The schema puts the evidence sentence first (the model commits to a sentence before it
writes fields), and bounds everything (at most `MAX_EVENTS` events, short strings, at most
three weapons), so decoding always ends. The answer then goes through the same rules as the
staged pipeline: quotes snapped to real sentences, counts and dates checked, duplicates
merged.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from extractor.core.schema import ArticleEvents, EventType, PerpetratorStatus, Salience, WeaponType
from extractor.pipeline import rules
from extractor.pipeline.chat import CallLog, ChatModel, ask
from extractor.pipeline.finalize import Proposal, finalize
from extractor.pipeline.sentences import reference_date, split_sentences
from extractor.prompts import load_prompt

PROMPT = "local_oneshot"
PROMPTS = (PROMPT,)
MAX_EVENTS = 8
MAX_TOKENS = 3000

Short = Annotated[str, Field(min_length=1, max_length=60)]


class DraftEvent(BaseModel):
    """One event as the model writes it: evidence first, every field bounded."""

    model_config = ConfigDict(extra="forbid")

    evidence: Annotated[str, Field(min_length=10, max_length=300)]
    event_type: EventType
    salience: Salience
    when: Annotated[str, Field(max_length=40)] | None
    location: Short
    country: Annotated[str, Field(max_length=20)] | None
    admin1: Annotated[str, Field(max_length=30)] | None
    weapon_types: list[WeaponType] = Field(max_length=3)
    projectiles: int | None
    intercepted: int | None
    perpetrator: Short | None
    perpetrator_status: PerpetratorStatus
    target: Short | None
    killed: int | None
    injured: int | None
    damage: Annotated[str, Field(max_length=40)] | None
    summary: Annotated[str, Field(min_length=1, max_length=160)]


class DraftArticle(BaseModel):
    """The whole answer: a bounded list of draft events."""

    model_config = ConfigDict(extra="forbid")

    events: list[DraftEvent] = Field(max_length=MAX_EVENTS)


def run(
    model: ChatModel, article_id: str, text: str, published: dt.date | None = None
) -> tuple[ArticleEvents, CallLog]:
    """Extract one article with a single constrained call, then apply the rules."""
    log = CallLog()
    system, user = load_prompt(PROMPT).render(article=text.strip())
    draft = ask(model, log, DraftArticle, system, user, max_tokens=MAX_TOKENS, slot="oneshot")
    sentences = split_sentences(text)
    proposals = []
    for item in draft.events:
        sentence = rules.snap_quote(item.evidence, sentences)
        if sentence is None:
            continue
        fields = item.model_dump(exclude={"evidence"})
        proposals.append(Proposal(evidence=[sentence], **fields))
    return finalize(article_id, text, proposals, (reference_date(text) or published)), log
