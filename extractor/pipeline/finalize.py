"""Turn model proposals into validated `Event`s by applying the deterministic rules.

Both pipeline variants end here: a `Proposal` carries what the model said plus the article
sentences it rests on; `finalize` keeps only what those sentences support, merges
duplicates (see `dedup`) and writes each event's summary from its fields (`summaries`; a
summary the model proposed is not used).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from extractor import gazetteer
from extractor.core.schema import (
    ArticleEvents,
    Event,
    EventType,
    PerpetratorStatus,
    Salience,
    WeaponType,
)
from extractor.incidents.identity import merge_duplicates, same_incident
from extractor.pipeline import rules, sides
from extractor.pipeline.grouping import Incident
from extractor.pipeline.placing import strip_dateline
from extractor.pipeline.sentences import Sentence
from extractor.pipeline.summaries import field_summary

BACKGROUND_AFTER_DAYS = 30


@dataclass
class Proposal:
    """One event as the model proposed it, tied to the sentences that support it."""

    event_type: EventType
    location: str
    evidence: list[Sentence]
    when: str | None = None
    salience: Salience = Salience.MAIN
    country: str | None = None
    admin1: str | None = None
    weapon_types: list[WeaponType] = field(default_factory=list)
    projectiles: int | None = None
    intercepted: int | None = None
    perpetrator: str | None = None
    perpetrator_status: PerpetratorStatus = PerpetratorStatus.UNKNOWN
    target: str | None = None
    killed: int | None = None
    injured: int | None = None
    damage: str | None = None
    summary: str | None = None


_EARLIER_WHEN = re.compile(
    r"\blast (?:month|year)\b|\b(?:19|20)\d\d\b|\bago\b|\bprevious\b"
    r"|\bearlier this (?:month|year)\b"
    r"|^(?:on |in )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}$",
    re.I,
)


def _salience(
    proposal: Proposal, when: str | None, date: str | None, reference: dt.date | None
) -> Salience:
    """Background when the day lies well before the article's own date, or is told as earlier.

    SCHEMA.md names the cues: "last month", "in 2020". A day written as "July 16" in an
    article whose news is told by weekday is an earlier incident too.
    """
    if when and _EARLIER_WHEN.search(when.strip()):
        return Salience.BACKGROUND
    if not date or reference is None:
        return proposal.salience
    if len(date) == 10:
        latest = dt.date.fromisoformat(date)
    elif len(date) == 7:
        latest = dt.date(int(date[:4]), int(date[5:]), 28)
    else:
        latest = dt.date(int(date), 12, 31)
    if (reference - latest).days > BACKGROUND_AFTER_DAYS:
        return Salience.BACKGROUND
    return proposal.salience


_OWN_STATEMENT = re.compile(r"[\"“”]|\b(?:statement|said|says|added|announced|confirmed)\b", re.I)


def _status(
    proposal: Proposal, event_type: EventType, perpetrator: str | None, context: str
) -> PerpetratorStatus:
    """Claimed, attributed or unknown, as far as the text supports the model's answer.

    A U.S./coalition strike told through their own statement is `claimed` (GUIDELINES.md):
    the side that struck says it did.
    """
    if perpetrator is None:
        return PerpetratorStatus.UNKNOWN
    if event_type is EventType.STRIKE and _OWN_STATEMENT.search(context):
        return PerpetratorStatus.CLAIMED
    if proposal.perpetrator_status is PerpetratorStatus.CLAIMED and not re.search(
        r"\bclaim", context, re.I
    ):
        return PerpetratorStatus.ATTRIBUTED
    if proposal.perpetrator_status is PerpetratorStatus.UNKNOWN:
        return PerpetratorStatus.ATTRIBUTED
    return proposal.perpetrator_status


def is_incident(event_type: EventType, location: str, quotes: list[str]) -> bool:
    """False for what cannot become an event: no place or quote, a tally, out of scope.

    Checked before a model call is spent on the details, and again on the final proposal.
    """
    if not quotes or not location.strip() or sides.is_aggregate(location, quotes):
        return False
    context = " ".join(quotes)
    if not sides.in_scope(context):
        return False
    return not sides.unplaceable(sides.corrected_type(event_type, context, location), location)


def _known_place_facts(
    location: str, article: str, country: str | None, admin1: str | None
) -> tuple[str | None, str | None]:
    """Country and region of a gazetteer place, where the article itself names them.

    The region or country written nearest to the place can belong to another place of the
    story ("... Ain al-Asad ... and Baghdad"); for a known place the gazetteer says which of
    the article's regions is its own. Nothing the article does not write is added.
    """
    place = gazetteer.lookup(location)
    if place is None:
        return country, admin1
    if place.country and re.search(rf"\b{place.country}\b", article):
        country = place.country
    if place.admin1:
        named = {m.group(1).lower() for m in rules.ADMIN1_PATTERN.finditer(article)}
        spelled = {k for k, v in rules.ADMIN1_NAMES.items() if v == place.admin1}
        admin1 = place.admin1 if named & spelled else None
    return country, admin1


def to_event(proposal: Proposal, article: str, reference: dt.date | None) -> Event | None:
    """The event the proposal's evidence supports, or None if nothing usable is left."""
    quotes = list(dict.fromkeys(s.text for s in proposal.evidence))[:12]
    location = (proposal.location or "").strip()[:300]
    if not is_incident(proposal.event_type, location, quotes):
        return None
    context = " ".join(quotes)
    event_type = sides.corrected_type(proposal.event_type, context, location)
    target = rules.grounded_name(proposal.target, article)
    when = rules.plausible_when(rules.grounded_name(proposal.when, context, threshold=90))
    date = rules.resolve_date(when, context, reference)
    none_harmed = rules.says_none_harmed(context)
    perpetrator = sides.checked_perpetrator(
        rules.grounded_name(proposal.perpetrator, context), event_type, target, article
    )
    if perpetrator is None and event_type is EventType.STRIKE:
        perpetrator = sides.acting_side(context)  # a strike is by definition theirs
    filed = strip_dateline(context)  # "WASHINGTON/BAGHDAD –" is where it was filed
    country, admin1 = rules.place_facts(location, filed)
    if country is None:  # the place's first mention in the article may say where it is
        country = rules.place_facts(location, rules.first_mention(location, article))[0]
    if country is None and proposal.country and proposal.country in article:
        country = proposal.country
    admin1 = admin1 or rules.grounded_name(proposal.admin1, context, threshold=90)
    country, admin1 = _known_place_facts(location, article, country, admin1)
    killed = rules.casualty_count(
        rules.grounded_count(proposal.killed, context, zero_allowed=none_harmed),
        context,
        rules.Harm.KILLED,
    )
    injured = rules.casualty_count(
        rules.grounded_count(proposal.injured, context, zero_allowed=none_harmed),
        context,
        rules.Harm.INJURED,
    )
    if none_harmed and re.search(r"\bno (?:reports? of )?casualties", context, re.I):
        killed = 0 if killed is None else killed
        injured = 0 if injured is None else injured
    return Event(
        event_type=event_type,
        salience=_salience(proposal, when, date, reference),
        date=date,
        date_text=when[:300] if when else None,
        location=location,
        country=country,
        admin1=admin1,
        weapon_types=rules.grounded_weapons(
            [*proposal.weapon_types, *rules.strike_weapons(event_type, context)], context
        ),
        projectiles=rules.projectile_count(
            rules.grounded_count(proposal.projectiles, context), context
        ),
        intercepted=rules.projectile_count(
            rules.grounded_count(proposal.intercepted, context), context
        ),
        perpetrator=perpetrator,
        perpetrator_status=_status(proposal, event_type, perpetrator, context),
        target=target,
        killed=killed,
        injured=injured,
        damage=rules.physical_damage(rules.grounded_name(proposal.damage, context)),
        summary=quotes[0][:600],  # until `finalize` writes it from the fields
        evidence=quotes,
    )


