"""How the pipeline stages talk to a model client: `ask` one parsed question, tally calls.

The client interface itself (`ChatModel`, `Completion`) lives in `extractor.clients.base`
and is re-exported here; tests use a scripted fake of it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from extractor.clients.base import ChatModel, Completion, complete_many
from extractor.core.errors import InvalidModelOutput

__all__ = ["CallLog", "ChatModel", "Completion", "ask", "ask_many"]

M = TypeVar("M", bound=BaseModel)


@dataclass
class CallLog:
    """Tokens and calls spent by one article, stage by stage."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: dict[str, int] = field(default_factory=dict)
    raw: list[str] = field(default_factory=list)

    def add(self, slot: str, completion: Completion) -> None:
        """Count one call."""
        self.prompt_tokens += completion.prompt_tokens
        self.completion_tokens += completion.completion_tokens
        self.calls[slot] = self.calls.get(slot, 0) + 1
        self.raw.append(completion.text)


def ask(
    model: ChatModel,
    log: CallLog,
    answer_type: type[M],
    system: str,
    user: str,
    *,
    max_tokens: int,
    slot: str,
    schema: dict[str, Any] | None = None,
) -> M:
    """One constrained call parsed into `answer_type`; `InvalidModelOutput` if it does not.

    `schema` overrides the grammar when it is narrower than the type (e.g. an enum of the
    sentence numbers that exist).
    """
    completion = model.complete(
        system, user, schema or answer_type.model_json_schema(), max_tokens, slot=slot
    )
    log.add(slot, completion)
    return _parsed(answer_type, completion, slot)


def ask_many(
    model: ChatModel,
    log: CallLog,
    answer_type: type[M],
    system: str,
    users: list[str],
    *,
    max_tokens: int,
    slot: str,
) -> list[M]:
    """Independent questions under one `system`, parsed in order; the client may decode
    them together (`extractor.clients.base.complete_many`). The first answer that does not
    validate raises `InvalidModelOutput`, as `ask` does."""
    schema = answer_type.model_json_schema()
    completions = complete_many(model, system, users, schema, max_tokens, slot=slot)
    for completion in completions:
        log.add(slot, completion)
    return [_parsed(answer_type, completion, slot) for completion in completions]


def _parsed(answer_type: type[M], completion: Completion, slot: str) -> M:
    try:
        return answer_type.model_validate(json.loads(completion.text))
    except (ValueError, ValidationError) as exc:
        raise InvalidModelOutput(
            f"{slot}: answer did not validate ({completion.finish_reason}): {exc}".splitlines()[0],
            attempts=1,
            last_output=completion.text,
            tokens=completion.prompt_tokens + completion.completion_tokens,
        ) from None
