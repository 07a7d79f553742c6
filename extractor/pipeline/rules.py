"""Deterministic checks that a small model's answers must pass before they become fields.

The model proposes; these rules keep only what the article supports: dates resolved
against the article's own reference date, counts that appear in the text (as digits or
words), weapon types whose keywords are in the text, names that occur in the text, and
evidence snapped to real sentences.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from enum import StrEnum

import dateparser
from rapidfuzz import fuzz

from extractor.core.schema import EventType, WeaponType
from extractor.pipeline.sentences import WEEKDAYS, Sentence, full_dates

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "a dozen": 12,
    "dozen": 12,
    "a single": 1,
    "single": 1,
    "a pair of": 2,
    "both": 2,
}
_NUMBER = re.compile(
    r"\b(\d{1,3}(?:,\d{3})*|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)
_NONE_HARMED = re.compile(
    r"\b(no (?:reports? of )?(?:casualties|injuries|deaths|one (?:was )?(?:hurt|injured|killed))"
    r"|did not (?:result in|cause) (?:any )?(?:injuries|casualties)"
    r"|without (?:causing )?(?:casualties|injuries)|nobody was|no one was)\b",
    re.IGNORECASE,
)
WEAPON_KEYWORDS: dict[WeaponType, re.Pattern[str]] = {
    WeaponType.ROCKET: re.compile(r"\brocket|katyusha", re.I),
    WeaponType.MISSILE: re.compile(r"(?<!ballistic )\bmissile", re.I),
    WeaponType.BALLISTIC_MISSILE: re.compile(r"\bballistic missile", re.I),
    WeaponType.DRONE: re.compile(r"\bdrone|\buav\b|unmanned aerial", re.I),
    WeaponType.MORTAR: re.compile(r"\bmortar", re.I),
    WeaponType.INDIRECT_FIRE: re.compile(r"\bindirect fire", re.I),
    WeaponType.ARTILLERY: re.compile(r"\bartillery", re.I),
    WeaponType.AIRSTRIKE: re.compile(r"\bair ?strike|\bbomb(?:ed|ing)|\bwarplane", re.I),
    WeaponType.EXPLOSIVE: re.compile(r"\bimprovised explosive|\bied\b|\bbomb\b", re.I),
    WeaponType.SMALL_ARMS: re.compile(r"\bsmall[- ]arms|\bgunfire|\bgunmen", re.I),
}


def numbers_in(text: str) -> set[int]:
    """Every count the text writes, as digits ("17", "2,500") or words ("five", "a dozen")."""
    found: set[int] = set()
    for match in _NUMBER.finditer(text):
        token = match.group(1).lower()
        found.add(NUMBER_WORDS[token] if token in NUMBER_WORDS else int(token.replace(",", "")))
    return found


def grounded_count(value: int | None, text: str, *, zero_allowed: bool = False) -> int | None:
    """Keep `value` only if the text supports it.

    A count must appear in `text`, or be the sum of two counts that do ("five hit, three fell
    outside" gives 8). Zero needs `zero_allowed` (the text says nobody was harmed).
    """
    if value is None:
        return None
    if value == 0:
        return 0 if zero_allowed else None
    stated = numbers_in(text)
    if value in stated:
        return value
    if any(value - a in stated and value - a != a for a in stated if a < value):
        return value
    return None


_DEATH_WORDS = re.compile(
    r"\b(kill\w*|dead|died|dies|death\w*|fatalit\w*|lives|slain|lost their lives|bodies)\b", re.I
)
_INJURY_WORDS = re.compile(
    r"\b(injur\w*|wound\w*|hurt|casualt\w*|hospitali[sz]ed|brain injur\w*|concussion\w*)\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(r"(?<![A-Z])[.;:]\s|,\s(?:while|but|and|whereas)\s|\bwhile\b")


_PROJECTILE_WORDS = re.compile(
    r"\b(rockets?|missiles?|drones?|uavs?|unmanned|mortars?|rounds|shells?|projectiles?|"
    r"munitions?|bombs?|katyushas?|grenades?|one-way attack)\b",
    re.I,
)


def projectile_count(value: int | None, text: str) -> int | None:
    """Keep a count of projectiles (or of those intercepted) only where a clause writes it
    with a projectile word: "two rockets", "three cruise missiles", "one drone". Counts of
    sites, targets, sorties or airstrikes ("hit three sites", "85 targets") are not
    projectiles (GUIDELINES.md). A sum of stated parts needs a projectile word in the text.
    """
    if not value:
        return value
    clauses = _CLAUSE_BREAK.split(text)
    if any(value in numbers_in(c) and _PROJECTILE_WORDS.search(c) for c in clauses):
        return value
    if not any(value in numbers_in(c) for c in clauses) and _PROJECTILE_WORDS.search(text):
        return value
    return None


class Harm(StrEnum):
    """Which casualty count a number is asked to be."""

    KILLED = "killed"
    INJURED = "injured"


def casualty_count(value: int | None, text: str, harm: Harm) -> int | None:
    """Keep a killed/injured count only where a clause of `text` writes it with a word of
    that harm: "four were wounded" supports injured 4, not killed 4.

    A sum of parts (`grounded_count`) needs the harm word somewhere in the text. Small
    models move numbers between the two fields; this is the check that stops it.
    """
    if not value:
        return value
    words = _DEATH_WORDS if harm is Harm.KILLED else _INJURY_WORDS
    clauses = _CLAUSE_BREAK.split(text)
    if any(value in numbers_in(c) and words.search(c) for c in clauses):
        return value
    if not any(value in numbers_in(c) for c in clauses) and words.search(text):
        return value  # a sum of stated parts
    return None


def says_none_harmed(text: str) -> bool:
    """True when the text says there were no casualties/injuries."""
    return bool(_NONE_HARMED.search(text))


def grounded_weapons(proposed: Iterable[WeaponType], text: str) -> list[WeaponType]:
    """The proposed weapon types whose keywords occur in `text`, in enum order."""
    wanted = set(proposed)
    if WeaponType.MISSILE in wanted and WEAPON_KEYWORDS[WeaponType.BALLISTIC_MISSILE].search(text):
        wanted.add(WeaponType.BALLISTIC_MISSILE)
    kept = [w for w in WeaponType if w in wanted and WEAPON_KEYWORDS[w].search(text)]
    if WeaponType.BALLISTIC_MISSILE in kept and not re.search(
        r"(?<!ballistic )missile", text.replace("ballistic missile", ""), re.I
    ):
        kept = [w for w in kept if w is not WeaponType.MISSILE]
    return kept


_STRIKE_DRONE = re.compile(r"\bdrone strikes?\b|\bstrikes? by (?:an? )?(?:\w+ )?drones?\b", re.I)


def strike_weapons(event_type: EventType, text: str) -> list[WeaponType]:
    """Weapons a U.S./coalition strike's own words name: "airstrikes", "bombed", "warplanes"
    are `airstrike`, a "drone strike" is `drone` (GUIDELINES.md). Small models leave them out;
    for attacks the model's answer stands (its sentences may name the strikers' weapons)."""
    if event_type is not EventType.STRIKE:
        return []
    found = []
    if WEAPON_KEYWORDS[WeaponType.AIRSTRIKE].search(text):
        found.append(WeaponType.AIRSTRIKE)
    if _STRIKE_DRONE.search(text):
        found.append(WeaponType.DRONE)
    return found


def weapons_named(text: str) -> list[WeaponType]:
    """Every weapon type whose keyword occurs in `text`."""
    return grounded_weapons(list(WeaponType), text)


def _in_word(char: str) -> bool:
    return char.isalnum() or char in "-’'"


def grounded_name(value: str | None, text: str, threshold: float = 85.0) -> str | None:
    """Keep a name/phrase only if (roughly) it occurs in `text`, spelled as `text` spells it."""
    if not value or not value.strip():
        return None
    value = value.strip()
    found = text.lower().find(value.lower())
    if found >= 0:
        start, end = found, found + len(value)
    else:
        alignment = fuzz.partial_ratio_alignment(value.lower(), text.lower())
        if alignment is None or alignment.score < threshold:
            return None
        start, end = alignment.dest_start, alignment.dest_end
    while start > 0 and _in_word(text[start - 1]):  # widen to whole words
        start -= 1
    while end < len(text) and _in_word(text[end]):
        end += 1
    return text[start:end].strip() or None  # as the text spells it


_TIME_CUE = re.compile(
    r"\b(monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|tonight|yesterday|"
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|\d{1,4}|morning|afternoon|evening|"
    r"night|dawn|week|weekend|month|year|earlier|ago|last|hours?|days?)",
    re.I,
)


def plausible_when(when: str | None) -> str | None:
    """A day phrase, or None when the model put something else there ("Iraq", a clause)."""
    if not when or len(when.split()) > 6 or not _TIME_CUE.search(when):
        return None
    return when


def _last_weekday(reference: dt.date, weekday: int) -> dt.date:
    return reference - dt.timedelta(days=(reference.weekday() - weekday) % 7)


_DAYS_BEFORE_REFERENCE = (
    (re.compile(r"\bday before yesterday\b"), 2),
    (re.compile(r"\b(?:yesterday|last night)\b"), 1),
    (re.compile(r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b"), 0),
)


def relative_day(phrase: str) -> int | None:
    """Days before the article's date that "yesterday" (1) or "today"/"tonight" (0) mean."""
    for pattern, days in _DAYS_BEFORE_REFERENCE:
        if pattern.search(phrase.lower()):
            return days
    return None


