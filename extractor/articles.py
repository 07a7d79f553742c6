"""Read input articles: files or directories of `.txt`, one article per file (id = stem).

Every problem with one input becomes an `InputProblem` with a one-line message, and the
batch goes on with the rest: a missing path, a directory without `.txt` files, an empty,
binary (NUL bytes), undecodable, unreadable or oversized file, something that is not a
regular file (a FIFO, a device, a socket: refused without opening it for reading, so
nothing hangs), or an article id that two inputs share (the first one wins).

Text is UTF-8, or UTF-16/UTF-32 when the file starts with their byte-order mark; a UTF-8
BOM is dropped. Sizes are enforced by reading at most one byte past the limit, never by
trusting `stat` (a /proc file says 0 bytes, /dev/zero never ends). In a directory, files
ending in `.txt` (any case: `.TXT` too) are articles; everything else there is listed in
`ArticleBatch.skipped` with the reason, so nothing is passed over silently.
"""

from __future__ import annotations

import codecs
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MAX_ARTICLE_BYTES = 1_000_000
"""Larger files are refused: no news article is that long, and a backend call would be
slow and costly; 1 MB is ~250k tokens, beyond any context we chunk for."""

ARTICLE_SUFFIX = ".txt"
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
    """One input article."""

    article_id: str
    text: str
    path: Path


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
    """Entries of input directories that are not articles (not `.txt`, subdirectories)."""


def is_article_name(path: Path) -> bool:
    """True for a `.txt` file name, in any case (`a1.txt`, `A1.TXT`)."""
    return path.suffix.lower() == ARTICLE_SUFFIX


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


def _read_bounded(path: Path) -> bytes | InputProblem:
    """At most MAX_ARTICLE_BYTES + 1 bytes of a regular file, or why not."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            return InputProblem(
                path,
                f"{path}: not a regular file ({file_kind(info.st_mode)}); "
                "only regular .txt files are read",
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
            return handle.read(MAX_ARTICLE_BYTES + 1)
    except OSError as exc:
        return InputProblem(path, f"{path}: cannot read file ({exc.strerror or exc})", path.stem)


def read_article(path: Path) -> Article | InputProblem:
    """Read one `.txt` file as an article."""
    data = _read_bounded(path)
    if isinstance(data, InputProblem):
        return data
    if len(data) > MAX_ARTICLE_BYTES:
        return InputProblem(
            path,
            f"{path}: file too large (more than {MAX_ARTICLE_BYTES} bytes; "
            f"the limit is {MAX_ARTICLE_BYTES})",
            path.stem,
        )
    decoded = _decode(path, data)
    if isinstance(decoded, InputProblem):
        return decoded
    return Article(article_id=path.stem, text=decoded, path=path)


def _skip_reason(entry: Path) -> str | None:
    """Why a directory entry is not an article file, or None when it is one to read."""
    if is_article_name(entry):
        return None  # read_article says what is wrong with it, if anything
    try:
        mode = entry.stat().st_mode
    except OSError as exc:
        return f"cannot read ({exc.strerror or exc})"
    if stat.S_ISDIR(mode):
        return "a directory (directories are not read recursively)"
    if not stat.S_ISREG(mode):
        return f"not a regular file ({file_kind(mode)})"
    return f"not a {ARTICLE_SUFFIX} file"


def _expand(path: Path) -> tuple[list[Path], list[InputProblem]] | InputProblem:
    """The article files one input path stands for, and what was skipped in it."""
    if path.is_dir():
        try:
            entries = sorted(path.iterdir())
        except OSError as exc:
            return InputProblem(path, f"{path}: cannot list directory ({exc.strerror or exc})")
        files: list[Path] = []
        skipped: list[InputProblem] = []
        for entry in entries:
            reason = _skip_reason(entry)
            if reason is None:
                files.append(entry)
            else:
                skipped.append(InputProblem(entry, f"{entry}: skipped: {reason}"))
        if not files:
            return InputProblem(path, f"{path}: directory has no {ARTICLE_SUFFIX} files")
        return files, skipped
    if path.exists() or path.is_symlink():
        return [path], []
    return InputProblem(path, f"{path}: no such file or directory")


def read_articles(paths: Iterable[Path]) -> ArticleBatch:
    """Read every article named by `paths` (files, or directories of `.txt` files).

    A path named directly is read whatever its suffix; in a directory only `.txt` files are.
    """
    articles: dict[str, Article] = {}
    problems: list[InputProblem] = []
    skipped: list[InputProblem] = []
    for path in paths:
        expanded = _expand(path)
        if isinstance(expanded, InputProblem):
            problems.append(expanded)
            continue
        files, passed_over = expanded
        skipped.extend(passed_over)
        for file in files:
            result = read_article(file)
            if isinstance(result, InputProblem):
                problems.append(result)
            elif result.article_id in articles:
                first = articles[result.article_id].path
                if first.resolve() == file.resolve():
                    continue  # the same file named twice is not a duplicate
                problems.append(
                    InputProblem(
                        file,
                        f"{file}: duplicate article id {result.article_id!r} (also {first})",
                        result.article_id,
                    )
                )
            else:
                articles[result.article_id] = result
    return ArticleBatch(tuple(articles.values()), tuple(problems), tuple(skipped))
