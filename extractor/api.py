"""The Python API: extract events from texts or files, and score them against gold.

Here: `extract`, and the pieces `extractor extract` calls (`read_inputs`, `open_backend`,
`check_destinations`, `extract_batch`). In `extractor.api_results`, re-exported here:
`ExtractionResult` (what `extract` returns), `evaluate` and `merge_incidents`.

    >>> import extractor
    >>> from pathlib import Path
    >>> result = extractor.extract(
    ...     ["Two rockets hit Camp Larch on Sunday.", Path("gold/articles")],
    ...     backend="openai", model="gpt-4o-mini",
    ... )                                                         # doctest: +SKIP
    >>> result.articles[0].events              # typed `Event`s   # doctest: +SKIP
    >>> result.failures                        # what failed, why # doctest: +SKIP
    >>> extractor.evaluate(result, "gold").metrics.event_f1_main  # doctest: +SKIP

`extract` runs exactly what `extractor extract` runs (that command is a thin caller of
`read_inputs`, `open_backend` and `extract_batch` here): the backend from the registry,
the `CachedRunner` with its result cache, retries, chunking and grounding, and, given
`out_dir`, the same files. A `str` input is article text; a `Path` is a `.txt` file or a
directory of them.

Errors, as a notebook user meets them:

- one article that cannot be read or extracted never raises: it comes back as a
  `FailureRecord` in `result.failures` (and in `failures.jsonl`), next to the articles
  that worked; `result.ok` is False and the result's repr names them;
- a usage problem found before any work raises an `ExtractorError` (`ConfigError` for an
  unknown backend or option, an empty model name or a cache directory that is a file,
  `OutputError` for an `out_dir` that cannot be used, `InputError` for unreadable
  predictions or gold in `evaluate`); a disk that fills up mid-run raises `OutputError`
  at once, finished articles kept;
- Ctrl-C raises `KeyboardInterrupt` once the finished articles are written and cached, so
  calling again resumes with no backend call for them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from extractor.api_results import ExtractionResult, evaluate, merge_incidents
from extractor.api_results import OutputFolders as OutputFolders
from extractor.api_results import Predictions as Predictions
from extractor.articles import Article, ArticleBatch
from extractor.backends.base import Backend
from extractor.backends.registry import DEFAULT_BACKEND, get_backend
from extractor.budget import CostGuard, budget_for
from extractor.cache import ResultCache, check_cache_dir, default_cache_dir
from extractor.call_log import CallLogStore, RunInfo
from extractor.core.errors import ConfigError
from extractor.engines import (
    BackendFactory,
    Engine,
    RayOptions,
    backend_factory,
    object_factory,
    require_ray,
)
from extractor.inputs import Inputs, read_inputs, text_article_id
from extractor.output_store import Notice
from extractor.outputs import OutputError, failure_from_problem, summarize
from extractor.runner import (
    BatchRunner,
    CachedRunner,
    Outcome,
    RunnerConfig,
    extract_to_directory,
)
from extractor.sqlite_store import check_sqlite_path, run_row, save_run

__all__ = [
    "ExtractionResult",
    "check_destinations",
    "evaluate",
    "extract",
    "extract_batch",
    "merge_incidents",
    "open_backend",
    "read_inputs",
    "text_article_id",
]


@contextlib.contextmanager
def open_backend(backend: str | Backend = DEFAULT_BACKEND, **options: Any) -> Iterator[Backend]:
    """The backend to run, as a context: closed on exit when it was built here.

    A registry name is built with `options` (None values dropped: "not given"); a backend
    object is used as given, and left open for its owner.
    """
    given = {key: value for key, value in options.items() if value is not None}
    for name in ("model", "base_url"):
        value = given.get(name)
        if isinstance(value, str) and not value.strip():
            raise ConfigError(
                f"{name} is empty: give a value, or leave the option out for the backend's default"
            )
    if not isinstance(backend, str):
        if given:
            raise ConfigError(
                f"options {', '.join(sorted(given))} apply to a backend name, not to a "
                f"backend object ({type(backend).__name__}): configure the object instead"
            )
        yield backend
        return
    built = get_backend(backend, **given)
    try:
        yield built
    finally:
        close = getattr(built, "close", None)
        if callable(close):
            close()


def check_destinations(
    out_dir: str | os.PathLike[str] | None,
    cache_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    sqlite: str | os.PathLike[str] | None = None,
) -> None:
    """Raise one line, before any backend is built, when the output directory, the cache
    directory or the SQLite file cannot be used (an existing file, or below one; a
    directory for `sqlite`); creates nothing."""
    if sqlite is not None:
        check_sqlite_path(Path(sqlite))
    if out_dir is not None:
        out = Path(out_dir)
        for candidate in (out, *out.parents):
            if candidate.exists():
                if not candidate.is_dir():
                    where = "it" if candidate == out else str(candidate)
                    raise OutputError(
                        f"output directory {out} cannot be used: {where} is a file, not a directory"
                    )
                break
    if not no_cache:
        check_cache_dir(Path(cache_dir) if cache_dir is not None else default_cache_dir())


def extract_batch(
    batch: ArticleBatch,
    backend: Backend,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    concurrency: int = 1,
    on_result: Callable[[Outcome], None] | None = None,
    stop: threading.Event | None = None,
    on_notice: Notice | None = None,
    sqlite: str | os.PathLike[str] | None = None,
    call_log: str | os.PathLike[str] | None = None,
    budget: CostGuard | None = None,
    on_call: Callable[[str, str], None] | None = None,
    engine: Engine | str = Engine.LOCAL,
    ray: RayOptions | None = None,
    factory: BackendFactory | None = None,
) -> ExtractionResult:
    """Run `backend` over an already read batch: what `extract` and `extractor extract` do.

    `engine`: `local` (this process, `concurrency` articles in flight) or `ray` (a Ray
    cluster reached by `ray`, `concurrency` articles in flight per worker; each worker
    builds its backend with `factory`, default: a copy of `backend`). The outputs, cache
    and call log are the same either way, written here (`extractor.engines.ray_runner`).

    `budget`: start no article that would take the run past its `max_cost`; the articles
    not started are in `not_attempted` and `halted` says why (`extractor.budget`).

    `call_log`: record every model call of the run in this SQLite file (`extractor.call_log`;
    `extractor logs` reads it); `on_call(article_id, stage)` hears of each call logged there.

    `sqlite`: also add the run and its articles to this SQLite file at the end of the batch
    (`extractor.sqlite_store`), under the output folder's lock when there is one.
    Never raises for one article. An interrupted run (Ctrl-C, or `stop` set) returns with
    `interrupted=True`, its finished articles written (given `out_dir`) and cached.
    `on_notice` sees one-line notices (a corrupt cache moved aside, a foreign file in
    `out_dir`); by default they go to the `extractor` logger.
    """
    config = RunnerConfig(concurrency=concurrency)
    problems = [failure_from_problem(problem) for problem in batch.problems]
    skipped = tuple(failure_from_problem(item, kind="skipped") for item in batch.skipped)
    cache_path = Path(cache_dir) if cache_dir is not None else None
    started = datetime.datetime.now(datetime.UTC)
    articles: Iterable[Article] = batch.articles
    if budget is not None:
        articles = budget.admit(batch.articles)
        on_result = _also(budget.see, on_result)
    with (
        ResultCache(cache_path, enabled=not no_cache, on_notice=on_notice) as cache,
        _open_call_log(call_log, backend, on_call) as log,
    ):
        runner = _batch_runner(Engine(engine), backend, cache, config, log, ray, factory)
        if out_dir is not None:
            run, summary = extract_to_directory(
                articles,
                backend,
                Path(out_dir),
                cache=cache,
                config=config,
                problems=batch.problems,
                skipped=batch.skipped,
                on_result=on_result,
                stop=stop,
                on_notice=on_notice,
                call_log=log,
                runner=runner,
            )
        else:
            run = runner.run(articles, on_result, stop=stop)
            summary = summarize(
                run.records, [*problems, *run.failures], run.wall_s, run.not_attempted
            )
    if budget is not None and budget.refused:
        run.halted = run.halted or budget.reason
        run.not_attempted = [*run.not_attempted, *budget.refused]
        summary = dataclasses.replace(summary, not_attempted=len(run.not_attempted))
    if sqlite is not None:
        save_run(
            Path(sqlite),
            run_row(backend.info, run.records, summary, started),
            run.records,
            text_lengths={article.article_id: len(article.text) for article in batch.articles},
            lock_dir=Path(out_dir) if out_dir is not None else None,
        )
    position = {article.article_id: index for index, article in enumerate(batch.articles)}
    return ExtractionResult(
        records=tuple(sorted(run.records, key=lambda r: position[r.article_id])),
        failures=(
            *problems,
            *sorted(run.failures, key=lambda f: position.get(f.article_id or "", -1)),
        ),
        summary=summary,
        interrupted=run.interrupted,
        out_dir=Path(out_dir) if out_dir is not None else None,
        skipped=skipped,
        halted=run.halted,
        not_attempted=tuple(run.not_attempted),
    )


def _batch_runner(
    engine: Engine,
    backend: Backend,
    cache: ResultCache,
    config: RunnerConfig,
    log: CallLogStore | None,
    ray: RayOptions | None,
    factory: BackendFactory | None,
) -> BatchRunner:
    """The runner of the chosen engine (Ray is imported only for the ray engine)."""
    if engine is Engine.LOCAL:
        return CachedRunner(backend, cache, config=config, call_log=log)
    from extractor.engines.ray_runner import RayRunner

    return RayRunner(
        factory or object_factory(backend),
        backend,
        cache,
        options=ray or RayOptions(),
        config=config,
        call_log=log,
    )


def _also(
    first: Callable[[Outcome], None], then: Callable[[Outcome], None] | None
) -> Callable[[Outcome], None]:
    def both(outcome: Outcome) -> None:
        first(outcome)
        if then is not None:
            then(outcome)

    return both


@contextlib.contextmanager
def _open_call_log(
    path: str | os.PathLike[str] | None,
    backend: Backend,
    on_call: Callable[[str, str], None] | None,
) -> Iterator[CallLogStore | None]:
    if path is None:
        yield None
        return
    with CallLogStore(Path(path), RunInfo.of(backend.info), on_call) as store:
        yield store


def extract(
    inputs: Inputs,
    *,
    backend: str | Backend = DEFAULT_BACKEND,
    model: str | None = None,
    base_url: str | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    concurrency: int = 1,
    on_result: Callable[[Outcome], None] | None = None,
    sqlite: str | os.PathLike[str] | None = None,
    call_log: str | os.PathLike[str] | None = None,
    max_cost: float | None = None,
    prices: str | os.PathLike[str] | None = None,
    engine: Engine | str = Engine.LOCAL,
    ray_address: str | None = None,
    workers: int | None = None,
    **options: Any,
) -> ExtractionResult:
    """Extract events from article texts and/or files; the Python face of `extractor extract`.

    `inputs`: a `str` of article text, a `Path` to a `.txt` file or a directory of them, a
    list mixing both, or a mapping of article id to text. `backend`: a registry name
    (`local`, `openai`, `fake`, a plug-in's) built with `model`, `base_url` and `**options`
    (`mode`, `timeout`, `variant`, ...: what the backend takes), or a backend object.
    `out_dir`: also write events.jsonl, events.csv, articles/ and failures.jsonl there.
    `cache_dir` / `no_cache`: the result cache (default: `$EXTRACTOR_CACHE_DIR` or the user
    cache dir), so a repeated call makes no backend call. `on_result` sees each article's
    record or failure as it finishes. `sqlite`: also add the run and its articles to this
    SQLite file (tables runs, articles, events, evidence; a re-run replaces an article's
    rows). `call_log`: record every model call in this SQLite file (`extractor logs`).
    `max_cost`: start no article that would take the call past this many US dollars, by
    the price table (`extractor/prices.toml`, with `prices` or `$EXTRACTOR_PRICES` over it;
    a model without a price is a `ConfigError`); the rest are in `result.not_attempted`.
    `engine="ray"`: extract on a Ray cluster (`ray_address`, else `$RAY_ADDRESS`, else a
    Ray instance started on this machine) with `workers` workers, `concurrency` articles in
    flight on each; same results, cache and files (`pip install 'extractor[ray]'`).

    Returns an `ExtractionResult`: `.articles` (typed `ArticleEvents`, input order),
    `.records` (with evidence offsets and provenance), `.failures` (never raised), `.ok`.
    """
    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    chosen_engine = _engine(engine)
    ray = RayOptions(ray_address, workers) if chosen_engine is Engine.RAY else None
    batch = read_inputs(inputs)
    check_destinations(out_dir, cache_dir, no_cache, sqlite)
    factory = None
    if ray is not None and isinstance(backend, str):
        factory = backend_factory(backend, {"model": model, "base_url": base_url, **options}, ray)
    with open_backend(backend, model=model, base_url=base_url, **options) as chosen:
        budget = None
        if max_cost is not None:
            budget = budget_for(chosen, batch.articles, max_cost, prices)
        result = extract_batch(
            batch,
            chosen,
            out_dir=out_dir,
            cache_dir=cache_dir,
            no_cache=no_cache,
            concurrency=concurrency,
            on_result=on_result,
            sqlite=sqlite,
            call_log=call_log,
            budget=budget,
            engine=chosen_engine,
            ray=ray,
            factory=factory,
        )
    if result.interrupted:
        raise KeyboardInterrupt
    return result


def _engine(name: Engine | str) -> Engine:
    """The engine called `name`; the ray engine only when Ray can be imported."""
    try:
        engine = Engine(name)
    except ValueError:
        known = ", ".join(e.value for e in Engine)
        raise ConfigError(f"unknown engine {name!r}: choose one of {known}") from None
    if engine is Engine.RAY:
        require_ray()
    return engine
