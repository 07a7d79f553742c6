"""Split an article into sentences with character offsets, and find its reference date.

Sentences are the unit every stage works on and the evidence we quote: a quote that is a
whole sentence of the article is verbatim by construction. The reference date is the one
absolute "today" the text gives (a dateline, or a caption date written with its weekday),
against which weekdays ("on Tuesday") are resolved; dates of old photos are not used.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_ABBREVIATIONS = {
    "u.s",
    "u.k",
    "u.n",
    "gen",
    "brig",
    "maj",
    "lt",
    "col",
    "capt",
    "sgt",
    "jr",
    "sr",
    "mr",
    "mrs",
    "ms",
    "dr",
    "st",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
    "vs",
    "etc",
    "gov",
    "sen",
    "rep",
    "adm",
    "inc",
    "co",
}
_BOUNDARY = re.compile(r"[.!?][\"”’')]*\s+(?=[\"“‘(]?[A-Z0-9])")
_MONTHS = {
    name: i
    for i, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_FULL_DATE = re.compile(
    r"(?:(?P<weekday>" + "|".join(WEEKDAYS) + r"),?\s+)?"
    r"(?P<month>[A-Z][a-z]{2,8})\.?\s+(?P<day>\d{1,2}),\s+(?P<year>(?:19|20)\d{2})",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Sentence:
    """One sentence: its index, exact text and `[start, end)` offsets in the article."""

    index: int
    text: str
    start: int
    end: int

    @property
    def looks_like_prose(self) -> bool:
        """Ends like a sentence and has enough words: headlines and page furniture do not."""
        words = self.text.split()
        return len(words) >= 4 and self.text.rstrip("\"”’') ").endswith((".", "!", "?", ":"))


def _is_abbreviation(text: str, dot: int) -> bool:
    start = dot
    while start > 0 and (text[start - 1].isalpha() or text[start - 1] == "."):
        start -= 1
    word = text[start:dot].lower()
    return word in _ABBREVIATIONS or len(word) == 1 or (len(word) > 1 and "." in word)


def split_sentences(text: str) -> list[Sentence]:
    """Sentences of `text`, line by line, not splitting after abbreviations ("U.S.", "Gen.")."""
    sentences: list[Sentence] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        start = 0
        for match in _BOUNDARY.finditer(line):
            if line[match.start()] == "." and _is_abbreviation(line, match.start()):
                continue
            _append(sentences, line, start, match.end(), offset)
            start = match.end()
        _append(sentences, line, start, len(line), offset)
        offset += len(line)
    return sentences


def _append(out: list[Sentence], line: str, start: int, end: int, offset: int) -> None:
    chunk = line[start:end]
    stripped = chunk.strip()
    if not stripped:
        return
    lead = len(chunk) - len(chunk.lstrip())
    begin = offset + start + lead
    out.append(Sentence(len(out), stripped, begin, begin + len(stripped)))


def parse_full_date(match: re.Match[str]) -> dt.date | None:
    """The date a `_FULL_DATE` match names, or None if it is not a real date."""
    month = _MONTHS.get(match["month"].lower())
    if month is None:
        return None
    try:
        return dt.date(int(match["year"]), month, int(match["day"]))
    except ValueError:
        return None


def full_dates(text: str) -> list[tuple[dt.date, str | None, re.Match[str]]]:
    """Every "Month D, YYYY" in `text`, with the weekday written before it, if any."""
    found = []
    for match in _FULL_DATE.finditer(text):
        date = parse_full_date(match)
        if date is not None:
            weekday = match["weekday"].lower() if match["weekday"] else None
            found.append((date, weekday, match))
    return found


def reference_date(text: str) -> dt.date | None:
    """The article's own date: a dateline line, or a date written with its matching weekday.

    A bare date inside a long sentence ("a picture taken on January 13, 2020") is not used:
    it usually dates a photo or an earlier event.
    """
    for line in text.splitlines():
        for date, weekday, _ in full_dates(line):
            consistent_weekday = weekday is not None and WEEKDAYS[date.weekday()] == weekday
            dateline = len(line.split()) <= 10 and not line.rstrip().endswith(".")
            if consistent_weekday or dateline:
                return date
    return None
