"""Synthetic benchmark articles and the canned events a benchmark server answers for them.

Article number `i` is generated deterministically from `i` alone, so the server can
rebuild the expected answer from the article it is asked about without sharing state with
the client. Each article carries a marker `Reference BENCH-000123.` that the server finds in
the request's user message, whatever the prompt template around the article looks like.
Every evidence quote is an exact sentence of the article, so grounding finds it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

MARKER = re.compile(r"BENCH-(\d{6})")
ARTICLE_ID_FIELD = re.compile(r"article_id:\s*(\S+)")

_BASES = (
    ("Ain al-Asad Air Base", "Anbar", "Iraq"),
    ("Harir Air Base", "Arbil", "Iraq"),
    ("Camp Victory", "Baghdad", "Iraq"),
    ("Rumalyn Landing Zone", "Hasakah", "Syria"),
    ("Mission Support Site Conoco", "Deir ez-Zor", "Syria"),
    ("Tower 22", "Rukban", "Jordan"),
)
_WEAPONS = (("rockets", "rocket"), ("drones", "drone"), ("mortar rounds", "mortar"))
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_FILLER = (
    "Officials said the incident was under review and that more details would follow.",
    "The Pentagon declined to comment on the operation beyond a short written statement.",
    "Residents near the base reported hearing several loud explosions late in the evening.",
    "Analysts said the pattern of attacks had changed over the previous several weeks.",
)


def article_id(index: int) -> str:
    """The file stem (and `article_id`) of synthetic article number `index`."""
    return f"bench-{index:06d}"


def _facts(index: int) -> dict[str, Any]:
    base, admin1, country = _BASES[index % len(_BASES)]
    weapon_words, weapon = _WEAPONS[index % len(_WEAPONS)]
    day = 1 + index % 28
    return {
        "base": base,
        "admin1": admin1,
        "country": country,
        "weapon_words": weapon_words,
        "weapon": weapon,
        "count": 2 + index % 5,
        "day": day,
        "weekday": _WEEKDAYS[(day + 3) % 7],
    }


def _sentences(index: int) -> tuple[str, str]:
    f = _facts(index)
    attack = (
        f"{f['count']} {f['weapon_words']} struck {f['base']} in {f['admin1']} on "
        f"{f['weekday']}, March {f['day']}, 2024, a U.S. official said."
    )
    strike = f"U.S. aircraft later carried out airstrikes on a militia depot near {f['base']}."
    return attack, strike


def article_text(index: int) -> str:
    """The text of synthetic article number `index` (about 800 characters)."""
    attack, strike = _sentences(index)
    filler = " ".join(_FILLER[(index + k) % len(_FILLER)] for k in range(3))
    return (
        f"WASHINGTON, March 28, 2024 - {attack} No injuries were reported.\n\n"
        f"{strike} {filler}\n\n"
        f"Reference BENCH-{index:06d}.\n"
    )


def canned_events(index: int) -> dict[str, Any]:
    """A schema-valid `ArticleEvents` JSON object for article `index` (two events)."""
    f = _facts(index)
    attack, strike = _sentences(index)
    date = f"2024-03-{f['day']:02d}"
    common = {"country": f["country"], "admin1": f["admin1"], "damage": None}
    return {
        "article_id": article_id(index),
        "events": [
            {
                "event_type": "attack",
                "salience": "main",
                "date": date,
                "date_text": f"{f['weekday']}, March {f['day']}, 2024",
                "location": f["base"],
                "weapon_types": [f["weapon"]],
                "projectiles": f["count"],
                "intercepted": None,
                "perpetrator": None,
                "perpetrator_status": "unknown",
                "target": "U.S. forces",
                "killed": None,
                "injured": 0,
                "summary": f"{f['count']} {f['weapon_words']} struck {f['base']}.",
                "evidence": [attack],
                **common,
            },
            {
                "event_type": "strike",
                "salience": "main",
                "date": None,
                "date_text": "later",
                "location": f"militia depot near {f['base']}",
                "weapon_types": ["airstrike"],
                "projectiles": None,
                "intercepted": None,
                "perpetrator": "U.S. aircraft",
                "perpetrator_status": "attributed",
                "target": "a militia depot",
                "killed": None,
                "injured": None,
                "summary": "U.S. aircraft struck a militia depot.",
                "evidence": [strike],
                **common,
            },
        ],
    }


def write_articles(directory: Path, count: int) -> list[Path]:
    """Write synthetic articles 0..count-1 as `<article_id>.txt` files into `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for index in range(count):
        path = directory / f"{article_id(index)}.txt"
        path.write_text(article_text(index), encoding="utf-8")
        paths.append(path)
    return paths


def find_article(text: str) -> tuple[int | None, str | None]:
    """The synthetic article index named in a request text, and its `article_id:` field."""
    marker = MARKER.search(text)
    field = ARTICLE_ID_FIELD.search(text)
    return (int(marker.group(1)) if marker else None, field.group(1) if field else None)
