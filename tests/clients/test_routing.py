"""`SlotRoutedChat`: each stage's calls go to the client chosen for that stage."""

from __future__ import annotations

from extractor.clients.routing import SlotRoutedChat
from extractor.pipeline.staged import run_by_sentence
from tests.pipeline.fakes import ScriptedChat

ARTICLE = (
    "Two rockets struck the Zarqa Ridge base, which hosts coalition troops, on Tuesday. "
    "Nobody was hurt, the ministry said."
)


def test_named_slots_go_to_their_client_and_the_rest_to_the_default() -> None:
    small, big = ScriptedChat(), ScriptedChat()
    small.queue("mentions", '{"incidents": []}')
    big.queue("fields", '{"x": 1}')
    routed = SlotRoutedChat(big, {"mentions": small})
    assert routed.complete("s", "u", {}, 10, slot="mentions").text == '{"incidents": []}'
    assert routed.complete("s", "u", {}, 10, slot="fields").text == '{"x": 1}'
    assert [c[0] for c in small.calls] == ["mentions"]
    assert [c[0] for c in big.calls] == ["fields"]
    assert routed.client_for("triage") is big


def test_the_sentence_pipeline_over_two_clients_asks_each_only_its_stage() -> None:
    small, big = ScriptedChat(), ScriptedChat()
    incident = {"event_type": "attack", "location": "Zarqa Ridge base", "when": "on Tuesday"}
    small.queue("mentions", {"incidents": [incident]}, {"incidents": []})
    big.queue(
        "fields",
        {
            "weapon_types": ["rocket"],
            "projectiles": 2,
            "intercepted": None,
            "perpetrator": None,
            "perpetrator_status": "unknown",
            "target": "Zarqa Ridge base",
            "killed": None,
            "injured": None,
            "damage": None,
        },
    )
    events, log = run_by_sentence(SlotRoutedChat(big, {"mentions": small}), "a1", ARTICLE)
    assert {c[0] for c in small.calls} == {"mentions"}
    assert [c[0] for c in big.calls] == ["fields"]
    assert log.calls == {"mentions": len(small.calls), "fields": 1}
    assert [e.location for e in events.events] == ["Zarqa Ridge base"]
    assert events.events[0].projectiles == 2
