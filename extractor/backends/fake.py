"""A fake backend with canned answers and a call history, for tests and dry runs.

Answers come from a queue (each item an `ArticleEvents`, a `BackendResult`, an exception
to raise, or a function of the request), then from `respond`, a function of the request;
with neither, every article gets an empty event list. Every request is appended to
`calls`, so a test can assert how many backend calls a run made and what they contained.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable

from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest, Usage
from extractor.core.schema import ArticleEvents

Answer = ArticleEvents | BackendResult
Responder = Callable[[ExtractionRequest], Answer]
QueueItem = ArticleEvents | BackendResult | BaseException | Responder


class FakeBackend:
    """Answers from a queue or a function; records every request in `calls`."""

    def __init__(
        self,
        model: str = "fake-model",
        base_url: str | None = None,
        mode: str = "fake",
        timeout: float | None = None,
        responses: Iterable[QueueItem] = (),
        respond: Responder | None = None,
        context_tokens: int | None = None,
        usage: Usage = Usage(10, 5),
    ) -> None:
        self._info = BackendInfo(
            backend="fake",
            model=model,
            mode=mode,
            base_url=base_url,
            context_tokens=context_tokens,
        )
        self.queue: deque[QueueItem] = deque(responses)
        self.respond = respond
        self.usage = usage
        self.calls: list[ExtractionRequest] = []
        self._lock = threading.Lock()

    @property
    def info(self) -> BackendInfo:
        """Identity of this fake's answers (part of the cache key)."""
        return self._info

    def push(self, *items: QueueItem) -> None:
        """Queue more canned answers."""
        with self._lock:
            self.queue.extend(items)

    def extract(self, request: ExtractionRequest) -> BackendResult:
        """Record the request and give the next canned answer."""
        with self._lock:
            self.calls.append(request)
            item: QueueItem | None = self.queue.popleft() if self.queue else None
        if item is None:
            item = self.respond or _empty_answer
        if isinstance(item, BaseException):
            raise item
        answer = item if isinstance(item, ArticleEvents | BackendResult) else item(request)
        if isinstance(answer, BackendResult):
            return answer
        return BackendResult(events=answer, usage=self.usage, raw_output=answer.model_dump_json())

    def close(self) -> None:
        """Nothing to release."""


def _empty_answer(request: ExtractionRequest) -> ArticleEvents:
    return ArticleEvents(article_id=request.article_id, events=[])
