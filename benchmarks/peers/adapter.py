"""Map LangExtract's raw extractions to `ArticleEvents`, so the same scorer reads every peer.

One extraction is one event. The mapping, field by field:

    extraction_class          -> event_type ("attack"/"strike"; any other class is dropped)
    extraction_text           -> evidence: the article's own text at LangExtract's character
                                 interval when it aligned the extraction, else the text as
                                 the model wrote it (grounding then judges it like any quote)
    attributes.<field>        -> the Event field of the same name, coerced: numbers from
                                 their first digits or number word ("none"/"no" -> 0),
                                 enums checked (unknown values become salience "main",
                                 perpetrator_status "unknown", or dropped weapon types),
                                 weapon_types from a list or a "a, b" string,
                                 dates kept only when they are YYYY[-MM[-DD]]
    location missing          -> "unknown" (the schema requires one; it will rarely match)
    summary missing           -> the extraction text

Nothing is invented beyond those defaults, and an extraction that still fails validation
is dropped and counted.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from extractor.core.schema import (
    ArticleEvents,
    Event,
    EventType,
    PerpetratorStatus,
    Salience,
    WeaponType,
    validate_partial_date,
)

_FIRST_INT = re.compile(r"\d+")
_TEXT_FIELDS = ("date_text", "country", "admin1", "perpetrator", "target", "damage")
_INT_FIELDS = ("projectiles", "intercepted", "killed", "injured")


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = ", ".join(str(v) for v in value)
    if value is None:
        return None
    text = str(value).strip()
    return text[:300] if text and text.lower() not in ("null", "none", "n/a", "unknown") else None


_WORDS = "zero one two three four five six seven eight nine ten eleven twelve"
_NUMBER_WORDS = {word: n for n, word in enumerate(_WORDS.split(" "))} | {"none": 0, "no": 0}


def _int(value: Any) -> int | None:
    if value is None:
        return None
    match = _FIRST_INT.search(str(value))
    if match:
        return int(match.group())
    words = re.findall(r"[a-z]+", str(value).lower())
    return next((_NUMBER_WORDS[w] for w in words if w in _NUMBER_WORDS), None)


def _weapons(value: Any) -> list[WeaponType]:
    items = value if isinstance(value, list) else re.split(r"[,;/]| and ", str(value or ""))
    known = {w.value for w in WeaponType}
    names = [str(i).strip().lower().replace(" ", "_") for i in items]
    return [WeaponType(n) for n in dict.fromkeys(names) if n in known]


def _date(value: Any) -> str | None:
    text = _text(value)
    try:
        return validate_partial_date(text)
    except ValueError:
        return None


def _enum(enum: type, value: Any, default: Any) -> Any:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        return default


def to_event(extraction: dict[str, Any], article_text: str) -> Event | None:
    """One LangExtract extraction as an `Event`, or None when it cannot be one."""
    kind = str(extraction.get("extraction_class", "")).strip().lower()
    if kind not in ("attack", "strike"):
        return None
    attrs = extraction.get("attributes") or {}
    start, end = extraction.get("start"), extraction.get("end")
    quote = extraction.get("extraction_text") or ""
    if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(article_text):
        quote = article_text[start:end]
    fields: dict[str, Any] = {name: _text(attrs.get(name)) for name in _TEXT_FIELDS}
    fields.update({name: _int(attrs.get(name)) for name in _INT_FIELDS})
    try:
        return Event(
            event_type=EventType(kind),
            salience=_enum(Salience, attrs.get("salience"), Salience.MAIN),
            date=_date(attrs.get("date")),
            location=_text(attrs.get("location")) or "unknown",
            weapon_types=_weapons(attrs.get("weapon_types")),
            perpetrator_status=_enum(
                PerpetratorStatus, attrs.get("perpetrator_status"), PerpetratorStatus.UNKNOWN
            ),
            summary=(_text(attrs.get("summary")) or quote or kind)[:600],
            evidence=[quote[:1000]] if quote.strip() else [kind],
            **fields,
        )
    except ValidationError:
        return None


def to_article_events(
    article_id: str, extractions: list[dict[str, Any]], article_text: str
) -> tuple[ArticleEvents, int]:
    """All events of one article, and how many extractions were dropped."""
    events = [to_event(e, article_text) for e in extractions]
    kept = [e for e in events if e is not None]
    return ArticleEvents(article_id=article_id, events=kept), len(events) - len(kept)
