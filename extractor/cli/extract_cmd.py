"""`extractor extract PATH...`: run a backend over articles and write events with provenance.

Order of work: read the inputs, check the output and cache directories, build the backend,
then run; so a usage problem (an --out that is a file, an empty --model) is one line and
exit code 2 before any model call. Ctrl-C or SIGTERM stops the batch (`StopSignals`):
finished articles are written and the exit code is 130 or 143; a second signal exits at
once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
from pathlib import Path

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from extractor.api import (
    ExtractionResult,
    check_destinations,
    extract_batch,
    open_backend,
    read_inputs,
)
from extractor.articles import ArticleBatch
from extractor.backends.options import parse_model_options
from extractor.backends.registry import DEFAULT_BACKEND
from extractor.budget import BatchEstimate, CostGuard, estimate_batch, estimate_lines, no_price
from extractor.call_log import CALL_LOG_FILE
from extractor.cli.app import app, err_console, exit_on_error
from extractor.cli.progress_lines import ProgressLines
from extractor.cli.stop_signals import StopSignals
from extractor.core.errors import ConfigError, InputError
from extractor.core.records import ExtractionRecord
from extractor.engines import Engine, RayOptions, backend_factory, require_ray
from extractor.outputs import BatchSummary
from extractor.pricing import FREE, Price, load_prices, price_for
from extractor.redaction import install_log_redaction, redact
from extractor.runner import CachedRunner, Outcome

MAX_SKIPPED_SHOWN = 5


def _progress() -> Progress:
    return Progress(
        TextColumn("extracting"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        TextColumn("{task.fields[now]}"),
        TextColumn("{task.fields[last]}"),
        console=err_console,
        transient=False,
    )


def _print_summary(summary: BatchSummary, out: Path, cost: float | None) -> None:
    err_console.print(
        f"articles {summary.articles}  extracted {summary.extracted}  events {summary.events}  "
        f"cache hits {summary.cache_hits}  retries {summary.retries}  reasks {summary.reasks}  "
        f"failures {summary.failures}  tokens {summary.tokens}  "
        + (f"cost ${cost:.4f}  " if cost is not None else "")
        + f"grounded quotes {summary.grounding_rate:.0%}  wall {summary.wall_s:.1f}s"
        + (f"  not attempted {summary.not_attempted}" if summary.not_attempted else "")
        + f"  -> {out}",
        markup=False,
    )


def _say(message: str) -> None:
    err_console.print(redact(message), markup=False)


def _model_options(backend: str, pairs: list[str], **given: object) -> dict[str, object]:
    """`-o key=value` options checked against the backend, plus the options given by name
    (`--timeout`, `--context-tokens`): one of each only."""
    parsed = parse_model_options(backend, pairs)
    for name, value in given.items():
        if value is None:
            continue
        if name in parsed:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(f"{flag} and -o {name}= both given: keep one")
        parsed[name] = value
    return parsed


def _local_preset(backend: str, preset: str | None) -> str | None:
    """`--preset` is the local backend's option (`-o preset=` says the same)."""
    if preset is not None and backend != "local":
        raise ConfigError(f"--preset is an option of the local backend, not of {backend!r}")
    return preset


def _print_dry_run(backend: str, model: str, estimate: BatchEstimate, price: Price | None) -> None:
    _say(f"dry run: {backend} {model}, strategy {estimate.strategy}")
    for line in estimate_lines(estimate, price, model):
        _say(f"  {line}")


def _guard(
    max_cost: float | None, price: Price | None, estimate: BatchEstimate, model: str
) -> CostGuard:
    """What counts this run's cost, and stops it at `max_cost` when given one."""
    if price is None:
        if max_cost is not None:
            raise no_price(model)
        price = FREE  # counts nothing; the summary then shows no cost
    return CostGuard(math.inf if max_cost is None else max_cost, price, estimate)


def _report(
    batch: ArticleBatch,
    result: ExtractionResult,
    out: Path,
    cost: float | None,
    log: Path | None,
) -> None:
    failed = [failure for failure in result.failures if failure.kind != "input"]
    for failure in failed:
        _say(f"failed: {failure.article_id}: {failure.message}")
    if failed and log is not None:
        _say(f"what the model answered to each failed call: extractor logs --db {log} --failed")
    for problem in batch.problems:
        _say(f"skipped: {problem.message}")
    if batch.skipped:
        _say(
            f"skipped {len(batch.skipped)} item(s) in input directories that are not "
            f"article files (each listed in {out / 'failures.jsonl'}):"
        )
        for item in batch.skipped[:MAX_SKIPPED_SHOWN]:
            _say(f"  {item.message}")
        if len(batch.skipped) > MAX_SKIPPED_SHOWN:
            _say(f"  ... and {len(batch.skipped) - MAX_SKIPPED_SHOWN} more")
    if result.halted is not None:
        _say(result.halted)
        shown = ", ".join(result.not_attempted[:MAX_SKIPPED_SHOWN])
        more = ", ..." if len(result.not_attempted) > MAX_SKIPPED_SHOWN else ""
        by_budget = "--max-cost" in result.halted
        when = "with a larger --max-cost" if by_budget else "once the endpoint answers"
        _say(
            f"not attempted (not failed; the same command does them {when}): "
            f"{len(result.not_attempted)} article(s): {shown}{more}"
        )
    _print_summary(result.summary, out, cost)


