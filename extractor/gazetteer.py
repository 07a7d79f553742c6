"""A small gazetteer of the places that recur in reports of attacks on U.S./coalition forces.

Bases, towns, regions and seas, each with its spellings ("Ain al-Asad" ~ "Al-Asad Airbase" ~
"Ayn al-Asad"), its first-level region and country, and whether it hosts U.S./coalition
forces. It answers three questions the pipeline and the incident merger ask:

- is this string a place at all (or an actor, a unit, a generic noun)?
- which place does a sentence name, and where is it (admin1, country)?
- is an attack there an attack on U.S./coalition forces (a base that hosts them)?

It is deliberately short and grows by need: every entry here met us in real articles. A
place that is missing is not an error: callers fall back to the article's own words.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    """One place: its canonical name, other spellings, region, country and role."""

    name: str
    aliases: tuple[str, ...]
    admin1: str | None
    country: str | None
    hosts_coalition: bool = False


_PLACES: tuple[Place, ...] = (
    # Iraq
    Place("Ain al-Asad Air Base", ("ain al asad", "ayn al asad", "al asad", "al assad",
          "ain al assad", "asad airbase", "assad airbase"), "Anbar", "Iraq", True),
    Place("Erbil Air Base", ("erbil air base", "erbil airport", "erbil airbase",
          "arbil airport", "arbil air base"), "Kurdistan Region", "Iraq", True),
    Place("Erbil", ("erbil", "arbil", "irbil"), "Kurdistan Region", "Iraq"),
    Place("Harir Air Base", ("harir", "al harir"), "Kurdistan Region", "Iraq", True),
    Place("Bashur Air Base", ("bashur",), "Kurdistan Region", "Iraq", True),
    Place("Baghdad International Airport", ("baghdad airport", "baghdad international airport",
          "victory base", "camp victory"), "Baghdad", "Iraq", True),
    Place("Union III", ("union iii", "union 3"), "Baghdad", "Iraq", True),
    Place("U.S. Embassy in Baghdad", ("us embassy", "u s embassy", "american embassy",
          "green zone"), "Baghdad", "Iraq", True),
    Place("Baghdad", ("baghdad",), "Baghdad", "Iraq"),
    Place("K-1 Air Base", ("k 1", "k1"), "Kirkuk", "Iraq", True),
    Place("Kirkuk", ("kirkuk",), "Kirkuk", "Iraq"),
    Place("Taji", ("taji", "camp taji"), "Baghdad", "Iraq", True),
    Place("Balad Air Base", ("balad",), "Salahuddin", "Iraq", True),
    Place("Qayyarah Airfield West", ("qayyarah", "q west"), "Nineveh", "Iraq", True),
    Place("Jurf al-Sakhar", ("jurf al sakhar", "jurf al nasr"), "Babil", "Iraq"),
    Place("Al-Qaim", ("al qaim", "qaim"), "Anbar", "Iraq"),
    Place("Anbar", ("anbar",), "Anbar", "Iraq"),
    Place("Mosul", ("mosul",), "Nineveh", "Iraq"),
    Place("Sinjar", ("sinjar",), "Nineveh", "Iraq"),
    # Syria
    Place("Al-Tanf Garrison", ("al tanf", "tanf", "at tanf"), "Homs", "Syria", True),
    Place("Rumalyn Landing Zone", ("rumalyn", "rmeilan", "rumeilan", "rmelan"), "Hasakah",
          "Syria", True),
    Place("Conoco", ("conoco",), "Deir ez-Zor", "Syria", True),
    Place("Green Village", ("green village",), "Deir ez-Zor", "Syria", True),
    Place("Mission Support Site Euphrates", ("mission support site euphrates",
          "mss euphrates"), "Deir ez-Zor", "Syria", True),
    Place("Shaddadi", ("shaddadi", "al shaddadi", "shadadi"), "Hasakah", "Syria", True),
    Place("Kharab al-Jir", ("kharab al jir",), "Hasakah", "Syria", True),
    Place("Tal Baydar", ("tal baydar",), "Hasakah", "Syria", True),
    Place("Mayadeen", ("mayadeen", "mayadin"), "Deir ez-Zor", "Syria"),
    Place("Abu Kamal", ("abu kamal", "albu kamal", "al bukamal", "boukamal"), "Deir ez-Zor",
          "Syria"),
    Place("Deir ez-Zor", ("deir ez zor", "deir el zour", "deir ezzor", "deir al zour"),
          "Deir ez-Zor", "Syria"),
    Place("Damascus", ("damascus",), "Damascus", "Syria"),
    # Jordan
    Place("Tower 22", ("tower 22",), None, "Jordan", True),
    Place("Muwaffaq Salti Air Base", ("muwaffaq salti",), None, "Jordan", True),
    # Yemen and the seas around it
    Place("Hodeidah", ("hodeidah", "hudaydah", "hudayah", "hodeida"), "Hodeidah", "Yemen"),
    Place("Sanaa", ("sanaa", "sana a"), "Sanaa", "Yemen"),
    Place("Red Sea", ("red sea",), None, None),
    Place("Gulf of Aden", ("gulf of aden",), None, None),
    Place("Bab el-Mandeb", ("bab el mandeb", "bab al mandab"), None, None),
)  # fmt: skip

COUNTRIES = ("Iraq", "Syria", "Jordan", "Yemen", "Iran", "Lebanon", "Israel", "Kuwait", "Qatar")

# Names of actors, units and sides: never a place on their own.
_ACTOR_WORDS = re.compile(
    r"\b(u\.?s\.?|us|usa|united states|american|america|coalition|centcom|pentagon|"
    r"hezbollah|hizbollah|kataib|kata.ib|houthis?|ansar allah|militias?|militants?|irgc|quds|"
    r"pmf|hashd|popular mobili[sz]ation|harakat|nujaba|islamic resistance|isis|isil|daesh|"
    r"islamic state|hamas|pkk|ypg|sdf|iran.?backed|iranian.?backed|iran.?aligned|"
    r"revolutionary guards?|forces?|troops?|personnel|soldiers|service ?members|navy|army|"
    r"marines?|air force|uss|destroyer|warship)\b",
    re.I,
)
_SHIP = re.compile(r"\bUSS\s+[\w.'’-]+", re.I)
_SEA = re.compile(r"\b(sea|gulf|strait|ocean)\b", re.I)
_NAME_WORD = re.compile(r"\b[A-Z][\w'’-]*[a-z][\w'’-]*\b|\b[A-Z]-?\d+\b|\b[A-Z]{2,}\b")


def fold(text: str) -> str:
    """Lower case, no accents, punctuation and hyphens as spaces, `al-`/`el-` kept as words."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[’'`]", "", text)
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text).split())


