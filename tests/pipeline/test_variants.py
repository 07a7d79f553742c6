"""Both pipeline variants end to end on an invented article, with a scripted model."""

from __future__ import annotations

import pytest

from extractor.core.errors import InvalidModelOutput
from extractor.core.schema import ArticleEvents, EventType, PerpetratorStatus
from extractor.pipeline import oneshot, staged
from extractor.pipeline.finalize import Proposal, to_event
from extractor.pipeline.sentences import Sentence
from extractor.pipeline.summaries import field_summary
from tests.pipeline.fakes import ScriptedChat

ARTICLE = (
    "Washington (Wire) Mar 8, 2023 -\n"
    "Two rockets hit Camp Larch in Nineveh province on Sunday, a coalition spokesman said. "
    "No casualties were reported. "
    "The spokesman said forces stay on alert. "
    "On Tuesday, U.S. jets bombed a depot near Qaim.\n"
)
FIELDS = {
    "weapon_types": ["rocket", "drone"],
    "projectiles": 2,
    "intercepted": None,
    "perpetrator": "Jon Doe the spokesman",
    "perpetrator_status": "claimed",
    "target": "Camp Larch",
    "killed": 7,
    "injured": None,
    "damage": None,
}
ONESHOT_EXTRAS = {"country": "Iraq", "admin1": "Nineveh", "summary": "Rockets hit Camp Larch."}


def test_staged_runs_every_stage_and_applies_the_rules() -> None:
    chat = ScriptedChat()
    chat.queue("triage", {"answer": "yes"}, {"answer": "yes"}, {"answer": "yes"})
    chat.queue(
        "grouping",
        {
            "incidents": [
                {
                    "sentences": [1, 2],
                    "event_type": "attack",
                    "location": "Camp Larch",
                    "when": "on Sunday",
                },
                {
                    "sentences": [3],
                    "event_type": "strike",
                    "location": "near Qaim",
                    "when": "On Tuesday",
                },
            ]
        },
    )
    chat.queue(
        "fields",
        FIELDS,
        {
            **FIELDS,
            "weapon_types": ["airstrike"],
            "projectiles": None,
            "perpetrator": "U.S. jets",
            "perpetrator_status": "attributed",
            "killed": None,
        },
    )
    events, log = staged.run(chat, "a1", ARTICLE)
    ArticleEvents.model_validate(events.model_dump())
    assert log.calls == {"triage": 3, "grouping": 1, "fields": 2}
    attack, strike = events.events
    assert attack.date == "2023-03-05" and attack.date_text == "on Sunday"
    assert attack.weapon_types == ["rocket"]  # "drone" is not in the text
    assert attack.killed == 0 and attack.injured == 0  # "No casualties", the invented 7 dropped
    assert attack.perpetrator is None and attack.perpetrator_status == "unknown"
    assert attack.admin1 == "Nineveh" and attack.country is None  # read from the text by rule
    assert attack.summary == field_summary(attack)  # written from the fields, not quoted
    assert strike.date == "2023-03-07" and strike.weapon_types == ["airstrike"]
    assert strike.evidence == ["On Tuesday, U.S. jets bombed a depot near Qaim."]
    grouping_schema = next(schema for slot, _, schema in chat.calls if slot == "grouping")
    numbers = grouping_schema["$defs"]["DraftIncident"]["properties"]["sentences"]["items"]
    assert numbers["enum"] == [1, 2, 3]


def test_staged_skips_sentences_without_incident_words() -> None:
    chat = ScriptedChat()
    chat.queue("triage", {"answer": "no"}, {"answer": "no"}, {"answer": "no"})
    events, log = staged.run(chat, "a1", ARTICLE)
    assert events.events == [] and log.calls == {"triage": 3}


def test_oneshot_snaps_quotes_and_drops_invented_evidence() -> None:
    draft = {
        "evidence": "Two rockets hit Camp Larch in Nineveh province on Sunday",
        "event_type": "attack",
        "salience": "main",
        "when": "on Sunday",
        "location": "Camp Larch",
        **FIELDS,
        **ONESHOT_EXTRAS,
    }
    invented = {**draft, "evidence": "Ships were seized in the Gulf of somewhere else entirely."}
    chat = ScriptedChat()
    chat.queue("oneshot", {"events": [draft, draft, invented]})
    events, log = oneshot.run(chat, "a1", ARTICLE)
    assert len(events.events) == 1  # duplicate merged, invented quote dropped
    assert events.events[0].evidence[0] in ARTICLE
    assert log.prompt_tokens > 0 and log.calls == {"oneshot": 1}


