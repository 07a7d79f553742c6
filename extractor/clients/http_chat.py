"""The HTTP model client: a constrained chat completion on any OpenAI-compatible endpoint.

How the JSON Schema reaches the server (`SchemaVia`):

    json_object  `response_format={"type": "json_object", "schema": S}`: llama.cpp's
                 `llama-server` and llama-cpp-python's `python -m llama_cpp.server` turn it
                 into a grammar, exactly as the in-process client does. Also sends
                 `repeat_penalty=1.0`, so a llama.cpp server decodes as the `local` backend
                 does (its own default is 1.1).
    json_schema  `response_format={"type": "json_schema", "json_schema": {...}}`: OpenAI
                 structured outputs, vLLM, Ollama, llama-server.

Decoding is greedy (temperature 0, seed 0). Transport errors are the `openai` package's
exceptions, left to the caller (the backend maps them to ours, with the key redacted).
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any

import openai

from extractor.clients.base import Completion


class SchemaVia(StrEnum):
    """How the schema is sent (see the module docstring)."""

    JSON_OBJECT = "json_object"
    JSON_SCHEMA = "json_schema"


class HttpChat:
    """`ChatModel` over an OpenAI-compatible `/v1/chat/completions`."""

    def __init__(self, client: openai.OpenAI, model: str, via: SchemaVia) -> None:
        self.client = client
        self.model = model
        self.via = via
        self.timings: list[dict[str, float]] = []

    def _request_options(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.via is SchemaVia.JSON_OBJECT:
            return {
                "response_format": {"type": "json_object", "schema": schema},
                "extra_body": {"repeat_penalty": 1.0},
            }
        return {
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": False},
            }
        }

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """One greedy, schema-constrained chat completion over HTTP."""
        started = time.perf_counter()
        response = self.client.chat.completions.create(
            model=self.model,
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            temperature=0.0,
            max_tokens=max_tokens,
            seed=0,
            **self._request_options(schema),
        )
        self.timings.append({"wall_s": time.perf_counter() - started})
        choice = response.choices[0]
        usage = response.usage
        return Completion(
            text=choice.message.content or "",
            prompt_tokens=int(usage.prompt_tokens) if usage else 0,
            completion_tokens=int(usage.completion_tokens) if usage else 0,
            finish_reason=choice.finish_reason or "stop",
        )
