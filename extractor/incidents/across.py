"""Which events of different articles report the same incident, and why (or why not).

A `Report` is one event as one article tells it, with the article's outlet, URL and
reference date. `compare` decides for two reports and says why, in words an analyst can
check (`Verdict.reasons`, printed by `extractor incidents --explain`);
`extractor.incidents.clustering` groups many reports into incidents with it. Place and day
tests are those of `extractor.incidents.identity` (the same rule that merges duplicates
within an article), with reference dates and soft evidence added:

- **Gates** (any one keeps two reports apart): one article (its duplicates were merged when
  it was extracted); another side (`attack` / `strike`); places that are not one; days
  that cannot be one (`extractor.incidents.dates` windows more than `DAY_SLACK` apart, or
  a weekday more than a day off the other's window, or two weekdays more than a day apart).
- **Place** (`PlaceMatch`): `SAME` when both name one place (`identity.same_place`: one
  gazetteer place, or the same words) or a gazetteer place in common ("Red Sea near the
  coast of Hudayah" ~ "Red Sea"); `REGION` when one names a region that holds the other's
  place ("near Kirkuk" ~ "K1 airbase"); `COUNTRY` when one says only the country the other
  lies in ("Jordan" ~ "Tower 22"); else apart.
- **Day** (`DayMatch`): `NARROW` when both have windows (their own date, or words read
  against the article's reference date) of at most `NARROW_DAYS` that meet; `BROAD` when
  they meet and are at most `BROAD_DAYS` wide; `WEEKDAY` when a report with no reference
  names a weekday within a day of the other's window of a week or less; else `UNKNOWN`.
- **Soft evidence**: the same count above zero of killed or injured (casualties) or of
  projectiles; weapons that differ (both name some, none in common) count against a join
  on a weekday; a weapon or perpetrator in common is reported but does not decide.
- **Join** when: one place (or region) on `NARROW` days; on `BROAD` days with a count in
  common; on a `WEEKDAY` with a casualty count in common (or projectiles at one named
  place) and no weapons that differ. A strike placed only by its country ("U.S. strikes
  in Iraq and Syria", one event per country) on `NARROW` days; an attack placed only by its
  country needs a count in common too. Anything else stays apart: two rows for one
  incident are easier to fix than one row for two.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from enum import IntEnum

from rapidfuzz import fuzz

from extractor import gazetteer
from extractor.core.schema import Event, EventType
from extractor.incidents.dates import Window, event_window, weekday
from extractor.incidents.identity import place_key, same_place

DAY_SLACK = 1
"""Days by which two windows may miss each other: outlets often differ by a day (time zones,
an overnight attack, "Wednesday" vs "Thursday")."""
NARROW_DAYS = 8
"""Windows this wide at most are a day to go on (a week and its reference day)."""
BROAD_DAYS = 31
"""Windows this wide at most (a month) are a day to go on when a count backs them."""
COUNTED_FIELDS = ("killed", "injured", "projectiles")
NOT_ENOUGH = "not enough"
PERPETRATOR_MATCH = 80.0


class PlaceMatch(IntEnum):
    """How two reports' places agree (higher is stronger)."""

    DIFFERENT = 0
    COUNTRY = 1
    REGION = 2
    SAME = 3


class DayMatch(IntEnum):
    """What two reports' days rest on (higher is stronger); a clash is a gate, not a level."""

    UNKNOWN = 0
    WEEKDAY = 1
    BROAD = 2
    NARROW = 3


@dataclass(frozen=True)
class Report:
    """One event as one article reports it: the unit merged across articles."""

    article_id: str
    index: int
    event: Event
    outlet: str | None = None
    url: str | None = None
    reference: Window | None = None

    @property
    def key(self) -> tuple[str, int]:
        """(article id, event index): the report's identity, as gold labels name it."""
        return (self.article_id, self.index)

    @functools.cached_property
    def window(self) -> Window | None:
        """The days the event may have happened on (`extractor.incidents.dates`)."""
        return event_window(self.event, self.reference)

    @property
    def label(self) -> str:
        """`article_id#n` (1-based, as event ids count)."""
        return f"{self.article_id}#{self.index + 1}"


