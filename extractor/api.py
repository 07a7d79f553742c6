"""The Python API: extract events from texts or files, and score them against gold.

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
  unknown backend or option, `InputError` for unreadable predictions or gold in
  `evaluate`);
- Ctrl-C raises `KeyboardInterrupt` once the finished articles are written and cached, so
  calling again resumes with no backend call for them.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from extractor.articles import MAX_ARTICLE_BYTES, Article, ArticleBatch, InputProblem, read_articles
from extractor.backends.base import Backend
from extractor.backends.registry import DEFAULT_BACKEND, get_backend
from extractor.cache import ResultCache
from extractor.core.errors import ConfigError, InputError
from extractor.core.records import ExtractionRecord, FailureRecord
from extractor.core.schema import ArticleEvents
from extractor.outputs import BatchSummary, failure_from_problem, summarize
from extractor.runner import CachedRunner, Outcome, RunnerConfig, extract_to_directory

if TYPE_CHECKING:
    from extractor.predictions import GoldSet
    from extractor.scoring import CorpusScore

__all__ = [
    "ExtractionResult",
    "evaluate",
    "extract",
    "extract_batch",
    "open_backend",
    "read_inputs",
    "text_article_id",
]

ArticleInput = str | os.PathLike[str]
"""Article text (`str`) or a `.txt` file / directory of them (`Path`)."""
Inputs = ArticleInput | Iterable[ArticleInput] | Mapping[str, str]
"""One input, several, or a mapping of article id to article text."""
TEXT_ID_PREFIX = "text-"


@dataclass(frozen=True)
class ExtractionResult:
    """What one `extract` call produced: records in input order, and every failure.

    `records` are the full output records (events with evidence offsets, grounding,
    provenance); `articles` are the same events as plain contract `ArticleEvents`.
    `failures` lists unreadable inputs first, then articles whose attempts ran out.
    """

    records: tuple[ExtractionRecord, ...]
    failures: tuple[FailureRecord, ...]
    summary: BatchSummary
    interrupted: bool = False
    out_dir: Path | None = None

    @property
    def articles(self) -> list[ArticleEvents]:
        """One `ArticleEvents` per extracted article, in input order."""
        return [_as_article_events(record) for record in self.records]

    @property
    def ok(self) -> bool:
        """True when every input was extracted."""
        return not self.failures and not self.interrupted

    def __repr__(self) -> str:
        failed = ", ".join(f"{f.article_id or f.path}: {f.kind}" for f in self.failures[:3])
        more = ", ..." if len(self.failures) > 3 else ""
        return (
            f"ExtractionResult(articles={len(self.records)}, "
            f"events={sum(len(r.events) for r in self.records)}, "
            f"failures={len(self.failures)}{f' [{failed}{more}]' if failed else ''}, "
            f"cache_hits={self.summary.cache_hits}"
            f"{', interrupted' if self.interrupted else ''})"
        )


Predictions = (
    str
    | os.PathLike[str]
    | ExtractionResult
    | Mapping[str, ArticleEvents | ExtractionRecord]
    | Iterable[ArticleEvents | ExtractionRecord]
)
"""What `evaluate` scores: a path (`events.jsonl` or a directory of `<id>.json`) or records."""


def text_article_id(text: str) -> str:
    """The article id of a text input: `text-` and 12 hex chars of its sha256.

    Derived from the content, so the same text keeps its id, and its cache entry, whatever
    its position in a call.
    """
    return TEXT_ID_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _text_article(article_id: str, text: str, position: int) -> Article | InputProblem:
    """A text input as an article, or the problem with it (the file rules, where they apply)."""
    where = Path(f"<text {position}>")
    if not article_id or article_id in {".", ".."} or "/" in article_id or "\\" in article_id:
        return InputProblem(where, f"{where}: article id {article_id!r} cannot name a file")
    size = len(text.encode("utf-8"))
    if size > MAX_ARTICLE_BYTES:
        return InputProblem(
            where,
            f"{where}: text too large ({size} bytes; the limit is {MAX_ARTICLE_BYTES})",
            article_id,
        )
    text = text.removeprefix("\ufeff")
    if not text.strip():
        return InputProblem(where, f"{where}: empty text", article_id)
    if len(text.split()) == 1 and os.path.exists(text):
        return InputProblem(
            where,
            f"{where}: {text!r} is a path, and a str input is article text: "
            f"pass Path({text!r}) to read the file",
            article_id,
        )
    return Article(article_id=article_id, text=text, path=where)


def _input_items(inputs: Inputs) -> list[tuple[str | None, ArticleInput]]:
    """`(article id or None, input)` pairs, in order."""
    if isinstance(inputs, Mapping):
        return [(str(key), value) for key, value in inputs.items()]
    if isinstance(inputs, str | os.PathLike):
        return [(None, inputs)]
    return [(None, item) for item in inputs]


def read_inputs(inputs: Inputs) -> ArticleBatch:
    """Read texts and files into one batch, in input order, with a problem per bad input.

    A `str` is article text (id: `text_article_id`, or the mapping's key); an
    `os.PathLike` is read by `read_articles`, exactly as `extractor extract` reads its
    arguments (consecutive paths in one call: same ids, order and problems).
    """
    articles: dict[str, Article] = {}
    from_text: set[str] = set()
    problems: list[InputProblem] = []
    pending_paths: list[Path] = []

    def add(article: Article, is_text: bool) -> None:
        first = articles.get(article.article_id)
        if first is None:
            articles[article.article_id] = article
            if is_text:
                from_text.add(article.article_id)
            return
        first_is_text = article.article_id in from_text
        if is_text and first_is_text and first.text == article.text:
            return  # the same text given twice is one article
        if not is_text and not first_is_text and first.path.resolve() == article.path.resolve():
            return  # so is the same file named twice
        problems.append(
            InputProblem(
                article.path,
                f"{article.path}: duplicate article id {article.article_id!r} (also {first.path})",
                article.article_id,
            )
        )

    def read_pending() -> None:
        if pending_paths:
            batch = read_articles(pending_paths)
            problems.extend(batch.problems)
            for article in batch.articles:
                add(article, is_text=False)
            pending_paths.clear()

    for position, (key, item) in enumerate(_input_items(inputs), start=1):
        if isinstance(item, os.PathLike) and key is None:
            pending_paths.append(Path(item))
            continue
        if not isinstance(item, str):
            raise TypeError(
                f"input {position}: expected article text (str) or a path (os.PathLike), "
                f"got {type(item).__name__}"
            )
        read_pending()
        text_input = _text_article(key or text_article_id(item), item, position)
        if isinstance(text_input, InputProblem):
            problems.append(text_input)
        else:
            add(text_input, is_text=True)
    read_pending()
    return ArticleBatch(tuple(articles.values()), tuple(problems))


@contextlib.contextmanager
def open_backend(backend: str | Backend = DEFAULT_BACKEND, **options: Any) -> Iterator[Backend]:
    """The backend to run, as a context: closed on exit when it was built here.

    A registry name is built with `options` (None values dropped: "not given"); a backend
    object is used as given, and left open for its owner.
    """
    given = {key: value for key, value in options.items() if value is not None}
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


def extract_batch(
    batch: ArticleBatch,
    backend: Backend,
    *,
    out_dir: str | os.PathLike[str] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    no_cache: bool = False,
    concurrency: int = 1,
    on_result: Callable[[Outcome], None] | None = None,
) -> ExtractionResult:
    """Run `backend` over an already read batch: what `extract` and `extractor extract` do.

    Never raises for one article. An interrupted run (Ctrl-C) returns with
    `interrupted=True`, its finished articles written (given `out_dir`) and cached.
    """
    config = RunnerConfig(concurrency=concurrency)
    problems = [failure_from_problem(problem) for problem in batch.problems]
    cache_path = Path(cache_dir) if cache_dir is not None else None
    with ResultCache(cache_path, enabled=not no_cache) as cache:
        if out_dir is not None:
            run, summary = extract_to_directory(
                batch.articles,
                backend,
                Path(out_dir),
                cache=cache,
                config=config,
                problems=batch.problems,
                on_result=on_result,
            )
        else:
            run = CachedRunner(backend, cache, config=config).run(batch.articles, on_result)
            summary = summarize(run.records, [*problems, *run.failures], run.wall_s)
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
    )


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
    record or failure as it finishes.

    Returns an `ExtractionResult`: `.articles` (typed `ArticleEvents`, input order),
    `.records` (with evidence offsets and provenance), `.failures` (never raised), `.ok`.
    """
    if concurrency < 1:
        raise ConfigError("concurrency must be at least 1")
    batch = read_inputs(inputs)
    with open_backend(backend, model=model, base_url=base_url, **options) as chosen:
        result = extract_batch(
            batch,
            chosen,
            out_dir=out_dir,
            cache_dir=cache_dir,
            no_cache=no_cache,
            concurrency=concurrency,
            on_result=on_result,
        )
    if result.interrupted:
        raise KeyboardInterrupt
    return result


def _as_article_events(record: object) -> ArticleEvents:
    """The contract record of an output record (events without grounding fields)."""
    if isinstance(record, ExtractionRecord):
        return ArticleEvents(
            article_id=record.article_id, events=[e.to_event() for e in record.events]
        )
    if isinstance(record, ArticleEvents):
        return record
    raise TypeError(f"expected ArticleEvents or ExtractionRecord, got {type(record).__name__}")


def _prediction_records(pred: Predictions) -> dict[str, ArticleEvents]:
    """Prediction objects keyed by article id (duplicates are an `InputError`)."""
    if isinstance(pred, ExtractionResult):
        items: Iterable[object] = pred.records
    elif isinstance(pred, Mapping):
        items = pred.values()
    else:
        items = pred  # type: ignore[assignment]
    records: dict[str, ArticleEvents] = {}
    for item in items:
        record = _as_article_events(item)
        if record.article_id in records:
            raise InputError(f"predictions: duplicate article id {record.article_id!r}")
        records[record.article_id] = record
    return records


def evaluate(pred: Predictions, gold: str | os.PathLike[str] | GoldSet) -> CorpusScore:
    """Score predictions against gold: the same scores as `extractor eval --pred P --gold G`.

    `pred`: a path (`events.jsonl`, or a directory of `<article_id>.json`), an
    `ExtractionResult`, or `ArticleEvents` / `ExtractionRecord` objects (a list, or a
    mapping by article id). `gold`: a gold directory (`<id>.json` + `articles/<id>.txt`)
    or a loaded `GoldSet`. Gold articles without a prediction count as predicting no
    events (`missing_articles`); a prediction for an article not in gold is an `InputError`.
    """
    from extractor import predictions  # scoring imports scipy: only when scoring
    from extractor.scoring import score_corpus

    if isinstance(pred, str | os.PathLike) and isinstance(gold, str | os.PathLike):
        return predictions.evaluate_paths(Path(pred), Path(gold))
    gold_set = gold if isinstance(gold, predictions.GoldSet) else predictions.load_gold(Path(gold))
    if isinstance(pred, str | os.PathLike):
        records = predictions.load_predictions(Path(pred))
    else:
        records = _prediction_records(pred)
    unknown = sorted(set(records) - set(gold_set.records))
    if unknown:
        raise InputError(
            f"predictions for article ids not in gold: {', '.join(map(repr, unknown))}"
        )
    return score_corpus(records, gold_set.records, gold_set.texts)
