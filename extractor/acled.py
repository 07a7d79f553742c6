"""`events_acled.csv`: our events in the column layout of ACLED, the analysts' usual table.

One row per event, rebuilt with the other combined files from every per-article record
(`extractor.output_store`); `events.csv` stays as it is. The ACLED columns come first, in
ACLED's names, then ours:

| column | from |
|---|---|
| `event_id` | article id + event number (`<article_id>-1`, ...), as in `events.csv` |
| `event_date` | `date` (`YYYY-MM-DD`, `YYYY-MM` or `YYYY`); empty when unknown |
| `year` | the date's year; empty when unknown |
| `time_precision` | 1 for `YYYY-MM-DD`, 3 for `YYYY-MM` or `YYYY`, empty when unknown |
| `disorder_type` | `Political violence`; `Strategic developments` for a disrupted attack |
| `event_type`, `sub_event_type` | see the next table |
| `actor1` | `perpetrator`, or `Unidentified` when none is named |
| `actor2` | `target`; empty when none is named |
| `country`, `admin1`, `location` | the same fields |
| `source` | the outlet the input gave (`source.outlet`); empty when none |
| `source_url` | the article's URL (`source.url`); empty when none |
| `notes` | `summary` |
| `fatalities` | `killed`; empty when the article gives no number (ACLED writes 0) |
| `injured`, `projectiles`, `intercepted` | the same fields; empty when unknown |
| `weapon_types` | our weapon types, `;`-separated |
| `salience` | `main` or `background` |
| `evidence_offsets` | `start-end` of each evidence quote found in the text, `;`-separated |
| `article_id` | the article |
| `needs_review` | True when a review rule fired (`extractor.review`) |
| `review_reasons` | why, `; `-separated; empty when none |

Event and sub-event types: the first row whose weapons the event names (any of them):

| our event | `event_type` | `sub_event_type` |
|---|---|---|
| `intercepted` = `projectiles` > 0 | Strategic developments | Disrupted weapons use |
| `airstrike`, `drone` | Explosions/Remote violence | Air/drone strike |
| a shelling weapon (below) | Explosions/Remote violence | Shelling/artillery/missile attack |
| `explosive` | Explosions/Remote violence | Remote explosive/landmine/IED |
| `small_arms` | Battles | Armed clash |
| no weapon, `strike` (U.S. or coalition) | Explosions/Remote violence | Air/drone strike |
| no weapon, `attack` | Explosions/Remote violence | (empty) |

Shelling weapons: `rocket`, `missile`, `ballistic_missile`, `mortar`, `artillery`,
`indirect_fire`. ACLED's time precision 2 (a week, an approximate date) is never produced:
our dates are exact as far as they go. An empty `fatalities` keeps "unknown" apart from
"none killed".
"""

from __future__ import annotations

import csv
import io
from typing import Any

from extractor.core.records import ExtractionRecord, GroundedEvent, SourceMetadata
from extractor.core.schema import EventType, WeaponType
from extractor.outputs import REASON_SEPARATOR, event_id

ACLED_COLUMNS = (
    "event_id",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "location",
    "source",
    "source_url",
    "notes",
    "fatalities",
    "injured",
    "projectiles",
    "intercepted",
    "weapon_types",
    "salience",
    "evidence_offsets",
    "article_id",
    "needs_review",
    "review_reasons",
)
"""ACLED's columns first (its names), then ours; new columns go at the end."""

