"""`RayRunner`: a batch over a Ray cluster, with the single-process runner's results.

The driver (this process) reads the articles, finishes from the cache those it can
(`CacheProbe`), and sends the rest to workers, at most `concurrency` articles in flight
per worker; each worker (`ExtractionWorker`, one Ray actor holding one backend) extracts
whole articles with `CachedRunner` and returns the outcome with its cache entries and
logged calls. The driver stores those and hands the outcome to `on_result` (which writes
the outputs) as each article comes back. So the cache, the call log and the output folder
live on the driver's disk only; workers need no shared storage.

A worker that dies (its process killed, its node lost) is restarted by Ray (up to
`MAX_RESTARTS` times); the articles it had in flight go to another worker, so nothing is
lost, and only those articles are asked again. An article whose worker died under it
`MAX_LOSSES` times becomes a `FailureRecord` (kind `worker_lost`), which a rerun retries.
Stopping works as in `CachedRunner.run`: `stop` set or Ctrl-C: no new article starts, the
articles in flight are abandoned (their workers killed), and `run` returns what finished.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from extractor.articles import Article
from extractor.backends.base import Backend
from extractor.cache import ResultCache
from extractor.call_log import CallLogStore
from extractor.core.errors import BackendUnavailable, ConfigError
from extractor.core.records import FailureRecord
from extractor.endpoint_watch import UnreachableStreak
from extractor.engines import BackendFactory, RayOptions, require_ray
from extractor.engines.cache_probe import CacheEntries, CacheProbe
from extractor.engines.ray_worker import ExtractionWorker, WorkerResult
from extractor.prompts import PromptTemplate, load_prompt
from extractor.redaction import redact
from extractor.runner import POLL_S, BatchResult, Outcome, RunnerConfig

MAX_RESTARTS = 3
MAX_LOSSES = 3


@dataclass
class _Job:
    article: Article
    seed: CacheEntries
    worker: int
    losses: int = 0


@contextlib.contextmanager
def ray_session(options: RayOptions) -> Iterator[float]:
    """Connected to the cluster (or a Ray instance started here) for the batch; yields its CPUs.

    No address and no `$RAY_ADDRESS`: a private Ray instance on this machine, stopped after.
    Inside a process that already called `ray.init` (a Ray job), that connection is used.
    """
    ray = require_ray()
    address = options.address or os.environ.get("RAY_ADDRESS")
    owned = not ray.is_initialized()
    if owned:
        quiet: dict[str, Any] = {"log_to_driver": False, "logging_level": logging.WARNING}
        try:
            with _signal_handlers_kept():
                if address:
                    ray.init(address=address, **quiet)
                else:
                    wanted = (options.workers or 1) * options.worker_cpus
                    cpus = max(os.cpu_count() or 1, math.ceil(wanted))
                    ray.init(address="local", num_cpus=cpus, include_dashboard=False, **quiet)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"at {address}" if address else "on this machine"
            raise ConfigError(f"cannot reach a Ray cluster {where}: {exc}") from None
    try:
        yield float(ray.cluster_resources().get("CPU", 1.0))
    finally:
        if owned:
            ray.shutdown()


@contextlib.contextmanager
def _signal_handlers_kept() -> Iterator[None]:
    """`ray.init` installs its own SIGTERM/SIGINT handlers in the driver (which end the
    process); put back the ones in place before, so a signal stops the batch as it does
    with the local engine (finished articles written, exit code 143 / 130)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    kept = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in kept.items():
            if handler is not None:
                signal.signal(sig, handler)


