"""Per-field comparators: how one predicted value is judged against one gold value.

Every scored field has a kind, and each kind one comparator that returns an agreement in
[0, 1] (1 = correct). `summary` and `evidence` are not scored as fields (evidence is scored
by grounding); `event_type` is not listed because matched pairs always agree on it.

- exact (enums and integers): equal values agree; null vs a number is wrong both ways;
  null vs null agrees (both say "not stated").
- weapons: set F1 of the two weapon sets; two empty sets agree (1.0), one empty set is 0.
- date: precision-aware. A gold "2024-01" accepts any prediction in January 2024, gold
  "2024" any prediction in 2024; a prediction less precise than gold ("2024" for gold
  "2024-01-23") is wrong.
- text and place: null vs null agrees, null vs a string is wrong, two strings agree when
  their normalised fuzzy similarity is at least `STRING_MATCH_THRESHOLD` (0.8). Place
  fields (`location`, `admin1`) use place normalisation; the others plain text
  normalisation (see `extractor.scoring.normalize`).

A slot (for the MUC-style micro F1) is "filled" when its value is not null and, for
`weapon_types`, not empty; enums and `location` are therefore always filled.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from extractor.core.schema import Event
from extractor.scoring.normalize import place_similarity, text_similarity

STRING_MATCH_THRESHOLD = 0.8
"""Normalised fuzzy similarity at or above which two strings count as the same value."""


class FieldKind(StrEnum):
    """How a field is compared."""

    EXACT = "exact"
    WEAPONS = "weapons"
    DATE = "date"
    TEXT = "text"
    PLACE = "place"


FIELD_KINDS: MappingProxyType[str, FieldKind] = MappingProxyType(
    {
        "salience": FieldKind.EXACT,
        "date": FieldKind.DATE,
        "date_text": FieldKind.TEXT,
        "location": FieldKind.PLACE,
        "country": FieldKind.TEXT,
        "admin1": FieldKind.PLACE,
        "weapon_types": FieldKind.WEAPONS,
        "projectiles": FieldKind.EXACT,
        "intercepted": FieldKind.EXACT,
        "perpetrator": FieldKind.TEXT,
        "perpetrator_status": FieldKind.EXACT,
        "target": FieldKind.TEXT,
        "killed": FieldKind.EXACT,
        "injured": FieldKind.EXACT,
        "damage": FieldKind.TEXT,
    }
)
"""Every scored field (also every slot of the slot micro F1), in display order."""

SCORED_FIELDS: tuple[str, ...] = tuple(FIELD_KINDS)


def date_precision(value: str) -> int:
    """1 for `YYYY`, 2 for `YYYY-MM`, 3 for `YYYY-MM-DD`."""
    return value.count("-") + 1


def date_within(specific: str, general: str) -> bool:
    """Whether date `specific` lies inside `general` (equal, or `general` is a prefix)."""
    return specific == general or specific.startswith(general + "-")


def dates_match(pred: str | None, gold: str | None) -> bool:
    """Precision-aware date agreement (see the module docstring)."""
    if pred is None or gold is None:
        return pred is None and gold is None
    return date_precision(pred) >= date_precision(gold) and date_within(pred, gold)


def weapon_f1(pred: Sequence[Any], gold: Sequence[Any]) -> float:
    """Set F1 of two weapon lists; two empty sets agree (1.0)."""
    p, g = set(pred), set(gold)
    if not p and not g:
        return 1.0
    if not p or not g:
        return 0.0
    overlap = len(p & g)
    return 2.0 * overlap / (len(p) + len(g))


def _exact(pred: Any, gold: Any) -> float:
    return 1.0 if pred == gold else 0.0


def _date(pred: Any, gold: Any) -> float:
    return 1.0 if dates_match(pred, gold) else 0.0


def _strings(similarity: Callable[[str, str], float]) -> Callable[[Any, Any], float]:
    def compare(pred: Any, gold: Any) -> float:
        if pred is None or gold is None:
            return 1.0 if pred is None and gold is None else 0.0
        return 1.0 if similarity(pred, gold) >= STRING_MATCH_THRESHOLD else 0.0

    return compare


_COMPARATORS: MappingProxyType[FieldKind, Callable[[Any, Any], float]] = MappingProxyType(
    {
        FieldKind.EXACT: _exact,
        FieldKind.WEAPONS: weapon_f1,
        FieldKind.DATE: _date,
        FieldKind.TEXT: _strings(text_similarity),
        FieldKind.PLACE: _strings(place_similarity),
    }
)


def compare_values(field: str, pred: Any, gold: Any) -> float:
    """Agreement in [0, 1] of a predicted and a gold value of `field`."""
    return _COMPARATORS[FIELD_KINDS[field]](pred, gold)


def field_agreement(field: str, pred: Event, gold: Event) -> float:
    """Agreement in [0, 1] of `field` between a matched predicted and gold event."""
    return compare_values(field, getattr(pred, field), getattr(gold, field))


def mean_agreement(pred: Event, gold: Event) -> float:
    """Mean agreement over all scored fields (used to break ties when matching)."""
    return sum(field_agreement(f, pred, gold) for f in SCORED_FIELDS) / len(SCORED_FIELDS)


def is_filled(value: Any) -> bool:
    """Whether a slot value counts as filled: not null and, for lists, not empty."""
    if value is None:
        return False
    return not (isinstance(value, list) and not value)
