"""Read input articles: `.txt` files (one article, id = stem), `.jsonl` and `.csv` files (one
article a line or row, with source metadata: see `extractor.article_tables`), `.html` /
`.htm` pages (one article, id = stem: the main text and the page's title, date, URL and site
name, see `extractor.html_input`), directories of them (read recursively), and `-` for
standard input.

Every problem with one input becomes an `InputProblem` with a one-line message, and the
batch goes on with the rest: a missing path, a directory without article files, an empty,
binary (NUL bytes), undecodable, unreadable or oversized file, a page without main text,
something that is not a regular file (a FIFO, a device, a socket: refused without opening
it for reading, so nothing hangs), or an article id that two inputs share (the first one
wins). In a JSONL or CSV file each bad line or row is its own problem (`file.jsonl:7: ...`,
`file.csv:row 3: ...`), and the other articles of the file are read.

Text is UTF-8, or UTF-16/UTF-32 when the file starts with their byte-order mark; a UTF-8
BOM is dropped. Sizes are enforced by reading at most one byte past the limit, never by
trusting `stat` (a /proc file says 0 bytes, /dev/zero never ends). In a directory, files
ending in `.txt`, `.jsonl`, `.csv`, `.html` or `.htm` (any case) are read, subdirectories
too (a directory reached twice through links is read once); everything else there is listed
in `ArticleBatch.skipped` with the reason, so nothing is passed over silently.

Standard input (`-`) is one article with id `stdin`, or JSONL when its first non-space
character is `{`.
"""

from __future__ import annotations

import codecs
import dataclasses
import os
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from extractor.article_tables import ArticleFields, csv_header_problem, parse_csv, parse_jsonl
from extractor.core.records import SourceMetadata
from extractor.html_input import HTML_SUFFIXES, MAX_HTML_BYTES, page_article

MAX_ARTICLE_BYTES = 1_000_000
"""Larger files are refused: no news article is that long, and a backend call would be
slow and costly; 1 MB is ~250k tokens, beyond any context we chunk for."""

MAX_TABLE_BYTES = 200_000_000
"""A JSONL or CSV file (or standard input) holds many articles: a larger bound for it."""

