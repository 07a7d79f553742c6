"""How alike a predicted and a gold event are, for deciding which ones are the same incident.

`event_similarity` is 0 unless both events have the same `event_type`; otherwise it is the
weighted sum `WEIGHTS` of three component scores, each in [0, 1]:

- location (0.6): normalised fuzzy place similarity (`place_similarity`): an event is first
  of all a place, so this carries most of the weight.
- date (0.25): both `date`s given: 1 when one lies inside the other ("2024-01" and
  "2024-01-23"), else 0. Otherwise, both `date_text`s given: their fuzzy text similarity.
  Otherwise (nothing to compare on one side) `NEUTRAL`.
- weapon_types (0.15): Jaccard overlap of the two sets; both empty is 1, one empty
  `NEUTRAL` (the text may simply not name the weapon).

`THRESHOLD` (0.65) is the least similarity at which two events may be matched. With these
weights a pair passes only when the places agree well: same place + same date matches
whatever the weapons; same place, wrong date and disjoint weapons (0.6) does not; a clearly
different place (place similarity around 0.3) with the same date and weapons reaches only
about 0.58 and does not either. The least similarity of an event with itself is 0.875
(no date information at all), so every event matches itself.
"""

from __future__ import annotations

from types import MappingProxyType

from extractor.core.schema import Event, WeaponType
from extractor.scoring.fields import date_within
from extractor.scoring.normalize import place_similarity, text_similarity

WEIGHTS: MappingProxyType[str, float] = MappingProxyType(
    {"location": 0.6, "date": 0.25, "weapon_types": 0.15}
)
"""Weights of the component scores; they sum to 1."""

THRESHOLD = 0.65
"""Least `event_similarity` at which a predicted and a gold event may be matched."""

NEUTRAL = 0.5
"""Component score when one side gives nothing to compare."""


def date_similarity(pred: Event, gold: Event) -> float:
    """Compatibility in [0, 1] of the two events' `date` (or else `date_text`)."""
    if pred.date is not None and gold.date is not None:
        compatible = date_within(pred.date, gold.date) or date_within(gold.date, pred.date)
        return 1.0 if compatible else 0.0
    if pred.date_text is not None and gold.date_text is not None:
        return text_similarity(pred.date_text, gold.date_text)
    return NEUTRAL


def weapon_similarity(pred: list[WeaponType], gold: list[WeaponType]) -> float:
    """Jaccard overlap of two weapon sets; both empty is 1, exactly one empty `NEUTRAL`."""
    p, g = set(pred), set(gold)
    if not p and not g:
        return 1.0
    if not p or not g:
        return NEUTRAL
    return len(p & g) / len(p | g)


def event_similarity(pred: Event, gold: Event) -> float:
    """Similarity in [0, 1] of a predicted and a gold event (see the module docstring)."""
    if pred.event_type != gold.event_type:
        return 0.0
    return (
        WEIGHTS["location"] * place_similarity(pred.location, gold.location)
        + WEIGHTS["date"] * date_similarity(pred, gold)
        + WEIGHTS["weapon_types"] * weapon_similarity(pred.weapon_types, gold.weapon_types)
    )
