"""Give every incident a real place, or fold it into the incident it belongs to, or drop it.

A small model fills `location` with whatever noun is near the verb: "the bases", "U.S.
forces", the militia's name, the unit attacked. Such a mention matches no other mention of
the same incident (one incident split in several) and no gold place. The contract asks for
the place attacked or struck, so before any details call each incident is placed:

1. a location that names a place (gazetteer, sea, country, or a proper name that is not an
   actor) is kept;
2. else the place its own sentences name: a gazetteer place, else, for a strike, the country
   ("strikes on Kataib Hezbollah facilities in Iraq" -> Iraq);
3. else it is folded into the one other incident of the same type and a compatible day in
   the article, whose place is known (the generic "the bases" of the main attack);
4. else it is dropped: an incident with no place cannot be an event (GUIDELINES.md).
"""

from __future__ import annotations

import re

from extractor import gazetteer
from extractor.core.schema import EventType
from extractor.pipeline import sides
from extractor.pipeline.grouping import Incident
from extractor.pipeline.rules import plausible_when
from extractor.pipeline.sentences import Sentence


def _day(incident: Incident) -> str:
    return (plausible_when(incident.when) or "").lower().strip()


def _compatible_day(a: Incident, b: Incident) -> bool:
    da, db = _day(a), _day(b)
    return not da or not db or da in db or db in da


# "WASHINGTON/BAGHDAD –", "ERBIL (Kurdistan 24) –", "BAGHDAD, Jan 3 (Reuters) -": the
# cities where a story was filed, written in capitals before a dash at a line's start.
_DATELINE = re.compile(
    r"^\s*([A-Z][A-Z/ .'’-]{2,}?)\s*(?:,[^\n–—]{0,40}?)?(?:\([^)\n]*\))?\s*[–—-]\s", re.M
)


def dateline_places(text: str) -> list[str]:
    """The cities of the article's datelines ("WASHINGTON/BAGHDAD –" gives both)."""
    places = []
    for match in _DATELINE.finditer(text):
        places += [p.strip() for p in match.group(1).split("/") if p.strip()]
    return places


def strip_dateline(text: str) -> str:
    """`text` without the dateline that opens it, if any."""
    return _DATELINE.sub("", text, count=1)


def _only_in_dateline(incident: Incident, datelined: list[str]) -> bool:
    """True when the incident's place is a dateline city its sentences do not name again."""
    location = incident.location.strip().lower()
    if location not in {p.lower() for p in datelined}:
        return False
    body = " ".join(strip_dateline(s.text) for s in incident.sentences).lower()
    return not re.search(rf"\b{re.escape(location)}\b", body)


_DESCRIBED_SITE = re.compile(
    r"\b(?:[Aa]|[Aa]n|[Tt]he)\s+((?:[a-z.-]+\s+){0,3}(?:base|garrison|outpost|installation|facility|"
    r"airfield|airbase|air base)\s+in\s+(?:(?:north|south|east|west)\w*\s+)?"
    r"(?:" + "|".join(gazetteer.COUNTRIES) + r"))\b"
)


def described_site(text: str) -> str | None:
    """A site the sentences describe by its country: "a military base in southern Syria"."""
    match = _DESCRIBED_SITE.search(text)
    return match.group(1) if match else None


def only_coalition_base(article: str) -> str | None:
    """The one base hosting coalition forces that the article names, if it names exactly one."""
    bases = [p for p in gazetteer.find_places(article) if p.hosts_coalition]
    return bases[0].name if len(bases) == 1 else None


def place_from_sentences(incident: Incident) -> str | None:
    """The place the incident's own sentences name, when its location names none."""
    text = " ".join(strip_dateline(s.text) for s in incident.sentences)
    places = gazetteer.find_places(text)
    if places:
        return places[0].name
    countries = gazetteer.countries_where(text) or gazetteer.countries_in(text)
    if incident.event_type is EventType.STRIKE and countries:
        return countries[0]
    return described_site(text)


def _named(incident: Incident, base: str) -> Incident:
    """A vague attack site resolved to the article's one coalition base, in the same country."""
    if incident.event_type is not EventType.ATTACK or not gazetteer.is_vague_place(
        incident.location
    ):
        return incident
    country = _country_of(incident.location)
    place = gazetteer.lookup(base)
    if country is not None and place is not None and place.country != country:
        return incident
    return _with(incident, base)


def _with(incident: Incident, location: str) -> Incident:
    return Incident(incident.event_type, location, incident.when, incident.sentences)


def _fold(into: Incident, other: Incident) -> Incident:
    sentences = tuple(sorted({*into.sentences, *other.sentences}, key=_index))
    return Incident(into.event_type, into.location, into.when or other.when, sentences)


def _index(sentence: Sentence) -> int:
    return sentence.index


