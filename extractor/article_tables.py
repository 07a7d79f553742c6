"""Articles with source metadata, many to a file: JSONL (one object a line) or CSV (a row).

    {"id": "a1", "text": "...", "url": "https://...", "published": "2024-03-03", "outlet": "..."}

    id,text,url,published,outlet,title
    a1,"...",https://...,2024-03-03,...,...

`id` and `text` are required; `url`, `published`, `outlet` and `title` are optional (empty
or null: not given), and `published` is an ISO date (`YYYY-MM-DD`). Any other key or column
is refused, so a misspelt `publshed` is not passed over. The parsers here are pure: each
line or row becomes `ArticleFields` or a one-line reason, numbered (JSONL: its line; CSV:
its row, the header being row 1), and `extractor.articles` turns them into articles and
input problems, so a bad line fails only its own article.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from extractor.core.records import SourceMetadata, check_iso_date

ID_KEY = "id"
TEXT_KEY = "text"
METADATA_KEYS = ("url", "published", "outlet", "title")
KNOWN_KEYS = (ID_KEY, TEXT_KEY, *METADATA_KEYS)
CSV_FIELD_LIMIT = 2_000_000
"""Python's csv refuses cells over 131072 characters by default; articles may be longer."""


@dataclass(frozen=True)
class ArticleFields:
    """One line's or row's article: id, text and source metadata (None when none given)."""

    article_id: str
    text: str
    source: SourceMetadata | None


Parsed = tuple[int, ArticleFields | str]
"""A line (JSONL) or row (CSV) number, and its article or why there is none."""


def _known_keys() -> str:
    return ", ".join(KNOWN_KEYS)


def _optional_str(raw: Mapping[str, object], key: str) -> str | None:
    value = raw.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{key} must be a string, got {type(value).__name__}")
    return value.strip() or None


def article_fields(raw: Mapping[str, object]) -> ArticleFields | str:
    """One article from a JSON object or a CSV row, or why it is not one (one line)."""
    unknown = sorted(key for key in raw if key not in KNOWN_KEYS)
    if unknown:
        return f"unknown key {unknown[0]!r} (known: {_known_keys()})"
    article_id = raw.get(ID_KEY)
    if isinstance(article_id, int) and not isinstance(article_id, bool):
        article_id = str(article_id)
    if not isinstance(article_id, str) or not article_id.strip():
        return f"{ID_KEY} is missing or empty"
    if article_id in {".", ".."} or "/" in article_id or "\\" in article_id:
        return f"article id {article_id!r} cannot name a file"
    text = raw.get(TEXT_KEY)
    if not isinstance(text, str):
        what = "missing" if text is None else f"not a string ({type(text).__name__})"
        return f"article {article_id!r}: {TEXT_KEY} is {what}"
    try:
        values = {key: _optional_str(raw, key) for key in METADATA_KEYS}
        published = values["published"]
        if published is not None:
            check_iso_date(published)
    except ValueError as exc:
        return f"article {article_id!r}: {exc}"
    source = SourceMetadata(**values) if any(values.values()) else None
    return ArticleFields(article_id, text, source)


def parse_jsonl(text: str) -> Iterator[Parsed]:
    """Every non-blank line of a JSONL text, parsed (lines split on newlines only: a JSON
    string may hold U+2028 and the like, which `str.splitlines` would split on)."""
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
        except json.JSONDecodeError as exc:
            yield lineno, f"malformed JSON: {exc.msg} (column {exc.colno})"
            continue
        if not isinstance(raw, dict):
            yield lineno, f"expected a JSON object, got {type(raw).__name__}"
            continue
        yield lineno, article_fields(raw)


def csv_header_problem(text: str) -> str | None:
    """Why a CSV text cannot hold articles (no header, unknown or missing columns), or None."""
    try:
        header = next(csv.reader(io.StringIO(text)), None)
    except csv.Error as exc:
        return f"malformed CSV header: {exc}"
    if not header:
        return "no header row (expected columns id, text, ...)"
    names = [name.strip().lower() for name in header]
    unknown = [name for name in names if name not in KNOWN_KEYS]
    if unknown:
        return f"unknown column {unknown[0]!r} (known: {_known_keys()})"
    missing = [name for name in (ID_KEY, TEXT_KEY) if name not in names]
    if missing:
        return f"no {missing[0]!r} column (columns id and text are required)"
    if len(set(names)) != len(names):
        return "a column is named twice in the header"
    return None


def parse_csv(text: str) -> Iterator[Parsed]:
    """Every row of a CSV text whose header `csv_header_problem` accepts, parsed; a row the
    csv module cannot read ends the file, with row number 0 and the reason."""
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(io.StringIO(text, newline=""))
    row_number = 1
    try:
        names = [name.strip().lower() for name in next(reader)]
        for row in reader:
            row_number += 1
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(names):
                yield row_number, f"{len(row)} cells, but the header has {len(names)} columns"
                continue
            yield row_number, article_fields(dict(zip(names, row, strict=True)))
    except csv.Error as exc:
        yield 0, f"malformed CSV after row {row_number}: {exc}; the rest of the file is not read"
