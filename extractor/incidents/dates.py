"""When an event happened, as a window of days, from its own date or its article's date.

Across articles a day must be put on the calendar: one outlet writes "2023-10-19", another
"Wednesday", a third "yesterday" under a dateline. `event_window` gives each event the days it
may have happened on:

1. the event's own `date` (a day, a month or a year: every day in it);
2. else its `date_text` read against the article's reference date (`Reference`: its
   published date, or the date its URL gives, `/2024/01/04/` or `/2024/02/`): "today",
   "tonight", "earlier in the day" are the reference day; "yesterday", "last night" the day
   before; a weekday the last such day on or before it; "Feb. 02", "January 3" that day in
   the reference's year (the year before, if that falls after it); "last week" the 13 days
   before; "last month" the month before;
3. else, with a reference, the week before it for a `main` event (the article's news), the
   two years before it for a `background` event;
4. else nothing: the day is unknown, though `weekday` may still say which weekday it was.

No window reaches past the reference: an article reports what has happened.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from extractor.core.schema import Event, Salience

MAIN_LOOKBACK_DAYS = 7
BACKGROUND_LOOKBACK_DAYS = 730
LAST_WEEK_DAYS = 13

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTHS = {
    name: number
    for number in range(1, 13)
    for name in (calendar.month_name[number].lower(), calendar.month_abbr[number].lower())
}
MONTHS["sept"] = 9

_SAME_DAY = re.compile(r"\b(today|tonight|this (morning|afternoon|evening)|earlier in the day)\b")
_DAY_BEFORE = re.compile(r"\b(yesterday|last night)\b")
_LAST_WEEK = re.compile(r"\blast week\b")
_LAST_MONTH = re.compile(r"\blast month\b")
_MONTH_DAY = re.compile(r"\b([a-z]{3,9})\.?\s+(\d{1,2})\b")
_URL_DAY = re.compile(r"/(\d{4})/(\d{2})/(\d{2})(?:/|$)|[/-](\d{4})(\d{2})(\d{2})(?:[-/]|$)")
_URL_MONTH = re.compile(r"/(\d{4})/(\d{2})(?:/|$)")


@dataclass(frozen=True)
class Window:
    """The days from `first` to `last`, both included."""

    first: dt.date
    last: dt.date

    @property
    def days(self) -> int:
        """How many days the window holds."""
        return (self.last - self.first).days + 1

    def overlaps(self, other: Window, slack_days: int = 0) -> bool:
        """True when the windows share a day, or come within `slack_days` of each other."""
        slack = dt.timedelta(days=slack_days)
        return self.first <= other.last + slack and other.first <= self.last + slack

    def __str__(self) -> str:
        return str(self.first) if self.days == 1 else f"{self.first}..{self.last}"


def iso_window(date: str) -> Window:
    """Every day of an ISO date of any precision: "2024-01" is all of January 2024."""
    parts = [int(p) for p in date.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return Window(day, day)
    if len(parts) == 2:
        year, month = parts
        last_day = calendar.monthrange(year, month)[1]
        return Window(dt.date(year, month, 1), dt.date(year, month, last_day))
    return Window(dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31))


def url_window(url: str | None) -> Window | None:
    """The day (or month) a URL's path gives: `/2024/01/04/`, `/20240204-`, `/2024/02/`."""
    if not url:
        return None
    path = re.sub(r"^[a-z]+://[^/]+", "", url)
    for match in _URL_DAY.finditer(path):
        year, month, day = (int(g) for g in match.groups() if g is not None)
        try:
            found = dt.date(year, month, day)
        except ValueError:
            continue
        return Window(found, found)
    for match in _URL_MONTH.finditer(path):
        year, month = int(match.group(1)), int(match.group(2))
        if 1990 <= year <= 2100 and 1 <= month <= 12:
            return iso_window(f"{year:04d}-{month:02d}")
    return None


def reference_window(published: str | None, url: str | None) -> Window | None:
    """An article's reference date: its published date, else the date its URL gives."""
    if published:
        return iso_window(published)
    return url_window(url)


def weekday(date_text: str | None) -> int | None:
    """The weekday a date phrase names (Monday = 0), if it names one."""
    if not date_text:
        return None
    words = re.findall(r"[a-z]+", date_text.lower())
    found = [WEEKDAYS.index(w) for w in words if w in WEEKDAYS]
    return found[0] if len(found) == 1 else None


def _weekday_window(day: int, reference: Window) -> Window:
    """The days with weekday `day` from six days before the reference to its last day."""
    start = reference.first - dt.timedelta(days=6)
    offset = (day - start.weekday()) % 7
    first = start + dt.timedelta(days=offset)
    last = reference.last - dt.timedelta(days=(reference.last.weekday() - day) % 7)
    return Window(first, last)


def _month_day(text: str, reference: Window) -> Window | None:
    for match in _MONTH_DAY.finditer(text):
        month = MONTHS.get(match.group(1))
        if month is None:
            continue
        year = reference.last.year
        try:
            day = dt.date(year, month, int(match.group(2)))
            if day > reference.last:
                day = dt.date(year - 1, month, int(match.group(2)))
        except ValueError:
            continue
        return Window(day, day)
    return None


def _from_text(text: str, reference: Window) -> Window | None:
    """The window a day phrase names against the reference, or None when it names none."""
    text = text.lower()
    one_day = dt.timedelta(days=1)
    if _SAME_DAY.search(text):
        return reference
    if _DAY_BEFORE.search(text):
        return Window(reference.first - one_day, reference.last - one_day)
    named = _month_day(text, reference)
    if named is not None:
        return named
    day = weekday(text)
    if day is not None:
        return _weekday_window(day, reference)
    if _LAST_WEEK.search(text):
        return Window(reference.first - dt.timedelta(days=LAST_WEEK_DAYS), reference.last - one_day)
    if _LAST_MONTH.search(text):
        last = reference.first.replace(day=1) - one_day
        return Window(last.replace(day=1), last)
    return None


def stated_window(event: Event, reference: Window | None) -> Window | None:
    """The days the event's own date, or its words read against the reference, name (rules
    1 and 2); None when they name none."""
    if event.date:
        return iso_window(event.date)
    if reference is None or not event.date_text:
        return None
    return _from_text(event.date_text, reference)


def event_window(event: Event, reference: Window | None) -> Window | None:
    """The days `event` may have happened on (the module's rules), or None when unknown."""
    stated = stated_window(event, reference)
    if stated is not None or reference is None:
        return stated
    lookback = MAIN_LOOKBACK_DAYS if event.salience is Salience.MAIN else BACKGROUND_LOOKBACK_DAYS
    return Window(reference.first - dt.timedelta(days=lookback), reference.last)
