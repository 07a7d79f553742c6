"""Recorded real outputs and the baseline: the files CI re-scores without calling a model.

    evals/recorded/<label>/<article_id>.json   one `ExtractionRecord` (with provenance) or,
                                               for an article the backend failed on, one
                                               `FailureRecord`, exactly as a real run made it
    evals/baseline.json                        per row label, the gated metrics CI compares to

Both are written only by deliberate commands (`extractor compare --record`,
`--update-baseline`; see evals/README.md), never by a plain run, so a test run cannot
quietly move the goalposts. Reading a label's recordings for a set of articles raises a
`ConfigError` that names every missing file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.core.errors import ConfigError
from extractor.core.records import ExtractionRecord, FailureRecord

Recorded = ExtractionRecord | FailureRecord


@dataclass(frozen=True)
class RecordedRun:
    """One label's recorded outputs for the requested articles, in article order."""

    label: str
    records: tuple[Recorded, ...]


def display_path(path: Path) -> str:
    """`path` relative to the working directory when it is inside it, else as is."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def recording_path(recorded_dir: Path, label: str, article_id: str) -> Path:
    """Where one article's recorded output for one row label lives."""
    return recorded_dir / label / f"{article_id}.json"


def parse_recording(data: Mapping[str, Any], path: Path) -> Recorded:
    """An `ExtractionRecord` (it has provenance) or a `FailureRecord` (it has a kind)."""
    try:
        if "provenance" in data:
            return ExtractionRecord.model_validate(data)
        return FailureRecord.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ConfigError(f"{path}: not a recorded output ({where}: {first['msg']})") from None


def read_recording(path: Path) -> Recorded:
    """Read one recorded output file."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"missing recorded output {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read recorded output ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a recorded output must be a JSON object")
    return parse_recording(data, path)


def read_recordings(recorded_dir: Path, label: str, article_ids: Iterable[str]) -> RecordedRun:
    """All recorded outputs of `label` for `article_ids`; a missing one is an error naming it."""
    ids = list(article_ids)
    paths = [recording_path(recorded_dir, label, article_id) for article_id in ids]
    missing = [path for path in paths if not path.is_file()]
    if missing:
        folder = display_path(recorded_dir / label)
        names = ", ".join(path.name for path in missing)
        raise ConfigError(
            f"missing recorded output(s) in {folder}/: {names} "
            "(record them deliberately, see evals/README.md)"
        )
    records = tuple(read_recording(path) for path in paths)
    for article_id, record, path in zip(ids, records, paths, strict=True):
        if record.article_id not in (None, article_id):
            raise ConfigError(f"{path}: holds article {record.article_id!r}, not {article_id!r}")
    return RecordedRun(label, records)


def write_recording(recorded_dir: Path, label: str, article_id: str, record: Recorded) -> Path:
    """Write one real output (pretty JSON, stable field order) and return its path."""
    path = recording_path(recorded_dir, label, article_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.model_dump_json(indent=2) + "\n", encoding="utf-8")
    return path


def load_baseline(path: Path) -> dict[str, dict[str, float]]:
    """Row label -> gated metric values; an absent file is an empty baseline."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read baseline ({exc})") from None
    rows = data.get("rows") if isinstance(data, dict) else None
    if not isinstance(rows, dict):
        raise ConfigError(f"{path}: a baseline is a JSON object with a 'rows' object")
    baseline: dict[str, dict[str, float]] = {}
    for label, entry in rows.items():
        metrics = entry.get("metrics") if isinstance(entry, dict) else None
        if not isinstance(metrics, dict):
            raise ConfigError(f"{path}: rows.{label} needs a 'metrics' object")
        baseline[label] = {name: float(value) for name, value in metrics.items()}
    return baseline


def write_baseline(
    path: Path,
    suite_name: str,
    rows: Mapping[str, Mapping[str, Any]],
    *,
    keep: Mapping[str, Any] | None = None,
) -> None:
    """Write the baseline file: per row label its gated metrics and where they came from.

    `rows` maps label -> {"metrics": {...}, "source": {...}}; rows of `keep` (the old
    file's rows) that are not being replaced are kept, so refreshing one backend does not
    forget another's baseline.
    """
    merged: dict[str, Any] = dict(keep or {})
    merged.update({label: dict(entry) for label, entry in rows.items()})
    document = {
        "suite": suite_name,
        "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "note": "written by `extractor compare --update-baseline`; do not edit by hand",
        "rows": dict(sorted(merged.items())),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def baseline_rows(path: Path) -> dict[str, Any]:
    """The raw `rows` object of a baseline file (empty when absent or unreadable)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return {}
    rows = data.get("rows") if isinstance(data, dict) else None
    return dict(rows) if isinstance(rows, dict) else {}
