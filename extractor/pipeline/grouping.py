"""Stage 2: group the kept sentences into incidents (type, place, day).

The model sees the kept sentences numbered and answers with incidents that point back to
sentence numbers; the grammar only allows numbers that exist, so every incident's
evidence is a real sentence of the article.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from extractor.core.schema import EventType
from extractor.pipeline.chat import CallLog, ChatModel, ask
from extractor.pipeline.sentences import Sentence
from extractor.prompts import load_prompt

PROMPT = "local_grouping"
MAX_INCIDENTS = 10
MAX_SENTENCES_PER_INCIDENT = 4


class DraftIncident(BaseModel):
    """One incident as the model groups it."""

    model_config = ConfigDict(extra="forbid")

    sentences: list[int] = Field(min_length=1, max_length=MAX_SENTENCES_PER_INCIDENT)
    event_type: EventType
    location: Annotated[str, Field(min_length=1, max_length=60)]
    when: Annotated[str, Field(max_length=40)] | None


class DraftGrouping(BaseModel):
    """The bounded list of incidents."""

    model_config = ConfigDict(extra="forbid")

    incidents: list[DraftIncident] = Field(max_length=MAX_INCIDENTS)


@dataclass(frozen=True)
class Incident:
    """An incident with its sentences resolved."""

    event_type: EventType
    location: str
    when: str | None
    sentences: tuple[Sentence, ...]


def _schema(count: int) -> dict[str, Any]:
    schema = DraftGrouping.model_json_schema()
    items = schema["$defs"]["DraftIncident"]["properties"]["sentences"]["items"]
    items["enum"] = list(range(1, count + 1))
    return schema


def group(model: ChatModel, log: CallLog, sentences: list[Sentence]) -> list[Incident]:
    """Incidents told by `sentences` (numbered from 1 in the prompt)."""
    if not sentences:
        return []
    numbered = "\n".join(f"[{i}] {s.text}" for i, s in enumerate(sentences, start=1))
    system, user = load_prompt(PROMPT).render(sentences=numbered)
    draft = ask(
        model,
        log,
        DraftGrouping,
        system,
        user,
        max_tokens=1200,
        slot="grouping",
        schema=_schema(len(sentences)),
    )
    incidents = []
    for item in draft.incidents:
        picked = sorted({n for n in item.sentences if 1 <= n <= len(sentences)})
        if picked:
            chosen = tuple(sentences[n - 1] for n in picked)
            incidents.append(Incident(item.event_type, item.location, item.when, chosen))
    return incidents