_INDEX: tuple[tuple[str, Place], ...] = tuple(
    sorted(
        ((alias, place) for place in _PLACES for alias in (fold(place.name), *place.aliases)),
        key=lambda pair: -len(pair[0]),
    )
)


def find_places(text: str) -> list[Place]:
    """Gazetteer places named in `text`, most specific first (a base before the town near it,
    then the longer spelling), no repeats. A spelling inside a longer one counts once."""
    folded = f" {fold(text)} "
    found: list[tuple[Place, int]] = []
    for alias, place in _INDEX:
        if f" {alias} " in folded:
            if place not in (p for p, _ in found):
                found.append((place, len(alias)))
            folded = folded.replace(f" {alias} ", " # ")
    found.sort(key=lambda pair: (not pair[0].hosts_coalition, -pair[1]))
    return [place for place, _ in found]


def lookup(location: str) -> Place | None:
    """The gazetteer place a location string names, if any (the most specific one)."""
    found = find_places(location)
    return found[0] if found else None


def countries_in(text: str) -> list[str]:
    """Country names written in `text`, in order of first appearance ("Iran-backed" and
    "Iraqi" are adjectives, not the country)."""
    hits = [(m.start(), c) for c in COUNTRIES for m in re.finditer(rf"\b{c}\b(?![-‐–]\w)", text)]
    return list(dict.fromkeys(c for _, c in sorted(hits)))


