"""Saved news pages (`.html`, `.htm`): the article's main text and its metadata, by trafilatura.

A page is mostly not the article: navigation, advertisements, related links, cookie notes,
a footer. `page_article` hands the decoded page to trafilatura (a maintained main-content
extractor) and keeps its main text, paragraphs separated by blank lines as in our `.txt`
articles (so chunking still cuts between paragraphs), with what the page says about itself
as `SourceMetadata`:

| field | from the page (as trafilatura reads it) |
|---|---|
| `title` | `og:title`, else `<title>` / the headline |
| `published` | `article:published_time` and the like, else a date the page shows (`YYYY-MM-DD`) |
| `url` | the canonical URL (`og:url`, `<link rel="canonical">`) |
| `outlet` | the site name (`og:site_name`) |

Dates are searched only in the page's markup and visible date lines, not guessed from the
URL or anything looser (trafilatura's `extensive_search` is off): a wrong published date
would move every "on Friday" of the article. The function is pure: a reason string comes
back when the page yields no main text or cannot be parsed, and `extractor.articles` turns
it into the same one-line `InputProblem` as any other bad input (how much of an article
trafilatura keeps, and how much boilerplate leaks: docs/html-inputs.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.core.records import SourceMetadata, check_iso_date

HTML_SUFFIXES = (".html", ".htm")
MAX_HTML_BYTES = 5_000_000
"""Larger pages are refused: markup is several times the text, but a news page over 5 MB
is a media file or an archive, not an article."""
DATE_PARAMS = {"extensive_search": False, "original_date": True, "deferred_url_extractor": True}


@dataclass(frozen=True)
class PageText:
    """A page's main text and the source metadata it declares (None when it declares none)."""

    text: str
    source: SourceMetadata | None


def _published(value: str | None) -> str | None:
    """trafilatura's date when it is a plain ISO day (it may give none, or a partial one)."""
    if not value:
        return None
    try:
        check_iso_date(value)
    except ValueError:
        return None
    return value


def _paragraphs(text: str) -> str:
    """One paragraph per line (trafilatura's text) as blank-line-separated paragraphs."""
    lines = (line.strip() for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def page_article(page: str) -> PageText | str:
    """The main text and metadata of one decoded HTML page, or why there is none (one line)."""
    import trafilatura  # a few hundred ms of imports (lxml, htmldate): only when a page comes

    try:
        document = trafilatura.bare_extraction(
            page,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            date_extraction_params=DATE_PARAMS,
        )
    except Exception as exc:  # a parser failure on one page must not stop the batch
        return f"cannot parse the HTML page ({type(exc).__name__}: {exc})".splitlines()[0]
    text = _paragraphs(getattr(document, "text", None) or "") if document is not None else ""
    if not text:
        return "no main text found in the HTML page"
    values = {
        "url": getattr(document, "url", None) or None,
        "published": _published(getattr(document, "date", None)),
        "outlet": getattr(document, "sitename", None) or None,
        "title": getattr(document, "title", None) or None,
    }
    source = SourceMetadata(**values) if any(values.values()) else None
    return PageText(text, source)
