"""Incidents get a real place, are folded into the incident they belong to, or are dropped;
attacks count only when the text ties them to U.S./coalition forces. Invented texts."""

from __future__ import annotations

from extractor.core.schema import EventType
from extractor.pipeline import sides
from extractor.pipeline.grouping import Incident
from extractor.pipeline.placing import place_incidents
from extractor.pipeline.sentences import Sentence


def _incident(kind: str, location: str, text: str, index: int, when: str | None = None):
    sentence = Sentence(index, text, index * 100, index * 100 + len(text))
    return Incident(EventType(kind), location, when, (sentence,))


def test_a_named_place_is_kept() -> None:
    kept = _incident("attack", "Camp Larch", "Rockets hit Camp Larch.", 0)
    assert place_incidents([kept]) == [kept]


def test_an_actor_as_location_takes_the_place_its_sentence_names() -> None:
    strike = _incident(
        "strike", "Kataib Hezbollah", "U.S. jets struck Kataib Hezbollah sites in Syria.", 0
    )
    attack = _incident("attack", "U.S. forces", "A drone targeted U.S. forces at Tanf.", 1)
    placed = place_incidents([strike, attack])
    assert [i.location for i in placed] == ["Syria", "Al-Tanf Garrison"]


def test_a_generic_mention_folds_into_the_one_incident_of_its_kind() -> None:
    named = _incident("attack", "Camp Larch", "Rockets hit Camp Larch, home to U.S. troops.", 0)
    generic = _incident("attack", "the bases", "The bases were hit again by the rockets.", 1)
    strike = _incident("strike", "Camp Oak", "U.S. jets struck Camp Oak.", 2)
    placed = place_incidents([named, generic, strike])
    assert [(i.location, len(i.sentences)) for i in placed] == [("Camp Larch", 2), ("Camp Oak", 1)]


def test_a_placeless_mention_with_two_candidate_homes_is_dropped() -> None:
    first = _incident("attack", "Camp Larch", "Rockets hit Camp Larch.", 0, "Monday")
    second = _incident("attack", "Camp Oak", "Drones hit Camp Oak.", 1, "Monday")
    orphan = _incident("attack", "U.S. troops", "U.S. troops were attacked.", 2)
    assert [i.location for i in place_incidents([first, second, orphan])] == [
        "Camp Larch",
        "Camp Oak",
    ]


def test_scope_needs_the_coalition_named_or_one_of_its_bases() -> None:
    assert sides.in_scope("Rockets hit a base hosting U.S. troops.")
    assert sides.in_scope("Two rockets fell inside Ain al-Asad on Monday.")
    assert not sides.in_scope("Gunmen attacked Iraqi soldiers at a military base near Kirkuk.")
    assert not sides.in_scope("A Turkish drone struck a vehicle near Sinjar, killing three.")


def test_a_strike_in_two_countries_is_one_incident_per_country() -> None:
    both = _incident(
        "strike", "Iraq", "U.S. jets struck three sites in Iraq and two in Syria on Sunday.", 0
    )
    sponsor = _incident(
        "strike", "militia sites", "U.S. jets struck Iran-backed militia sites in Syria.", 1
    )
    placed = place_incidents([both, sponsor])
    assert [i.location for i in placed] == ["Iraq", "Syria", "Syria"]


def test_a_dateline_city_is_not_the_place_of_what_the_story_reports() -> None:
    text = "ZARQA/AMMAN – U.S. jets struck depots in Syria on Sunday, officials said."
    filed = _incident("attack", "Amman", text, 0, "Sunday")
    assert place_incidents([filed], text) == []  # no other attack to fold into
    named = _incident(
        "attack", "Amman airport", "Rockets hit Amman airport, home to U.S. troops.", 1
    )
    assert [i.location for i in place_incidents([named], text + "\n" + named.sentences[0].text)]


def test_split_strikes_keep_sentences_that_name_only_another_country_out() -> None:
    both = Sentence(0, "U.S. jets struck sites in Iraq and Syria on Sunday.", 0, 50)
    iraq_only = Sentence(1, "In Iraq, four fighters were killed.", 51, 86)
    incident = Incident(EventType.STRIKE, "Iraq", "Sunday", (both, iraq_only))
    iraq, syria = place_incidents([incident])
    assert (iraq.location, len(iraq.sentences)) == ("Iraq", 2)
    assert (syria.location, syria.sentences) == ("Syria", (both,))


def test_a_strike_told_only_with_rockets_is_an_attack() -> None:
    rockets = "Officials accused the militia of a strike involving 30 rockets on Friday."
    assert sides.corrected_type(EventType.STRIKE, rockets) is EventType.ATTACK
    jets = "U.S. jets carried out a strike on a depot storing rockets."
    assert sides.corrected_type(EventType.STRIKE, jets) is EventType.STRIKE


def test_an_attack_placed_only_by_its_country_folds_into_the_named_one() -> None:
    vague = _incident(
        "attack", "air base in western Iraq", "Rockets hit an air base in western Iraq.", 0,
        "Thursday evening",
    )  # fmt: skip
    named = _incident("attack", "Ain al-Asad", "The base was Ain al-Asad.", 1, "Thursday")
    other = _incident("attack", "al-Tanf garrison", "Drones hit al-Tanf in Syria.", 2, "Thursday")
    placed = place_incidents([vague, named, other])
    assert [(i.location, len(i.sentences)) for i in placed] == [
        ("Ain al-Asad", 2),
        ("al-Tanf garrison", 1),
    ]


def test_a_city_and_a_base_elsewhere_in_its_region_are_two_places() -> None:
    from extractor.pipeline.dedup import same_place

    assert not same_place("Arbil", "Bashur Air Base")
    assert same_place("an airbase in Kirkuk province", "K1 airbase")
    assert same_place("Baghdad", "Baghdad airport")
    assert not same_place("Ain al-Asad", "al-Tanf")


def test_a_location_naming_two_places_is_two_incidents() -> None:
    both = _incident(
        "attack", "Conoco and Green Village", "Rockets hit Conoco and Green Village.", 0
    )
    assert [i.location for i in place_incidents([both])] == ["Conoco", "Green Village"]


def test_a_country_wide_description_of_several_named_attacks_is_not_another_one() -> None:
    summary = _incident(
        "attack", "bases in Syria", "Two rocket attacks hit bases in Syria.", 0, "Wednesday"
    )
    first = _incident("attack", "Conoco", "Rockets hit Conoco.", 1, "Wednesday")
    second = _incident("attack", "Green Village", "Rockets hit Green Village.", 2, "Wednesday")
    assert [i.location for i in place_incidents([summary, first, second])] == [
        "Conoco",
        "Green Village",
    ]


def test_an_attack_described_by_its_country_takes_the_one_coalition_base_named() -> None:
    text = (
        "A military base in southern Syria that hosts U.S. troops was attacked by drones. "
        "The al-Tanf garrison lies at a sensitive juncture."
    )
    attack = _incident("attack", "base", text.split(". ")[0] + ".", 0, "Thursday")
    (placed,) = place_incidents([attack], text)
    assert placed.location == "Al-Tanf Garrison"
    two_bases = text + " Drones also flew over Ain al-Asad."
    (kept,) = place_incidents([attack], two_bases)
    assert kept.location == "military base in southern Syria"
