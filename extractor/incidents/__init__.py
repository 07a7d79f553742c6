"""Incidents: one real attack or strike, however many events and articles report it.

identity    when two events are one incident; merging two reports of one incident
            (used within an article by the pipeline, and across articles here)
"""

from __future__ import annotations

from extractor.incidents.identity import (
    compatible_days,
    day_key,
    merge_duplicates,
    merge_events,
    place_key,
    same_incident,
    same_place,
    same_sentence_incident,
)

__all__ = [
    "compatible_days",
    "day_key",
    "merge_duplicates",
    "merge_events",
    "place_key",
    "same_incident",
    "same_place",
    "same_sentence_incident",
]