ARTICLE_SUFFIX = ".txt"
JSONL_SUFFIX = ".jsonl"
CSV_SUFFIX = ".csv"
ARTICLE_SUFFIXES = (ARTICLE_SUFFIX, JSONL_SUFFIX, CSV_SUFFIX, *HTML_SUFFIXES)
ARTICLE_KINDS = ".txt, .jsonl, .csv or .html"
STDIN = Path("-")
STDIN_PATH = Path("<stdin>")
STDIN_ARTICLE_ID = "stdin"
BYTE_ORDER_MARKS = (  # longest first: the UTF-32-LE mark starts with the UTF-16-LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


@dataclass(frozen=True)
class Article:
    """One input article. `path` is its file, or `file.jsonl:7` / `file.csv:row 3` for a line
    or row of one, or `<stdin>`; `source` is the metadata its input gave, if any."""

    article_id: str
    text: str
    path: Path
    source: SourceMetadata | None = None


@dataclass(frozen=True)
class InputProblem:
    """One input that could not be read, with a one-line reason."""

    path: Path
    message: str
    article_id: str | None = None


@dataclass(frozen=True)
class ArticleBatch:
    """The articles read from some inputs, and the problems met on the way."""

    articles: tuple[Article, ...]
    problems: tuple[InputProblem, ...]
    skipped: tuple[InputProblem, ...] = field(default=())
    """Entries of input directories that are not article files (`.txt`/`.jsonl`/`.csv`/`.html`)."""


def is_article_name(path: Path) -> bool:
    """True for a `.txt`, `.jsonl`, `.csv`, `.html` or `.htm` name, in any case (`A1.TXT`)."""
    return path.suffix.lower() in ARTICLE_SUFFIXES


def _undecodable(path: Path, data: bytes, bom_codec: str | None) -> InputProblem:
    try:
        data.decode("utf-8")
        utf8_error = ""
    except UnicodeDecodeError as exc:
        utf8_error = f": byte 0x{data[exc.start]:02x} at offset {exc.start}"
    message = f"{path}: not valid UTF-8 (tried utf-8){utf8_error}"
    if bom_codec is not None:
        message += f"; nor {bom_codec.upper()}, which its byte-order mark announces"
    return InputProblem(path, message, path.stem)


def _decode(path: Path, data: bytes) -> str | InputProblem:
    """Decode one file's bytes, or say in one line why they are not an article."""
    for bom, codec in BYTE_ORDER_MARKS:
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                return _undecodable(path, data, codec if codec != "utf-8" else None)
            break
    else:
        nul = data.find(b"\0")
        if nul >= 0:
            return InputProblem(path, f"{path}: binary file (NUL byte at offset {nul})", path.stem)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return _undecodable(path, data, None)
    if not text.strip():
        return InputProblem(path, f"{path}: empty file", path.stem)
    if "\0" in text:
        return InputProblem(
            path, f"{path}: binary file (NUL character at {text.index(chr(0))})", path.stem
        )
    return text


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words ("a FIFO (named pipe)", ...)."""
    return next((name for test, name in FILE_KINDS if test(mode)), "not a regular file")


def _read_bounded(path: Path, limit: int = MAX_ARTICLE_BYTES) -> bytes | InputProblem:
    """At most `limit` + 1 bytes of a regular file, or why not."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return InputProblem(
                path,
                f"{path}: not a regular file ({file_kind(info.st_mode)}); "
                "only regular files are read",
                path.stem,
            )
        flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
        fd = os.open(path, flags)
        with os.fdopen(fd, "rb") as handle:
            mode = os.fstat(handle.fileno()).st_mode
            if not stat.S_ISREG(mode):  # replaced between the stat and the open
                return InputProblem(
                    path, f"{path}: not a regular file ({file_kind(mode)})", path.stem
                )
            return handle.read(limit + 1)
    except OSError as exc:
        return InputProblem(path, f"{path}: cannot read file ({exc.strerror or exc})", path.stem)


def _too_large(path: Path, limit: int) -> InputProblem:
    return InputProblem(
        path,
        f"{path}: file too large (more than {limit} bytes; the limit is {limit})",
        path.stem,
    )


def read_article(path: Path) -> Article | InputProblem:
    """Read one `.txt` file as an article."""
    data = _read_bounded(path)
    if isinstance(data, InputProblem):
        return data
    if len(data) > MAX_ARTICLE_BYTES:
        return _too_large(path, MAX_ARTICLE_BYTES)
    decoded = _decode(path, data)
    if isinstance(decoded, InputProblem):
        return decoded
    return Article(article_id=path.stem, text=decoded, path=path)


def read_html(path: Path) -> Article | InputProblem:
    """Read one `.html` / `.htm` page as an article: its main text and page metadata."""
    data = _read_bounded(path, MAX_HTML_BYTES)
    if isinstance(data, InputProblem):
        return data
    if len(data) > MAX_HTML_BYTES:
        return _too_large(path, MAX_HTML_BYTES)
    decoded = _decode(path, data)
    if isinstance(decoded, InputProblem):
        return decoded
    page = page_article(decoded)
    if isinstance(page, str):
        return InputProblem(path, f"{path}: {page}", path.stem)
    size = len(page.text.encode("utf-8"))
    if size > MAX_ARTICLE_BYTES:
        message = f"{path}: main text too large ({size} bytes; the limit is {MAX_ARTICLE_BYTES})"
        return InputProblem(path, message, path.stem)
    return Article(article_id=path.stem, text=page.text, path=path, source=page.source)


