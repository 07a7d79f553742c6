"""CachedRunner with the fake backend: cache, resume, retries, failures, chunking."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from extractor.articles import Article
from extractor.backends.base import ExtractionRequest
from extractor.backends.fake import FakeBackend
from extractor.backends.openai_compat import OpenAIBackend
from extractor.cache import ResultCache, cache_key
from extractor.core.errors import InvalidModelOutput, TransientBackendError
from extractor.core.records import ExtractionRecord, FailureRecord
from extractor.core.schema import ArticleEvents, Event
from extractor.prompts import load_prompt
from extractor.retry import RetryPolicy
from extractor.runner import CachedRunner, RunnerConfig, extract_to_directory
from tests.openai_server import OpenAIServer, Reply

FAST = RetryPolicy(max_attempts=3, initial_wait_s=0.001, max_wait_s=0.002, jitter_s=0.001)
TEXT = "Two rockets hit Camp Larch on Sunday. Nobody was hurt."


def _article(article_id: str = "a1", text: str = TEXT) -> Article:
    return Article(article_id, text, Path(f"{article_id}.txt"))


def _runner(backend: FakeBackend, cache: ResultCache, **config: object) -> CachedRunner:
    return CachedRunner(backend, cache, config=RunnerConfig(retry=FAST, **config))  # type: ignore[arg-type]


def test_miss_then_hit_with_zero_backend_calls(
    tmp_path: Path, make_event: Callable[..., Event]
) -> None:
    backend = FakeBackend(responses=[ArticleEvents(article_id="a1", events=[make_event()])])
    with ResultCache(tmp_path / "cache") as cache:
        first = _runner(backend, cache).extract_article(_article())
        second = _runner(backend, cache).extract_article(_article())
    assert isinstance(first, ExtractionRecord) and isinstance(second, ExtractionRecord)
    assert len(backend.calls) == 1
    assert (first.provenance.cache_hit, second.provenance.cache_hit) == (False, True)
    assert second.events == first.events and second.events[0].grounded
    assert first.provenance.tokens.total == 15


def test_cache_key_changes_with_everything_that_shapes_the_answer() -> None:
    info = FakeBackend().info
    version = load_prompt("extract").version
    base = cache_key(info, version, "a1", TEXT)
    variants = [
        cache_key(info, "other-version", "a1", TEXT),
        cache_key(dataclasses.replace(info, model="other"), version, "a1", TEXT),
        cache_key(dataclasses.replace(info, base_url="http://x/v1"), version, "a1", TEXT),
        cache_key(dataclasses.replace(info, mode="tools"), version, "a1", TEXT),
        cache_key(dataclasses.replace(info, params={"temperature": 1}), version, "a1", TEXT),
        cache_key(info, version, "a1", TEXT + " "),
    ]
    assert base == cache_key(info, version, "a1", TEXT)
    assert len({base, *variants}) == len(variants) + 1


def test_transient_errors_are_retried_then_succeed(tmp_path: Path) -> None:
    backend = FakeBackend(
        responses=[
            TransientBackendError("429", retry_after=0.001, tokens=7),
            TransientBackendError("500"),
        ]
    )
    with ResultCache(tmp_path / "cache") as cache:
        record = _runner(backend, cache).extract_article(_article())
    assert isinstance(record, ExtractionRecord)
    assert (record.provenance.attempts, record.provenance.retries) == (3, 2)
    assert record.provenance.tokens.total == 15 + 7


def test_failures_become_records_and_are_not_cached(tmp_path: Path) -> None:
    backend = FakeBackend(
        responses=[
            *[TransientBackendError("HTTP 500: boom")] * 3,
            InvalidModelOutput("no valid answer", attempts=3, last_output="{}", tokens=42),
        ]
    )
    with ResultCache(tmp_path / "cache") as cache:
        runner = _runner(backend, cache)
        transient = runner.extract_article(_article("a1"))
        invalid = runner.extract_article(_article("a2"))
        assert cache.stats().entries == 0
    assert isinstance(transient, FailureRecord) and isinstance(invalid, FailureRecord)
    assert (transient.kind, transient.attempts) == ("transient", 3)
    assert "HTTP 500" in transient.message
    assert (invalid.kind, invalid.attempts, invalid.tokens) == ("invalid_output", 3, 42)


def test_batch_resumes_from_cache_and_writes_every_article(
    tmp_path: Path, make_event: Callable[..., Event]
) -> None:
    def respond(request: ExtractionRequest) -> ArticleEvents:
        if request.article_id == "bad":
            raise TransientBackendError("timeout")
        return ArticleEvents(article_id="wrong-id", events=[make_event()])

    articles = [_article(f"a{i}") for i in range(4)] + [_article("bad")]
    backend = FakeBackend(respond=respond)
    out = tmp_path / "out"
    with ResultCache(tmp_path / "cache") as cache:
        config = RunnerConfig(retry=FAST, concurrency=3)
        _result, summary = extract_to_directory(articles, backend, out, cache=cache, config=config)
        calls_first = len(backend.calls)
        _again, summary2 = extract_to_directory(articles, backend, out, cache=cache, config=config)
    assert calls_first == 4 + 3
    assert len(backend.calls) - calls_first == 3  # only the failed article is tried again
    assert (summary.extracted, summary.failures, summary2.cache_hits) == (4, 1, 4)
    lines = [json.loads(line) for line in (out / "events.jsonl").read_text().splitlines()]
    assert [line["article_id"] for line in lines] == ["a0", "a1", "a2", "a3"]
    assert json.loads((out / "failures.jsonl").read_text())["article_id"] == "bad"
    assert sorted(p.stem for p in (out / "articles").iterdir()) == ["a0", "a1", "a2", "a3"]
    assert (out / "events.csv").read_text().count("\n") == 1 + 4


def test_long_article_is_chunked_and_events_merged(
    tmp_path: Path, make_event: Callable[..., Event]
) -> None:
    paragraphs = [f"Paragraph {i}. " + "filler " * 300 for i in range(6)]
    paragraphs[4] = "Two rockets hit Camp Larch on Sunday."
    text = "\n\n".join(paragraphs)

    def respond(request: ExtractionRequest) -> ArticleEvents:
        events = [make_event()] if "Camp Larch" in request.text else []
        return ArticleEvents(article_id=request.article_id, events=events)

    prompt_tokens = len(load_prompt("extract").system + load_prompt("extract").user) // 4
    backend = FakeBackend(respond=respond, context_tokens=prompt_tokens + 2048 + 1200)
    with ResultCache(tmp_path / "cache") as cache:
        record = _runner(backend, cache, chunk_overlap_tokens=600).extract_article(
            _article(text=text)
        )
    assert isinstance(record, ExtractionRecord)
    assert record.provenance.chunks == len(backend.calls) > 1
    assert len(record.events) == 1 and record.events[0].grounded
    start = record.events[0].evidence_spans[0].start
    assert start is not None and text[start:].startswith("Two rockets")


def test_concurrency_must_be_positive() -> None:
    with pytest.raises(Exception, match="concurrency"):
        CachedRunner(FakeBackend(), config=RunnerConfig(concurrency=0))


def test_loopback_batch_every_article_extracted_or_failed_with_reason(
    openai_server: OpenAIServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-runner-test-0b7e55a1-secret"
    monkeypatch.setenv("OPENAI_API_KEY", secret)
    openai_server.script(
        "a1", Reply.rate_limit(retry_after=0), Reply.server_error(), Reply.hang(), Reply.ok()
    )
    openai_server.script("a2", *[Reply.server_error()] * 4)
    openai_server.script("a3", Reply.malformed_json(), Reply.ok())
    articles = [_article(f"a{i}") for i in range(1, 5)]
    out, cache_dir = tmp_path / "out", tmp_path / "cache"
    backend = OpenAIBackend(model="any", base_url=openai_server.url, timeout=0.3)
    config = RunnerConfig(retry=dataclasses.replace(FAST, max_attempts=4), concurrency=2)
    try:
        with ResultCache(cache_dir) as cache:
            result, summary = extract_to_directory(
                articles, backend, out, cache=cache, config=config
            )
            hits = openai_server.hits
            extract_to_directory(articles, backend, tmp_path / "out2", cache=cache, config=config)
    finally:
        backend.close()
    by_id = {r.article_id: r for r in result.records}
    assert sorted(by_id) == ["a1", "a3", "a4"]
    assert (by_id["a1"].provenance.attempts, by_id["a1"].provenance.retries) == (4, 3)
    assert by_id["a3"].provenance.reasks == 1
    [failure] = result.failures
    assert (failure.article_id, failure.kind, failure.attempts) == ("a2", "transient", 4)
    assert "HTTP 500" in failure.message
    assert (summary.extracted, summary.failures) == (3, 1)
    assert openai_server.hits == hits + 1  # the re-run only asked again about a2
    for path in [*out.rglob("*"), *cache_dir.rglob("*")]:
        if path.is_file():
            assert secret.encode() not in path.read_bytes(), path


def test_interrupt_keeps_what_is_done(tmp_path: Path) -> None:
    seen: list[str] = []

    def stop_after_two(outcome: object) -> None:
        seen.append(getattr(outcome, "article_id", ""))
        if len(seen) == 2:
            raise KeyboardInterrupt

    articles = [_article(f"a{i}") for i in range(5)]
    result, _ = extract_to_directory(
        articles, FakeBackend(), tmp_path / "out", on_result=stop_after_two
    )
    assert result.interrupted
    lines = (tmp_path / "out" / "events.jsonl").read_text().splitlines()
    assert len(lines) == len(result.records) >= 2