POLITICAL_VIOLENCE = "Political violence"
STRATEGIC_DEVELOPMENTS = "Strategic developments"
REMOTE_VIOLENCE = "Explosions/Remote violence"
UNIDENTIFIED_ACTOR = "Unidentified"
AIR_STRIKE = (REMOTE_VIOLENCE, "Air/drone strike")
WEAPON_RULES: tuple[tuple[frozenset[WeaponType], tuple[str, str]], ...] = (
    (frozenset({WeaponType.AIRSTRIKE, WeaponType.DRONE}), AIR_STRIKE),
    (
        frozenset(
            {
                WeaponType.ROCKET,
                WeaponType.MISSILE,
                WeaponType.BALLISTIC_MISSILE,
                WeaponType.MORTAR,
                WeaponType.ARTILLERY,
                WeaponType.INDIRECT_FIRE,
            }
        ),
        (REMOTE_VIOLENCE, "Shelling/artillery/missile attack"),
    ),
    (frozenset({WeaponType.EXPLOSIVE}), (REMOTE_VIOLENCE, "Remote explosive/landmine/IED")),
    (frozenset({WeaponType.SMALL_ARMS}), ("Battles", "Armed clash")),
)
"""Weapon kinds to ACLED (event type, sub-event type), in order of precedence."""
NO_WEAPON: dict[EventType, tuple[str, str]] = {
    EventType.STRIKE: AIR_STRIKE,
    EventType.ATTACK: (REMOTE_VIOLENCE, ""),
}
DISRUPTED = (STRATEGIC_DEVELOPMENTS, "Disrupted weapons use")
DAY_PRECISION = 1
MONTH_PRECISION = 3


def is_disrupted(event: GroundedEvent) -> bool:
    """True when every projectile was intercepted (and there was at least one)."""
    return bool(event.projectiles) and event.intercepted == event.projectiles


def acled_event_type(event: GroundedEvent) -> tuple[str, str]:
    """ACLED's (event type, sub-event type) for one event (the table in the docstring)."""
    if is_disrupted(event):
        return DISRUPTED
    weapons = set(event.weapon_types)
    for kinds, types in WEAPON_RULES:
        if weapons & kinds:
            return types
    return NO_WEAPON[event.event_type]


def time_precision(date: str | None) -> int | None:
    """ACLED's time precision of an ISO date: 1 for a day, 3 for a month or a year."""
    if date is None:
        return None
    return DAY_PRECISION if date.count("-") == 2 else MONTH_PRECISION


def evidence_offsets(event: GroundedEvent) -> str:
    """`start-end;start-end` of the evidence quotes located in the article."""
    return ";".join(
        f"{span.start}-{span.end}"
        for span in event.evidence_spans
        if span.start is not None and span.end is not None
    )


def acled_row(
    article_id: str, index: int, event: GroundedEvent, source: SourceMetadata | None = None
) -> dict[str, Any]:
    """One `events_acled.csv` row for the `index`-th event of an article (from `source`)."""
    kind, sub_kind = acled_event_type(event)
    return {
        "event_id": event_id(article_id, index),
        "event_date": event.date,
        "year": int(event.date[:4]) if event.date else None,
        "time_precision": time_precision(event.date),
        "disorder_type": STRATEGIC_DEVELOPMENTS if is_disrupted(event) else POLITICAL_VIOLENCE,
        "event_type": kind,
        "sub_event_type": sub_kind,
        "actor1": event.perpetrator or UNIDENTIFIED_ACTOR,
        "actor2": event.target,
        "country": event.country,
        "admin1": event.admin1,
        "location": event.location,
        "source": source.outlet if source is not None else None,
        "source_url": source.url if source is not None else None,
        "notes": event.summary,
        "fatalities": event.killed,
        "injured": event.injured,
        "projectiles": event.projectiles,
        "intercepted": event.intercepted,
        "weapon_types": ";".join(weapon.value for weapon in event.weapon_types),
        "salience": event.salience.value,
        "evidence_offsets": evidence_offsets(event),
        "article_id": article_id,
        "needs_review": event.needs_review,
        "review_reasons": REASON_SEPARATOR.join(event.review_reasons),
    }


def render_acled_csv(records: list[ExtractionRecord]) -> str:
    """events_acled.csv: a header and one row per event (None is an empty cell)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=ACLED_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        for index, event in enumerate(record.events):
            writer.writerow(acled_row(record.article_id, index, event, record.source))
    return buffer.getvalue()
