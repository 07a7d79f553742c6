"""An output directory whose per-article records are the truth, and whose combined files
are rebuilt from all of them.

    store = OutputStore(Path("out")).open()   # checks the folder, rebuilds what is there
    store.add(record_or_failure)              # its own file now, the combined files soon
    store.flush()                             # events.jsonl, events.csv, events_acled.csv,
                                              # failures.jsonl

A record is written to `articles/<article_id>.json` the moment its article finishes; a
failure (or an input skipped in a directory) to `failures/<key>.json`, keyed by the input
path for input problems and by the article id otherwise. An article that succeeds removes
its own failure records; nothing removes an article record, so the combined files, rebuilt
under `DirectoryLock` from every record in the folder, only grow: a re-run, a crash, a
signal or a second process writing to the same folder can add to them, never take away.

Problems: whole-run ones (the folder is a file, the disk is full, a combined file cannot
be written) raise `OutputError`; one article's record that cannot be written (its name is
too long, `articles/<id>.json` is a directory, ...) becomes that article's failure.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from extractor.acled import render_acled_csv
from extractor.articles import Article
from extractor.core.records import ExtractionRecord, FailureRecord
from extractor.outputs import (
    TEMP_NAME,
    OutputError,
    atomic_write_text,
    describe_os_error,
    is_whole_run_error,
    render_csv,
    render_jsonl,
)
from extractor.outputs_lock import DirectoryLock

RECORDS_DIR = "articles"
FAILURES_DIR = "failures"
EVENTS_JSONL = "events.jsonl"
EVENTS_CSV = "events.csv"
EVENTS_ACLED_CSV = "events_acled.csv"
FAILURES_JSONL = "failures.jsonl"
PATH_KEYED_KINDS = frozenset({"input", "skipped"})
DEFAULT_NAME_MAX = 255
TEMP_MAX_AGE_S = 60.0

Outcome = ExtractionRecord | FailureRecord
Notice = Callable[[str], None]
M = TypeVar("M", bound=BaseModel)


def failure_key(kind: str, article_id: str | None, path: str | None) -> str:
    """The file stem of a failure record: by input path for input problems, else by id."""
    if kind in PATH_KEYED_KINDS or article_id is None:
        material = f"path\0{path}"
    else:
        material = f"article\0{article_id}"
    return hashlib.sha256(material.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _sweep_temp_files(directory: Path) -> None:
    """Remove temp files that a killed writer left behind (older than a minute)."""
    cutoff = time.time() - TEMP_MAX_AGE_S
    with contextlib.suppress(OSError), os.scandir(directory) as entries:
        for entry in entries:
            if TEMP_NAME.fullmatch(entry.name) and entry.stat().st_mtime < cutoff:
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)


def _key_of(failure: FailureRecord) -> str:
    return failure_key(failure.kind, failure.article_id, failure.path)


class OutputStore:
    """Keeps one output directory complete as outcomes arrive (see the module docstring)."""

    def __init__(
        self, out_dir: Path, *, flush_interval_s: float = 1.0, on_notice: Notice | None = None
    ) -> None:
        self.out_dir = out_dir
        self.records_dir = out_dir / RECORDS_DIR
        self.failures_dir = out_dir / FAILURES_DIR
        self.flush_interval_s = flush_interval_s
        self.on_notice = on_notice
        self.records: list[ExtractionRecord] = []
        """This run's extracted articles (those written)."""
        self.failures: list[FailureRecord] = []
        """This run's failures (input problems included, skipped items not)."""
        self.skipped: list[FailureRecord] = []
        self._unsaved: dict[str, FailureRecord] = {}
        self._parsed: dict[Path, tuple[tuple[int, int, int], BaseModel]] = {}
        self._reported: set[tuple[Path, tuple[int, int, int]]] = set()
        self._last_flush = 0.0

    def open(self) -> OutputStore:
        """Check and create the folder, then rebuild the combined files from what is there.

        Raises `OutputError` (one line: what and where) when the folder cannot be used.
        """
        if self.out_dir.exists() and not self.out_dir.is_dir():
            raise OutputError(f"output directory {self.out_dir} exists and is not a directory")
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(
                f"cannot create output directory {self.out_dir}: {describe_os_error(exc)}"
            ) from None
        for directory in (self.out_dir, self.records_dir, self.failures_dir):
            _sweep_temp_files(directory)
        self.flush()
        return self

    def name_problem(self, article: Article) -> FailureRecord | None:
        """A failure when the article's record cannot have a file name in this folder."""
        name = f"{article.article_id}.json"
        try:
            limit = int(os.pathconf(self.out_dir, "PC_NAME_MAX"))
        except (OSError, ValueError, AttributeError):
            limit = DEFAULT_NAME_MAX
        size = len(os.fsencode(name))
        if size <= limit:
            return None
        return FailureRecord(
            article_id=article.article_id,
            kind="output",
            message=f"{article.path}: the article id is too long for a file name in "
            f"{self.records_dir} ({size} bytes with .json; the limit is {limit})",
            path=str(article.path),
        )

    def add(self, outcome: Outcome, source: Path | None = None) -> Outcome:
        """Write one finished article's record (or failure) now, the combined files soon.

        Returns what was recorded: a record that could not be written becomes a failure.
        """
        if isinstance(outcome, ExtractionRecord):
            outcome = self._add_record(outcome, source)
        else:
            self._add_failure(outcome)
        if time.monotonic() - self._last_flush >= self.flush_interval_s:
            self.flush()
        return outcome

    def add_skipped(self, skipped: FailureRecord) -> None:
        """Record an item that was skipped inside an input directory (not a failure)."""
        self.skipped.append(skipped)
        self._save_failure(skipped)

    def _add_record(self, record: ExtractionRecord, source: Path | None) -> Outcome:
        path = self.records_dir / f"{record.article_id}.json"
        try:
            atomic_write_text(path, record.model_dump_json(indent=2) + "\n")
        except OSError as exc:
            message = f"cannot write {path}: {describe_os_error(exc)}"
            if is_whole_run_error(exc):
                raise OutputError(
                    f"{message}; the run stops (finished articles are kept)"
                ) from None
            failure = FailureRecord(
                article_id=record.article_id,
                kind="output",
                message=message,
                path=str(source) if source is not None else None,
                attempts=record.provenance.attempts,
                tokens=record.provenance.tokens.total,
            )
            self._add_failure(failure)
            return failure
        self.records.append(record)
        keys = [failure_key("output", record.article_id, None)]
        if source is not None:
            keys.append(failure_key("input", record.article_id, str(source)))
        for key in keys:
            self._unsaved.pop(key, None)
            with contextlib.suppress(OSError):
                (self.failures_dir / f"{key}.json").unlink(missing_ok=True)
        return record

    def _add_failure(self, failure: FailureRecord) -> None:
        self.failures.append(failure)
        self._save_failure(failure)

    def _save_failure(self, failure: FailureRecord) -> None:
        key = _key_of(failure)
        path = self.failures_dir / f"{key}.json"
        try:
            atomic_write_text(path, failure.model_dump_json(indent=2) + "\n")
        except OSError as exc:
            message = f"cannot write {path}: {describe_os_error(exc)}"
            if is_whole_run_error(exc):
                raise OutputError(
                    f"{message}; the run stops (finished articles are kept)"
                ) from None
            self._unsaved[key] = failure  # still listed in failures.jsonl by this run
            self._notice(f"{message} (kept in {FAILURES_JSONL} for this run)")

    def flush(self) -> None:
        """Rebuild events.jsonl, events.csv, events_acled.csv and failures.jsonl from every
        record in the folder (failures.jsonl is removed when there is none). `OutputError`
        when they cannot be."""
        with DirectoryLock(self.out_dir):
            records = self._load(self.records_dir, ExtractionRecord)
            saved = self._load(self.failures_dir, FailureRecord)
            keys = {_key_of(failure) for failure in saved}
            failures = saved + [f for k, f in self._unsaved.items() if k not in keys]
            records.sort(key=lambda r: r.article_id)
            failures.sort(key=lambda f: (f.article_id or "", f.path or "", f.kind))
            failures_path = self.out_dir / FAILURES_JSONL
            path = self.out_dir / EVENTS_JSONL
            try:
                atomic_write_text(path, render_jsonl(records))
                path = self.out_dir / EVENTS_CSV
                atomic_write_text(path, render_csv(records))
                path = self.out_dir / EVENTS_ACLED_CSV
                atomic_write_text(path, render_acled_csv(records))
                path = failures_path
                if failures:
                    atomic_write_text(path, render_jsonl(failures))
                else:
                    path.unlink(missing_ok=True)
            except OSError as exc:
                raise OutputError(f"cannot write {path}: {describe_os_error(exc)}") from None
        self._last_flush = time.monotonic()

    def _load(self, directory: Path, model: type[M]) -> list[M]:
        """Every valid record in `directory` (parsed again only when its file changed)."""
        found: list[M] = []
        try:
            with os.scandir(directory) as entries:
                files = [e for e in entries if e.name.endswith(".json") and e.is_file()]
        except FileNotFoundError:
            return found
        except OSError as exc:
            raise OutputError(f"cannot list {directory}: {describe_os_error(exc)}") from None
        for entry in files:
            path = Path(entry.path)
            try:
                stat = entry.stat()
            except OSError:
                continue  # removed since the listing
            signature = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
            cached = self._parsed.get(path)
            if cached is not None and cached[0] == signature:
                found.append(cached[1])  # type: ignore[arg-type]
                continue
            item = self._parse(path, signature, model)
            if item is not None:
                self._parsed[path] = (signature, item)
                found.append(item)
        return found

    def _parse(self, path: Path, signature: tuple[int, int, int], model: type[M]) -> M | None:
        try:
            item = model.model_validate_json(path.read_bytes())
        except (OSError, ValueError) as exc:
            reason = describe_os_error(exc) if isinstance(exc, OSError) else "not a valid record"
            self._notice_once(path, signature, f"{path}: {reason}; left out of the combined files")
            return None
        if isinstance(item, ExtractionRecord) and item.article_id != path.stem:
            self._notice_once(
                path,
                signature,
                f"{path}: holds article {item.article_id!r}, not {path.stem!r}; "
                "left out of the combined files",
            )
            return None
        return item

    def _notice_once(self, path: Path, signature: tuple[int, int, int], message: str) -> None:
        if (path, signature) not in self._reported:
            self._reported.add((path, signature))
            self._notice(message)

    def _notice(self, message: str) -> None:
        if self.on_notice is not None:
            self.on_notice(message)
