"""The one backend interface and the value types that cross it.

A backend turns one rendered prompt for one article into validated `ArticleEvents`.
Everything around that (cache, retries of transient failures, concurrency, grounding,
writing files) belongs to the runner, so a backend stays a short module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from extractor.core.records import SourceMetadata
from extractor.core.schema import ArticleEvents


@dataclass(frozen=True)
class BackendInfo:
    """What identifies a backend's answers: goes into the cache key and every output record.

    `params` holds generation parameters (temperature, max_tokens, pipeline variant, ...)
    as JSON-serialisable values. Never put secrets here. `context_tokens` is the model's
    context (prompt plus answer) and `request_overhead_tokens` what every request carries
    besides the rendered prompt (a JSON Schema, tool definitions): the runner splits an
    article that would not fit. Neither is part of the cache key (a chunk's text is).
    `uses_published_date`: the backend resolves dates against the input's published date
    when the text has none, so the runner adds that date to the cache key.
    """

    backend: str
    model: str
    mode: str
    base_url: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    context_tokens: int | None = None
    request_overhead_tokens: int = 0
    uses_published_date: bool = False  # answers depend on the input's published date


@dataclass(frozen=True)
class ExtractionRequest:
    """One article to extract, with the prompt already rendered for it.

    `metadata` is where the article came from (url, published date, outlet, title), when its
    input said so; a backend may ignore it. It is not part of the result-cache key: a
    backend whose answers depend on it needs it added to the key in the runner first.
    """

    article_id: str
    text: str
    system_prompt: str
    user_prompt: str
    prompt_version: str
    metadata: SourceMetadata | None = None


@dataclass(frozen=True)
class Usage:
    """Tokens spent, including those of failed attempts and re-asks."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
        )

    @property
    def total(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass(frozen=True)
class BackendResult:
    """A validated answer plus what it cost."""

    events: ArticleEvents
    usage: Usage = Usage()
    reasks: int = 0
    raw_output: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class Backend(Protocol):
    """One method does the work; `info` says what would change its answer."""

    @property
    def info(self) -> BackendInfo: ...

    def extract(self, request: ExtractionRequest) -> BackendResult:
        """Return validated events for one article.

        Raise `TransientBackendError` for retryable failures and `InvalidModelOutput` when
        the answer does not validate after the backend's own re-asks.
        """
        ...
