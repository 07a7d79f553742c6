"""`CachedRunner`: cache, retries, chunking, grounding and concurrency around one backend.

For each article: render the prompt (its id and text made safe for it by
`extractor.prompt_inputs`), split the text if the estimated request (prompt, what
the backend adds, article, answer) exceeds the context the backend declares, answer each
chunk from the cache or from the backend (transient failures retried under a
`RetryPolicy`; a chunk the server refuses as over its context split smaller and asked
again, once), merge the chunks' events by incident, ground every evidence quote in the
chunk it came from, and return an `ExtractionRecord` with provenance (offsets in the whole
article), or a `FailureRecord` saying why not. One article's
failure never stops the batch; only validated answers are cached, so a re-run repeats
exactly the failed articles and makes no backend call for the others.

    with ResultCache() as cache:
        runner = CachedRunner(get_backend("openai", model="gpt-4o-mini"), cache)
        result = runner.run(read_articles([Path("gold/articles")]).articles)

Stopping: `run(..., stop=event)` checks the event between results (at least every 0.1 s);
once it is set (or Ctrl-C raises `KeyboardInterrupt` here), no new article starts, no
retry or further chunk is attempted, in-flight calls are abandoned (the workers are daemon
threads, see `extractor.workers`), and `run` returns what finished, `interrupted=True`.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from extractor.answers import Answer, answer_from_cache, answer_to_cache
from extractor.articles import Article, InputProblem
from extractor.backends.base import Backend, BackendResult, ExtractionRequest, Usage
from extractor.cache import ResultCache, cache_key
from extractor.call_log import CallLogStore, logged_extract
from extractor.chunking import (
    DEFAULT_OVERLAP_TOKENS,
    Chunk,
    ContextBudget,
    estimate_tokens,
    ground_chunk_events,
    merge_chunk_events,
    split_chunk,
)
from extractor.core.errors import (
    BackendUnavailable,
    ConfigError,
    ContextLengthExceeded,
    ExtractionFailed,
    ExtractorError,
    InvalidModelOutput,
)
from extractor.core.records import (
    ExtractionRecord,
    FailureRecord,
    Provenance,
    SourceMetadata,
    TokenCounts,
)
from extractor.core.schema import schema_hash
from extractor.endpoint_watch import DEFAULT_LIMIT as DEFAULT_UNREACHABLE_LIMIT
from extractor.endpoint_watch import UnreachableStreak
from extractor.grounding import ground_events, grounding_stats
from extractor.output_store import Notice, OutputStore
from extractor.outputs import BatchSummary, failure_from_problem, summarize
from extractor.prompt_inputs import (
    MAX_ARTICLE_ID_LENGTH,
    neutralize_delimiters,
    prompt_article_id,
)
from extractor.prompts import PromptTemplate, load_prompt
from extractor.redaction import redact
from extractor.retry import Cancelled, RetryOutcome, RetryPolicy, call_with_retries
from extractor.review import review_events
from extractor.workers import DaemonPool

Outcome = ExtractionRecord | FailureRecord

FAILURE_KINDS: dict[type[BaseException], str] = {
    ExtractionFailed: "failed",
    InvalidModelOutput: "invalid_output",
    ContextLengthExceeded: "context_exceeded",
    BackendUnavailable: "backend_unavailable",
    ConfigError: "config",
    ExtractorError: "error",
    Exception: "internal_error",
}
POLL_S = 0.1
_template_tokens = functools.lru_cache(maxsize=64)(estimate_tokens)  # the same system prompt


def failure_kind(exc: BaseException) -> str:
    """The `kind` of a FailureRecord for an exception (most specific class wins)."""
    if isinstance(exc, ExtractionFailed):
        return exc.kind
    return next((FAILURE_KINDS[c] for c in type(exc).__mro__ if c in FAILURE_KINDS), "error")


@dataclass(frozen=True)
class RunnerConfig:
    """How a batch runs. Frozen: build a new one to change it."""

    prompt_name: str = "extract"
    concurrency: int = 1
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    chunk_overlap_tokens: int = DEFAULT_OVERLAP_TOKENS
    answer_reserve_tokens: int = 2048
    max_unreachable_in_a_row: int = DEFAULT_UNREACHABLE_LIMIT


@dataclass
class BatchResult:
    """What a batch produced, in completion order, and whether it was interrupted."""

    records: list[ExtractionRecord] = field(default_factory=list)
    failures: list[FailureRecord] = field(default_factory=list)
    interrupted: bool = False
    wall_s: float = 0.0
    halted: str | None = None
    """Why the batch stopped by itself (its endpoint could not be reached), if it did."""
    not_attempted: list[str] = field(default_factory=list)
    """Articles not started (or stopped unfinished) because the batch halted."""

    def add(self, outcome: Outcome) -> None:
        """File one outcome under records or failures."""
        if isinstance(outcome, ExtractionRecord):
            self.records.append(outcome)
        else:
            self.failures.append(outcome)


class BatchRunner(Protocol):
    """What runs a batch: `CachedRunner` here, or another engine (`extractor.engines`)."""

    def run(
        self,
        articles: Iterable[Article],
        on_result: Callable[[Outcome], None] | None = None,
        stop: threading.Event | None = None,
    ) -> BatchResult: ...


class CachedRunner:
    """Runs one backend over many articles with a cache, retries and bounded concurrency."""

    def __init__(
        self,
        backend: Backend,
        cache: ResultCache | None = None,
        *,
        prompt: PromptTemplate | None = None,
        config: RunnerConfig = RunnerConfig(),
        call_log: CallLogStore | None = None,
    ) -> None:
        if config.concurrency < 1:
            raise ConfigError("concurrency must be at least 1")
        self.backend = backend
        self.cache = cache or ResultCache(enabled=False)
        self.prompt = prompt or load_prompt(config.prompt_name)
        self.config = config
        self.call_log = call_log

    def extract_article(self, article: Article, cancel: threading.Event | None = None) -> Outcome:
        """Extract, ground and describe one article; never raises for a failed article
        (only `Cancelled`, once `cancel` is set: the article is neither done nor failed)."""
        if len(article.article_id) > MAX_ARTICLE_ID_LENGTH:
            return FailureRecord(
                article_id=article.article_id,
                kind="input",
                message=f"{article.path}: the article id (file name) is "
                f"{len(article.article_id)} characters long; the limit is "
                f"{MAX_ARTICLE_ID_LENGTH}: rename the file",
                path=str(article.path),
            )
        try:
            return self._extract(article, cancel or threading.Event())
        except Cancelled:
            raise
        except Exception as exc:  # one article's failure must not stop the batch
            return FailureRecord(
                article_id=article.article_id,
                kind=failure_kind(exc),
                message=redact(str(exc) or type(exc).__name__),
                path=str(article.path),
                attempts=getattr(exc, "attempts", 0),
                tokens=getattr(exc, "tokens", 0),
            )

    def run(
        self,
        articles: Iterable[Article],
        on_result: Callable[[Outcome], None] | None = None,
        stop: threading.Event | None = None,
    ) -> BatchResult:
        """Extract every article, at most `concurrency` in flight; `on_result` sees each
        outcome as it finishes (in this thread). Ctrl-C, or `stop` being set, stops the
        batch: what is done is kept and `run` returns with `interrupted=True`. Any other
        exception (from `on_result`) also abandons the work in flight, then propagates."""
        result = BatchResult()
        started = time.perf_counter()
        cancel = threading.Event()  # seen by the workers; set once the batch stops
        pool = DaemonPool(self.config.concurrency)
        pending: dict[Future[Outcome], str] = {}
        streak = UnreachableStreak(self.config.max_unreachable_in_a_row, self.backend.info.base_url)

        def finish(done: Iterable[Future[Outcome]]) -> None:
            for future in done:
                article_id = pending.pop(future, "")
                if future.cancelled() or isinstance(future.exception(), Cancelled):
                    result.not_attempted.append(article_id)
                    continue
                outcome = future.result()
                result.add(outcome)
                result.halted = result.halted or streak.see(outcome)
                if on_result is not None:
                    on_result(outcome)

        def stopped() -> bool:
            return (stop is not None and stop.is_set()) or result.halted is not None

        def collect(until_below: int) -> None:
            while len(pending) >= until_below and not stopped():
                done, _ = wait(pending, timeout=POLL_S, return_when=FIRST_COMPLETED)
                finish(done)

        remaining = iter(articles)
        try:
            for article in remaining:
                collect(self.config.concurrency)
                if stopped():
                    if result.halted is not None:
                        result.not_attempted.append(article.article_id)
                    break
                task = functools.partial(self.extract_article, article, cancel)
                pending[pool.submit(task)] = article.article_id
            collect(1)
            result.interrupted = stop is not None and stop.is_set()
        except KeyboardInterrupt:
            result.interrupted = True
        finally:
            cancel.set()  # nothing more starts: no article, chunk or retry
            pool.shutdown(wait=False)
            result.wall_s = time.perf_counter() - started
        if result.interrupted or result.halted is not None:
            with contextlib.suppress(KeyboardInterrupt):
                finish([f for f in list(pending) if f.done()])
        if result.halted is not None and not result.interrupted:
            result.not_attempted += [*pending.values(), *(a.article_id for a in remaining)]
        else:
            result.not_attempted = []  # an interrupt says so itself; nothing is "not attempted"
        return result

    def requests_for(self, article: Article) -> list[tuple[str, str]]:
        """The (system, user) prompts the backend would be sent for `article`, one per chunk
        (before any split a server asks for): what a dry run estimates."""
        budget = self._budget(article.article_id)
        article_id = prompt_article_id(article.article_id)
        return [
            self.prompt.render(article_id=article_id, article_text=neutralize_delimiters(c.text))
            for c in budget.split(article.text)
        ]

    def _budget(self, article_id: str) -> ContextBudget:
        """What one request holds of this article, by the backend's declared context."""
        info = self.backend.info
        system, user = self.prompt.render(article_id=prompt_article_id(article_id), article_text="")
        max_tokens = info.params.get("max_tokens")
        return ContextBudget(
            context=info.context_tokens,
            prompt=_template_tokens(system) + estimate_tokens(user) + info.request_overhead_tokens,
            answer=max_tokens if isinstance(max_tokens, int) else self.config.answer_reserve_tokens,
            overlap=self.config.chunk_overlap_tokens,
        )

    def _extract(self, article: Article, cancel: threading.Event) -> ExtractionRecord:
        budget = self._budget(article.article_id)
        parts = [
            part
            for chunk in budget.split(article.text)
            for part in self._answer_chunk(article, chunk, budget, cancel)
        ]
        answers = [answer for _, answer in parts]
        if len(parts) == 1:
            grounded = ground_events(answers[0].events.events, article.text)
        else:
            merged = merge_chunk_events(article.article_id, [a.events for a in answers])
            sources = [(chunk, answer.events) for chunk, answer in parts]
            grounded = ground_chunk_events(merged.events, sources, article.text)
        return ExtractionRecord(
            article_id=article.article_id,
            events=review_events(grounded),
            grounding=grounding_stats(grounded),
            provenance=self._provenance(answers),
            source=article.source,
        )

    def _answer_chunk(
        self, article: Article, chunk: Chunk, budget: ContextBudget, cancel: threading.Event
    ) -> list[tuple[Chunk, Answer]]:
        """One chunk's answer; a chunk the server refuses as longer than its context is split
        smaller and asked again, once. The split is cached like the answers, so a re-run
        makes no request for what the first run finished."""
        article_id, metadata = article.article_id, article.source
        cached = self._cached(article_id, chunk.text, metadata)
        if cached is not None:
            return [(chunk, cached)]
        info = self.backend.info
        split_key = cache_key(info, f"{self.prompt.version}:split", article_id, chunk.text)
        smaller = (self.cache.get(split_key) or {}).get("max_tokens")
        if not isinstance(smaller, int) or smaller < 1:
            try:
                return [(chunk, self._answer(article_id, chunk.text, cancel, metadata))]
            except ContextLengthExceeded as exc:
                smaller = budget.smaller(chunk, exc.limit, exc.requested)
                if smaller is None:
                    raise _refused(exc, "the article cannot be split into parts that fit") from None
                self.cache.set(split_key, {"max_tokens": smaller})
        pieces = split_chunk(chunk, smaller, budget.overlap)
        try:
            return [
                (piece, self._answer(article_id, piece.text, cancel, metadata)) for piece in pieces
            ]
        except ContextLengthExceeded as exc:
            why = f"also after splitting into {len(pieces)} parts of at most {smaller} tokens"
            raise _refused(exc, why) from None

    def _key(self, article_id: str, text: str, metadata: SourceMetadata | None) -> str:
        published = metadata.published if metadata is not None else None
        return cache_key(self.backend.info, self.prompt.version, article_id, text, published)

    def _cached(
        self, article_id: str, text: str, metadata: SourceMetadata | None = None
    ) -> Answer | None:
        """A chunk's answer from the cache, if it is there and still valid."""
        cached = self.cache.get(self._key(article_id, text, metadata))
        return answer_from_cache(cached, article_id) if cached is not None else None

    def _answer(
        self,
        article_id: str,
        text: str,
        cancel: threading.Event,
        metadata: SourceMetadata | None = None,
    ) -> Answer:
        """One chunk's answer, from the cache or the backend (and then cached)."""
        cached = self._cached(article_id, text, metadata)
        if cached is not None:
            return cached
        key = self._key(article_id, text, metadata)
        system, user = self.prompt.render(
            article_id=prompt_article_id(article_id), article_text=neutralize_delimiters(text)
        )
        request = ExtractionRequest(
            article_id, text, system, user, self.prompt.version, metadata=metadata
        )
        outcome = RetryOutcome()
        started = time.perf_counter()
        attempt = itertools.count(1)
        result: BackendResult = call_with_retries(
            lambda: logged_extract(self.call_log, self.backend, request, next(attempt)),
            self.config.retry,
            outcome,
            cancel,
        )
        events = result.events.model_copy(update={"article_id": article_id})
        answer = Answer(
            events=events,
            usage=result.usage + Usage(outcome.failed_tokens, 0),
            latency_s=time.perf_counter() - started,
            attempts=outcome.attempts,
            reasks=result.reasks,
            cache_hit=False,
        )
        self.cache.set(key, answer_to_cache(answer))
        return answer

    def _provenance(self, answers: list[Answer]) -> Provenance:
        info = self.backend.info
        usage = sum((a.usage for a in answers), Usage())
        attempts = sum(a.attempts for a in answers)
        return Provenance(
            backend=info.backend,
            model=info.model,
            mode=info.mode,
            base_url=info.base_url,
            params=info.params,
            prompt_name=self.prompt.name,
            prompt_version=self.prompt.version,
            schema_hash=schema_hash(),
            tokens=TokenCounts(
                prompt=usage.prompt_tokens, completion=usage.completion_tokens, total=usage.total
            ),
            latency_s=round(sum(a.latency_s for a in answers), 3),
            cache_hit=all(a.cache_hit for a in answers),
            attempts=attempts,
            retries=attempts - len(answers),
            reasks=sum(a.reasks for a in answers),
            chunks=len(answers),
        )


