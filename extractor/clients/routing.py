"""A client that sends each stage's calls to the model chosen for that stage.

The pipeline names every call's stage (`slot`: "mentions", "fields", ...). A preset can
answer one stage with a smaller, faster model and the rest with the default one
(`extractor.backends.presets`); this client is that switch, and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from extractor.clients.base import ChatModel, Completion, complete_many


class SlotRoutedChat:
    """`ChatModel` that answers the calls of the slots in `routes` with their own client."""

    def __init__(self, default: ChatModel, routes: Mapping[str, ChatModel]) -> None:
        self.default = default
        self.routes = dict(routes)

    def client_for(self, slot: str) -> ChatModel:
        """The client that answers calls of `slot`."""
        return self.routes.get(slot, self.default)

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """Answer with the client routed for `slot` (the default one for other slots)."""
        return self.client_for(slot).complete(system, user, schema, max_tokens, slot=slot)

    def complete_many(
        self,
        system: str,
        users: list[str],
        schema: dict[str, Any],
        max_tokens: int,
        *,
        slot: str,
    ) -> list[Completion]:
        """Independent calls of one slot, answered by its client (together if it can)."""
        return complete_many(self.client_for(slot), system, users, schema, max_tokens, slot=slot)