def resolve_date(when: str | None, context: str, reference: dt.date | None) -> str | None:
    """ISO date at the precision the text supports, or None.

    A full date in `when` or in the incident's own text wins; a weekday resolves to the
    latest such day on or before the article's reference date; "Month D" takes the year of
    a full date in the same text, else the reference year. Nothing is guessed without an
    absolute anchor in the text.
    """
    dated = full_dates(when or "")
    if dated:
        return dated[0][0].isoformat()
    phrase = (when or "").lower()
    if reference is not None:
        relative = relative_day(phrase)
        if relative is not None:
            return (reference - dt.timedelta(days=relative)).isoformat()
        for i, name in enumerate(WEEKDAYS):
            if re.search(rf"\b{name}\b", phrase):
                return _last_weekday(reference, i).isoformat()
    month_day = re.search(
        r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})\b", phrase
    )
    if month_day:
        years = [d.year for d, _, _ in full_dates(context)]
        year = years[0] if years else (reference.year if reference else None)
        if year is not None:
            parsed = dateparser.parse(
                f"{month_day.group(0)} {year}", settings={"REQUIRE_PARTS": ["day", "month"]}
            )
            if parsed is not None:
                day = parsed.date()
                if not years and reference is not None and day > reference:
                    day = day.replace(year=day.year - 1)  # "July 16" told in January: last July
                return day.isoformat()
    if reference is not None and re.search(r"\blast month\b", phrase):
        first = reference.replace(day=1) - dt.timedelta(days=1)
        return f"{first.year:04d}-{first.month:02d}"
    year_only = re.fullmatch(r"(?:in )?((?:19|20)\d{2})", phrase.strip())
    if year_only:
        return year_only.group(1)
    return None