def _article_of(where: Path, fields: ArticleFields) -> Article | InputProblem:
    """The article of one JSONL line or CSV row, or why not (the rules of a `.txt` file)."""
    size = len(fields.text.encode("utf-8"))
    problem = None
    if size > MAX_ARTICLE_BYTES:
        problem = f"text too large ({size} bytes; the limit is {MAX_ARTICLE_BYTES})"
    elif not fields.text.strip():
        problem = "empty text"
    elif "\0" in fields.text:
        problem = f"binary text (NUL character at {fields.text.index(chr(0))})"
    if problem is not None:
        message = f"{where}: article {fields.article_id!r}: {problem}"
        return InputProblem(where, message, fields.article_id)
    return Article(fields.article_id, fields.text.removeprefix("\ufeff"), where, fields.source)


def _table_articles(path: Path, text: str, csv_rows: bool) -> Iterator[Article | InputProblem]:
    """The articles of a decoded JSONL or CSV text, and a problem for each bad line or row."""
    if csv_rows:
        header_problem = csv_header_problem(text)
        if header_problem is not None:
            yield InputProblem(path, f"{path}: {header_problem}")
            return
    found = False
    for number, parsed in parse_csv(text) if csv_rows else parse_jsonl(text):
        found = True
        where = path if number == 0 else Path(f"{path}:{'row ' if csv_rows else ''}{number}")
        if isinstance(parsed, str):
            yield InputProblem(where, f"{where}: {parsed}")
        else:
            yield _article_of(where, parsed)
    if not found:
        yield InputProblem(path, f"{path}: no articles in this file")


def _with_id(problem: InputProblem, article_id: str) -> InputProblem:
    return dataclasses.replace(problem, article_id=article_id)


def read_table(path: Path) -> list[Article | InputProblem]:
    """Read one `.jsonl` or `.csv` file: an article or a problem per line or row (a problem
    with the whole file names no article: its stem is not an article id)."""
    data = _read_bounded(path, MAX_TABLE_BYTES)
    if isinstance(data, InputProblem):
        return [dataclasses.replace(data, article_id=None)]
    if len(data) > MAX_TABLE_BYTES:
        return [dataclasses.replace(_too_large(path, MAX_TABLE_BYTES), article_id=None)]
    decoded = _decode(path, data)
    if isinstance(decoded, InputProblem):
        return [dataclasses.replace(decoded, article_id=None)]
    return list(_table_articles(path, decoded, path.suffix.lower() == CSV_SUFFIX))


def read_stdin(stream: BinaryIO | None = None) -> list[Article | InputProblem]:
    """Standard input: one article (id `stdin`), or JSONL when it starts with `{`."""
    if stream is None:
        if sys.stdin is None:
            return [InputProblem(STDIN_PATH, f"{STDIN_PATH}: no standard input", STDIN_ARTICLE_ID)]
        stream = sys.stdin.buffer
    try:
        data = stream.read(MAX_TABLE_BYTES + 1)
    except (OSError, ValueError) as exc:
        message = f"{STDIN_PATH}: cannot read ({getattr(exc, 'strerror', None) or exc})"
        return [InputProblem(STDIN_PATH, message, STDIN_ARTICLE_ID)]
    if len(data) > MAX_TABLE_BYTES:
        return [_with_id(_too_large(STDIN_PATH, MAX_TABLE_BYTES), STDIN_ARTICLE_ID)]
    decoded = _decode(STDIN_PATH, data)
    if isinstance(decoded, InputProblem):
        return [_with_id(decoded, STDIN_ARTICLE_ID)]
    if decoded.lstrip().startswith("{"):
        return list(_table_articles(STDIN_PATH, decoded, csv_rows=False))
    if len(data) > MAX_ARTICLE_BYTES:
        return [_with_id(_too_large(STDIN_PATH, MAX_ARTICLE_BYTES), STDIN_ARTICLE_ID)]
    return [Article(STDIN_ARTICLE_ID, decoded, STDIN_PATH)]


