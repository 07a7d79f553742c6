"""Invented reports for the incident tests: one event of one article, with its reference."""

from __future__ import annotations

from typing import Any

from extractor.incidents.across import Report
from extractor.incidents.dates import iso_window
from tests.conftest import build_event


def report(article: str, published: str | None = None, index: int = 0, **fields: Any) -> Report:
    """A report of an invented event (`build_event` defaults, no counts unless given)."""
    base: dict[str, Any] = {"projectiles": None, "date_text": None, "weapon_types": []}
    event = build_event(**{**base, **fields})
    reference = iso_window(published) if published else None
    return Report(
        article, index, event, f"Outlet {article}", f"https://x.test/{article}", reference
    )
