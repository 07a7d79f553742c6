"""Article inputs of the Python API: texts, files, folders, or a mapping of id to text.

`read_inputs` turns what `extractor.extract` is given into one `ArticleBatch` in input
order: a `str` is article text (id `text-<hash>`, or its mapping key), an `os.PathLike` a
`.txt`, `.jsonl`, `.csv` or `.html` file, a folder of them or `Path("-")` (stdin), read by
`extractor.articles.read_articles` exactly as the CLI reads its arguments (JSONL and CSV
articles carry their source metadata). Every bad input is an `InputProblem`, never an
exception.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from extractor.articles import MAX_ARTICLE_BYTES, Article, ArticleBatch, InputProblem, read_articles

ArticleInput = str | os.PathLike[str]
"""Article text (`str`), or a `.txt`/`.jsonl`/`.csv`/`.html` file or a directory of them."""
Inputs = ArticleInput | Iterable[ArticleInput] | Mapping[str, str]
"""One input, several, or a mapping of article id to article text."""
TEXT_ID_PREFIX = "text-"


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
    skipped: list[InputProblem] = []
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
            skipped.extend(batch.skipped)
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
    return ArticleBatch(tuple(articles.values()), tuple(problems), tuple(skipped))