def snap_quote(
    quote: str, sentences: Sequence[Sentence], threshold: float = 70.0
) -> Sentence | None:
    """The article sentence a model-written quote comes from, or None if none is close."""
    quote = " ".join(quote.split())
    if not quote:
        return None
    best: tuple[float, Sentence] | None = None
    for sentence in sentences:
        if quote in sentence.text:
            return sentence
        score = fuzz.partial_ratio(quote, sentence.text)
        if best is None or score > best[0]:
            best = (score, sentence)
    return best[1] if best is not None and best[0] >= threshold else None


def country_in(
    text: str, known: Sequence[str] = ("Iraq", "Syria", "Jordan", "Yemen")
) -> str | None:
    """The first country name of `known` that `text` states (adjectives count: "Iraqi")."""
    hits = [(m.start(), name) for name in known for m in re.finditer(rf"\b{name}", text)]
    return min(hits)[1] if hits else None


# First-level regions as articles write them -> the name recorded in `admin1`.
ADMIN1_NAMES: dict[str, str] = {
    "anbar": "Anbar",
    "baghdad": "Baghdad",
    "basra": "Basra",
    "babil": "Babil",
    "diyala": "Diyala",
    "dhi qar": "Dhi Qar",
    "karbala": "Karbala",
    "kirkuk": "Kirkuk",
    "maysan": "Maysan",
    "muthanna": "Muthanna",
    "najaf": "Najaf",
    "nineveh": "Nineveh",
    "ninawa": "Nineveh",
    "salahuddin": "Salahuddin",
    "salah al-din": "Salahuddin",
    "wasit": "Wasit",
    "kurdistan": "Kurdistan Region",
    "kurdish region": "Kurdistan Region",
    "deir ez-zor": "Deir ez-Zor",
    "deir el-zour": "Deir ez-Zor",
    "deir ezzor": "Deir ez-Zor",
    "hasakah": "Hasakah",
    "hasaka": "Hasakah",
    "raqqa": "Raqqa",
    "homs": "Homs",
    "aleppo": "Aleppo",
    "idlib": "Idlib",
    "daraa": "Daraa",
    "mafraq": "Mafraq",
    "hodeidah": "Hodeidah",
    "sanaa": "Sanaa",
}
ADMIN1_PATTERN = _ADMIN1 = re.compile(
    r"\b(" + "|".join(re.escape(n) for n in sorted(ADMIN1_NAMES, key=len, reverse=True)) + r")\b",
    re.IGNORECASE,
)


