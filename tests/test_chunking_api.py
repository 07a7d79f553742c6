"""Long articles on the API path: split to fit the model's declared context, one request per
chunk, events of different chunks merged by the incident rule, evidence offsets in the full
article; a server whose context is smaller than declared (HTTP 400 context_length_exceeded)
leads to smaller chunks, not a failure. The real openai backend against the loopback server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import extractor
from extractor.backends.openai_compat import (
    DEFAULT_CONTEXT_TOKENS,
    OpenAIBackend,
    context_exceeded,
    context_tokens_for,
)
from extractor.chunking import estimate_tokens
from extractor.cli import app
from extractor.core.errors import ContextLengthExceeded
from extractor.core.records import ExtractionRecord
from extractor.runner import RunnerConfig
from tests.conftest import build_event
from tests.openai_server import OpenAIServer

ASAD_FIRST = "Rockets hit Ain al-Asad Air Base on Monday, officials said."
ASAD_AGAIN = "The Monday rocket attack on Ain al-Asad wounded two soldiers."
TOWER = "A drone struck Tower 22 in Jordan on Sunday."
REPEATED = "Officials said the base was on alert."
ANSWER_TOKENS = RunnerConfig().answer_reserve_tokens


def long_article(filler_paragraphs: int = 120) -> str:
    """Incidents at both ends of a long article; `REPEATED` once near each end."""
    filler = [
        f"Paragraph {i}: the council met to discuss the budget for schools, roads, clinics "
        f"and the new library, and voted to meet again next month. " * 4
        for i in range(filler_paragraphs)
    ]
    paragraphs = [ASAD_FIRST, REPEATED, *filler, ASAD_AGAIN, f"{TOWER} {REPEATED}"]
    return "\n\n".join(paragraphs) + "\n"


def event(location: str, quotes: list[str], **fields: Any) -> dict[str, Any]:
    return build_event(
        location=location, target=location, date_text=fields.pop("day"), evidence=quotes, **fields
    ).model_dump(mode="json")


def answer_what_the_chunk_says(article_id: str, text: str) -> dict[str, Any]:
    """What a model reading only this chunk would answer."""
    events = []
    if ASAD_FIRST in text:
        events.append(event("Ain al-Asad Air Base", [ASAD_FIRST], day="Monday"))
    if ASAD_AGAIN in text:
        events.append(event("Ain al-Asad", [ASAD_AGAIN], day="Monday", injured=2))
    if TOWER in text:
        events.append(event("Tower 22", [TOWER, REPEATED], day="Sunday", country="Jordan"))
    return {"article_id": article_id, "events": events}


def extract_long(server: OpenAIServer, text: str, **options: Any) -> extractor.ExtractionResult:
    return extractor.extract(
        {"long": text}, backend="openai", base_url=server.url, model="any", **options
    )


def assert_offsets_right(record: ExtractionRecord, text: str) -> None:
    for grounded in record.events:
        for span in grounded.evidence_spans:
            assert span.start is not None and span.end is not None, span
            assert text[span.start : span.end] == span.quote


def test_a_long_article_is_sent_in_requests_that_fit_and_merged_back(tmp_path: Path) -> None:
    text = long_article()
    context = 6000
    with OpenAIServer(answer_text=answer_what_the_chunk_says, context_tokens=context) as server:
        result = extract_long(server, text, context_tokens=context, cache_dir=tmp_path / "c")
        requests = server.requests
    assert result.failures == ()
    [record] = result.records
    assert len(requests) == record.provenance.chunks > 3
    assert all(r["tokens"] <= context - ANSWER_TOKENS for r in requests)  # room for the answer
    assert [e.location for e in record.events] == ["Ain al-Asad Air Base", "Tower 22"]
    asad, tower = record.events
    assert asad.evidence == [ASAD_FIRST, ASAD_AGAIN] and asad.injured == 2  # merged
    assert tower.evidence == [TOWER, REPEATED]
    assert_offsets_right(record, text)
    repeated = tower.evidence_spans[1]
    assert repeated.start == text.rindex(REPEATED)  # where that chunk quoted it, not the first
    assert record.grounding.rate == 1.0


def test_a_known_model_holds_in_one_request_what_an_unknown_one_splits() -> None:
    text = long_article(filler_paragraphs=40)  # about 11k tokens: over 8192, under 128k
    requests: dict[str, int] = {}
    with OpenAIServer(answer_text=answer_what_the_chunk_says) as server:
        for model in ("gpt-4o-mini", "some-local-model"):
            before = server.hits
            result = extractor.extract(
                {"long": text}, backend="openai", base_url=server.url, model=model, no_cache=True
            )
            assert result.failures == ()
            requests[model] = server.hits - before
    assert requests["gpt-4o-mini"] == 1 and requests["some-local-model"] > 1


def stricter_tokenizer(text: str) -> int:
    """A server that counts a third more tokens than the client's estimate."""
    return estimate_tokens(text) * 4 // 3


