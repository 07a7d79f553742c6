"""Review flags: which output events a person should check before using them, and why.

Pure rules over one article's grounded events, their evidence sentences and the article
text; nothing is changed but `needs_review` and `review_reasons`. Each rule names what it
saw, in one short line an analyst can act on:

- a count (killed, injured, projectiles, intercepted) not in the event's own sentences:
  `killed 4: not in the event's own sentences`;
- a count found only in another event's sentences: `killed 4: only in another event's
  sentences`;
- an attack's casualty count told in a sentence about a strike ("four were killed in the
  U.S. strike"): `killed 4: the sentence counts a strike's casualties`;
- the place or the perpetrator not in the event's own sentences: `location 'Tower 22': not
  in the event's own sentences`;
- evidence from more than one incident: `evidence names more than one day (sunday,
  tuesday)`, `evidence sentence 2 names another event's place (Erbil)`, `evidence sentence
  3 tells of another incident ('another attack')`.

A count is found in a sentence when its number is written there (digits or a word: "4",
"four") together with a word of its kind ("killed", "wounded", "rockets", "intercepted");
1 also counts as found when a word of its kind is there ("a contractor was killed"), and 0
is never flagged (the pipeline writes 0 only where the text says nobody was hurt). Places
and names are compared by their distinctive words, case and punctuation folded, with
"U.S.", "US", "American" and "United States" as one name. How often a flag is right on the
gold sets: evals/results/2026-12-02-review-flags.md.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from extractor.core.records import GroundedEvent
from extractor.core.schema import Event, EventType

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "dozen": 12, "single": 1,
    "both": 2, "pair": 2,
}  # fmt: skip
COUNT_WORDS = {
    "killed": r"kill|dead\b|death|died\b|dies?\b|lives\b|fatal|slain\b|bodies\b",
    "injured": r"injur|wound|hurt|casualt|treated|brain|concussion|inhalation|minor",
    "projectiles": r"rocket|missile|drone|mortar|shell|projectile|round|uav|bomb|munition|"
    r"strike|attack|salvo|launch",
    "intercepted": r"intercept|shot down|shoot down|downed|destroy|engaged|neutrali",
}
"""Per count field, the words (or word beginnings) one of which a sentence must hold for its
number to count."""
_THEIR_STRIKE = (
    r"(?:U\.S\.|US|American|coalition|retaliatory|Israeli)(?:[- ](?:led|military|air|drone|"
    r"retaliatory))*[- ](?:air ?)?strikes?|air ?strikes?"
)
STRIKE_CASUALTY = re.compile(
    rf"\b(?:kill\w*|dead|died|wounded|injured)\b[^.;]{{0,30}}?\b(?:in|by|during)\s+"
    rf"(?:the\s+|a\s+|an\s+)?(?:{_THEIR_STRIKE})\b"
    rf"|\b(?:{_THEIR_STRIKE})\b[^.;,]{{0,40}}?\b(?:kill(?:ed|ing|s)?|wounded|injured)\b"
    r"|\b(?:U\.S\.|US|American|coalition|Israeli)(?: military| forces| jets| aircraft| warplanes)?"
    r" (?:bombed|struck|hit|targeted|attacked|raided)\b[^.;]{0,80}?, (?:killing|wounding)\b",
    re.I,
)
"""A sentence whose dead or wounded are a U.S. or coalition strike's ("killed in the U.S.
strike", "airstrikes killed four", "the U.S. military bombed a factory, killing four"), not
an attack's ("killed in a drone strike on a base")."""
OTHER_INCIDENT = re.compile(
    r"\b(?:another|a separate|a second|an earlier|a previous|a similar|"
    r"that incident|the day before|a day earlier|last (?:week|month))\b",
    re.I,
)
DAY = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b|"
    r"\b((?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.? \d{1,2})\b",
    re.I,
)
ALIASES = {"us": "us", "u s": "us", "american": "us", "americans": "us", "america": "us"}
_GENERIC = (
    "the a an of in at on and near to for from base air airbase military camp forces force "
    "group groups militia militias city town province village area region site station "
    "outpost facility landing zone district northern southern eastern western central "
    "north south east west iraqi syrian iran-backed backed affiliated linked "
    "fighters unknown unidentified"
)
GENERIC_WORDS = frozenset(_GENERIC.split())
"""Words too common in places and actor names to show that a sentence names this one."""


def _fold(text: str) -> str:
    """Lower case, `U.S.` as `us`, `United States` as `us`, punctuation as spaces."""
    text = re.sub(r"\bU\.\s?S\.?(?=\W|$)", "us", text, flags=re.I)
    text = re.sub(r"\bUnited States\b", "us", text, flags=re.I)
    words = re.findall(r"[\w-]+", text.lower())
    return " ".join(ALIASES.get(word, word) for word in words)


