"""An article's id and text as they go into a prompt, where they cannot break its frame.

The prompt holds the article between `<article>` markers, and its id on one line:
`neutralize_delimiters` keeps the text from closing the block early, `prompt_article_id`
escapes an id (a file name, which may hold anything) to one line without markers, and an
id longer than `MAX_ARTICLE_ID_LENGTH` is refused before any backend call (it could not
make a valid `ArticleEvents`). `CachedRunner` (`extractor.runner`) applies all three.
"""

from __future__ import annotations

import re

from extractor.core.schema import ArticleEvents

_DELIMITER = re.compile(r"<(/?)(article)", re.IGNORECASE)


def _max_length(model: type[ArticleEvents], name: str) -> int:
    metadata = model.model_fields[name].metadata
    return next(int(m.max_length) for m in metadata if getattr(m, "max_length", None))


MAX_ARTICLE_ID_LENGTH = _max_length(ArticleEvents, "article_id")
"""Longer ids cannot make a valid `ArticleEvents`: refused before any backend call."""


def neutralize_delimiters(text: str) -> str:
    """Keep article text from closing the `<article>` block of the prompt early."""
    return _DELIMITER.sub(r"<\1 \2", text)


def prompt_article_id(article_id: str) -> str:
    """The article id as it may appear in a prompt: one line, no `<article>` markers.

    Ids come from file names, which may hold newlines and anything else; escaped, an id
    cannot add lines, instructions or delimiters to the prompt. Plain ids are unchanged.
    """
    escaped = "".join(
        ch if ch.isprintable() and ch != "\\" else ch.encode("unicode_escape").decode("ascii")
        for ch in article_id
    )
    return neutralize_delimiters(escaped)
