"""The narrow model interface the pipeline stages use, and a token tally.

The local backend implements `ChatModel` over llama-cpp-python; tests use a scripted fake.
Every call is JSON-schema constrained, so `complete` returns text that parses as JSON
unless generation hit `max_tokens`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from extractor.core.errors import InvalidModelOutput

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Completion:
    """One model answer with its token counts."""

    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str = "stop"


class ChatModel(Protocol):
    """A chat model that answers under a JSON Schema grammar."""

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """Answer `user` under `system`, constrained to `schema`.

        `slot` names the stage (e.g. "triage"), so an implementation can keep a separate
        cached prefix per stage.
        """
        ...


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
    try:
        return answer_type.model_validate(json.loads(completion.text))
    except (ValueError, ValidationError) as exc:
        raise InvalidModelOutput(
            f"{slot}: answer did not validate ({completion.finish_reason}): {exc}".splitlines()[0],
            attempts=1,
            last_output=completion.text,
            tokens=completion.prompt_tokens + completion.completion_tokens,
        ) from None