@dataclass(frozen=True)
class Verdict:
    """The decision for two reports and the reasons, in order of checking."""

    joined: bool
    reasons: tuple[str, ...]
    strength: int = 0

    def explain(self, a: Report, b: Report) -> str:
        """One line: `JOINED a ~ b: reason; reason` or `APART ...`."""
        word = "JOINED" if self.joined else "APART "
        return f"{word} {a.label} ~ {b.label}: {'; '.join(self.reasons)}"


def country_of(event: Event) -> str | None:
    """The country an event happened in: its field, its gazetteer place's, or its words'."""
    return event.country or _country_of_location(event.location)


@functools.lru_cache(maxsize=65536)
def _country_of_location(location: str) -> str | None:
    place = gazetteer.lookup(location)
    if place is not None and place.country:
        return place.country
    named = gazetteer.countries_in(location)
    return named[0] if named else None


def _only_country(location: str) -> bool:
    return gazetteer.lookup(location) is None and (
        location.strip() in gazetteer.COUNTRIES or gazetteer.is_vague_place(location)
    )


def place_match(a: Event, b: Event) -> tuple[PlaceMatch, str]:
    """How the two events' places agree, and the words for it."""
    return _place_match(a.location, country_of(a), b.location, country_of(b))


@functools.lru_cache(maxsize=65536)
def _place_match(
    location_a: str, country_a: str | None, location_b: str, country_b: str | None
) -> tuple[PlaceMatch, str]:
    if _only_country(location_a) or _only_country(location_b):
        if country_a and country_a == country_b:
            return PlaceMatch.COUNTRY, f"same country ({country_a}), no closer place on one side"
        return PlaceMatch.DIFFERENT, f"different countries ({country_a} / {country_b})"
    words = f"{location_a!r} ~ {location_b!r}"
    place_a, place_b = gazetteer.lookup(location_a), gazetteer.lookup(location_b)
    if place_a is not None and place_b is not None and place_a != place_b:
        if same_place(location_a, location_b):
            return PlaceMatch.REGION, f"a region holds the place ({words})"
        shared = set(gazetteer.find_places(location_a)) & set(gazetteer.find_places(location_b))
        if shared:
            names = ", ".join(sorted(p.name for p in shared))
            return PlaceMatch.SAME, f"both name {names} ({words})"
    elif same_place(location_a, location_b):
        return PlaceMatch.SAME, f"same place ({words})"
    return PlaceMatch.DIFFERENT, f"different places ({location_a!r} / {location_b!r})"


def day_match(a: Report, b: Report) -> tuple[DayMatch | None, str]:
    """What the two days rest on, or None with the words for a clash."""
    window_a, window_b = a.window, b.window
    if window_a is not None and window_b is not None:
        if not window_a.overlaps(window_b, DAY_SLACK):
            return None, f"days differ ({window_a} / {window_b})"
        widest = max(window_a.days, window_b.days)
        level = (
            DayMatch.NARROW
            if widest <= NARROW_DAYS
            else DayMatch.BROAD
            if widest <= BROAD_DAYS
            else DayMatch.UNKNOWN
        )
        return level, f"days agree ({window_a} ~ {window_b})"
    day_a, day_b = weekday(a.event.date_text), weekday(b.event.date_text)
    known = window_a or window_b
    named = day_a if window_a is None else day_b
    if known is not None and named is not None and known.days <= 7:
        offsets = {
            ((known.first + dt.timedelta(days=i)).weekday() - named) % 7 for i in range(known.days)
        }
        words = f"{_day_name(named)} / {known}"
        if offsets & {0, 1, 6}:
            return DayMatch.WEEKDAY, f"weekday fits, within a day ({words})"
        return None, f"weekday does not fit ({words})"
    if day_a is not None and day_b is not None:
        words = f"{_day_name(day_a)} / {_day_name(day_b)}"
        if (day_a - day_b) % 7 in (0, 1, 6):
            return DayMatch.UNKNOWN, f"weekdays fit, but neither is on the calendar ({words})"
        return None, f"weekdays differ ({words})"
    return DayMatch.UNKNOWN, "no calendar day on one side (no date, no reference date)"


def _day_name(day: int) -> str:
    return ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")[day]


