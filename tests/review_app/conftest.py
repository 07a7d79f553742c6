"""A small run to review: one recorded seed output (three events) and one hostile article.

The seed output is a frozen copy (`data/`) of the default row's recording of article 001 as
recorded by the speed benchmark of commit 24085b1, so that re-recording the eval suites does
not change what these tests review.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RECORDED = Path(__file__).resolve().parent / "data"
SEED = "001_502a541b01eeb6f6"
XSS = "900_xss"
XSS_TEXT = (
    "Rockets hit Camp Test on Monday. <script>window.__xss = 1; alert('script')</script> "
    "Officials said <img src=x onerror=\"window.__xss = 2; alert('img')\"> nobody was hurt.\n"
)
XSS_QUOTE = "Rockets hit Camp Test on Monday."


@dataclass(frozen=True)
class Run:
    """A run folder (`<id>.json` records), its article texts, and an empty gold folder."""

    run: Path
    articles: Path
    gold: Path


def xss_record() -> dict[str, object]:
    """A prediction whose every text field is markup."""
    event = {
        "event_type": "attack",
        "salience": "main",
        "date": None,
        "date_text": "Monday",
        "location": "<img src=x onerror=\"window.__xss = 3; alert('field')\">",
        "country": None,
        "admin1": None,
        "weapon_types": ["rocket"],
        "projectiles": None,
        "intercepted": None,
        "perpetrator": "<b>bold</b>",
        "perpetrator_status": "unknown",
        "target": None,
        "killed": None,
        "injured": None,
        "damage": None,
        "summary": "<script>window.__xss = 4</script>",
        "evidence": [XSS_QUOTE, "<script>window.__xss = 1; alert('script')</script>"],
        "needs_review": True,
        "review_reasons": ['<img src=x onerror="window.__xss = 5">'],
    }
    return {"article_id": XSS, "events": [event]}


def make_run(root: Path) -> Run:
    """Write the run (recorded seed output + the hostile article) under `root`."""
    run, articles, gold = root / "run", root / "articles", root / "gold"
    run.mkdir(parents=True)
    articles.mkdir()
    shutil.copy(RECORDED / f"{SEED}.json", run / f"{SEED}.json")
    shutil.copy(REPO / "gold" / "articles" / f"{SEED}.txt", articles / f"{SEED}.txt")
    (run / f"{XSS}.json").write_text(json.dumps(xss_record()), encoding="utf-8")
    (articles / f"{XSS}.txt").write_text(XSS_TEXT, encoding="utf-8")
    return Run(run, articles, gold)


@pytest.fixture
def review_run(tmp_path: Path) -> Run:
    """A fresh run and gold folder for one test."""
    return make_run(tmp_path)
