"""Incidents: one real attack or strike, however many events and articles report it.

    identity    when two events are one incident; merging two reports of one incident
                (used within an article by the pipeline, and across articles here)
    dates       the days an event may have happened on, from its date or its article's
    across      whether two reports of different articles are one incident, and why
    clustering  many reports grouped into incidents (`cluster`), and `explain`
    reconcile   one record per incident: reconciled fields, members, disagreements
    store       read extraction outputs as reports; write incidents.jsonl / .csv / SQLite
    evaluation  score the merger against hand-labelled incident groups

`merge_reports` is the whole step on reports already read: cluster, then reconcile.
"""

from __future__ import annotations

from collections.abc import Sequence

from extractor.incidents.across import Report, Verdict, compare
from extractor.incidents.clustering import cluster, explain
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
from extractor.incidents.reconcile import Conflict, Incident, Member, build_incident

__all__ = [
    "Conflict",
    "Incident",
    "Member",
    "Report",
    "Verdict",
    "build_incident",
    "cluster",
    "compare",
    "compatible_days",
    "day_key",
    "explain",
    "merge_duplicates",
    "merge_events",
    "merge_reports",
    "place_key",
    "same_incident",
    "same_place",
    "same_sentence_incident",
]


def merge_reports(reports: Sequence[Report]) -> list[Incident]:
    """Reports of many articles as incidents: grouped (`cluster`), then reconciled."""
    return [build_incident(group) for group in cluster(reports)]