def test_truncated_answer_raises_invalid_output_with_the_raw_text() -> None:
    chat = ScriptedChat()
    chat.queue("oneshot", '{"events": [{"evidence": "Two rock')
    with pytest.raises(InvalidModelOutput) as info:
        oneshot.run(chat, "a1", ARTICLE)
    assert info.value.last_output == '{"events": [{"evidence": "Two rock'


def test_sentence_variant_groups_mentions_by_place_and_day() -> None:
    chat = ScriptedChat()
    camp = {"event_type": "attack", "location": "Camp Larch", "when": "on Sunday"}
    chat.queue(
        "mentions",
        {"incidents": [camp]},
        {"incidents": [{**camp, "location": "the Camp Larch base", "when": None}]},
        {"incidents": [{"event_type": "strike", "location": "near Qaim", "when": "On Tuesday"}]},
    )
    chat.queue("fields", FIELDS, {**FIELDS, "weapon_types": ["airstrike"], "killed": None})
    events, log = staged.run_by_sentence(chat, "a1", ARTICLE)
    assert log.calls == {"mentions": 3, "fields": 2}
    attack, strike = events.events
    assert len(attack.evidence) == 2 and attack.killed == 0
    assert strike.event_type == "strike" and strike.date == "2023-03-07"
    previous = [user for slot, user, _ in chat.calls if slot == "mentions"][1]
    assert previous.startswith("Previous: Two rockets hit Camp Larch")


def test_sentence_variant_spends_no_call_on_commentary_or_what_cannot_be_an_event() -> None:
    article = (
        "Washington (Wire) Mar 8, 2023 -\n"
        "Militants have historically targeted U.S. forces in the region. "
        "Rockets hit Camp Larch, which hosts U.S. troops, on Sunday, a spokesman said. "
        "Officials said attacks were reported across Iraq.\n"
    )
    chat = ScriptedChat()
    chat.queue(
        "mentions",
        {"incidents": [{"event_type": "attack", "location": "Camp Larch", "when": "on Sunday"}]},
        {"incidents": [{"event_type": "attack", "location": "Iraq", "when": None}]},
    )
    chat.queue("fields", FIELDS)
    events, log = staged.run_by_sentence(chat, "a1", article)
    assert log.calls == {"mentions": 2, "fields": 1}  # no call for the history sentence
    assert [e.location for e in events.events] == ["Camp Larch"]  # "Iraq" alone is no place


def test_sentence_variant_resolves_the_base_to_the_last_named_place() -> None:
    article = (
        "Washington (Wire) Mar 8, 2023 -\n"
        "Rockets hit Camp Larch, which hosts U.S. troops, on Sunday, a spokesman said. "
        "A drone was shot down as it attempted to target the base on Sunday.\n"
    )
    chat = ScriptedChat()
    chat.queue(
        "mentions",
        {"incidents": [{"event_type": "attack", "location": "Camp Larch", "when": "on Sunday"}]},
        {"incidents": [{"event_type": "attack", "location": "the base", "when": "on Sunday"}]},
    )
    chat.queue("fields", FIELDS)
    events, log = staged.run_by_sentence(chat, "a1", article)
    assert log.calls == {"mentions": 2, "fields": 1}
    (attack,) = events.events
    assert attack.location == "Camp Larch" and len(attack.evidence) == 2


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("late last month", "background"),
        ("in 2020", "background"),
        ("July 16", "background"),
        ("on Sunday", "main"),
        (None, "main"),
    ],
)
def test_salience_is_main_unless_the_text_dates_it_earlier(when: str | None, expected: str) -> None:
    text = f"Rockets hit Camp Larch, which hosts U.S. troops, {when or 'again'}."
    sentence = Sentence(0, text, 0, len(text))
    proposal = Proposal(EventType.ATTACK, "Camp Larch", [sentence], when=when)
    event = to_event(proposal, sentence.text, reference=None)
    assert event is not None and event.salience == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ('"U.S. forces struck three facilities," Central Command said.', "claimed"),
        ("Later, U.S. forces struck three facilities near Qaim.", "attributed"),
    ],
)
def test_strike_told_by_its_own_side_is_claimed(sentence: str, expected: str) -> None:
    evidence = [Sentence(0, sentence, 0, len(sentence))]
    proposal = Proposal(
        EventType.STRIKE,
        "near Qaim",
        evidence,
        perpetrator="U.S. forces",
        perpetrator_status=PerpetratorStatus.ATTRIBUTED,
    )
    event = to_event(proposal, sentence, reference=None)
    assert event is not None and event.perpetrator_status == expected


