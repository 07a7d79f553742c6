"""One record per incident: the reconciled fields, the sources, and where they disagree.

The rule for each field, applied to the reports of one incident (`Report`, several articles):

- `date`: the most specific date that every source's own date allows: the longest of their
  ISO dates that lies inside all the others ("2024-08-09" with "2024-08"); when two days
  clash ("2023-10-18" / "2023-10-19"), the month they share ("2023-10"), else the year,
  else none. Sources without a date do not vote. When no source has a date of its own, the
  days all their words allow, read against each article's reference date
  (`extractor.incidents.dates.stated_window`: "late Friday" in a paper of Sunday 4 Feb
  2024): that day if they allow one, else that month if they all lie in one, else none.
  `date_text`: the words of the source whose date was chosen (else of the first source that
  has words).
- `killed`, `injured`, `projectiles`, `intercepted`: the count most sources give; on a tie
  the lower (ACLED codes the most conservative figure). A source without a number does not
  vote.
- `location`: the most specific place: a named base or town before a region before a
  country (gazetteer); on a tie the name most sources use, then the longest. `admin1` and
  `country`: the value most sources give, else the gazetteer's for that place.
- `weapon_types`: every weapon any source names.
- `perpetrator`: a name the group itself claimed under, else the name most sources give,
  then the longest. `perpetrator_status`: `claimed` if any source says the group claimed
  it, else `attributed` if any names who, else `unknown`.
- `target`, `damage`: the value most sources give, then the longest.
- `salience`: `main` if any source reports it as its news.
- `summary`: that of the source with the most evidence; `evidence`: every source's quotes
  (the first `MAX_EVIDENCE`).

A field is a disagreement (`Conflict`) when the sources give two or more different values,
null and `unknown` not counted (spellings of one gazetteer place, and differences of case or
punctuation, are one value, and so are a region and the base in it, or a country and a place
in it); each value is listed with the sources that gave it (`outlet (article id)`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from extractor import gazetteer
from extractor.core.records import GroundedEvent
from extractor.core.schema import Event, PerpetratorStatus, Salience
from extractor.incidents.across import PlaceMatch, Report, place_match
from extractor.incidents.dates import Window, stated_window

MAX_EVIDENCE = 12
COUNT_FIELDS = ("killed", "injured", "projectiles", "intercepted")
TEXT_FIELDS = ("target", "damage")
COMPARED_FIELDS = (
    "date",
    "location",
    "country",
    "admin1",
    "weapon_types",
    "projectiles",
    "intercepted",
    "perpetrator",
    "perpetrator_status",
    "target",
    "killed",
    "injured",
    "damage",
)
"""Fields whose disagreements an incident lists."""


class MemberEvidence(BaseModel):
    """One evidence quote of a member event, with its offsets in that article (if found)."""

    model_config = ConfigDict(extra="forbid")

    quote: str
    start: int | None = None
    end: int | None = None


class Member(BaseModel):
    """One article's report of the incident: which event, from whom, and its quotes."""

    model_config = ConfigDict(extra="forbid")

    article_id: str
    event_index: int
    outlet: str | None = None
    url: str | None = None
    evidence: list[MemberEvidence] = Field(default_factory=list)


class SaidBy(BaseModel):
    """One value of a disputed field and the sources that gave it."""

    model_config = ConfigDict(extra="forbid")

    value: Any
    sources: list[str]


class Conflict(BaseModel):
    """A field on which the sources disagree: every value, with who said it."""

    model_config = ConfigDict(extra="forbid")

    field: str
    values: list[SaidBy]


class Incident(BaseModel):
    """One incident: the reconciled event, its member reports, and their disagreements."""

    model_config = ConfigDict(extra="forbid")

    incident_id: str
    n_sources: int
    event: Event
    members: list[Member]
    conflicts: list[Conflict] = Field(default_factory=list)


def source_name(report: Report) -> str:
    """`outlet (article id)`, or the article id alone when the outlet is unknown."""
    return f"{report.outlet} ({report.article_id})" if report.outlet else report.article_id


def incident_id(reports: Sequence[Report]) -> str:
    """A stable id from the member keys: `inc-` and 10 hex chars."""
    keys = ";".join(sorted(f"{r.article_id}#{r.index}" for r in reports))
    return "inc-" + hashlib.sha256(keys.encode()).hexdigest()[:10]


def reconcile_date(dates: Sequence[str]) -> str | None:
    """The most specific ISO date every date allows (the module's rule)."""
    if not dates:
        return None
    for candidate in sorted(set(dates), key=lambda d: (-len(d), d)):
        if all(candidate.startswith(other) or other.startswith(candidate) for other in dates):
            return candidate
    for length in (7, 4):
        prefixes = {d[:length] for d in dates if len(d) >= length}
        if len(prefixes) == 1 and all(len(d) >= length for d in dates):
            return prefixes.pop()
    return None


def shared_days(windows: Sequence[Window | None]) -> str | None:
    """The day (or month) every known window allows, as an ISO date; None when they share
    no day, span months, or none is known (a window the words alone did not name, such as
    the week before publication, is no date)."""
    known = [w for w in windows if w is not None]
    if not known:
        return None
    first, last = max(w.first for w in known), min(w.last for w in known)
    if first > last:
        return None
    if first == last:
        return first.isoformat()
    return first.isoformat()[:7] if first.isoformat()[:7] == last.isoformat()[:7] else None


def reconcile_count(values: Sequence[int]) -> int | None:
    """The count most sources give; on a tie the lower."""
    if not values:
        return None
    tally = Counter(values)
    return min(tally, key=lambda v: (-tally[v], v))


