"""When an event happened: windows from its own date, or its words against a reference."""

from __future__ import annotations

import datetime as dt

import pytest

from extractor.incidents.dates import Window, event_window, iso_window, url_window, weekday
from tests.conftest import build_event

D = dt.date


@pytest.mark.parametrize(
    ("date", "date_text", "salience", "published", "expected"),
    [
        pytest.param(
            "2024-01-14", "Sunday", "main", None, ("2024-01-14", "2024-01-14"), id="own-day"
        ),
        pytest.param("2024-02", None, "main", None, ("2024-02-01", "2024-02-29"), id="own-month"),
        pytest.param("2020", None, "background", None, ("2020-01-01", "2020-12-31"), id="own-year"),
        pytest.param(
            None, "yesterday", "main", "2024-08-11", ("2024-08-10", "2024-08-10"), id="yesterday"
        ),
        pytest.param(
            None, "earlier today", "main", "2024-01-04", ("2024-01-04", "2024-01-04"), id="today"
        ),
        pytest.param(
            None, "late Friday", "main", "2024-02-04", ("2024-02-02", "2024-02-02"), id="weekday"
        ),
        pytest.param(
            None,
            "on Sunday",
            "main",
            "2024-01-14",
            ("2024-01-14", "2024-01-14"),
            id="weekday-same-day",
        ),
        pytest.param(
            None, "Feb. 02", "main", "2024-02", ("2024-02-02", "2024-02-02"), id="month-day"
        ),
        pytest.param(
            None,
            "December 30",
            "main",
            "2024-01-02",
            ("2023-12-30", "2023-12-30"),
            id="month-day-last-year",
        ),
        pytest.param(
            None,
            "last week",
            "background",
            "2024-02-04",
            ("2024-01-22", "2024-02-03"),
            id="last-week",
        ),
        pytest.param(
            None,
            "late last month",
            "background",
            "2024-01-04",
            ("2023-12-01", "2023-12-31"),
            id="last-month",
        ),
        pytest.param(
            None,
            "recently",
            "main",
            "2024-01-15",
            ("2024-01-08", "2024-01-15"),
            id="main-default-week",
        ),
        pytest.param(
            None,
            None,
            "background",
            "2024-01-15",
            ("2022-01-15", "2024-01-15"),
            id="background-default",
        ),
    ],
)
def test_event_window(
    date: str | None, date_text: str | None, salience: str, published: str | None, expected: tuple
) -> None:
    event = build_event(date=date, date_text=date_text, salience=salience)
    reference = iso_window(published) if published else None
    window = event_window(event, reference)
    assert window == Window(D.fromisoformat(expected[0]), D.fromisoformat(expected[1]))


def test_no_date_and_no_reference_is_unknown() -> None:
    assert event_window(build_event(date=None, date_text="Sunday"), None) is None


def test_a_weekday_against_a_month_reference_spans_the_month() -> None:
    window = event_window(build_event(date=None, date_text="Friday"), iso_window("2024-02"))
    assert window == Window(D(2024, 1, 26), D(2024, 2, 23))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://overtdefense.com/2024/01/04/drone-airstrike", ("2024-01-04", "2024-01-04")),
        ("https://japannews.yomiuri.co.jp/news/20240204-166802/", ("2024-02-04", "2024-02-04")),
        (
            "https://www.longwarjournal.org/archives/2024/02/u-s-strikes.php",
            ("2024-02-01", "2024-02-29"),
        ),
        ("https://nz.news.yahoo.com/us-shoots-down-missile-fired-103600798.html", None),
        ("https://example.test/2024/13/40/nonsense", None),
    ],
)
def test_url_window(url: str, expected: tuple[str, str] | None) -> None:
    window = url_window(url)
    if expected is None:
        assert window is None
    else:
        assert window == Window(D.fromisoformat(expected[0]), D.fromisoformat(expected[1]))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Thursday evening", 3), ("late on Monday", 0), ("Monday or Tuesday", None), (None, None)],
)
def test_weekday(text: str | None, expected: int | None) -> None:
    assert weekday(text) == expected


def test_window_overlap_with_slack() -> None:
    a, b = iso_window("2023-10-18"), iso_window("2023-10-19")
    c = iso_window("2023-10-21")
    assert not a.overlaps(b) and a.overlaps(b, 1)
    assert not a.overlaps(c, 1) and a.overlaps(c, 3)
    assert str(iso_window("2024-02")) == "2024-02-01..2024-02-29" and str(a) == "2023-10-18"