def _distinctive(name: str) -> set[str]:
    """The words of a place or actor name that can identify it in a sentence."""
    words = set(_fold(name).split())
    kept = {w.removeprefix("al-") for w in words if w not in GENERIC_WORDS and len(w) > 1}
    return kept or words


def names_it(name: str, sentences: Iterable[str]) -> bool:
    """True when a sentence holds one of the name's distinctive words."""
    wanted = _distinctive(name)
    for sentence in sentences:
        words = set(_fold(sentence).split())
        words |= {w.removeprefix("al-") for w in words}
        if wanted & words:
            return True
    return False


def _numbers(sentence: str) -> set[int]:
    """Every number a sentence writes, in digits or in words ("4", "four", "a dozen")."""
    found = {int(d.replace(",", "")) for d in re.findall(r"\b\d{1,3}(?:,\d{3})*\b", sentence)}
    for word in re.findall(r"[a-z]+", sentence.lower()):
        if word in NUMBER_WORDS:
            found.add(NUMBER_WORDS[word])
    return found


def count_in(field: str, value: int, sentence: str) -> bool:
    """True when `sentence` writes `value` as a number of `field`'s kind."""
    if not re.search(rf"\b(?:{COUNT_WORDS[field]})", sentence, re.I):
        return False
    return value == 1 or value in _numbers(sentence)


def _count_reasons(event: Event, others: Sequence[Event]) -> list[str]:
    reasons = []
    for field in COUNT_WORDS:
        value = getattr(event, field)
        if not value:
            continue
        if any(count_in(field, value, s) for s in event.evidence):
            continue
        elsewhere = [s for o in others for s in o.evidence if s not in event.evidence]
        if any(count_in(field, value, s) for s in elsewhere):
            reasons.append(f"{field} {value}: only in another event's sentences")
        else:
            reasons.append(f"{field} {value}: not in the event's own sentences")
    return reasons


def _strike_casualty_reasons(event: Event) -> list[str]:
    """An attack's dead or wounded counted in a sentence about a strike."""
    if event.event_type is not EventType.ATTACK:
        return []
    reasons = []
    for field in ("killed", "injured"):
        value = getattr(event, field)
        if not value:
            continue
        told = [s for s in event.evidence if count_in(field, value, s)] or event.evidence
        if any(STRIKE_CASUALTY.search(s) for s in told):
            reasons.append(f"{field} {value}: the sentence counts a strike's casualties")
    return reasons


def _name_reasons(event: Event) -> list[str]:
    reasons = []
    for field in ("location", "perpetrator"):
        value = getattr(event, field)
        if value and not names_it(value, event.evidence):
            reasons.append(f"{field} {value!r}: not in the event's own sentences")
    return reasons


def _days(sentence: str) -> set[str]:
    return {" ".join(m.group(0).lower().replace(".", "").split()) for m in DAY.finditer(sentence)}


def _incident_reasons(event: Event, others: Sequence[Event]) -> list[str]:
    """Signs that the evidence tells of more than one incident."""
    reasons = []
    days = sorted({day for sentence in event.evidence for day in _days(sentence)})
    if len(days) > 1:
        reasons.append(f"evidence names more than one day ({', '.join(days)})")
    other_places = {
        o.location for o in others if o.location and not names_it(o.location, [event.location])
    }
    for position, sentence in enumerate(event.evidence, start=1):
        if position == 1:
            continue
        if not names_it(event.location, [sentence]):
            foreign = sorted(p for p in other_places if names_it(p, [sentence]))
            if foreign:
                reasons.append(f"evidence sentence {position} names another event's place "
                               f"({foreign[0]})")  # fmt: skip
                continue
        cue = OTHER_INCIDENT.search(sentence)
        if cue:
            reasons.append(f"evidence sentence {position} tells of another incident "
                           f"({cue.group(0)!r})")  # fmt: skip
    return reasons


def review_reasons(event: Event, others: Sequence[Event] = ()) -> list[str]:
    """Why `event` needs a person's review (empty: no rule fired); `others` are the other
    events of its article."""
    return [
        *_count_reasons(event, others),
        *_strike_casualty_reasons(event),
        *_name_reasons(event),
        *_incident_reasons(event, others),
    ]


def review_events(events: Sequence[GroundedEvent]) -> list[GroundedEvent]:
    """One article's events with `needs_review` and `review_reasons` set."""
    reviewed = []
    for index, event in enumerate(events):
        others = [other for i, other in enumerate(events) if i != index]
        reasons = review_reasons(event, others)
        reviewed.append(
            event.model_copy(update={"needs_review": bool(reasons), "review_reasons": reasons})
        )
    return reviewed