def test_incidents_merge_before_the_details_call() -> None:
    article = (
        "Washington (Wire) Mar 8, 2023 -\n"
        "U.S. jets bombed a depot near Qaim and a bunker in Jurf on Tuesday, the Pentagon said. "
        "A drone hit the Camp Larch base, home to coalition forces, on Tuesday.\n"
    )
    strike = {"event_type": "strike", "when": "on Tuesday"}
    chat = ScriptedChat()
    chat.queue(
        "mentions",
        {"incidents": [{**strike, "location": "near Qaim"}, {**strike, "location": "Jurf"}]},
        {"incidents": [{"event_type": "attack", "location": "Camp Larch", "when": "on Tuesday"}]},
    )
    chat.queue("fields", {**FIELDS, "perpetrator": "U.S. jets"}, FIELDS)
    events, log = staged.run_by_sentence(chat, "a1", article)
    assert log.calls == {"mentions": 2, "fields": 2}  # one strike, one call, not two
    assert [(e.event_type, e.location) for e in events.events] == [
        ("strike", "near Qaim"),
        ("attack", "Camp Larch"),
    ]


def test_the_dateline_city_gives_no_region_or_country() -> None:
    text = "ZARQA/BAGHDAD – U.S. jets struck depots in Syria on Sunday, the Pentagon said."
    sentence = Sentence(0, text, 0, len(text))
    proposal = Proposal(EventType.STRIKE, "Syria", [sentence], perpetrator="U.S. jets")
    event = to_event(proposal, text, reference=None)
    assert event is not None and (event.country, event.admin1) == ("Syria", None)


def test_a_known_place_takes_its_own_region_where_the_article_names_it() -> None:
    text = (
        "Rockets hit Ain al-Asad, which hosts U.S. troops, on Monday, and a drone was "
        "downed near Baghdad. The base lies in Anbar."
    )
    sentence = Sentence(0, text, 0, len(text))
    event = to_event(Proposal(EventType.ATTACK, "Ain al-Asad", [sentence]), text, None)
    assert event is not None and (event.country, event.admin1) == (None, "Anbar")
    no_region = "Rockets hit Ain al-Asad, which hosts U.S. troops, near Baghdad in Iraq."
    sentence = Sentence(0, no_region, 0, len(no_region))
    event = to_event(Proposal(EventType.ATTACK, "Ain al-Asad", [sentence]), no_region, None)
    assert event is not None and (event.country, event.admin1) == ("Iraq", None)


def test_a_sentence_naming_its_own_place_does_not_report_the_previous_ones() -> None:
    from extractor.pipeline.mentions import Mention, drop_carried_over

    sentence = Sentence(1, "Later five rockets hit a base in Rumalyn, officials said.", 60, 118)
    carried = Mention(event_type=EventType.ATTACK, location="Ain al-Asad", when="Sunday")
    own = Mention(event_type=EventType.ATTACK, location="Rumalyn", when="Sunday")
    assert drop_carried_over([(sentence, carried), (sentence, own)]) == [(sentence, own)]
    back_reference = Sentence(2, "The base was hit again on Monday.", 119, 152)
    resolved = Mention(event_type=EventType.ATTACK, location="Rumalyn", when="Monday")
    assert drop_carried_over([(back_reference, resolved)]) == [(back_reference, resolved)]


def test_a_mention_is_typed_by_its_own_sentence() -> None:
    from extractor.pipeline.mentions import Mention, _typed

    text = "U.S. troops shot down two drones approaching the base."
    strike = Mention(event_type=EventType.STRIKE, location="Camp Larch", when=None)
    assert _typed(strike, text).event_type is EventType.ATTACK
    jets = "U.S. jets bombed a depot near Qaim."
    assert _typed(strike, jets).event_type is EventType.STRIKE


def test_the_published_date_resolves_days_when_the_text_has_no_date_line() -> None:
    import datetime as dt

    article = "Rockets hit Camp Larch, which hosts U.S. troops, on Sunday, a spokesman said.\n"
    mention = {
        "incidents": [{"event_type": "attack", "location": "Camp Larch", "when": "on Sunday"}]
    }

    def run(published: dt.date | None) -> str | None:
        chat = ScriptedChat()
        chat.queue("mentions", mention)
        chat.queue("fields", FIELDS)
        events, _ = staged.run_by_sentence(chat, "a1", article, published)
        return events.events[0].date

    assert run(None) is None
    assert run(dt.date(2023, 3, 8)) == "2023-03-05"  # the Sunday before a Wednesday
    dated = "Washington (Wire) Mar 8, 2023 -\n" + article
    chat = ScriptedChat()
    chat.queue("mentions", mention)
    chat.queue("fields", FIELDS)
    events, _ = staged.run_by_sentence(chat, "a1", dated, dt.date(2023, 4, 30))
    assert events.events[0].date == "2023-03-05"  # the text's own date line wins
