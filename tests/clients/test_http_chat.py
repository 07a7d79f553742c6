"""The HTTP model client and the openai backend's pipeline strategies, against a loopback server."""

from __future__ import annotations

import json

import openai
import pytest

from extractor.backends.base import ExtractionRequest
from extractor.backends.openai_compat import OpenAIBackend
from extractor.clients.http_chat import HttpChat, SchemaVia
from extractor.core.errors import ConfigError, TransientBackendError
from tests.openai_server import OpenAIServer, Reply

SCHEMA = {"type": "object", "properties": {"keep": {"type": "boolean"}}, "required": ["keep"]}


def _client(url: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url, api_key="not-needed", max_retries=0, timeout=10)


def test_json_object_sends_the_schema_and_llama_cpp_decoding() -> None:
    with OpenAIServer(answer=lambda _: {"keep": True}) as server:
        chat = HttpChat(_client(server.url), "m", SchemaVia.JSON_OBJECT)
        completion = chat.complete("sys", "user", SCHEMA, 64, slot="triage")
        body = server.requests[0]["body"]
    assert json.loads(completion.text) == {"keep": True}
    assert (completion.prompt_tokens, completion.completion_tokens) == (100, 20)
    assert body["response_format"] == {"type": "json_object", "schema": SCHEMA}
    assert body["repeat_penalty"] == 1.0 and body["temperature"] == 0.0
    assert body["max_tokens"] == 64 and body["seed"] == 0 and body["model"] == "m"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]


def test_json_schema_sends_structured_outputs_without_llama_cpp_options() -> None:
    with OpenAIServer(answer=lambda _: {"keep": False}) as server:
        chat = HttpChat(_client(server.url), "m", SchemaVia.JSON_SCHEMA)
        chat.complete("sys", "user", SCHEMA, 64, slot="triage")
        body = server.requests[0]["body"]
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA
    assert "repeat_penalty" not in body


def test_openai_backend_names_its_strategy_and_how_the_schema_travels(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    here = "http://127.0.0.1:9/v1"
    sentence = OpenAIBackend(model="m", base_url=here, strategy="sentence")
    assert sentence.info.mode == "json_object" and sentence.info.uses_published_date
    assert sentence.info.params["strategy"] == "sentence"
    assert set(sentence.info.params["prompt_versions"]) == {"local_mentions", "local_fields"}
    chosen = OpenAIBackend(model="m", base_url=here, strategy="staged", mode="json_schema")
    assert chosen.info.mode == "json_schema"
    default = OpenAIBackend(model="m", base_url=here)
    assert default.info.params["strategy"] == "single-call" and default.info.mode == "json"
    assert not default.info.uses_published_date
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert OpenAIBackend(strategy="oneshot").info.mode == "json_schema"  # api.openai.com
    with pytest.raises(ConfigError, match=r"use --mode json .* or --mode json_schema"):
        OpenAIBackend(model="m", base_url=here, strategy="sentence", mode="tools")
    for backend in (sentence, chosen, default):
        backend.close()


def test_a_server_error_in_a_pipeline_call_is_transient_for_the_runner() -> None:
    with OpenAIServer() as server:
        server.script_sequence(Reply.server_error())
        backend = OpenAIBackend(model="m", base_url=server.url, strategy="sentence")
        request = ExtractionRequest(
            "a1", "Rockets hit Ain al-Asad air base on Monday.", "", "", "v"
        )
        with pytest.raises(TransientBackendError, match="HTTP 500"):
            backend.extract(request)
        backend.close()