class RayRunner:
    """Runs one backend over many articles on Ray workers; `run` as `CachedRunner.run`."""

    def __init__(
        self,
        factory: BackendFactory,
        backend: Backend,
        cache: ResultCache | None = None,
        *,
        options: RayOptions = RayOptions(),
        prompt: PromptTemplate | None = None,
        config: RunnerConfig = RunnerConfig(),
        call_log: CallLogStore | None = None,
    ) -> None:
        if config.concurrency < 1:
            raise ConfigError("concurrency must be at least 1")
        self.factory = factory
        self.info = backend.info
        self.cache = cache or ResultCache(enabled=False)
        self.prompt = prompt or load_prompt(config.prompt_name)
        self.config = config
        self.call_log = call_log
        self.options = options

    def run(
        self,
        articles: Iterable[Article],
        on_result: Callable[[Outcome], None] | None = None,
        stop: threading.Event | None = None,
    ) -> BatchResult:
        """Extract every article on the cluster; `on_result` sees each outcome as it comes
        back (in this thread). Returns the batch as `CachedRunner.run` does."""
        started = time.perf_counter()
        with ray_session(self.options) as cpus:
            workers = self.options.workers or max(1, int(cpus // self.options.worker_cpus))
            if workers * self.options.worker_cpus > cpus:
                raise ConfigError(
                    f"the Ray cluster has {cpus:g} CPUs; {workers} workers x "
                    f"{self.options.worker_cpus:g} CPUs (--workers x --worker-cpus) would not "
                    "all start: give fewer workers or a smaller --worker-cpus"
                )
            result = _Batch(self, workers, on_result, stop).run(articles)
        result.wall_s = time.perf_counter() - started
        return result


class _Batch:
    """One run's state on the driver: the workers, the articles in flight, the result."""

    def __init__(
        self,
        runner: RayRunner,
        workers: int,
        on_result: Callable[[Outcome], None] | None,
        stop: threading.Event | None,
    ) -> None:
        self.ray = require_ray()
        self.runner = runner
        self.on_result = on_result
        self.stop = stop
        self.result = BatchResult()
        self.probe = CacheProbe(runner.info, runner.cache, runner.prompt, runner.config)
        self.streak = UnreachableStreak(
            runner.config.max_unreachable_in_a_row, runner.info.base_url
        )
        self.workers = workers
        self.handles: list[Any] = []  # started with the first article the cache lacks
        self.busy = [0] * workers
        self.losses = [0] * workers
        self.alive = set(range(workers))
        self.pending: dict[Any, _Job] = {}

    def start_workers(self) -> None:
        """One actor per worker, each building its backend where Ray places it."""
        runner = self.runner
        actor = self.ray.remote(ExtractionWorker).options(
            num_cpus=runner.options.worker_cpus,
            max_concurrency=runner.config.concurrency,
            max_restarts=MAX_RESTARTS,
            max_task_retries=0,
        )
        self.handles = [
            actor.remote(runner.factory, runner.prompt, runner.config) for _ in range(self.workers)
        ]

    def run(self, articles: Iterable[Article]) -> BatchResult:
        remaining = iter(articles)
        try:
            for article in remaining:
                if self.stopped():
                    self.halted_before(article)
                    break
                probed = self.probe.probe(article)
                if not isinstance(probed, dict):
                    self.finish(probed)
                    continue
                self.collect(until_below=self.capacity())
                if self.stopped():
                    self.halted_before(article)
                    break
                self.submit(_Job(article, probed, worker=-1))
            self.collect(until_below=1)
            self.result.interrupted = self.stop is not None and self.stop.is_set()
        except KeyboardInterrupt:
            self.result.interrupted = True
        finally:
            if self.result.interrupted or self.result.halted is not None:
                with contextlib.suppress(KeyboardInterrupt):
                    self.take_ready()
            self.abandon()
        if self.result.halted is not None and not self.result.interrupted:
            self.result.not_attempted += [
                *(job.article.article_id for job in self.pending.values()),
                *(article.article_id for article in remaining),
            ]
        else:
            self.result.not_attempted = []
        return self.result

    def stopped(self) -> bool:
        return (self.stop is not None and self.stop.is_set()) or self.result.halted is not None

    def halted_before(self, article: Article) -> None:
        if self.result.halted is not None:
            self.result.not_attempted.append(article.article_id)

    def capacity(self) -> int:
        return max(1, len(self.alive)) * self.runner.config.concurrency

    def submit(self, job: _Job) -> None:
        if not self.handles:
            self.start_workers()
        job.worker = min(self.alive, key=lambda w: self.busy[w])
        self.busy[job.worker] += 1
        handle = self.handles[job.worker]
        ref = handle.extract.remote(job.article, job.seed, self.runner.call_log is not None)
        self.pending[ref] = job

    def collect(self, until_below: int) -> None:
        """Take results as they come until fewer than `until_below` articles are in flight."""
        while len(self.pending) >= until_below and not self.stopped():
            refs = list(self.pending)
            ready, _ = self.ray.wait(refs, num_returns=1, timeout=POLL_S)
            if ready:  # then every result already back, in one call
                ready, _ = self.ray.wait(refs, num_returns=len(refs), timeout=0)
            for ref in ready:
                self.take(ref)

    def take_ready(self) -> None:
        """Take the results already back (a stopped batch keeps what finished)."""
        if self.pending:
            ready, _ = self.ray.wait(list(self.pending), num_returns=len(self.pending), timeout=0)
            for ref in ready:
                self.take(ref)

    def take(self, ref: Any) -> None:
        job = self.pending.pop(ref)
        self.busy[job.worker] -= 1
        errors = self.ray.exceptions
        try:
            done: WorkerResult = self.ray.get(ref)
        except (errors.RayActorError, errors.WorkerCrashedError, errors.NodeDiedError) as exc:
            self.lost(job, exc)
            return
        except errors.RayError as exc:  # the worker's code raised: the article failed
            self.finish(_failure(job.article, "internal_error", str(exc)))
            return
        self.store(done)
        self.finish(done.outcome)

    def lost(self, job: _Job, exc: Exception) -> None:
        """The worker died under `job`: give the article to a worker again."""
        if getattr(exc, "actor_init_failed", False):
            raise BackendUnavailable(f"a Ray worker could not start its backend: {exc}")
        self.losses[job.worker] += 1
        if self.losses[job.worker] > MAX_RESTARTS:
            self.alive.discard(job.worker)
        job.losses += 1
        if job.losses >= MAX_LOSSES or not self.alive:
            why = f"its Ray worker died {job.losses} time(s); last: {exc}"
            self.finish(_failure(job.article, "worker_lost", why))
        else:
            self.submit(job)

    def store(self, done: WorkerResult) -> None:
        """Keep what the worker would have written: cache entries, logged calls."""
        for key, value in done.cache_writes.items():
            self.runner.cache.set(key, value)
        if done.calls is not None and self.runner.call_log is not None:
            done.calls.replay(self.runner.call_log)

    def finish(self, outcome: Outcome) -> None:
        self.result.add(outcome)
        self.result.halted = self.result.halted or self.streak.see(outcome)
        if self.on_result is not None:
            self.on_result(outcome)

    def abandon(self) -> None:
        """Stop the workers: what is in flight is dropped (a rerun does it)."""
        for ref in self.pending:
            with contextlib.suppress(Exception):
                self.ray.cancel(ref)
        for handle in self.handles:
            with contextlib.suppress(Exception):
                self.ray.kill(handle)


def _failure(article: Article, kind: str, message: str) -> FailureRecord:
    return FailureRecord(
        article_id=article.article_id,
        kind=kind,
        message=redact(message.strip().splitlines()[-1] if message.strip() else kind),
        path=str(article.path),
    )