_COUNTRY = "|".join(COUNTRIES)
_IN_COUNTRIES = re.compile(
    rf"\bin\s+((?:{_COUNTRY})(?:\s*(?:,\s*(?:and\s+)?|\s+and\s+)(?:{_COUNTRY}))*)\b"
)


def countries_where(text: str) -> list[str]:
    """Countries written as where something happened: "in Iraq and Syria", "three sites in
    Iraq and two in Syria" (not "Iran's proxies", not "the Iraqi army")."""
    found: list[str] = []
    for match in _IN_COUNTRIES.finditer(text):
        found += [c for c in countries_in(match.group(1)) if c not in found]
    return found


_PLACE_WORDS = re.compile(
    r"\b(bases?|air ?base|airbase|airport|airfield|garrison|camp|outpost|compound|village|"
    r"town|city|province|governorate|region|district|zone|port|embassy|consulate|border|"
    r"desert|coast|island|mountains?|valley|oil ?field|gas ?field)\b",
    re.I,
)
_LOCATIVE = (
    r"(?:in|at|near|on|outside|inside|toward|towards|into|around|from|"
    r"(?:north|south|east|west|northwest|northeast|southwest|southeast) of)"
)


def is_place_name(location: str, text: str | None = None) -> bool:
    """True when `location` names a place: a gazetteer place, a sea, a country, or a proper
    name that is not an actor or a side and that is written as a place: with a place word
    ("Camp Larch", "Green Village") or, in the article `text`, after a locative preposition
    ("attacks at Conoco"). Without `text` a proper name is taken as a place.

    False for generic nouns, actors and bodies: "the bases", "U.S. forces", "Kataib
    Hezbollah", "Iranian-backed militias", "targets", "the Security Media Cell".
    """
    if lookup(location) or _SEA.search(location) or countries_in(location):
        return True
    without_actors = _ACTOR_WORDS.sub(" ", _SHIP.sub(" ", location))
    names = _NAME_WORD.findall(without_actors)
    if not names:
        return False
    if text is None or _PLACE_WORDS.search(location):
        return True
    return any(
        re.search(rf"\b{_LOCATIVE}\s+(?:the\s+)?{re.escape(name)}\b", text, re.I) for name in names
    )


def contains(region: Place, place: Place) -> bool:
    """True when `region` is a first-level region (or the city that names one: Baghdad,
    Kirkuk, Anbar) and `place` lies in it."""
    return (
        region != place
        and not region.hosts_coalition
        and region.admin1 is not None
        and region.name == region.admin1
        and place.admin1 == region.admin1
    )


_COMPASS = re.compile(
    r"\b(north|south|east|west|northern|southern|eastern|western|northeastern|northwestern|"
    r"southeastern|southwestern|central|remote)\b",
    re.I,
)


def is_vague_place(location: str) -> bool:
    """True for a place told only by its country: "an air base in western Iraq", "a military
    base in southern Syria" (no known place, no proper name but the country)."""
    if lookup(location) is not None or _SEA.search(location):
        return False
    rest = _COMPASS.sub(" ", location)
    for country in COUNTRIES:
        rest = re.sub(rf"\b{country}\b", " ", rest)
    rest = _ACTOR_WORDS.sub(" ", rest)
    return not _NAME_WORD.search(rest)


def hosts_coalition(text: str) -> bool:
    """True when `text` names a base known to host U.S./coalition forces."""
    return any(place.hosts_coalition for place in find_places(text))