def split_by_country(incident: Incident) -> list[Incident]:
    """A strike told as "strikes in Iraq and Syria" is one event per country (GUIDELINES.md):
    a strike placed at a country, or at no real place, whose sentences write it in two or
    more countries becomes one incident per country, with the same sentences."""
    if incident.event_type is not EventType.STRIKE:
        return [incident]
    where = gazetteer.countries_where(" ".join(s.text for s in incident.sentences))
    named_place = gazetteer.lookup(incident.location) is not None
    if len(where) < 2 or named_place:
        return [incident]
    split = []
    for country in where:
        # a sentence that names only other countries ("In Iraq, four were killed") belongs
        # to those; sentences naming this one, several, or none are shared
        own = tuple(
            s
            for s in incident.sentences
            if country in (named := gazetteer.countries_in(s.text)) or not named
        )
        split.append(Incident(incident.event_type, country, incident.when, own))
    return split


def _country_of(location: str) -> str | None:
    place = gazetteer.lookup(location)
    if place is not None:
        return place.country
    countries = gazetteer.countries_in(location)
    return countries[0] if countries else None


def fold_vague_attacks(incidents: list[Incident]) -> list[Incident]:
    """An attack placed only by its country ("an air base in western Iraq that hosts U.S.
    troops") is the named attack of the same article, day and country when there is exactly
    one: articles describe the place first and name it a sentence later."""
    kept: list[Incident] = []
    vague: list[Incident] = []
    for incident in incidents:
        is_vague = incident.event_type is EventType.ATTACK and gazetteer.is_vague_place(
            incident.location
        )
        (vague if is_vague else kept).append(incident)
    for item in vague:
        country = _country_of(item.location)
        homes = [
            i
            for i, other in enumerate(kept)
            if other.event_type is EventType.ATTACK
            and _compatible_day(other, item)
            and _country_of(other.location) in (None, country)
        ]
        if len(homes) > 1:  # the named place written right after the description wins
            start = max(s.index for s in item.sentences)
            distance = {i: min(s.index for s in kept[i].sentences) - start for i in homes}
            nearest = sorted((d, i) for i, d in distance.items() if 0 < d <= 2)
            homes = (
                [nearest[0][1]]
                if nearest and (len(nearest) == 1 or nearest[0][0] < nearest[1][0])
                else homes
            )
        if len(homes) == 1:
            kept[homes[0]] = _fold(kept[homes[0]], item)
        elif not homes:
            kept.append(item)
        # else: "two separate rocket attacks on bases housing Americans in Syria" sums up
        # the named attacks told around it; it is not a third one
    return sorted(kept, key=lambda i: min(s.index for s in i.sentences))


def split_by_place(incident: Incident) -> list[Incident]:
    """ "Conoco and Green Village": a location that names two known places that do not hold
    one another is two incidents (two places are two events), with the same sentences."""
    places = gazetteer.find_places(incident.location)
    distinct = [
        p
        for p in places
        if not any(gazetteer.contains(p, q) or gazetteer.contains(q, p) for q in places)
    ]
    if len(distinct) < 2 or not re.search(r"\band\b|,|&", incident.location):
        return [incident]
    folded = gazetteer.fold(incident.location)

    def position(place: gazetteer.Place) -> int:
        spellings = (gazetteer.fold(place.name), *place.aliases)
        return min((folded.find(s) for s in spellings if s in folded), default=len(folded))

    return [_with(incident, place.name) for place in sorted(distinct, key=position)]


def place_incidents(incidents: list[Incident], text: str | None = None) -> list[Incident]:
    """Incidents with a real place each; placeless ones folded or dropped (see module doc).

    `text` is the article, used to tell a place name from another proper name.
    """
    placed: list[Incident] = []
    placeless: list[Incident] = []
    datelined = dateline_places(text or "")
    for proposed in incidents:
        # the type first: an "attack" the model called a strike must fold with attacks
        kind = sides.corrected_type(
            proposed.event_type, " ".join(s.text for s in proposed.sentences), proposed.location
        )
        incident = Incident(kind, proposed.location, proposed.when, proposed.sentences)
        if _only_in_dateline(incident, datelined):
            incident = _with(incident, "")  # "WASHINGTON/BAGHDAD –" says where it was filed
        if incident.location and gazetteer.is_place_name(incident.location, text):
            placed.append(incident)
            continue
        found = place_from_sentences(incident)
        if found is not None:
            placed.append(_with(incident, found))
        else:
            placeless.append(incident)
    placed = [split for incident in placed for split in split_by_country(incident)]
    placed = [split for incident in placed for split in split_by_place(incident)]
    placed = fold_vague_attacks(placed)
    base = only_coalition_base(text or "")
    if base is not None:
        # "a military base in southern Syria ... The al-Tanf garrison in southeastern Syria":
        # an article that names one coalition base describes it before naming it
        placed = [_named(i, base) for i in placed]
    for orphan in placeless:
        homes = [
            i
            for i, kept in enumerate(placed)
            if kept.event_type is orphan.event_type and _compatible_day(kept, orphan)
        ]
        if len(homes) == 1:
            placed[homes[0]] = _fold(placed[homes[0]], orphan)
    return placed