def test_a_server_with_a_smaller_context_gets_smaller_chunks_not_a_failure(
    tmp_path: Path,
) -> None:
    text = long_article()
    cache = tmp_path / "cache"
    with OpenAIServer(
        answer_text=answer_what_the_chunk_says, context_tokens=8000, count_tokens=stricter_tokenizer
    ) as server:
        result = extract_long(server, text, context_tokens=16000, cache_dir=cache)
        refused = [r for r in server.requests if r["tokens"] > 8000]
        answered = [r for r in server.requests if r["tokens"] <= 8000]
        assert result.failures == (), result.failures
        [record] = result.records
        assert refused, "the declared context was too large: some requests were refused"
        assert len(answered) == record.provenance.chunks
        assert [e.location for e in record.events] == ["Ain al-Asad Air Base", "Tower 22"]
        assert_offsets_right(record, text)

        hits = server.hits
        again = extract_long(server, text, context_tokens=16000, cache_dir=cache)
        assert server.hits == hits  # the split and every answer came from the cache
    assert again.records[0].events == record.events


def test_a_server_context_too_small_for_the_prompt_is_a_context_failure(tmp_path: Path) -> None:
    with OpenAIServer(answer_text=answer_what_the_chunk_says, context_tokens=2500) as server:
        result = extract_long(server, long_article(10), no_cache=True)
    [failure] = result.failures
    assert failure.kind == "context_exceeded"
    assert "maximum context length is 2500" in failure.message
    assert "--context-tokens" in failure.message


def test_the_cli_takes_context_tokens(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "long.txt").write_text(long_article(60), encoding="utf-8")
    with OpenAIServer(answer_text=answer_what_the_chunk_says) as server:
        result = CliRunner().invoke(
            app,
            ["extract", str(folder), "--backend", "openai", "--base-url", server.url,
             "--model", "any", "--context-tokens", "5000", "--out", str(tmp_path / "out")],
        )  # fmt: skip
        assert result.exit_code == 0, result.output
        assert server.hits > 3 and all(r["tokens"] <= 5000 for r in server.requests)


@pytest.mark.parametrize(
    ("model", "tokens"),
    [
        ("gpt-4o-mini", 128_000),
        ("gpt-4o-mini-2024-07-18", 128_000),
        ("openai/gpt-4o", 128_000),
        ("gpt-4-0613", 8_192),
        ("gpt-4.1-mini", 1_047_576),
        ("qwen2.5-coder-1.5b", DEFAULT_CONTEXT_TOKENS),
    ],
)
def test_known_models_declare_their_context(model: str, tokens: int) -> None:
    assert context_tokens_for(model) == tokens


def test_a_given_context_wins_and_a_bad_one_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from extractor.core.errors import ConfigError

    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-context")
    backend = OpenAIBackend(model="gpt-4o-mini", context_tokens=4096)
    assert backend.info.context_tokens == 4096
    assert backend.info.request_overhead_tokens > 0  # the schema travels with every request
    backend.close()
    with pytest.raises(ConfigError, match="context_tokens"):
        OpenAIBackend(model="gpt-4o-mini", context_tokens=0)


class StatusError(Exception):
    """What `context_exceeded` reads of an `openai.APIStatusError`: status, body, text."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(f"Error code: {status_code} - {body}")
        self.status_code = status_code
        self.body = body


def bad_request(status: int, body: dict[str, Any]) -> StatusError:
    return StatusError(status, body)


SERVER_ANSWERS = {
    "openai": (
        400,
        {
            "message": "This model's maximum context length is 128000 tokens. However, your "
            "messages resulted in 230012 tokens. Please reduce the length of the messages.",
            "code": "context_length_exceeded",
        },
        (128000, 230012),
    ),
    "vllm": (
        400,
        {
            "message": "This model's maximum context length is 4096 tokens. However, you "
            "requested 5000 tokens (4000 in the messages, 1000 in the completion)."
        },
        (4096, 4000),
    ),
    "llama.cpp": (
        400,
        {
            "message": "the request exceeds the available context size, try increasing it",
            "type": "exceed_context_size_error",
            "n_prompt_tokens": 9000,
            "n_ctx": 8192,
        },
        (8192, 9000),
    ),
    "payload too large": (413, {"message": "request entity too large"}, (None, None)),
}


@pytest.mark.parametrize(("status", "body", "counts"), SERVER_ANSWERS.values(), ids=SERVER_ANSWERS)
def test_context_exceeded_is_read_from_servers_wordings(
    status: int, body: dict[str, Any], counts: tuple[int | None, int | None]
) -> None:
    found = context_exceeded(bad_request(status, body), "message")
    assert isinstance(found, ContextLengthExceeded)
    assert (found.limit, found.requested) == counts


def test_another_bad_request_is_not_a_context_problem() -> None:
    assert context_exceeded(bad_request(400, {"message": "unknown model"}), "m") is None
