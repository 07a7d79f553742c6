"""Review flags (`extractor.review`): each rule on named cases, the flags in every output."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractor.acled import render_acled_csv
from extractor.core.records import ExtractionRecord, GroundedEvent, Provenance
from extractor.outputs import render_csv
from extractor.review import count_in, names_it, review_events, review_reasons
from tests.conftest import build_event

CASES: dict[str, tuple[dict[str, Any], list[dict[str, Any]], list[str]]] = {
    "a count in its own sentence": (
        {"projectiles": 2, "evidence": ["Two rockets hit Camp Larch on Sunday."]},
        [],
        [],
    ),
    "digits count too": (
        {"projectiles": 12, "evidence": ["Some 12 rockets hit Camp Larch on Sunday."]},
        [],
        [],
    ),
    "a count nowhere in its sentences": (
        {"killed": 4, "projectiles": None, "evidence": ["Rockets hit Camp Larch on Sunday."]},
        [],
        ["killed 4: not in the event's own sentences"],
    ),
    "four with brain injuries is not four killed": (
        {
            "killed": 4,
            "projectiles": None,
            "evidence": ["Four soldiers at Camp Larch were treated for brain injuries."],
        },
        [],
        ["killed 4: not in the event's own sentences"],
    ),
    "a count only in another event's sentence": (
        {"injured": 3, "projectiles": None, "evidence": ["A drone hit Camp Larch on Sunday."]},
        [
            {
                "location": "Erbil",
                "evidence": ["Three people were wounded in Erbil when a rocket landed."],
            }
        ],
        ["injured 3: only in another event's sentences"],
    ),
    "an attack's dead counted of the U.S. strike": (
        {
            "killed": 4,
            "projectiles": None,
            "evidence": [
                "Militants attacked Camp Larch on Sunday; four of them died in the U.S. strike "
                "that followed."
            ],
        },
        [],
        ["killed 4: the sentence counts a strike's casualties"],
    ),
    "an attack's dead counted of the U.S. bombing that followed": (
        {
            "killed": 4,
            "projectiles": None,
            "evidence": [
                "Following a drone attack on Camp Larch, the U.S. military bombed a drone "
                "factory in Jurf al Sakhar, killing four fighters."
            ],
        },
        [],
        ["killed 4: the sentence counts a strike's casualties"],
    ),
    "an attack by drone strike is the attack itself": (
        {
            "killed": 3,
            "projectiles": None,
            "evidence": ["Three U.S. soldiers were killed in a drone strike on Camp Larch."],
        },
        [],
        [],
    ),
    "a strike's own dead are no problem": (
        {
            "event_type": "strike",
            "killed": 4,
            "projectiles": None,
            "perpetrator": "U.S. forces",
            "evidence": ["Four militants were killed in the U.S. strike near Camp Larch."],
        },
        [],
        [],
    ),
    "a place its sentences do not name": (
        {"location": "Tower 22", "evidence": ["Two rockets hit a base in Jordan on Sunday."]},
        [],
        ["location 'Tower 22': not in the event's own sentences"],
    ),
    "a perpetrator its sentences do not name": (
        {"perpetrator": "Kataib Hezbollah", "evidence": ["Two rockets hit Camp Larch."]},
        [],
        ["perpetrator 'Kataib Hezbollah': not in the event's own sentences"],
    ),
    "U.S. and American are one name": (
        {
            "event_type": "strike",
            "projectiles": None,
            "perpetrator": "U.S. military",
            "evidence": ["American jets struck Camp Larch."],
        },
        [],
        [],
    ),
    "two days in the evidence": (
        {
            "evidence": [
                "Two rockets hit Camp Larch on Sunday.",
                "Camp Larch was attacked again on Tuesday.",
            ]
        },
        [],
        ["evidence names more than one day (sunday, tuesday)"],
    ),
    "a sentence about another event's place": (
        {
            "evidence": [
                "Two rockets hit Camp Larch on Sunday.",
                "A drone was shot down over Erbil.",
            ]
        },
        [{"location": "Erbil", "evidence": ["A drone was shot down over Erbil."]}],
        ["evidence sentence 2 names another event's place (Erbil)"],
    ),
    "a sentence that tells of another incident": (
        {
            "evidence": [
                "Two rockets hit Camp Larch on Sunday.",
                "In a separate attack, a drone hit the airport.",
            ]
        },
        [],
        ["evidence sentence 2 tells of another incident ('a separate')"],
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_review_rules(name: str) -> None:
    fields, others, expected = CASES[name]
    event = build_event(**fields)
    assert review_reasons(event, [build_event(**o) for o in others]) == expected


@pytest.mark.parametrize(
    ("field", "value", "sentence", "found"),
    [
        ("killed", 1, "A contractor was killed.", True),
        ("killed", 2, "Two rockets landed.", False),
        ("intercepted", 2, "Both drones were shot down.", True),
        ("projectiles", 1500, "Some 1,500 rockets were fired.", True),
    ],
)
def test_count_in(field: str, value: int, sentence: str, found: bool) -> None:
    assert count_in(field, value, sentence) is found


def test_names_it_folds_prefixes_and_generic_words() -> None:
    assert names_it("Ain al-Asad air base", ["Rockets hit al-Asad on Friday."])
    assert names_it("Al-Tanf Garrison", ["Drones struck the Tanf garrison."])
    assert not names_it("Erbil air base", ["Rockets hit an air base in Syria."])


def grounded(**fields: Any) -> GroundedEvent:
    return GroundedEvent(**build_event(**fields).model_dump())


def test_review_events_sets_the_flag_and_leaves_the_rest() -> None:
    good = grounded()
    bad = grounded(killed=4)
    reviewed = review_events([good, bad])
    assert [e.needs_review for e in reviewed] == [False, True]
    assert reviewed[1].review_reasons == ["killed 4: not in the event's own sentences"]
    assert reviewed[1].to_event() == bad.to_event()  # the contract event is untouched


@given(st.permutations(range(3)))
def test_flags_do_not_depend_on_event_order(order: list[int]) -> None:
    events = [
        grounded(),
        grounded(location="Erbil", injured=3, evidence=["Three were wounded in Erbil."]),
        grounded(injured=3, projectiles=None, evidence=["A drone hit Camp Larch."]),
    ]
    expected = [e.review_reasons for e in review_events(events)]
    permuted = review_events([events[i] for i in order])
    assert [e.review_reasons for e in permuted] == [expected[i] for i in order]


def _record() -> ExtractionRecord:
    provenance = Provenance(
        backend="fake", model="m", mode="fake", prompt_name="p", prompt_version="v", schema_hash="h"
    )
    events = review_events([grounded(), grounded(killed=4)])
    return ExtractionRecord(article_id="a1", events=events, provenance=provenance)


@pytest.mark.parametrize("render", [render_csv, render_acled_csv])
def test_both_tables_carry_the_flag_and_its_reasons(render: Any) -> None:
    rows = list(csv.DictReader(io.StringIO(render([_record()]))))
    assert [(r["needs_review"], r["review_reasons"]) for r in rows] == [
        ("False", ""),
        ("True", "killed 4: not in the event's own sentences"),
    ]


def test_the_database_carries_the_flag(tmp_path: Path, fake_backend: Any) -> None:
    import extractor

    def answer(request: Any) -> Any:
        from extractor.core.schema import ArticleEvents

        event = build_event(killed=4, evidence=[request.text])
        return ArticleEvents(article_id=request.article_id, events=[event])

    fake_backend.respond = answer
    db = tmp_path / "events.db"
    text = "Two rockets hit Camp Larch on Sunday."
    extractor.extract(
        {"a1": text}, backend="fake", out_dir=tmp_path / "o", no_cache=True, sqlite=db
    )
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT needs_review, review_reasons FROM events").fetchall()
    assert rows == [(1, "killed 4: not in the event's own sentences")]
