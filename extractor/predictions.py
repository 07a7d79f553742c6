"""Load prediction and gold files from disk, and score one against the other.

Predictions (`load_predictions`) are a directory of `<article_id>.json` files, one `.jsonl`
file, or the output folder of `extractor extract` (its `events.jsonl`), one `ArticleEvents`
record per file or line. Records may carry provenance
keys at the top level and extra keys on each event (evidence offsets, flags): those are
dropped, and what is left must validate strictly against the schema.

Gold (`load_gold`) is a directory of strict `<article_id>.json` files (only `*.json`
directly inside it; guides and other files are ignored) with the article texts in
`articles/<article_id>.txt`.

Every problem becomes an `InputError` whose one-line message names the file (and line, for
jsonl) and what is wrong with it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from extractor.core.errors import InputError
from extractor.core.schema import ArticleEvents, Event
from extractor.scoring import CorpusScore, score_corpus

ARTICLES_SUBDIR = "articles"
EXTRACT_EVENTS = "events.jsonl"
"""What `extractor extract --out DIR` writes there, one record a line."""


@dataclass(frozen=True)
class GoldSet:
    """Gold records and article texts, both keyed by article id."""

    records: dict[str, ArticleEvents]
    texts: dict[str, str]


def describe_validation_error(exc: ValidationError) -> str:
    """One line for a pydantic error: `events[2].date: <message>` (+ how many more)."""
    errors = exc.errors()
    first = errors[0]
    where = ""
    for part in first["loc"]:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    message = first["msg"]
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {message}{more}" if where else f"{message}{more}"


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{where}: malformed JSON: {exc.msg} (line {exc.lineno} column {exc.colno})"
        ) from None


def _without_extras(raw: Any) -> Any:
    """Keep only `ArticleEvents` keys, and only `Event` keys on each event."""
    if not isinstance(raw, dict):
        return raw
    record = {k: raw[k] for k in ArticleEvents.model_fields if k in raw}
    events = record.get("events")
    if isinstance(events, list):
        record["events"] = [
            {k: v for k, v in e.items() if k in Event.model_fields} if isinstance(e, dict) else e
            for e in events
        ]
    return record


def _validate(raw: Any, where: str, *, strict_keys: bool) -> ArticleEvents:
    if not isinstance(raw, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(raw).__name__}")
    try:
        return ArticleEvents.model_validate(raw if strict_keys else _without_extras(raw))
    except ValidationError as exc:
        raise InputError(f"{where}: {describe_validation_error(exc)}") from None


def _load_record(path: Path, *, strict_keys: bool) -> ArticleEvents:
    where = str(path)
    record = _validate(_parse_json(_read_text(path), where), where, strict_keys=strict_keys)
    if record.article_id != path.stem:
        raise InputError(f"{where}: article_id {record.article_id!r} does not match the file name")
    return record


# Files in a gold folder that are not article records: the cross-article incident groups.
NOT_ARTICLE_FILES = frozenset({"incidents.json"})


def _json_files(directory: Path, what: str) -> list[Path]:
    files = sorted(
        p for p in directory.glob("*.json") if p.is_file() and p.name not in NOT_ARTICLE_FILES
    )
    if not files:
        raise InputError(f"{directory}: no {what} files (*.json) in this directory")
    return files


def _load_jsonl(path: Path) -> tuple[dict[str, ArticleEvents], dict[str, str]]:
    records: dict[str, ArticleEvents] = {}
    sources: dict[str, str] = {}
    for lineno, line in enumerate(_read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        record = _validate(_parse_json(line, where), where, strict_keys=False)
        if record.article_id in records:
            raise InputError(
                f"{where}: duplicate article id {record.article_id!r} "
                f"(first at {sources[record.article_id]})"
            )
        records[record.article_id] = record
        sources[record.article_id] = where
    if not records:
        raise InputError(f"{path}: no prediction records")
    return records, sources


def _load_predictions(path: Path) -> tuple[dict[str, ArticleEvents], dict[str, str]]:
    """Records keyed by article id, and where each came from (file, or file:line)."""
    if path.is_dir():
        events = path / EXTRACT_EVENTS
        has_records = any(
            p.is_file() and p.name not in NOT_ARTICLE_FILES for p in path.glob("*.json")
        )
        if events.is_file() and not has_records:
            return _load_jsonl(events)
        if not has_records:
            raise InputError(
                f"{path}: no predictions here: neither {EXTRACT_EVENTS} (an extract --out "
                "folder) nor <article_id>.json files"
            )
        files = _json_files(path, "prediction")
        return (
            {p.stem: _load_record(p, strict_keys=False) for p in files},
            {p.stem: str(p) for p in files},
        )
    if path.is_file() and path.suffix == ".jsonl":
        return _load_jsonl(path)
    if path.exists():
        raise InputError(
            f"{path}: expected a directory of <article_id>.json files, an extract output "
            f"folder (with {EXTRACT_EVENTS}) or a .jsonl file"
        )
    raise InputError(f"{path}: no such file or directory")


def load_predictions(path: Path) -> dict[str, ArticleEvents]:
    """Load predictions from a directory of `<article_id>.json` files, an extract output
    folder (its `events.jsonl`) or a `.jsonl` file."""
    return _load_predictions(path)[0]


def load_gold(gold_dir: Path) -> GoldSet:
    """Load strict gold records from `gold_dir/*.json` and texts from `gold_dir/articles/`."""
    if not gold_dir.is_dir():
        raise InputError(f"{gold_dir}: gold directory not found")
    records = {p.stem: _load_record(p, strict_keys=True) for p in _json_files(gold_dir, "gold")}
    texts = {}
    for article_id in records:
        text_path = gold_dir / ARTICLES_SUBDIR / f"{article_id}.txt"
        if not text_path.is_file():
            raise InputError(f"{text_path}: article text not found (needed for grounding)")
        texts[article_id] = _read_text(text_path)
    return GoldSet(records, texts)


def evaluate_paths(pred_path: Path, gold_dir: Path) -> CorpusScore:
    """Load predictions and gold from disk and score them (what `extractor eval` runs).

    A gold article without a prediction counts as predicting no events and is listed in
    `missing_articles`; a prediction for an article not in gold is an `InputError`.
    """
    gold = load_gold(gold_dir)
    preds, sources = _load_predictions(pred_path)
    for article_id in sorted(preds):
        if article_id not in gold.records:
            raise InputError(
                f"{sources[article_id]}: article id {article_id!r} is not in gold ({gold_dir})"
            )
    return score_corpus(preds, gold.records, gold.texts)