def counts(a: Event, b: Event) -> list[str]:
    """Counts both reports give, equal and above zero: `killed 1`, `projectiles 2`."""
    same = []
    for name in COUNTED_FIELDS:
        value_a, value_b = getattr(a, name), getattr(b, name)
        if value_a and value_a == value_b:
            same.append(f"{name} {value_a}")
    return same


def _same_name(a: str, b: str) -> bool:
    return fuzz.token_set_ratio(place_key(a), place_key(b)) >= PERPETRATOR_MATCH


def soft_evidence(a: Event, b: Event) -> list[str]:
    """Weapons in common and the same perpetrator: reported, never decisive."""
    notes = []
    weapons = sorted(w.value for w in set(a.weapon_types) & set(b.weapon_types))
    if weapons:
        notes.append(f"weapons in common ({', '.join(weapons)})")
    elif a.weapon_types and b.weapon_types:
        notes.append("no weapon in common")
    if a.perpetrator and b.perpetrator and _same_name(a.perpetrator, b.perpetrator):
        notes.append(f"same perpetrator ({a.perpetrator!r} ~ {b.perpetrator!r})")
    return notes


@dataclass(frozen=True)
class Evidence:
    """What two reports that pass the gates have in common."""

    place: PlaceMatch
    day: DayMatch
    is_strike: bool
    casualties: bool
    projectiles: bool
    weapons_clash: bool

    def joins(self) -> bool:
        """The join rule (see the module docstring)."""
        counted = self.casualties or self.projectiles
        if self.place in (PlaceMatch.SAME, PlaceMatch.REGION):
            if self.day is DayMatch.WEEKDAY:
                named = self.place is PlaceMatch.SAME and self.projectiles
                return (self.casualties or named) and not self.weapons_clash
            return self.day is DayMatch.NARROW or (self.day is DayMatch.BROAD and counted)
        if self.place is PlaceMatch.COUNTRY:
            narrow = self.day is DayMatch.NARROW and (self.is_strike or counted)
            return narrow or (self.day is DayMatch.BROAD and counted)
        return False

    def missing(self) -> str:
        """Why the evidence falls short, in words."""
        if self.day is DayMatch.UNKNOWN:
            return "no calendar day in common"
        if self.place is PlaceMatch.COUNTRY:
            return "an attack placed only by its country, and no count in common"
        if self.day is DayMatch.WEEKDAY:
            return (
                "only a weekday: needs a casualty count in common (or projectiles at one named "
                "place) and no weapons that differ"
            )
        return "days not narrow, and no count in common"

    @property
    def strength(self) -> int:
        """Orders joins: place first, then day, then counts."""
        return self.place * 10 + self.day * 3 + self.casualties + self.projectiles


def compare(a: Report, b: Report, *, same_article_gate: bool = True) -> Verdict:
    """Whether two reports are one incident (the module's rule), with the reasons."""
    if same_article_gate and a.article_id == b.article_id:
        return Verdict(False, ("same article: its duplicates were merged when extracted",))
    if a.event.event_type != b.event.event_type:
        return Verdict(
            False, (f"different sides ({a.event.event_type.value} / {b.event.event_type.value})",)
        )
    place, place_words = place_match(a.event, b.event)
    if place is PlaceMatch.DIFFERENT:
        return Verdict(False, (place_words,))
    day, day_words = day_match(a, b)
    if day is None:
        return Verdict(False, (place_words, day_words))
    same_counts = counts(a.event, b.event)
    evidence = Evidence(
        place=place,
        day=day,
        is_strike=a.event.event_type is EventType.STRIKE,
        casualties=any(not c.startswith("projectiles") for c in same_counts),
        projectiles=any(c.startswith("projectiles") for c in same_counts),
        weapons_clash=weapons_clash(a.event, b.event),
    )
    reasons = [place_words, day_words, *(f"same {c}" for c in same_counts)]
    reasons += soft_evidence(a.event, b.event)
    if not evidence.joins():
        reasons.append(f"{NOT_ENOUGH} to join: " + evidence.missing())
        return Verdict(False, tuple(reasons))
    return Verdict(True, tuple(reasons), evidence.strength)


def weapons_clash(a: Event, b: Event) -> bool:
    """True when both name weapons and none in common."""
    return bool(a.weapon_types and b.weapon_types and not set(a.weapon_types) & set(b.weapon_types))
