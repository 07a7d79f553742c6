"""Multi-call variants: `staged` (triage, grouping, fields) and `sentence` (mentions, fields).

Each model call is small and bounded; the calls of one stage share their instruction
prefix, and stages run one after another over the whole article so that prefix stays in
llama.cpp's KV cache for the whole stage.
"""

from __future__ import annotations

import datetime as dt

from extractor.core.schema import ArticleEvents
from extractor.pipeline import fields, grouping, mentions, triage
from extractor.pipeline.chat import CallLog, ChatModel
from extractor.pipeline.finalize import finalize, is_incident, merge_incidents
from extractor.pipeline.placing import place_incidents
from extractor.pipeline.sentences import reference_date, split_sentences

PROMPTS = (triage.PROMPT, grouping.PROMPT, fields.PROMPT)
SENTENCE_PROMPTS = (mentions.PROMPT, fields.PROMPT)


def run(
    model: ChatModel, article_id: str, text: str, published: dt.date | None = None
) -> tuple[ArticleEvents, CallLog]:
    """Extract one article stage by stage."""
    log = CallLog()
    kept = triage.triage(model, log, split_sentences(text))
    incidents = grouping.group(model, log, kept)
    proposals = [fields.fill(model, log, incident) for incident in incidents]
    return finalize(article_id, text, proposals, (reference_date(text) or published)), log


def run_by_sentence(
    model: ChatModel, article_id: str, text: str, published: dt.date | None = None
) -> tuple[ArticleEvents, CallLog]:
    """Variant `sentence`: per-sentence incidents, grouped by rule, then fields and rules."""
    log = CallLog()
    reference = reference_date(text) or published
    incidents = [
        incident
        for incident in place_incidents(mentions.mentions(model, log, split_sentences(text)), text)
        if is_incident(incident.event_type, incident.location, [s.text for s in incident.sentences])
    ]
    proposals = fields.fill_all(model, log, merge_incidents(incidents, reference, text))
    return finalize(article_id, text, proposals, reference), log
