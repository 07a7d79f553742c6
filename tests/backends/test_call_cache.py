"""The local backend's per-call cache: identical calls are replayed, from disk, across runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.backends.call_cache import CALL_CACHE_ENV_VAR, CachedChat, call_cache_dir, call_key
from extractor.pipeline.chat import Completion
from tests.pipeline.fakes import ScriptedChat

SCHEMA = {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}}


class TruncatingChat:
    """Answers every call with a completion cut off by the token limit."""

    def __init__(self) -> None:
        self.calls = 0

    def complete(
        self, system: str, user: str, schema: dict[str, object], max_tokens: int, *, slot: str
    ) -> Completion:
        self.calls += 1
        return Completion('{"answer": "y', 5, max_tokens, finish_reason="length")


def test_identical_call_is_replayed_across_instances(tmp_path: Path) -> None:
    inner = ScriptedChat()
    inner.queue("triage", {"answer": "yes"})  # one answer only: a second model call would fail
    first = CachedChat(inner, "model-a", tmp_path)
    answer = first.complete("sys", "Rockets hit Camp Larch.", SCHEMA, 12, slot="triage")
    first.close()

    again = CachedChat(inner, "model-a", tmp_path)  # a new process opening the same directory
    replayed = again.complete("sys", "Rockets hit Camp Larch.", SCHEMA, 12, slot="triage")
    again.close()

    assert replayed == answer and len(inner.calls) == 1
    assert (again.hits, again.misses) == (1, 0)


def test_any_changed_input_asks_the_model(tmp_path: Path) -> None:
    inner = ScriptedChat()
    inner.queue("triage", *[{"answer": "no"}] * 4)
    chat = CachedChat(inner, "model-a", tmp_path)
    chat.complete("sys", "text", SCHEMA, 12, slot="triage")
    chat.complete("sys", "other text", SCHEMA, 12, slot="triage")
    chat.complete("sys", "text", SCHEMA, 20, slot="triage")
    CachedChat(inner, "model-b", tmp_path).complete("sys", "text", SCHEMA, 12, slot="triage")
    assert len(inner.calls) == 4 and chat.misses == 3


def test_truncated_answers_are_not_stored(tmp_path: Path) -> None:
    inner = TruncatingChat()
    chat = CachedChat(inner, "model-a", tmp_path)
    chat.complete("sys", "text", SCHEMA, 3, slot="triage")
    chat.complete("sys", "text", SCHEMA, 3, slot="triage")
    assert inner.calls == 2 and chat.hits == 0


def test_key_depends_on_every_input() -> None:
    base = call_key("m", "s", "u", SCHEMA, 10)
    assert base == call_key("m", "s", "u", dict(reversed(SCHEMA.items())), 10)
    others = {
        call_key("m2", "s", "u", SCHEMA, 10),
        call_key("m", "s2", "u", SCHEMA, 10),
        call_key("m", "s", "u2", SCHEMA, 10),
        call_key("m", "s", "u", {"type": "object"}, 10),
        call_key("m", "s", "u", SCHEMA, 11),
    }
    assert base not in others and len(others) == 5


def test_directory_from_option_else_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CALL_CACHE_ENV_VAR, raising=False)
    assert call_cache_dir(None) is None
    monkeypatch.setenv(CALL_CACHE_ENV_VAR, str(tmp_path / "env"))
    assert call_cache_dir(None) == tmp_path / "env"
    assert call_cache_dir(tmp_path / "opt") == tmp_path / "opt"


class TogetherChat(ScriptedChat):
    """A scripted client that can answer several calls at once; records each group's size."""

    def __init__(self) -> None:
        super().__init__()
        self.groups: list[int] = []

    def complete_many(
        self,
        system: str,
        users: list[str],
        schema: dict[str, object],
        max_tokens: int,
        *,
        slot: str,
    ) -> list[Completion]:
        self.groups.append(len(users))
        return [self.complete(system, user, schema, max_tokens, slot=slot) for user in users]


def test_calls_asked_together_are_replayed_one_by_one_and_only_misses_asked(
    tmp_path: Path,
) -> None:
    inner = TogetherChat()
    inner.queue("triage", {"answer": "yes"}, {"answer": "no"}, {"answer": "yes"})
    chat = CachedChat(inner, "model-a", tmp_path)
    first = chat.complete("sys", "b", SCHEMA, 12, slot="triage")
    answers = chat.complete_many("sys", ["a", "b", "c"], SCHEMA, 12, slot="triage")
    assert [a.text for a in answers] == ['{"answer": "no"}', first.text, '{"answer": "yes"}']
    assert inner.groups == [2] and (chat.hits, chat.misses) == (1, 3)
    again = chat.complete_many("sys", ["c", "a"], SCHEMA, 12, slot="triage")
    assert [a.text for a in again] == ['{"answer": "yes"}', '{"answer": "no"}']
    assert inner.groups == [2], "every answer was recorded: nothing is asked again"