def _most_common(values: Sequence[str], rank: Callable[[str], int] | None = None) -> str | None:
    if not values:
        return None
    tally = Counter(values)
    return max(tally, key=lambda v: (rank(v) if rank else 0, tally[v], len(v), v))


def _place_rank(location: str) -> int:
    place = gazetteer.lookup(location)
    if place is None:
        return 0 if gazetteer.is_vague_place(location) else 2
    if place.admin1 is not None and place.name == place.admin1:
        return 1
    return 3


def _perpetrator(reports: Sequence[Report]) -> str | None:
    claimed = {
        r.event.perpetrator
        for r in reports
        if r.event.perpetrator_status is PerpetratorStatus.CLAIMED
    }
    names = [r.event.perpetrator for r in reports if r.event.perpetrator]
    return _most_common(names, lambda name: int(name in claimed))


def _status(reports: Sequence[Report]) -> PerpetratorStatus:
    given = {r.event.perpetrator_status for r in reports}
    for status in (PerpetratorStatus.CLAIMED, PerpetratorStatus.ATTRIBUTED):
        if status in given:
            return status
    return PerpetratorStatus.UNKNOWN


def reconcile_event(reports: Sequence[Report]) -> Event:
    """The incident's fields from its reports (the module's rule)."""
    events = [r.event for r in reports]
    dates = [e.date for e in events if e.date]
    stated = [stated_window(r.event, r.reference) for r in reports]
    date = reconcile_date(dates) if dates else shared_days(stated)
    dated = next((e for e in events if e.date == date), events[0])
    location = _most_common([e.location for e in events], _place_rank) or events[0].location
    place = gazetteer.lookup(location)
    fields: dict[str, Any] = {
        name: reconcile_count([getattr(e, name) for e in events if getattr(e, name) is not None])
        for name in COUNT_FIELDS
    }
    fields |= {
        name: _most_common([getattr(e, name) for e in events if getattr(e, name)])
        for name in TEXT_FIELDS
    }
    admin1 = _most_common([e.admin1 for e in events if e.admin1])
    country = _most_common([e.country for e in events if e.country])
    richest = max(events, key=lambda e: len(e.evidence))
    evidence = list(dict.fromkeys(q for e in events for q in e.evidence))[:MAX_EVIDENCE]
    return Event(
        event_type=events[0].event_type,
        salience=min((e.salience for e in events), key=lambda s: s is not Salience.MAIN),
        date=date,
        date_text=dated.date_text or next((e.date_text for e in events if e.date_text), None),
        location=location,
        country=country or (place.country if place else None),
        admin1=admin1 or (place.admin1 if place else None),
        weapon_types=list(dict.fromkeys(w for e in events for w in e.weapon_types)),
        perpetrator=_perpetrator(reports),
        perpetrator_status=_status(reports),
        summary=richest.summary,
        evidence=evidence,
        **fields,
    )


def _shown(value: Any) -> Any:
    if isinstance(value, list):
        return sorted(getattr(v, "value", v) for v in value)
    return getattr(value, "value", value)


def _same_key(name: str, value: Any) -> str:
    """What makes two values one: spellings of one place, case and punctuation ignored."""
    if name == "location":
        place = gazetteer.lookup(value)
        if place is not None:
            return place.name
    if isinstance(value, str):
        return gazetteer.fold(value)
    return repr(value)


def _one_place(reports: Sequence[Report]) -> bool:
    """True when no two reports name different places (`across.place_match`: a region and
    the base in it, a country and a place in it, are one place told more or less closely)."""
    events = [r.event for r in reports]
    return all(
        place_match(a, b)[0] is not PlaceMatch.DIFFERENT
        for i, a in enumerate(events)
        for b in events[i + 1 :]
    )


def conflicts(reports: Sequence[Report]) -> list[Conflict]:
    """Every compared field on which two sources give different values, null and `unknown`
    not counted (two spellings of one place, or a difference of case and punctuation, are
    one value; a region and its base, a country and a place in it, are no conflict)."""
    found = []
    for name in COMPARED_FIELDS:
        said: dict[str, list[str]] = {}
        shown: dict[str, Any] = {}
        for report in reports:
            value = _shown(getattr(report.event, name))
            if value in (None, [], PerpetratorStatus.UNKNOWN.value):
                continue
            key = _same_key(name, value)
            shown.setdefault(key, value)
            said.setdefault(key, []).append(source_name(report))
        if len(said) > 1 and not (name == "location" and _one_place(reports)):
            values = [SaidBy(value=shown[k], sources=who) for k, who in said.items()]
            found.append(Conflict(field=name, values=values))
    return found


def member(report: Report) -> Member:
    """A report as an incident member: its event, source, and quotes with offsets."""
    event = report.event
    if isinstance(event, GroundedEvent) and event.evidence_spans:
        quotes = [
            MemberEvidence(quote=s.quote, start=s.start, end=s.end) for s in event.evidence_spans
        ]
    else:
        quotes = [MemberEvidence(quote=q) for q in event.evidence]
    return Member(
        article_id=report.article_id,
        event_index=report.index,
        outlet=report.outlet,
        url=report.url,
        evidence=quotes,
    )


def build_incident(reports: Sequence[Report]) -> Incident:
    """One incident record from the reports of one incident."""
    return Incident(
        incident_id=incident_id(reports),
        n_sources=len({r.article_id for r in reports}),
        event=reconcile_event(reports),
        members=[member(r) for r in reports],
        conflicts=conflicts(reports),
    )
