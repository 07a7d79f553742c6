"""Read input articles: files or directories of `.txt`, one article per file (id = stem).

Every problem with one input becomes an `InputProblem` with a one-line message, and the
batch goes on with the rest: a missing path, a directory without `.txt` files, an empty,
binary (NUL bytes), non-UTF-8, unreadable or oversized file, or an article id that two
inputs share (the first one wins).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MAX_ARTICLE_BYTES = 1_000_000
"""Larger files are refused: no news article is that long, and a backend call would be
slow and costly; 1 MB is ~250k tokens, beyond any context we chunk for."""

ARTICLE_SUFFIX = ".txt"


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


def _decode(path: Path, data: bytes) -> str | InputProblem:
    """Decode one file's bytes, or say in one line why they are not an article."""
    if not data.strip():
        return InputProblem(path, f"{path}: empty file", path.stem)
    nul = data.find(b"\0")
    if nul >= 0:
        return InputProblem(path, f"{path}: binary file (NUL byte at offset {nul})", path.stem)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return InputProblem(
            path,
            f"{path}: not valid UTF-8 (tried utf-8): byte 0x{data[exc.start]:02x} "
            f"at offset {exc.start}",
            path.stem,
        )
    return text.removeprefix("\ufeff")


def read_article(path: Path) -> Article | InputProblem:
    """Read one `.txt` file as an article."""
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            return InputProblem(
                path,
                f"{path}: file too large ({size} bytes; the limit is {MAX_ARTICLE_BYTES})",
                path.stem,
            )
        data = path.read_bytes()
    except OSError as exc:
        return InputProblem(path, f"{path}: cannot read file ({exc.strerror or exc})", path.stem)
    decoded = _decode(path, data)
    if isinstance(decoded, InputProblem):
        return decoded
    return Article(article_id=path.stem, text=decoded, path=path)


def _expand(path: Path) -> list[Path] | InputProblem:
    """The article files one input path stands for."""
    if path.is_dir():
        try:
            files = sorted(p for p in path.iterdir() if p.suffix == ARTICLE_SUFFIX and p.is_file())
        except OSError as exc:
            return InputProblem(path, f"{path}: cannot list directory ({exc.strerror or exc})")
        if not files:
            return InputProblem(path, f"{path}: directory has no {ARTICLE_SUFFIX} files")
        return files
    if path.exists() or path.is_symlink():
        return [path]
    return InputProblem(path, f"{path}: no such file or directory")


def read_articles(paths: Iterable[Path]) -> ArticleBatch:
    """Read every article named by `paths` (files, or directories of `.txt` files)."""
    articles: dict[str, Article] = {}
    problems: list[InputProblem] = []
    for path in paths:
        expanded = _expand(path)
        if isinstance(expanded, InputProblem):
            problems.append(expanded)
            continue
        for file in expanded:
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
    return ArticleBatch(tuple(articles.values()), tuple(problems))