def merge_incidents(
    incidents: list[Incident], reference: dt.date | None, article: str | None = None
) -> list[Incident]:
    """Incidents that `merge_duplicates` would merge after the details, merged before them.

    Type, place, day and sentences are known before the details call, and they are all that
    `same_incident` compares; merging first saves one details call per duplicate and gives
    the call every sentence of the incident. A day the model read from the sentence before
    (in `article`, not in the incident's own sentences) still keeps two days apart.
    """
    merged: list[tuple[Incident, Event]] = []
    for proposed in incidents:
        quotes = [s.text for s in proposed.sentences]
        event_type = sides.corrected_type(proposed.event_type, " ".join(quotes), proposed.location)
        incident = Incident(event_type, proposed.location, proposed.when, proposed.sentences)
        when = rules.plausible_when(
            rules.grounded_name(incident.when, article or " ".join(quotes), 90)
        )
        skeleton = Event.model_construct(
            event_type=incident.event_type,
            date=rules.resolve_date(when, " ".join(quotes), reference),
            date_text=when,
            location=incident.location,
            evidence=quotes,
        )
        for i, (kept, kept_skeleton) in enumerate(merged):
            if same_incident(kept_skeleton, skeleton):
                sentences = tuple(sorted({*kept.sentences, *incident.sentences}, key=_index))
                grown = Incident(
                    kept.event_type, kept.location, kept.when or incident.when, sentences
                )
                update: dict[str, object] = {
                    "evidence": list(dict.fromkeys([*kept_skeleton.evidence, *quotes]))
                }
                if kept_skeleton.date is None and kept_skeleton.date_text is None:
                    update.update(date=skeleton.date, date_text=skeleton.date_text)
                merged[i] = (grown, kept_skeleton.model_copy(update=update))
                break
        else:
            merged.append((incident, skeleton))
    return [incident for incident, _ in merged]


def _index(sentence: Sentence) -> int:
    return sentence.index


def finalize(
    article_id: str, article: str, proposals: list[Proposal], reference: dt.date | None
) -> ArticleEvents:
    """Validated, de-duplicated events of one article, each summarised from its fields."""
    events = [e for p in proposals if (e := to_event(p, article, reference)) is not None]
    merged = merge_duplicates(events)
    summarised = [e.model_copy(update={"summary": field_summary(e)}) for e in merged]
    return ArticleEvents(article_id=article_id, events=summarised)