def _refused(exc: ContextLengthExceeded, why: str) -> ContextLengthExceeded:
    """The server's refusal, saying why splitting did not help and what to do."""
    return ContextLengthExceeded(
        f"{exc} ({why}: declare the model's real context, e.g. --context-tokens)",
        limit=exc.limit,
        requested=exc.requested,
    )


def extract_to_directory(
    articles: Iterable[Article],
    backend: Backend,
    out_dir: Path,
    *,
    cache: ResultCache | None = None,
    config: RunnerConfig = RunnerConfig(),
    problems: Iterable[InputProblem] = (),
    skipped: Iterable[InputProblem] = (),
    on_result: Callable[[Outcome], None] | None = None,
    stop: threading.Event | None = None,
    on_notice: Notice | None = None,
    call_log: CallLogStore | None = None,
    runner: BatchRunner | None = None,
) -> tuple[BatchResult, BatchSummary]:
    """Run a batch and keep `out_dir` up to date as each article finishes.

    Input problems go to failures.jsonl next to the backend failures, and so do the items
    `skipped` in input directories (as kind `skipped`, not counted as failures). Returns the
    batch as written (a record whose file could not be written is a failure; check
    `interrupted`) and its summary. The combined files hold every record in the folder,
    this run's and earlier ones', also after Ctrl-C. `OutputError` stops the run at once
    when the folder cannot take results (not a directory, disk full). `call_log`: every
    model call is recorded there (`extractor.call_log`). `runner`: what runs the batch
    (default: a `CachedRunner` over `backend`, `cache`, `config` and `call_log`).
    """
    problems = list(problems)
    store = OutputStore(out_dir, on_notice=on_notice).open()
    for problem in problems:
        store.add(failure_from_problem(problem))
    for item in skipped:
        store.add_skipped(failure_from_problem(item, kind="skipped"))
    store.flush()
    sources: dict[str, Path] = {}

    def writable(batch: Iterable[Article]) -> Iterable[Article]:
        for article in batch:
            problem = store.name_problem(article)
            if problem is None:
                sources[article.article_id] = article.path
                yield article
            else:
                collect(problem)

    def collect(outcome: Outcome) -> None:
        recorded = store.add(outcome, sources.get(outcome.article_id or ""))
        if on_result is not None:
            on_result(recorded)

    runner = runner or CachedRunner(backend, cache, config=config, call_log=call_log)
    try:
        result = runner.run(writable(articles), on_result=collect, stop=stop)
    except BaseException:
        with contextlib.suppress(Exception):
            store.flush()  # keep what finished; the first error is the one to report
        raise
    store.flush()
    written = BatchResult(
        records=list(store.records),
        failures=store.failures[len(problems) :],
        interrupted=result.interrupted,
        wall_s=result.wall_s,
        halted=result.halted,
        not_attempted=result.not_attempted,
    )
    summary = summarize(store.records, store.failures, result.wall_s, result.not_attempted)
    return written, summary
