"""Score the cross-article merger against hand-labelled incident groups.

Gold (`load_incident_gold`): `incidents.json` in a gold folder lists groups of
`[article_id, event index]` pairs; every gold event not listed is an incident of its own.
Member articles are looked up in that folder, then in its parent (the seeds sit in `gold/`,
the development set in `gold/dev/`), and `articles/metadata.json` gives their outlets, URLs
and published dates.

Two questions, scored by `extractor.scoring.clusters` (pairwise and B-cubed):

- `gold_events`: run the merger on the gold events themselves: does it join what it should?
- `predicted_events`: run it on the predicted events; each predicted event that the scorer
  matches to a gold event (`extractor.scoring.match_events`) stands for that gold event and
  its incident; unmatched predictions are left out (counted in `unmatched`).

Each comes with `baseline`: the same items clustered by "same type, same normalised place
(gazetteer name, else `place_key`), windows within `BASELINE_DAYS` days".
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from extractor import gazetteer
from extractor.core.errors import InputError
from extractor.core.records import SourceMetadata
from extractor.core.schema import ArticleEvents
from extractor.incidents.across import Report
from extractor.incidents.clustering import cluster
from extractor.incidents.identity import place_key
from extractor.incidents.store import read_metadata, reports_of
from extractor.scoring import match_events
from extractor.scoring.clusters import score_clusters

GOLD_FILE = "incidents.json"
METADATA_FILE = "articles/metadata.json"
BASELINE_DAYS = 2
Key = tuple[str, int]
Clusterer = Callable[[Sequence[Report]], list[list[Report]]]


@dataclass(frozen=True)
class IncidentGold:
    """Gold events by article (the folder's and the groups' members') and incident labels."""

    records: dict[str, ArticleEvents]
    labels: dict[Key, str]
    sources: dict[str, SourceMetadata]


def has_incident_gold(gold_dir: Path) -> bool:
    """True when the gold folder labels incidents across articles."""
    return (gold_dir / GOLD_FILE).is_file()


def load_incident_gold(gold_dir: Path, records: Mapping[str, ArticleEvents]) -> IncidentGold:
    """The incident groups of `gold_dir`, with `records` (its gold) plus any member article
    found in its parent folder, and the source metadata of both folders."""
    path = gold_dir / GOLD_FILE
    try:
        groups = json.loads(path.read_text(encoding="utf-8"))["incidents"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"{path}: cannot read incident groups ({exc})") from None
    found = dict(records)
    labels: dict[Key, str] = {}
    for group in groups:
        for article_id, index in group["events"]:
            if article_id not in found:
                found[article_id] = _parent_record(gold_dir, article_id, path)
            if not 0 <= index < len(found[article_id].events):
                raise InputError(f"{path}: {group['id']}: {article_id} has no event {index}")
            labels[(article_id, index)] = group["id"]
    for article_id, record in found.items():
        for index in range(len(record.events)):
            labels.setdefault((article_id, index), f"{article_id}#{index}")
    sources: dict[str, SourceMetadata] = {}
    for folder in (gold_dir.parent, gold_dir):
        if (folder / METADATA_FILE).is_file():
            sources |= read_metadata(folder / METADATA_FILE)
    return IncidentGold(found, labels, sources)


def _parent_record(gold_dir: Path, article_id: str, where: Path) -> ArticleEvents:
    candidate = gold_dir.parent / f"{article_id}.json"
    if not candidate.is_file():
        raise InputError(f"{where}: article {article_id!r} is in neither {gold_dir} nor its parent")
    return ArticleEvents.model_validate_json(candidate.read_text(encoding="utf-8"))


def as_reports(
    records: Mapping[str, ArticleEvents], sources: Mapping[str, SourceMetadata]
) -> list[Report]:
    """Every event of `records` as a report, articles in id order."""
    return [
        report
        for article_id in sorted(records)
        for report in reports_of(article_id, records[article_id].events, sources.get(article_id))
    ]


def labels_of(groups: list[list[Report]]) -> dict[Key, int]:
    """Report key -> the number of its group."""
    return {report.key: number for number, group in enumerate(groups) for report in group}


def _normalised_place(location: str) -> str:
    place = gazetteer.lookup(location)
    return place.name if place is not None else place_key(location)


def baseline_cluster(reports: Sequence[Report]) -> list[list[Report]]:
    """Same type, same normalised place, windows within `BASELINE_DAYS` days (joined
    transitively); an event without a window joins nothing."""
    parent = list(range(len(reports)))

    def root(i: int) -> int:
        while parent[i] != i:
            i = parent[i]
        return i

    for i, a in enumerate(reports):
        for j in range(i + 1, len(reports)):
            b = reports[j]
            wa, wb = a.window, b.window
            if (
                a.event.event_type == b.event.event_type
                and _normalised_place(a.event.location) == _normalised_place(b.event.location)
                and wa is not None
                and wb is not None
                and wa.overlaps(wb, BASELINE_DAYS)
            ):
                parent[root(j)] = root(i)
    groups: dict[int, list[Report]] = {}
    for i, report in enumerate(reports):
        groups.setdefault(root(i), []).append(report)
    return list(groups.values())


def _scores(
    reports: Sequence[Report], gold_of: Mapping[Key, Hashable], clusterer: Clusterer
) -> dict[str, Any]:
    predicted = labels_of(clusterer(reports))
    return score_clusters(predicted, {k: gold_of[k] for k in predicted if k in gold_of}).to_dict()


def score_gold_events(gold: IncidentGold) -> dict[str, Any]:
    """The merger (and the baseline) run on the gold events themselves."""
    reports = as_reports(gold.records, gold.sources)
    return {
        **_scores(reports, gold.labels, cluster),
        "baseline": _scores(reports, gold.labels, baseline_cluster),
    }


def score_predicted_events(reports: Sequence[Report], gold: IncidentGold) -> dict[str, Any]:
    """The merger (and the baseline) run on all predicted events (`reports`), scored on
    those matched to a gold event; `unmatched` counts the predicted events left out."""
    by_article: dict[str, list[Report]] = {}
    for report in reports:
        by_article.setdefault(report.article_id, []).append(report)
    stand_in: dict[Key, Hashable] = {}
    for article_id, mine in by_article.items():
        gold_record = gold.records.get(article_id)
        if gold_record is None:
            continue
        events = [r.event for r in sorted(mine, key=lambda r: r.index)]
        for match in match_events(events, gold_record.events):
            stand_in[(article_id, match.pred_index)] = gold.labels[(article_id, match.gold_index)]
    return {
        **_scores(reports, stand_in, cluster),
        "unmatched": len(reports) - len(stand_in),
        "baseline": _scores(reports, stand_in, baseline_cluster),
    }


def score_incidents(
    predictions: Mapping[str, ArticleEvents] | Sequence[Report] | None, gold: IncidentGold
) -> dict[str, Any]:
    """`{"gold_events": ..., "predicted_events": ...}` (the latter only with predictions:
    records by article id, read with the gold folders' metadata, or reports as read)."""
    scores = {"gold_events": score_gold_events(gold)}
    if isinstance(predictions, Mapping):
        predictions = as_reports(predictions, gold.sources)
    if predictions is not None:
        scores["predicted_events"] = score_predicted_events(predictions, gold)
    return scores


def gold_with_parent(gold_dir: Path) -> IncidentGold:
    """The incident gold of `gold_dir`, with every gold article of it and of its parent
    folder when that is a gold folder too (the seeds in `gold/` beside `gold/dev/`)."""
    from extractor.predictions import load_gold

    records = load_gold(gold_dir).records
    with contextlib.suppress(InputError):
        records = {**load_gold(gold_dir.parent).records, **records}
    return load_incident_gold(gold_dir, records)


def score_paths(pred_path: Path, gold_dir: Path) -> dict[str, Any]:
    """`score_incidents` for a predictions path and a gold folder with `incidents.json`
    (what `extractor eval` adds under `incidents`)."""
    from extractor.predictions import load_gold, load_predictions

    gold = load_incident_gold(gold_dir, load_gold(gold_dir).records)
    return score_incidents(load_predictions(pred_path), gold)


def incident_lines(scores: Mapping[str, Any]) -> str:
    """The incident scores as a few lines for people (merger and baseline, both F1s)."""
    lines = ["Incidents across articles (pairwise F1 / B-cubed F1):"]
    for items, score in scores.items():
        base = score["baseline"]
        lines.append(
            f"  {items:17} merger {score['pairwise_f1']:.3f} / {score['bcubed_f1']:.3f}   "
            f"baseline {base['pairwise_f1']:.3f} / {base['bcubed_f1']:.3f}   "
            f"({score['items']} events, {score['gold_pairs']} gold pairs)"
        )
    return "\n".join(lines)
