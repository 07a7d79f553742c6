"""The model-client interface: a chat completion constrained by a JSON Schema.

A client answers one (system, user) pair under a schema and says what it cost. It knows
nothing about articles or events: that is a strategy's job (`extractor.strategies`).
Every call is constrained, so `complete` returns text that parses as JSON unless
generation hit `max_tokens` (`finish_reason == "length"`) or the server ignored the schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class Completion:
    """One model answer with its token counts."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = "stop"


class ChatModel(Protocol):
    """A chat model that answers under a JSON Schema."""

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """Answer `user` under `system`, constrained to `schema`.

        `slot` names the stage (e.g. "triage"), so an implementation can keep a separate
        cached prefix per stage.
        """
        ...


def complete_many(
    model: ChatModel,
    system: str,
    users: list[str],
    schema: dict[str, Any],
    max_tokens: int,
    *,
    slot: str,
) -> list[Completion]:
    """Answers to independent calls under one `system`, in order: decoded together when the
    client can (it has a `complete_many` method, e.g. the in-process llama.cpp client with
    room for several sequences), else one after another."""
    together = getattr(model, "complete_many", None)
    if together is None or len(users) < 2:
        return [model.complete(system, user, schema, max_tokens, slot=slot) for user in users]
    answers: list[Completion] = together(system, users, schema, max_tokens, slot=slot)
    return answers
