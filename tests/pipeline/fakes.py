"""A scripted `ChatModel`: canned JSON answers per stage, and a history of the calls."""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from extractor.pipeline.chat import Completion


@dataclass
class ScriptedChat:
    """Answers each call with the next canned answer queued for its slot."""

    answers: dict[str, deque[Any]] = field(default_factory=dict)
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def queue(self, slot: str, *answers: Any) -> None:
        """Queue answers (objects are JSON-encoded) for `slot`."""
        self.answers.setdefault(slot, deque()).extend(answers)

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """Pop the next answer for `slot`; record the call."""
        self.calls.append((slot, user, schema))
        answer = self.answers[slot].popleft()
        text = answer if isinstance(answer, str) else json.dumps(answer)
        return Completion(
            text, prompt_tokens=len(user.split()), completion_tokens=len(text.split())
        )
