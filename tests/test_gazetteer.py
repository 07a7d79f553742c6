"""The gazetteer: spellings of recurring places, what counts as a place, coalition bases."""

from __future__ import annotations

import pytest

from extractor import gazetteer


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Al-Assad Airbase", "Ain al-Asad Air Base"),
        ("the Ayn al-Asad base in western Iraq", "Ain al-Asad Air Base"),
        ("K1 airbase near Kirkuk", "K-1 Air Base"),
        ("Rmeilan landing zone", "Rumalyn Landing Zone"),
        ("the al-Tanf garrison", "Al-Tanf Garrison"),
        ("Erbil airport", "Erbil Air Base"),
    ],
)
def test_spellings_resolve_to_one_place(text: str, name: str) -> None:
    place = gazetteer.lookup(text)
    assert place is not None and place.name == name


def test_most_specific_place_comes_first_with_its_region_and_country() -> None:
    (first, second) = gazetteer.find_places("a drone hit Erbil airport, north of Baghdad")
    assert (first.name, first.admin1, first.country) == (
        "Erbil Air Base",
        "Kurdistan Region",
        "Iraq",
    )
    assert second.name == "Baghdad"


@pytest.mark.parametrize(
    "location",
    ["Camp Larch", "military compound near Zubair", "Red Sea", "Syria", "Tower 22 base",
     "Kataib Hezbollah facilities in Iraq"],
)  # fmt: skip
def test_places(location: str) -> None:
    assert gazetteer.is_place_name(location)


@pytest.mark.parametrize(
    "location",
    ["the bases", "U.S. forces", "Kataib Hezbollah", "Iranian-backed militias", "targets",
     "American troops", "USS Carney", "three facilities", "the Houthis"],
)  # fmt: skip
def test_actors_units_and_generic_nouns_are_not_places(location: str) -> None:
    assert not gazetteer.is_place_name(location)


def test_coalition_bases_are_known_and_towns_are_not() -> None:
    assert gazetteer.hosts_coalition("two rockets fell inside Ain al-Asad")
    assert not gazetteer.hosts_coalition("two rockets fell inside Kirkuk")
    assert gazetteer.countries_in("in Syria and Iraq, not in Syria again") == ["Syria", "Iraq"]


def test_a_proper_name_is_a_place_only_where_the_text_writes_it_as_one() -> None:
    text = "Rockets landed at Zarqa. The Security Media Cell confirmed the attack."
    assert gazetteer.is_place_name("Zarqa", text)
    assert gazetteer.is_place_name("Camp Larch", text)  # a place word
    assert not gazetteer.is_place_name("Security Media Cell", text)
