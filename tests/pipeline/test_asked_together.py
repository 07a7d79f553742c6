"""The sentence pipeline asks its independent questions together when the client can."""

from __future__ import annotations

from typing import Any

from extractor.clients.base import Completion
from extractor.pipeline.staged import run_by_sentence
from tests.pipeline.fakes import ScriptedChat

ARTICLE = (
    "Three rockets struck the Zarqa Ridge base, which hosts coalition troops, on Tuesday. "
    "A drone hit the Harbor Point outpost, where U.S. troops are based, on Wednesday. "
    "Mortar rounds landed at Camp Larch, home to coalition forces, on Thursday."
)
FIELDS = {
    "weapon_types": ["rocket"],
    "projectiles": None,
    "intercepted": None,
    "perpetrator": None,
    "perpetrator_status": "unknown",
    "target": None,
    "killed": None,
    "injured": None,
    "damage": None,
}


class TogetherChat(ScriptedChat):
    """A scripted client that answers groups of calls; records each group's stage and size."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[tuple[str, int]] = []

    def complete_many(
        self, system: str, users: list[str], schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> list[Completion]:
        self.groups.append((slot, len(users)))
        return [self.complete(system, user, schema, max_tokens, slot=slot) for user in users]


def _scripted(chat: ScriptedChat) -> ScriptedChat:
    for place, day in [
        ("Zarqa Ridge base", "Tuesday"),
        ("Harbor Point outpost", "Wednesday"),
        ("Camp Larch", "Thursday"),
    ]:
        incident = {"event_type": "attack", "location": place, "when": day}
        chat.queue("mentions", {"incidents": [incident]})
    chat.queue("fields", FIELDS, FIELDS, FIELDS)
    return chat


def test_each_stage_is_one_group_and_the_answers_match_one_call_at_a_time() -> None:
    together = _scripted(TogetherChat())
    events, log = run_by_sentence(together, "a1", ARTICLE)
    alone = _scripted(ScriptedChat())
    expected, _ = run_by_sentence(alone, "a1", ARTICLE)
    assert together.groups == [("mentions", 3), ("fields", 3)]
    assert [c[1] for c in together.calls] == [c[1] for c in alone.calls], "same questions"
    assert events == expected
    assert [e.location for e in events.events] == [
        "Zarqa Ridge base",
        "Harbor Point outpost",
        "Camp Larch",
    ]
    assert log.calls == {"mentions": 3, "fields": 3}
