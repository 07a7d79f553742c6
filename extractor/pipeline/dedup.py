"""Merge events that describe the same incident (same side, same place, compatible day).

Small models repeat themselves, and articles repeat incidents (a caption and the body, two
wire stories in one page). SCHEMA.md says one incident is one event with every quote, so
duplicates are merged: the first keeps its fields, fills gaps from the others, and gains
their evidence.

The identity rule itself lives in `extractor.incidents` (one place of truth, also used to
merge events across articles); this stage applies it to one article's events.
"""

from __future__ import annotations

from extractor.incidents.identity import (
    day_key,
    merge_duplicates,
    place_key,
    same_incident,
    same_place,
    same_sentence_incident,
)

__all__ = [
    "day_key",
    "merge_duplicates",
    "place_key",
    "same_incident",
    "same_place",
    "same_sentence_incident",
]
