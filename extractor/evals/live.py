"""Live producers: run a backend over the gold articles through the cached runner.

`live_producer` builds each row's backend from the registry (model, base URL and params as
keyword options) and runs it with `CachedRunner`, so a re-run answers from the cache and
makes no backend call. `recording` wraps any producer and writes what it produced to
evals/recorded/<label>/: that is how recordings are refreshed, deliberately.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from extractor.articles import Article
from extractor.backends.registry import get_backend
from extractor.cache import ResultCache
from extractor.core.errors import BackendUnavailable
from extractor.core.records import ExtractionRecord, FailureRecord
from extractor.evals.compare import Producer
from extractor.evals.recordings import Recorded, write_recording
from extractor.evals.suite import RunSpec, Suite
from extractor.predictions import ARTICLES_SUBDIR, GoldSet
from extractor.runner import CachedRunner, RunnerConfig

UNAVAILABLE_KINDS = frozenset({"backend_unavailable", "config", "transient"})
"""Failure kinds that, when every article fails with them, mean the backend cannot run."""


def backend_options(run: RunSpec) -> dict[str, Any]:
    """Keyword options for `get_backend`: model, base URL (if any), then the row's params."""
    options: dict[str, Any] = {"model": run.backend.model}
    if run.backend.base_url is not None:
        options["base_url"] = run.backend.base_url
    options.update(run.params)
    return options


def gold_articles(gold: GoldSet, gold_dir: Path) -> list[Article]:
    """The gold articles as runner input, in article-id order."""
    return [
        Article(
            article_id, gold.texts[article_id], gold_dir / ARTICLES_SUBDIR / f"{article_id}.txt"
        )
        for article_id in sorted(gold.records)
    ]


def _check_available(run: RunSpec, failures: list[FailureRecord], succeeded: int) -> None:
    """Raise `BackendUnavailable` when every article failed because the backend cannot run."""
    if succeeded or not failures:
        return
    if all(failure.kind in UNAVAILABLE_KINDS for failure in failures):
        first = failures[0]
        raise BackendUnavailable(
            f"{run.label}: all {len(failures)} articles failed ({first.kind}: {first.message})"
        )


def live_producer(suite: Suite, cache: ResultCache) -> Producer:
    """Run each row's backend over the gold articles through `CachedRunner` and `cache`."""

    def produce(run: RunSpec, gold: GoldSet) -> Mapping[str, Recorded]:
        backend = get_backend(run.backend.backend, **backend_options(run))
        try:
            config = RunnerConfig(prompt_name=run.variant.prompt, concurrency=suite.concurrency)
            result = CachedRunner(backend, cache, config=config).run(
                gold_articles(gold, suite.gold_dir)
            )
        finally:
            close = getattr(backend, "close", None)
            if callable(close):
                close()
        if result.interrupted:
            raise KeyboardInterrupt
        _check_available(run, result.failures, len(result.records))
        outcomes: dict[str, Recorded] = {r.article_id: r for r in result.records}
        outcomes.update({f.article_id or "": f for f in result.failures})
        return outcomes

    return produce


def recording(producer: Producer, suite: Suite) -> Producer:
    """Wrap `producer` so that every row it produces is written to evals/recorded/."""

    def produce(run: RunSpec, gold: GoldSet) -> Mapping[str, Recorded]:
        outcomes = producer(run, gold)
        for article_id, outcome in outcomes.items():
            if isinstance(outcome, ExtractionRecord | FailureRecord):
                write_recording(suite.recorded_dir, run.label, article_id, outcome)
        return outcomes

    return produce
