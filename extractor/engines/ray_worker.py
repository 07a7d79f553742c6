"""What runs on a Ray worker: one backend, whole articles, results sent back to the driver.

A worker shares no disk with the driver, so it neither reads nor writes the result cache
or the call log itself. The driver sends, with each article, the cache entries it already
found for it (`SeededCache`: chunks answered in an earlier run); the worker returns, with
the article's record or failure, the entries it would have written and the model calls it
would have logged (`CallRecorder`), and the driver stores both as each article finishes.
So the cache, resume and `extractor logs` work the same on one machine or many.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from extractor.articles import Article
from extractor.cache import ResultCache
from extractor.call_log import CallLogStore, ModelCall
from extractor.engines import BackendFactory
from extractor.prompts import PromptTemplate
from extractor.runner import CachedRunner, Outcome, RunnerConfig


class SeededCache(ResultCache):
    """A result cache in memory: the entries the driver sent, plus what this article adds."""

    def __init__(self, seed: dict[str, dict[str, Any]]) -> None:
        super().__init__(enabled=False)
        self.seed = seed
        self.writes: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry written for this article, else the one sent with it."""
        return self.writes.get(key, self.seed.get(key))

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Keep the entry for the driver to store."""
        self.writes[key] = value


@dataclass
class CallRecorder(CallLogStore):
    """Stands in for the call log on a worker: keeps each operation for the driver."""

    records: list[tuple[ModelCall, str, int, int]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)

    def record(self, call: ModelCall, article_id: str, attempt: int, index: int) -> int:
        """Keep one call; its row id is its position here."""
        self.records.append((call, article_id, attempt, index))
        return len(self.records)

    def mark_failed(self, row_id: int, error: str) -> None:
        """Keep the rejection of call `row_id`."""
        self.failed.append((row_id, error))

    def replay(self, store: CallLogStore) -> None:
        """Write the kept calls into the driver's call log, in order."""
        rows = [store.record(*kept) for kept in self.records]
        for row_id, error in self.failed:
            store.mark_failed(rows[row_id - 1], error)

    def close(self) -> None:
        """Nothing is open."""


@dataclass
class WorkerResult:
    """One article's outcome and what the driver stores for it."""

    outcome: Outcome
    cache_writes: dict[str, dict[str, Any]]
    calls: CallRecorder | None


class ExtractionWorker:
    """A Ray actor's state: one backend built on the worker, used for every article it gets.

    Runs as a threaded actor (`max_concurrency`): up to that many articles at once share the
    backend, which is what bounds concurrent requests per worker on the HTTP path.
    """

    def __init__(
        self, factory: BackendFactory, prompt: PromptTemplate, config: RunnerConfig
    ) -> None:
        self.backend = factory()
        self.prompt = prompt
        self.config = config

    def extract(
        self, article: Article, seed: dict[str, dict[str, Any]], log_calls: bool
    ) -> WorkerResult:
        """Extract one article (never raises for a failed article: that is its outcome)."""
        cache = SeededCache(seed)
        calls = CallRecorder() if log_calls else None
        runner = CachedRunner(
            self.backend, cache, prompt=self.prompt, config=self.config, call_log=calls
        )
        return WorkerResult(runner.extract_article(article), cache.writes, calls)

    def pid(self) -> int:
        """The worker's process id (tests kill it)."""
        return os.getpid()
