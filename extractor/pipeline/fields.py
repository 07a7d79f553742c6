"""Stage 3: fill one incident's fields with a small bounded schema.

Type, place and day come from the grouping stage; this call only adds the details, from the
incident's own sentences, so one incident's numbers cannot leak into the next. What rules
can read from the text is not asked for: country and region (`rules.place_facts`),
salience (`finalize`: main unless the text dates it earlier; the 1.5B's own answer was right
for 65% of matched events, the rule for 87%), and the summary, which `finalize` writes from
the fields. Every generated token costs about 0.1 s on 2 cores; those fields were
over a third of this stage's output.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from extractor.core.schema import PerpetratorStatus, WeaponType
from extractor.pipeline.chat import CallLog, ChatModel, ask, ask_many
from extractor.pipeline.finalize import Proposal
from extractor.pipeline.grouping import Incident
from extractor.prompts import load_prompt

PROMPT = "local_fields"
Short = Annotated[str, Field(min_length=1, max_length=60)]


class IncidentFields(BaseModel):
    """The details of one incident, every field bounded."""

    model_config = ConfigDict(extra="forbid")

    weapon_types: list[WeaponType] = Field(max_length=3)
    projectiles: int | None
    intercepted: int | None
    perpetrator: Short | None
    perpetrator_status: PerpetratorStatus
    target: Short | None
    killed: int | None
    injured: int | None
    damage: Annotated[str, Field(max_length=40)] | None


def fill(model: ChatModel, log: CallLog, incident: Incident) -> Proposal:
    """A proposal for one incident: grouping's type/place/day plus the filled details."""
    system, user = _render(incident)
    details = ask(model, log, IncidentFields, system, user, max_tokens=400, slot="fields")
    return _proposal(incident, details)


def fill_all(model: ChatModel, log: CallLog, incidents: list[Incident]) -> list[Proposal]:
    """`fill` for each incident, the calls asked together (they are independent)."""
    prompts = [_render(incident) for incident in incidents]
    if not prompts:
        return []
    system = prompts[0][0]
    answers = ask_many(
        model,
        log,
        IncidentFields,
        system,
        [user for _, user in prompts],
        max_tokens=400,
        slot="fields",
    )
    return [_proposal(i, details) for i, details in zip(incidents, answers, strict=True)]


def _render(incident: Incident) -> tuple[str, str]:
    system, user = load_prompt(PROMPT).render(
        event_type=incident.event_type.value,
        location=incident.location,
        when=incident.when or "not stated",
        sentences=" ".join(s.text for s in incident.sentences),
    )
    return system, user


def _proposal(incident: Incident, details: IncidentFields) -> Proposal:
    return Proposal(
        event_type=incident.event_type,
        location=incident.location,
        when=incident.when,
        evidence=list(incident.sentences),
        **details.model_dump(),
    )
