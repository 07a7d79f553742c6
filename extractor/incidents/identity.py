"""Incident identity: when two events are one incident, and how two reports of one merge.

One place of truth for the question "is this the same incident?", asked within one article
(duplicates a model repeats, a caption and the body, the chunks of a long article:
`extractor.pipeline.dedup`, `extractor.chunking`, `extractor.pipeline.finalize`,
`extractor.pipeline.mentions`) and across articles (`extractor.incidents.across`, which adds
reference dates, soft evidence and explanations on top of these tests).

- `place_key` / `same_place`: places compare by gazetteer identity when both are known
  (spellings agree, a region holds the bases in it), else by their words, generic words
  ignored.
- `day_key` / `compatible_days`: ISO dates agree when one lies inside the other; without
  dates, two day phrases must say the same day once filler words are dropped.
- `same_sentence_incident` / `same_incident`: same side and a compatible day, and the same
  place or one sentence telling both as one incident.
- `merge_events`: the first report keeps its fields, fills its gaps from the other, and
  gains the other's evidence and weapons.
"""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from extractor import gazetteer
from extractor.core.schema import Event, EventType

PLACE_MATCH_THRESHOLD = 85.0
"""rapidfuzz token-set ratio from which two places not in the gazetteer are one place."""
MAX_EVIDENCE = 12

_PLACE_NOISE = re.compile(
    r"\b(the|a|an|of|in|at|near|u\.?s\.?|us|american|coalition|military|iraqi|syrian|"
    r"air|base|airbase|airfield|garrison|installation|facility)\b",
    re.I,
)


_DAY_NOISE = re.compile(
    r"\b(on|early|late|later|earlier|in|the|this|last|morning|evening|night|afternoon)\b"
)


def place_key(location: str) -> str:
    """A location without generic words, for comparison: "Ain al-Asad Air Base" -> "ain al asad"."""
    words = _PLACE_NOISE.sub(" ", location.lower().replace("-", " "))
    return " ".join(words.split())


def day_key(when: str) -> str:
    """A day phrase without filler: "late on Monday evening" -> "monday"."""
    words = _DAY_NOISE.sub(" ", when.lower())
    return " ".join(words.split())


def compatible_days(a: Event, b: Event) -> bool:
    """True unless the two events' own dates (or, without dates, day phrases) differ."""
    if a.date and b.date:
        return a.date.startswith(b.date) or b.date.startswith(a.date)
    return not (a.date_text and b.date_text and day_key(a.date_text) != day_key(b.date_text))


def _one_place_phrase(a: str, b: str, sentence: str) -> bool:
    """True when `sentence` writes the two places as one phrase: "a facility at Baghdad airport"."""
    text = sentence.lower()
    first, second = text.find(a.lower()), text.find(b.lower())
    if first < 0 or second < 0:
        return False
    (start_a, name_a), (start_b, _) = sorted([(first, a), (second, b)])
    between = text[start_a + len(name_a) : start_b]
    return bool(
        re.fullmatch(r"\s*(?:,\s*)?(?:at|in|near|of|inside|outside)\s+(?:the\s+)?", between)
    )


def same_sentence_incident(a: Event, b: Event) -> bool:
    """True when one sentence reports both as one incident of the same day.

    A strike is one event whatever it hit ("strikes on three facilities ... These strikes
    targeted KH headquarters, storage and training locations"): two strikes that share a
    sentence are one. Two attacks that share a sentence are one only when the sentence names
    their places as one phrase ("drones headed toward a facility housing U.S. advisors at
    Baghdad airport"); "a base in Anbar and one in Baghdad" stays two.
    """
    if a.event_type != b.event_type or not compatible_days(a, b):
        return False
    shared = set(a.evidence) & set(b.evidence)
    if not shared:
        return False
    if a.event_type is EventType.STRIKE:
        # one operation in two countries is two events ("strikes in Iraq and Syria")
        countries = set(gazetteer.COUNTRIES)
        return not (a.location in countries and b.location in countries)
    return any(_one_place_phrase(a.location, b.location, sentence) for sentence in shared)


def same_place(a: str, b: str, threshold: float = PLACE_MATCH_THRESHOLD) -> bool:
    """True when two locations name one place.

    Known places (`gazetteer`) compare by identity, so spellings agree ("K1 airbase" ~ "K-1
    Air Base", "Al-Assad Airbase" ~ "Ain al-Asad"), and a town or province holds the base
    in it ("an airbase in Kirkuk province" ~ "K-1"), while two different bases, or a city and
    a base elsewhere in its region (Erbil and Bashur), never match.
    Otherwise the words are compared fuzzily, generic words ignored.
    """
    place_a, place_b = gazetteer.lookup(a), gazetteer.lookup(b)
    if place_a is not None and place_b is not None:
        if place_a == place_b:
            return True
        return gazetteer.contains(place_a, place_b) or gazetteer.contains(place_b, place_a)
    pa, pb = place_key(a), place_key(b)
    if not pa or not pb:
        return pa == pb and a.lower() == b.lower()
    return fuzz.token_set_ratio(pa, pb) >= threshold


def same_incident(a: Event, b: Event, threshold: float = PLACE_MATCH_THRESHOLD) -> bool:
    """True when two events share type, a compatible date and the place (`same_place`)."""
    if a.event_type != b.event_type or not compatible_days(a, b):
        return False
    if same_sentence_incident(a, b):
        return True
    return same_place(a.location, b.location, threshold)


def merge_events(kept: Event, other: Event) -> Event:
    """`kept` with its empty fields filled from `other`, evidence and weapons united."""
    filled = {
        name: getattr(other, name)
        for name in Event.model_fields
        if getattr(kept, name) is None and getattr(other, name) is not None
    }
    evidence = list(dict.fromkeys([*kept.evidence, *other.evidence]))[:MAX_EVIDENCE]
    weapons = list(dict.fromkeys([*kept.weapon_types, *other.weapon_types]))
    return kept.model_copy(update={**filled, "evidence": evidence, "weapon_types": weapons})


def merge_duplicates(events: list[Event]) -> list[Event]:
    """Events with duplicates merged into their first occurrence, order kept."""
    merged: list[Event] = []
    for event in events:
        for i, kept in enumerate(merged):
            if same_incident(kept, event):
                merged[i] = merge_events(kept, event)
                break
        else:
            merged.append(event)
    return merged
