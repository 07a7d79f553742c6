"""Read extraction outputs as reports, and write incidents as JSONL and ACLED-style CSV.

Inputs are what `extractor extract --out DIR` writes (`events.jsonl`, else
`articles/<id>.json`) or a folder of `<id>.json` records (as in `evals/recorded/`, or a gold
folder such as `gold/dev/`); each
record's `source` gives the outlet, URL and published date. A metadata file (JSON: article
id -> `{"outlet", "url", "published", "title"}`, as `gold/dev/articles/metadata.json`) fills
in what the records lack.

`incidents.csv` has `extractor.acled`'s columns, one row per incident, then `n_sources` and
`sources`: `event_id` is the incident id; `source`, `source_url` and `article_id` list every
member (`; `-separated); `evidence_offsets` are `article_id:start-end`.
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.acled import ACLED_COLUMNS, acled_row
from extractor.core.errors import InputError
from extractor.core.records import GroundedEvent, SourceMetadata
from extractor.incidents.across import Report
from extractor.incidents.dates import reference_window
from extractor.incidents.reconcile import Incident

EVENTS_FILE = "events.jsonl"
ARTICLES_DIR = "articles"
INCIDENT_COLUMNS = (*ACLED_COLUMNS, "n_sources", "sources")
SEPARATOR = "; "
NOT_RECORDS = frozenset({"metadata.json", "incidents.json"})


def _parse(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{where}: malformed JSON: {exc.msg} (line {exc.lineno})") from None


def _record_items(out_dir: Path) -> list[tuple[Any, str]]:
    """Raw records in one output folder, with where each came from."""
    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: no such directory")
    events = out_dir / EVENTS_FILE
    if events.is_file():
        lines = events.read_text(encoding="utf-8").splitlines()
        where = [f"{events}:{n}" for n in range(1, len(lines) + 1)]
        return [(_parse(line, w), w) for line, w in zip(lines, where, strict=True) if line.strip()]
    files = _json_records(out_dir / ARTICLES_DIR) or _json_records(out_dir)
    if not files:
        raise InputError(f"{out_dir}: no {EVENTS_FILE} and no <article_id>.json records")
    return [(_parse(p.read_text(encoding="utf-8"), str(p)), str(p)) for p in files]


def _json_records(folder: Path) -> list[Path]:
    """`<article_id>.json` files directly in `folder` (not metadata or incident groups)."""
    return sorted(p for p in folder.glob("*.json") if p.name not in NOT_RECORDS and p.is_file())


def read_metadata(path: Path) -> dict[str, SourceMetadata]:
    """Article id -> source metadata from a JSON file (unknown keys are ignored)."""
    raw = _parse(path.read_text(encoding="utf-8"), str(path))
    if not isinstance(raw, dict):
        raise InputError(f"{path}: expected a JSON object of article id -> metadata")
    found = {}
    for article_id, item in raw.items():
        item = item if isinstance(item, dict) else {}
        keys = {k: item.get(k) for k in SourceMetadata.model_fields}
        try:
            found[article_id] = SourceMetadata.model_validate(keys)
        except ValidationError as exc:
            raise InputError(f"{path}: {article_id}: {exc.errors()[0]['msg']}") from None
    return found


def read_metadata_files(
    paths: str | os.PathLike[str] | Iterable[str | os.PathLike[str]],
) -> dict[str, SourceMetadata]:
    """`read_metadata` of one file or several, merged (a later file wins for an article)."""
    given = [paths] if isinstance(paths, str | os.PathLike) else list(paths)
    found: dict[str, SourceMetadata] = {}
    for path in given:
        found |= read_metadata(Path(path))
    return found


def _source(raw: dict[str, Any], extra: SourceMetadata | None) -> SourceMetadata | None:
    given = raw.get("source")
    own = SourceMetadata.model_validate(given) if isinstance(given, dict) else None
    if own is None or extra is None:
        return own or extra
    filled = {k: getattr(own, k) or getattr(extra, k) for k in SourceMetadata.model_fields}
    return SourceMetadata(**filled)


def load_reports(
    out_dirs: Iterable[Path], metadata: Mapping[str, SourceMetadata] | None = None
) -> list[Report]:
    """Every event of every record in the output folders, as a `Report` (article order
    within a folder, folders in the order given); an article seen twice is an `InputError`."""
    meta = metadata or {}
    reports: list[Report] = []
    seen: dict[str, str] = {}
    for out_dir in out_dirs:
        for raw, where in _record_items(Path(out_dir)):
            if not isinstance(raw, dict) or not isinstance(raw.get("article_id"), str):
                raise InputError(f"{where}: not an extraction record (no article_id)")
            article_id = raw["article_id"]
            if article_id in seen:
                raise InputError(f"{where}: article {article_id!r} also in {seen[article_id]}")
            seen[article_id] = where
            try:
                events = [GroundedEvent.model_validate(e) for e in raw.get("events", [])]
                source = _source(raw, meta.get(article_id))
            except ValidationError as exc:
                raise InputError(f"{where}: {exc.errors()[0]['msg']}") from None
            reports += reports_of(article_id, events, source)
    return reports


def reports_of(
    article_id: str, events: Sequence[Any], source: SourceMetadata | None
) -> list[Report]:
    """One article's events as reports, with its outlet, URL and reference date."""
    reference = reference_window(source.published, source.url) if source else None
    return [
        Report(
            article_id,
            index,
            event,
            source.outlet if source else None,
            source.url if source else None,
            reference,
        )
        for index, event in enumerate(events)
    ]


def render_incidents_jsonl(incidents: Sequence[Incident]) -> str:
    """One incident a line."""
    return "".join(incident.model_dump_json() + "\n" for incident in incidents)


def incident_row(incident: Incident) -> dict[str, Any]:
    """One `incidents.csv` row: the ACLED columns of the reconciled event, then the sources."""
    event = GroundedEvent.model_validate(incident.event.model_dump())
    row = acled_row(incident.incident_id, 0, event)
    members = incident.members
    row.update(
        event_id=incident.incident_id,
        source=SEPARATOR.join(dict.fromkeys(m.outlet for m in members if m.outlet)) or None,
        source_url=SEPARATOR.join(dict.fromkeys(m.url for m in members if m.url)) or None,
        evidence_offsets=";".join(
            f"{m.article_id}:{q.start}-{q.end}"
            for m in members
            for q in m.evidence
            if q.start is not None and q.end is not None
        ),
        article_id=SEPARATOR.join(dict.fromkeys(m.article_id for m in members)),
        n_sources=incident.n_sources,
        sources=SEPARATOR.join(dict.fromkeys(_named(m.outlet, m.article_id) for m in members)),
    )
    return row


def _named(outlet: str | None, article_id: str) -> str:
    return f"{outlet} ({article_id})" if outlet else article_id


def render_incidents_csv(incidents: Sequence[Incident]) -> str:
    """incidents.csv: a header and one row per incident."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=INCIDENT_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for incident in incidents:
        writer.writerow(incident_row(incident))
    return buffer.getvalue()


__all__ = [
    "INCIDENT_COLUMNS",
    "incident_row",
    "load_reports",
    "read_metadata",
    "read_metadata_files",
    "render_incidents_csv",
    "render_incidents_jsonl",
    "reports_of",
]
