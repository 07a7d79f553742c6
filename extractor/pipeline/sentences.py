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


# Date lines that pages and wire copy put above or below the story: "date 2019-12-29",
# "Published: Oct. 19, 2023 at 12:28 PM CDT", "Updated: July 19, 2023, 9:35 AM",
# "... | News | DW | 20.12.2020" (day.month.year), "Thursday, 10/19/2023" (month/day/year).
_STAMP_LINE = re.compile(r"^\s*(?:date|published|updated|posted|last updated)\b\s*:?", re.I)
_ISO_DATE = re.compile(r"\b((?:19|20)\d{2})-(\d{2})-(\d{2})\b")
_DOTTED_DATE = re.compile(r"\b(\d{1,2})\.(\d{1,2})\.((?:19|20)\d{2})\b")
_SLASHED_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/((?:19|20)\d{2})\b")
_WEEKDAY_WORD = re.compile(r"\b(" + "|".join(WEEKDAYS) + r")\b", re.I)
DATELINE_MAX_WORDS = 12


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def numeric_dates(line: str) -> list[dt.date]:
    """ISO (2019-12-29), dotted day.month.year (20.12.2020) and slashed month/day/year
    (10/19/2023; day/month when the first number cannot be a month) dates in one line."""
    found = [_safe_date(int(y), int(m), int(d)) for y, m, d in _ISO_DATE.findall(line)]
    found += [_safe_date(int(y), int(m), int(d)) for d, m, y in _DOTTED_DATE.findall(line)]
    for first, second, year in _SLASHED_DATE.findall(line):
        month, day = (int(first), int(second)) if int(first) <= 12 else (int(second), int(first))
        found.append(_safe_date(int(year), month, day))
    return [d for d in found if d is not None]


def _weekday_agrees(line: str, date: dt.date) -> bool:
    written = _WEEKDAY_WORD.search(line)
    return written is None or WEEKDAYS[date.weekday()] == written.group(1).lower()


def reference_date(text: str) -> dt.date | None:
    """The article's own date: a date line of the page, or a date written with its weekday.

    Accepted: a short line that is not a sentence and holds a date (a dateline, a
    "Published:"/"Updated:"/"date" stamp, a page title ending in "20.12.2020", "Thursday,
    10/19/2023"), or "Weekday, Month D, YYYY" anywhere. A bare date inside a long sentence
    ("a picture taken on January 13, 2020") is not used: it usually dates a photo or an
    earlier event. A weekday written next to a date must agree with it.
    """
    for line in text.splitlines():
        stamp = bool(_STAMP_LINE.match(line))
        words = [w for w in line.split() if any(c.isalnum() for c in w)]
        dateline = stamp or (len(words) <= DATELINE_MAX_WORDS and not line.rstrip().endswith("."))
        for date, weekday, _ in full_dates(line):
            consistent_weekday = weekday is not None and WEEKDAYS[date.weekday()] == weekday
            if consistent_weekday or (dateline and _weekday_agrees(line, date)):
                return date
        if dateline:
            for date in numeric_dates(line):
                if _weekday_agrees(line, date):
                    return date
    return None
