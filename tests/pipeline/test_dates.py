"""The article's reference date from the date lines pages carry, and relative days resolved
against it. Invented texts; each format below occurs in several real articles."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.pipeline.rules import relative_day, resolve_date
from extractor.pipeline.sentences import numeric_dates, reference_date

BODY = "Rockets hit a base near the airport on Thursday, officials said.\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Headline here\n\ndate 2021-03-04\n\n" + BODY, dt.date(2021, 3, 4)),
        (
            "Headline\nPublished: Mar. 4, 2021 at 10:15 AM EST|Updated: 3 hours ago\n" + BODY,
            dt.date(2021, 3, 4),
        ),
        ("Headline\n" + BODY + "Updated: March 4, 2021, 9:35 AM\n", dt.date(2021, 3, 4)),
        ("Rockets hit base | News | Outlet | 04.03.2021\n\n" + BODY, dt.date(2021, 3, 4)),
        ("Headline\n\nThursday, 3/4/2021\n\n" + BODY, dt.date(2021, 3, 4)),
        ("Headline\n\nMarch 4, 2021\n\n" + BODY, dt.date(2021, 3, 4)),
    ],
    ids=["iso-stamp", "published", "updated-at-end", "dotted-title", "slashed-weekday", "plain"],
)
def test_date_lines_give_the_reference_date(text: str, expected: dt.date) -> None:
    assert reference_date(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A photo taken on March 4, 2021 shows the base after an earlier attack on it.\n" + BODY,
        "Headline\n\nFriday, 3/4/2021\n\n" + BODY,  # 4 March 2021 was a Thursday
        "The 2003-04-09 fall of Baghdad was remembered by many people in the city today.\n",
    ],
    ids=["date-in-a-sentence", "weekday-disagrees", "iso-in-a-sentence"],
)
def test_dates_that_are_not_the_articles_own_are_ignored(text: str) -> None:
    assert reference_date(text) is None


def test_numeric_dates_read_day_month_when_the_month_cannot_be_first() -> None:
    assert numeric_dates("posted 25/12/2020") == [dt.date(2020, 12, 25)]
    assert numeric_dates("31.02.2020") == []


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("yesterday afternoon", "2021-03-03"),
        ("last night", "2021-03-03"),
        ("earlier today", "2021-03-04"),
        ("tonight", "2021-03-04"),
        ("on Tuesday", "2021-03-02"),
    ],
)
def test_relative_days_resolve_against_the_reference(when: str, expected: str) -> None:
    assert resolve_date(when, "", dt.date(2021, 3, 4)) == expected


def test_relative_days_without_a_reference_give_no_date() -> None:
    assert resolve_date("yesterday", "", None) is None
    assert relative_day("the day before yesterday") == 2
    assert relative_day("on Friday") is None