_COUNTRY = re.compile(r"\b(Iraq|Syria|Jordan|Yemen)")


def _nearest(matches: list[re.Match[str]], anchor: int | None) -> re.Match[str] | None:
    """The match closest to `anchor` (the first one when there is no anchor)."""
    if not matches:
        return None
    if anchor is None:
        return matches[0]
    return min(matches, key=lambda m: min(abs(m.start() - anchor), abs(m.end() - anchor)))


def first_mention(location: str, article: str) -> str:
    """The article's first sentence naming the place's most telling word, else ""."""
    words = [w for w in re.findall(r"[\w’'-]+", location) if len(w) >= 4 and w[0].isupper()]
    if not words:
        return ""
    word = max(words, key=len)
    for sentence in re.split(r"(?<=[.!?])\s+", article):
        if re.search(rf"\b{re.escape(word)}\b", sentence):
            return sentence
    return ""


def place_facts(location: str, context: str) -> tuple[str | None, str | None]:
    """(country, admin1) the text states for a place: in the place's name, else nearest to it.

    "a base in Rumalyn in remote northeastern Syria" gives Syria for Rumalyn although the
    sentence names Iraq first. Nothing is inferred from outside knowledge: "Nineveh" alone
    does not give Iraq.
    """
    anchor = None
    for probe in (location, *sorted(location.split(), key=len, reverse=True)[:2]):
        found = context.lower().find(probe.lower()) if len(probe) >= 4 else -1
        if found >= 0:
            anchor = found + len(probe) // 2
            break
    region = _ADMIN1.search(location) or _nearest(list(_ADMIN1.finditer(context)), anchor)
    admin1 = ADMIN1_NAMES[region.group(1).lower()] if region else None
    country_match = _COUNTRY.search(location) or _nearest(list(_COUNTRY.finditer(context)), anchor)
    country = country_match.group(1) if country_match else None
    return country, admin1


_DAMAGE_WORD = re.compile(r"\b(damag\w*|destroy\w*|destruction|burn\w*|collaps\w*|rubble)\b", re.I)
_NEGATED = re.compile(r"\b(no|not|without|neither|nor)\b", re.I)


def physical_damage(phrase: str | None) -> str | None:
    """`phrase` if it tells of damage to things ("minor damage"); None for people or negations.

    Small models put casualties ("injured several troops") or whole clauses in `damage`.
    """
    if not phrase or not _DAMAGE_WORD.search(phrase) or _NEGATED.search(phrase):
        return None
    return phrase
