"""The driver's look into the result cache before an article goes to a worker.

The driver runs the article through `CachedRunner` with a backend that may not be asked:
an article whose every chunk is cached finishes right here, exactly as the local engine
would finish it (no worker, no request); otherwise the probe stops at the first chunk the
cache lacks and hands back every entry it did find, for the worker to start from.
"""

from __future__ import annotations

from typing import Any

from extractor.articles import Article
from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest
from extractor.cache import ResultCache
from extractor.prompts import PromptTemplate
from extractor.runner import CachedRunner, Outcome, RunnerConfig

CacheEntries = dict[str, dict[str, Any]]


class _NotCached(BaseException):
    """A chunk the cache has no answer for (a BaseException: no handler on the way
    mistakes it for a failed article)."""


class _CacheOnly:
    """A backend with the real one's identity (so the same cache keys) that answers nothing."""

    def __init__(self, info: BackendInfo) -> None:
        self.info = info

    def extract(self, request: ExtractionRequest) -> BackendResult:
        raise _NotCached


class _ReadsOnly(ResultCache):
    """The driver's cache, read through, noting every entry found."""

    def __init__(self, inner: ResultCache) -> None:
        super().__init__(inner.directory, enabled=False)
        self.inner = inner
        self.found: CacheEntries = {}

    def get(self, key: str) -> dict[str, Any] | None:
        value = self.inner.get(key)
        if value is not None:
            self.found[key] = value
        return value

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Never reached: nothing is answered here."""


class CacheProbe:
    """Finishes the articles the cache holds; says what the cache holds of the others."""

    def __init__(
        self, info: BackendInfo, cache: ResultCache, prompt: PromptTemplate, config: RunnerConfig
    ) -> None:
        self.backend = _CacheOnly(info)
        self.cache = cache
        self.prompt = prompt
        self.config = config

    def probe(self, article: Article) -> Outcome | CacheEntries:
        """The article's outcome when no backend call is needed, else the entries found."""
        reads = _ReadsOnly(self.cache)
        runner = CachedRunner(self.backend, reads, prompt=self.prompt, config=self.config)
        try:
            return runner.extract_article(article)
        except _NotCached:
            return reads.found
