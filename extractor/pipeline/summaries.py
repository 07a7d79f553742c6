"""An event's `summary`: one sentence written from its fields, not a quote.

The first evidence sentence made a poor summary: it is the article's words, often about
more than this incident ("... after three U.S. soldiers were killed in a drone strike"),
and it says nothing the fields do not. `field_summary` writes what the event says, in a
fixed order: type, place, date, weapons and projectile counts, perpetrator, casualties.

    Attack at Tower 22, Jordan, on 2024-01-28 with drones, attributed to Islamic
    Resistance in Iraq: 3 killed, 40 injured.
    Strike at Jurf al Sakhar, Babil, Iraq, on 2024-07-30 with airstrikes, claimed by U.S.
    forces: 4 killed.

Nothing is added that the fields do not hold; an unknown value is left out, not guessed.
"""

from __future__ import annotations

from extractor.core.schema import Event, EventType, PerpetratorStatus, WeaponType

MAX_SUMMARY_CHARS = 600
KINDS = {EventType.ATTACK: "Attack", EventType.STRIKE: "Strike"}
WEAPON_WORDS = {
    WeaponType.ROCKET: "rockets",
    WeaponType.MISSILE: "missiles",
    WeaponType.BALLISTIC_MISSILE: "ballistic missiles",
    WeaponType.DRONE: "drones",
    WeaponType.MORTAR: "mortars",
    WeaponType.INDIRECT_FIRE: "indirect fire",
    WeaponType.ARTILLERY: "artillery",
    WeaponType.AIRSTRIKE: "airstrikes",
    WeaponType.EXPLOSIVE: "explosives",
    WeaponType.SMALL_ARMS: "small arms",
}
PLACE_PREPOSITIONS = ("near ", "in ", "at ", "on ", "off ", "outside ", "over ", "north ",
                      "south ", "east ", "west ")  # fmt: skip
STATUS_WORDS = {
    PerpetratorStatus.CLAIMED: "claimed by",
    PerpetratorStatus.ATTRIBUTED: "attributed to",
    PerpetratorStatus.UNKNOWN: "by",
}


def _listed(words: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"


def _place(event: Event) -> str:
    location = event.location.strip()
    lowered = location.lower()
    if lowered.startswith(PLACE_PREPOSITIONS):
        place = location
    elif event.country and lowered == event.country.lower():
        place = f"in {location}"  # a strike placed only by its country
    else:
        place = f"at {location}"
    for part in (event.admin1, event.country):
        if part and part.lower() not in lowered:
            place += f", {part}"
    return place


def _when(event: Event) -> str:
    if event.date:
        return f"on {event.date}" if len(event.date) == 10 else f"in {event.date}"
    return f"({event.date_text})" if event.date_text else ""


def _weapons(event: Event) -> str:
    words = [WEAPON_WORDS[w] for w in event.weapon_types]
    counts = []
    if event.projectiles is not None:
        counts.append(f"{event.projectiles} launched")
    if event.intercepted is not None:
        counts.append(f"{event.intercepted} intercepted")
    phrase = f"with {_listed(words)}" if words else ""
    if counts:
        phrase = f"{phrase} ({', '.join(counts)})".strip()
    return phrase


def _casualties(event: Event) -> str:
    if event.killed == 0 and event.injured == 0:
        return "no casualties"
    parts = []
    if event.killed is not None:
        parts.append(f"{event.killed} killed")
    if event.injured is not None:
        parts.append(f"{event.injured} injured")
    return ", ".join(parts)


def field_summary(event: Event) -> str:
    """One sentence describing `event` from its fields (see the module docstring)."""
    place, when, weapons = _place(event), _when(event), _weapons(event)
    if "," in place and (when or weapons)[:1].isalpha():  # "at Tower 22, Jordan, on ..."
        place += ","
    head = " ".join(p for p in (KINDS[event.event_type], place, when, weapons) if p)
    clauses = [head]
    if event.perpetrator:
        clauses.append(f"{STATUS_WORDS[event.perpetrator_status]} {event.perpetrator}")
    sentence = ", ".join(clauses)
    casualties = _casualties(event)
    if casualties:
        sentence += f": {casualties}"
    sentence = sentence.rstrip(". ") + "."
    if len(sentence) > MAX_SUMMARY_CHARS:
        sentence = sentence[: MAX_SUMMARY_CHARS - 3].rstrip() + "..."
    return sentence
