"""events_acled.csv: our events in ACLED's columns, rebuilt with the other combined files."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

import extractor
from extractor.acled import (
    ACLED_COLUMNS,
    acled_event_type,
    acled_row,
    render_acled_csv,
    time_precision,
)
from extractor.backends.base import ExtractionRequest
from extractor.backends.fake import FakeBackend
from extractor.core.records import (
    EvidenceSpan,
    ExtractionRecord,
    GroundedEvent,
    MatchKind,
    Provenance,
    SourceMetadata,
)
from extractor.core.schema import ArticleEvents
from tests.conftest import build_event

SHELLING = ("Explosions/Remote violence", "Shelling/artillery/missile attack")
AIR = ("Explosions/Remote violence", "Air/drone strike")


def grounded(**overrides: Any) -> GroundedEvent:
    return GroundedEvent.model_validate(build_event(**overrides).model_dump())


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({"weapon_types": ["airstrike"]}, AIR, id="airstrike"),
        pytest.param({"weapon_types": ["drone", "rocket"]}, AIR, id="drone-wins-over-rocket"),
        pytest.param({"weapon_types": ["rocket"]}, SHELLING, id="rocket"),
        pytest.param({"weapon_types": ["ballistic_missile"]}, SHELLING, id="ballistic-missile"),
        pytest.param({"weapon_types": ["mortar"]}, SHELLING, id="mortar"),
        pytest.param({"weapon_types": ["artillery"]}, SHELLING, id="artillery"),
        pytest.param({"weapon_types": ["indirect_fire"]}, SHELLING, id="indirect-fire"),
        pytest.param(
            {"weapon_types": ["explosive"]},
            ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
            id="explosive",
        ),
        pytest.param({"weapon_types": ["small_arms"]}, ("Battles", "Armed clash"), id="small-arms"),
        pytest.param(
            {"weapon_types": ["small_arms", "mortar"]}, SHELLING, id="mortar-wins-over-small-arms"
        ),
        pytest.param(
            {"weapon_types": ["drone"], "projectiles": 3, "intercepted": 3},
            ("Strategic developments", "Disrupted weapons use"),
            id="all-intercepted",
        ),
        pytest.param(
            {"weapon_types": ["drone"], "projectiles": 3, "intercepted": 2}, AIR, id="some-hit"
        ),
        pytest.param(
            {"weapon_types": ["rocket"], "projectiles": 0, "intercepted": 0},
            SHELLING,
            id="zero-projectiles-is-not-disrupted",
        ),
        pytest.param({"weapon_types": [], "event_type": "strike"}, AIR, id="strike-no-weapon"),
        pytest.param(
            {"weapon_types": [], "event_type": "attack"},
            ("Explosions/Remote violence", ""),
            id="attack-no-weapon",
        ),
    ],
)
def test_event_types_follow_the_documented_mapping(
    overrides: dict[str, Any], expected: tuple[str, str]
) -> None:
    assert acled_event_type(grounded(**overrides)) == expected


@pytest.mark.parametrize(
    ("date", "expected"),
    [("2024-01-28", 1), ("2024-01", 3), ("2024", 3), (None, None)],
    ids=["day", "month", "year", "unknown"],
)
def test_time_precision_from_the_iso_date(date: str | None, expected: int | None) -> None:
    assert time_precision(date) == expected


def test_one_row_carries_every_column() -> None:
    event = grounded(
        date="2024-01-28",
        weapon_types=["drone", "rocket"],
        projectiles=3,
        intercepted=1,
        perpetrator="Islamic Resistance in Iraq",
        target="Tower 22",
        killed=3,
        injured=40,
        summary="A drone killed three U.S. soldiers at Tower 22.",
    )
    event = event.model_copy(
        update={
            "evidence_spans": [
                EvidenceSpan(quote="x", start=10, end=42, match=MatchKind.EXACT),
                EvidenceSpan(quote="y"),
                EvidenceSpan(quote="z", start=50, end=60, match=MatchKind.FUZZY, score=91.0),
            ]
        }
    )
    source = SourceMetadata(url="https://example.org/a", outlet="Example News")
    row = acled_row("t22", 1, event, source)
    assert tuple(row) == ACLED_COLUMNS
    assert row == {
        "event_id": "t22-2",
        "event_date": "2024-01-28",
        "year": 2024,
        "time_precision": 1,
        "disorder_type": "Political violence",
        "event_type": "Explosions/Remote violence",
        "sub_event_type": "Air/drone strike",
        "actor1": "Islamic Resistance in Iraq",
        "actor2": "Tower 22",
        "country": "Iraq",
        "admin1": None,
        "location": "Camp Larch",
        "source": "Example News",
        "source_url": "https://example.org/a",
        "notes": "A drone killed three U.S. soldiers at Tower 22.",
        "fatalities": 3,
        "injured": 40,
        "projectiles": 3,
        "intercepted": 1,
        "weapon_types": "drone;rocket",
        "salience": "main",
        "evidence_offsets": "10-42;50-60",
        "article_id": "t22",
        "needs_review": False,
        "review_reasons": "",
    }


def test_unknowns_stay_empty_and_a_disrupted_attack_is_a_strategic_development() -> None:
    event = grounded(projectiles=2, intercepted=2, perpetrator=None, target=None, killed=None)
    row = acled_row("a", 0, event)
    assert row["actor1"] == "Unidentified"
    assert row["actor2"] is None
    assert row["fatalities"] is None  # unknown, not zero
    assert row["year"] is None and row["time_precision"] is None
    assert row["disorder_type"] == row["event_type"] == "Strategic developments"
    assert row["source"] is None and row["source_url"] is None
    record = ExtractionRecord(
        article_id="a",
        events=[event],
        provenance=Provenance(
            backend="fake",
            model="m",
            mode="x",
            prompt_name="p",
            prompt_version="1",
            schema_hash="h",
        ),
    )
    rows = list(csv.DictReader(io.StringIO(render_acled_csv([record]))))
    assert rows[0]["fatalities"] == "" and rows[0]["year"] == ""


def read_rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_written_next_to_events_csv_and_rebuilt_from_every_article(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    def answer(request: ExtractionRequest) -> ArticleEvents:
        sentence = request.text.split(". ")[0]
        event = build_event(evidence=[sentence], summary=sentence, date="2024-01")
        return ArticleEvents(article_id=request.article_id, events=[event, event])

    fake_backend.respond = answer
    out = tmp_path / "out"
    texts = {"a1": "Two rockets hit Camp Larch on Sunday. More.", "a2": "A drone hit. More."}
    extractor.extract({"a1": texts["a1"]}, backend="fake", out_dir=out, no_cache=True)
    extractor.extract({"a2": texts["a2"]}, backend="fake", out_dir=out, no_cache=True)

    rows = read_rows(out / "events_acled.csv")
    assert list(rows[0]) == list(ACLED_COLUMNS)
    assert [r["event_id"] for r in rows] == ["a1-1", "a1-2", "a2-1", "a2-2"]
    assert [r["event_id"] for r in read_rows(out / "events.csv")] == [r["event_id"] for r in rows]
    first = rows[0]
    assert (first["event_date"], first["year"], first["time_precision"]) == ("2024-01", "2024", "3")
    assert first["notes"] == "Two rockets hit Camp Larch on Sunday"
    start, end = map(int, first["evidence_offsets"].split("-"))
    assert texts["a1"][start:end] == "Two rockets hit Camp Larch on Sunday"