@app.command("extract")
@exit_on_error
def extract_command(
    paths: list[Path] = typer.Argument(
        ...,
        help="articles: .txt files, .jsonl/.csv files (columns id, text; optional url, "
        "published, outlet, title), directories of them (recursive), or - for stdin",
    ),
    backend: str = typer.Option(
        DEFAULT_BACKEND, "--backend", "-b", help="backend name (`extractor backends` lists them)"
    ),
    model: str | None = typer.Option(
        None, "--model", "-m", help="model name or path (backend-specific)"
    ),
    option: list[str] = typer.Option(
        [],
        "--option",
        "-o",
        metavar="KEY=VALUE",
        help="a model option, repeatable, e.g. -o temperature=0.2 -o max_tokens=800; "
        "checked against the backend's options (`extractor backends` lists them)",
    ),
    base_url: str | None = typer.Option(None, help="OpenAI-compatible endpoint, e.g. .../v1"),
    mode: str | None = typer.Option(None, help="structured-output mode (openai: tools, json, ...)"),
    out: Path = typer.Option(Path("out"), help="output directory"),
    concurrency: int = typer.Option(
        1, "--concurrency", "-j", min=1, help="articles in flight at once"
    ),
    cache_dir: Path | None = typer.Option(None, help="result cache directory"),
    no_cache: bool = typer.Option(
        False, "--no-cache", metavar="", help="neither read nor write the cache"
    ),
    timeout: float | None = typer.Option(None, min=0.001, help="seconds per backend call"),
    context_tokens: int | None = typer.Option(
        None,
        min=1,
        help="openai backend: the model's context in tokens; longer articles are split to fit "
        "(default: known models' own, e.g. gpt-4o-mini 128000, else 8192)",
    ),
    strategy: str | None = typer.Option(
        None,
        "--strategy",
        "-s",
        help="how an article becomes events, over any model: sentence (local's default), "
        "staged, oneshot, or single-call (one call per article; openai's default). "
        "README: Strategies",
    ),
    variant: str | None = typer.Option(None, hidden=True, help="older name of --strategy"),
    preset: str | None = typer.Option(
        None,
        "--preset",
        help="local backend: accurate (default: qwen2.5-coder-1.5b for every stage) or fast "
        "(qwen2.5-coder-0.5b finds the incidents; a little faster, less accurate). README: Speed",
    ),
    sqlite: Path | None = typer.Option(
        None,
        help="also add the run and its articles to this SQLite file (tables runs, articles, "
        "events, evidence; a re-run replaces an article's rows), e.g. for Datasette",
    ),
    call_cache: Path | None = typer.Option(
        None,
        help="local backend: replay identical model calls from this directory and record new "
        "ones (a rule change then re-runs no model call); also $EXTRACTOR_LOCAL_CALL_CACHE",
    ),
    log_db: Path | None = typer.Option(
        None,
        help=f"record every model call (messages, raw answer, error, tokens) in this SQLite "
        f"file; read it with `extractor logs` (default: OUT/{CALL_LOG_FILE})",
    ),
    no_log: bool = typer.Option(
        False, "--no-log", metavar="", help="do not record the model calls"
    ),
    dry_run: bool = typer.Option(
        False,
        "--dry-run",
        metavar="",
        help="print the estimated calls, tokens and cost of the batch, then exit; "
        "nothing is sent or written",
    ),
    limit: int | None = typer.Option(
        None, "--limit", "-n", min=1, help="only the first N articles of the inputs"
    ),
    max_cost: float | None = typer.Option(
        None,
        "--max-cost",
        min=0.0,
        help="US dollars: start no article that would take the run past this (finished "
        "articles are kept, the rest reported not attempted); needs the model's price",
    ),
    prices: Path | None = typer.Option(
        None,
        "--prices",
        help="TOML price table laid over the shipped one (dollars per 1M tokens in/out; "
        "also $EXTRACTOR_PRICES; layout: extractor/prices.toml)",
    ),
    engine: Engine = typer.Option(
        Engine.LOCAL,
        "--engine",
        help="where articles are extracted: local (this process) or ray (a Ray cluster; "
        "pip install 'extractor[ray]'; outputs, cache and call log stay here). README: "
        "Running on a Ray cluster",
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        help="--engine ray: the cluster, e.g. 10.0.0.5:6379 or auto (default: $RAY_ADDRESS, "
        "else a Ray instance started on this machine for the batch)",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="--engine ray: workers (Ray actors, one backend each; default: the cluster's "
        "CPUs / --worker-cpus); --concurrency is then articles in flight per worker",
    ),
    worker_cpus: float = typer.Option(
        1.0,
        "--worker-cpus",
        min=0.01,
        help="--engine ray: CPUs each worker reserves (the local backend's llama.cpp threads)",
    ),
) -> None:
    """Extract events from articles into OUT (events.jsonl, events.csv, articles/, failures).

    Exit code 0 when every article was extracted, 1 when any failed (the rest is still
    written) or the batch stopped because its endpoint could not be reached or --max-cost
    would be passed, 2 for usage errors, inputs of which not one article can be read (a
    mistyped path) and an output directory that cannot take results (disk full), 130 when
    interrupted, 143 when terminated (finished articles are kept).
    """
    install_log_redaction()
    call_log = None if no_log else (log_db or out / CALL_LOG_FILE)
    signals = StopSignals()
    with signals.installed():
        try:
            batch = read_inputs(paths)
            if batch.problems and not batch.articles:
                shown = "; ".join(p.message for p in batch.problems[:MAX_SKIPPED_SHOWN])
                raise InputError(f"no article could be read: {shown}")
            if limit is not None:
                batch = dataclasses.replace(batch, articles=batch.articles[:limit])
            price_table = load_prices(prices)
            check_destinations(out, cache_dir, no_cache, sqlite)
            ray = None
            if engine is Engine.RAY:
                require_ray()
                ray = RayOptions(ray_address, workers, worker_cpus)
            backend_options = {
                **_model_options(
                    backend,
                    option,
                    timeout=timeout,
                    context_tokens=context_tokens,
                    preset=_local_preset(backend, preset),
                ),
                "model": model,
                "base_url": base_url,
                "mode": mode,
                "strategy": strategy,
                "variant": variant,
                "call_cache": call_cache,
            }
            with (
                open_backend(backend, **backend_options) as chosen,
                _progress() as progress,
                contextlib.ExitStack() as stack,
            ):
                info = chosen.info
                price = price_for(info.model, info.backend, price_table)
                estimate = estimate_batch(CachedRunner(chosen), batch.articles)
                if dry_run:
                    progress.stop()
                    _print_dry_run(info.backend, info.model, estimate, price)
                    return
                guard = _guard(max_cost, price, estimate, info.model)
                task = progress.add_task("extract", total=len(batch.articles), last="", now="")
                lines = ProgressLines(len(batch.articles), _say)
                plain = not err_console.is_terminal
                if plain:
                    stack.enter_context(lines)
                calls: dict[str, int] = {}

                def stage(article_id: str, slot: str) -> None:  # each model call, when logged
                    calls[article_id] = calls.get(article_id, 0) + 1
                    now = f"now {article_id}: {slot} (call {calls[article_id]})"
                    progress.update(task, now=now)
                    if plain:
                        lines.stage(article_id, slot, calls[article_id])

                def advance(outcome: Outcome) -> None:
                    state = "ok" if isinstance(outcome, ExtractionRecord) else "FAILED"
                    last = f"last {outcome.article_id} {state}"
                    progress.update(task, advance=1, last=last, now="")
                    if plain:
                        lines.finished(str(outcome.article_id), state)

                signals.defer()  # from here a signal stops the batch, which then returns
                result = extract_batch(
                    batch,
                    chosen,
                    out_dir=out,
                    cache_dir=cache_dir,
                    no_cache=no_cache,
                    concurrency=concurrency,
                    on_result=advance,
                    stop=signals.stop,
                    on_notice=lambda message: _say(f"notice: {message}"),
                    sqlite=sqlite,
                    call_log=call_log,
                    budget=guard,
                    on_call=stage,
                    engine=engine,
                    ray=ray,
                    factory=backend_factory(backend, backend_options, ray) if ray else None,
                )
        except KeyboardInterrupt:
            signals.noticed()
            _say(f"{signals.description}: stopped before any article was extracted")
            raise typer.Exit(signals.exit_code) from None
        _report(batch, result, out, guard.spent if price is not None else None, call_log)
        if result.interrupted or signals.signum is not None:
            signals.noticed()
            _say(f"{signals.description}: finished articles were written to {out}")
            raise typer.Exit(signals.exit_code)
    if result.summary.failures or result.not_attempted:
        raise typer.Exit(1)
