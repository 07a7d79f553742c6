"""The text a schema forces, on invented schemas and answers (no model)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Annotated

import pytest
from pydantic import BaseModel, ConfigDict, Field

from extractor.clients.json_forcing import JsonForcing


class Colour(StrEnum):
    red = "red"
    green = "green"
    grey = "grey"


class Sighting(BaseModel):
    colour: Colour
    place: Annotated[str, Field(min_length=1)]
    count: int | None


class Report(BaseModel):
    sightings: list[Sighting] = Field(max_length=2)


class Flat(BaseModel):
    tags: list[Colour]
    note: str | None
    size: int


class Loose(BaseModel):
    name: str
    size: int = 3


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str


REPORT = JsonForcing(Report.model_json_schema())
FLAT = JsonForcing(Flat.model_json_schema())


def test_the_start_of_an_answer_is_forced_up_to_the_first_choice() -> None:
    # the bracket is left to the model, which writes it merged with what follows: ` [{"`
    assert REPORT.continuation("") == '{"sightings":'
    assert FLAT.continuation("") == '{"tags":'


def test_an_enum_value_is_finished_once_its_letters_pick_one() -> None:
    start = '{"sightings": [{"colour": "'
    assert REPORT.continuation('{"sightings": [{') == '"colour": "'
    assert REPORT.continuation(start) == ""  # red, green or grey
    assert REPORT.continuation(start + "g") == ""  # green or grey
    assert REPORT.continuation(start + "gre") == ""
    assert REPORT.continuation(start + "gree") == 'n", "place": "'
    assert REPORT.continuation(start + "r") == 'ed", "place": "'


def test_after_a_value_the_next_key_is_forced_but_not_the_space_before_a_choice() -> None:
    text = '{"sightings": [{"colour": "red", "place": "Camp X'
    assert REPORT.continuation(text) == ""  # the string may go on
    assert REPORT.continuation(text + '"') == ', "count":'
    assert REPORT.continuation(text + '",') == ' "count":'
    assert REPORT.continuation(text + '", "count": 2') == ""  # 2 may become 25
    assert REPORT.continuation(text + '", "count": 2,') == ""  # grammar forbids; no guess


def test_literals_are_finished_and_objects_closed() -> None:
    text = '{"sightings": [{"colour": "red", "place": "Camp X", "count": nu'
    assert REPORT.continuation(text) == "ll}"
    assert REPORT.continuation(text + "ll") == "}"
    # after the closing brace of an item the model chooses between ", {" and "]"
    assert REPORT.continuation(text + "ll}") == ""
    assert REPORT.continuation(text + "ll},") == ' {"colour": "'


def test_an_array_at_its_maximum_is_closed_and_the_answer_complete() -> None:
    one = '{"colour": "red", "place": "A", "count": 1}'
    two = '{"sightings": [' + one + ", " + one
    assert REPORT.continuation(two) == "]}"
    assert not REPORT.complete(two)
    assert REPORT.complete(two + "]}")
    assert REPORT.continuation(two + "]}") == ""
    assert REPORT.continuation('{"sightings": []') == "}"
    assert REPORT.complete('{"sightings": []} ')


def test_a_closing_quote_before_a_choice_is_left_to_the_model() -> None:
    """The model writes `"],` or `",` as one token: a forced `"` alone would split it."""
    assert FLAT.continuation('{"tags": ["r') == "ed"
    assert FLAT.continuation('{"tags": ["gre') == ""


def test_nullable_values_and_open_arrays_are_left_to_the_model() -> None:
    assert FLAT.continuation('{"tags": ["red"') == ""
    assert FLAT.continuation('{"tags": ["red"],') == ' "note":'
    assert FLAT.continuation('{"tags": ["red"], "note": "x", "size": 4') == ""


def test_escaped_quotes_stay_inside_strings() -> None:
    text = '{"sightings": [{"colour": "red", "place": "the \\"A\\" base'
    assert REPORT.continuation(text) == ""
    assert REPORT.continuation(text + '"') == ', "count":'


def test_objects_with_optional_keys_and_broken_text_force_nothing() -> None:
    loose = JsonForcing(Loose.model_json_schema())
    assert loose.continuation("") == ""  # "{" alone; the model writes it as `{"`
    assert loose.continuation("{") == ""
    assert JsonForcing(Open.model_json_schema()).continuation('{"name": "a"') == ""
    assert JsonForcing({"type": "object", "additionalProperties": True}).continuation("{") == ""
    assert REPORT.continuation('{"sightings": [}') == ""
    assert REPORT.continuation("]") == ""


@pytest.mark.parametrize(
    "answer",
    [
        {"sightings": []},
        {"sightings": [{"colour": "grey", "place": "Hill 3", "count": None}]},
        {
            "sightings": [
                {"colour": "green", "place": "A", "count": 12},
                {"colour": "red", "place": 'B "quoted"', "count": None},
            ]
        },
    ],
)
def test_forced_text_always_agrees_with_a_valid_answer(answer: dict) -> None:
    """Writing a valid answer one character at a time, every forced text is what follows."""
    text = json.dumps(answer)
    for cut in range(len(text)):
        forced = REPORT.continuation(text[:cut])
        assert not REPORT.complete(text[:cut])
        assert text[cut:].startswith(forced), (text[:cut], forced)
    assert REPORT.complete(text)