def read_file(path: Path) -> list[Article | InputProblem]:
    """The articles of one input file (by suffix: JSONL, CSV, HTML, else text), or `-`."""
    if path == STDIN:
        return read_stdin()
    if path.suffix.lower() in (JSONL_SUFFIX, CSV_SUFFIX):
        return read_table(path)
    if path.suffix.lower() in HTML_SUFFIXES:
        return [read_html(path)]
    return [read_article(path)]


def _skip_reason(entry: Path) -> str | None:
    """Why a directory entry is not an article file, or None when it is one to read."""
    if is_article_name(entry):
        return None  # read_file says what is wrong with it, if anything
    try:
        mode = entry.stat().st_mode
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({file_kind(mode)})"
    return f"not a {ARTICLE_KINDS} file"


def _walk(
    directory: Path, files: list[Path], skipped: list[InputProblem], seen: set[Path]
) -> InputProblem | None:
    """Add the article files under `directory` (recursively) to `files`, and what is not
    one to `skipped`; a problem when `directory` itself cannot be listed."""
    seen.add(directory.resolve())
    try:
        entries = sorted(directory.iterdir())
    except OSError as exc:
        return InputProblem(
            directory, f"{directory}: cannot list directory ({exc.strerror or exc})"
        )
    for entry in entries:
        if entry.is_dir() and not is_article_name(entry):
            if entry.resolve() in seen:
                skipped.append(InputProblem(entry, f"{entry}: skipped: a directory read already"))
                continue
            problem = _walk(entry, files, skipped, seen)
            if problem is not None:
                skipped.append(dataclasses.replace(problem, message=f"skipped: {problem.message}"))
            continue
        reason = _skip_reason(entry)
        if reason is None:
            files.append(entry)
        else:
            skipped.append(InputProblem(entry, f"{entry}: skipped: {reason}"))
    return None


def _expand(path: Path) -> tuple[list[Path], list[InputProblem]] | InputProblem:
    """The article files one input path stands for, and what was skipped in it."""
    if path == STDIN:
        return [path], []
    if path.is_dir():
        files: list[Path] = []
        skipped: list[InputProblem] = []
        problem = _walk(path, files, skipped, set())
        if problem is not None:
            return problem
        if not files:
            return InputProblem(path, f"{path}: directory has no {ARTICLE_KINDS} files")
        return files, skipped
    if path.exists() or path.is_symlink():
        return [path], []
    return InputProblem(path, f"{path}: no such file or directory")


def read_articles(paths: Iterable[Path]) -> ArticleBatch:
    """Read every article named by `paths` (files, directories of them, `-` for stdin).

    A path named directly is read whatever its suffix (`.jsonl` and `.csv` as tables,
    `.html` and `.htm` as pages, any other as one text article); in a directory only files
    with those suffixes or `.txt` are.
    """
    articles: dict[str, Article] = {}
    problems: list[InputProblem] = []
    skipped: list[InputProblem] = []
    seen: set[Path] = set()  # a file named twice (or in two folders named) is read once
    for path in paths:
        expanded = _expand(path)
        if isinstance(expanded, InputProblem):
            problems.append(expanded)
            continue
        files, passed_over = expanded
        skipped.extend(passed_over)
        fresh = [file for file in files if file == STDIN or file.resolve() not in seen]
        seen.update(file.resolve() for file in fresh if file != STDIN)
        for result in (item for file in fresh for item in read_file(file)):
            if isinstance(result, InputProblem):
                problems.append(result)
            elif result.article_id in articles:
                first = articles[result.article_id].path
                if first.resolve() == result.path.resolve():
                    continue  # the same file named twice is not a duplicate
                problems.append(
                    InputProblem(
                        result.path,
                        f"{result.path}: duplicate article id {result.article_id!r} (also {first})",
                        result.article_id,
                    )
                )
            else:
                articles[result.article_id] = result
    return ArticleBatch(tuple(articles.values()), tuple(problems), tuple(skipped))
