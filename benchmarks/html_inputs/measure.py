"""How much of an article trafilatura keeps from a news page, and how much boilerplate leaks.

For every page of tests/data/html/ (made by make_pages.py from gold/dev/articles/), read it
as `extractor extract` does (`extractor.articles.read_html`) and compare with the article:

- kept: share of the article's words (headline and paragraphs, as a multiset) in the text;
- paragraphs: article paragraphs found whole (whitespace folded) in the text;
- extra: share of the text's words that are not the article's (multiset difference);
- leaked: which of the layouts' boilerplate texts (make_pages.BOILERPLATE) appear;
- title / published / outlet / url: the page metadata against gold/dev/articles/metadata.json.

    .venv/bin/python benchmarks/html_inputs/measure.py > benchmarks/html_inputs/results.md
"""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from make_pages import ARTICLES, BOILERPLATE, CHOSEN, PAGES, article_parts

from extractor.articles import Article, read_html

WORD = re.compile(r"\w+", re.UNICODE)


def words(text: str) -> Counter[str]:
    """Lower-cased word counts."""
    return Counter(w.lower() for w in WORD.findall(text))


def fold(text: str) -> str:
    """Whitespace runs as one space."""
    return " ".join(text.split())


def measure(article_id: str, metadata: dict[str, dict[str, str | None]]) -> dict[str, object]:
    """The numbers of one page."""
    title, body = article_parts((ARTICLES / f"{article_id}.txt").read_text(encoding="utf-8"))
    result = read_html(PAGES / f"{article_id}.html")
    if not isinstance(result, Article):
        return {"article": article_id, "problem": result.message}
    got, want = words(result.text), words(" ".join([title, *body]))
    kept = sum((got & want).values()) / sum(want.values())
    extra = sum((got - want).values()) / max(1, sum(got.values()))
    flat = fold(result.text)
    whole = sum(fold(p) in flat for p in body)
    leaked = [b for b in BOILERPLATE if fold(b).lower() in flat.lower()]
    info = metadata[article_id]
    source = result.source
    return {
        "article": article_id,
        "layout": CHOSEN[article_id],
        "kept": kept,
        "paragraphs": f"{whole}/{len(body)}",
        "extra": extra,
        "leaked": leaked,
        "title": source is not None and source.title == title,
        "published": (source.published if source else None) == info["published"],
        "published_got": source.published if source else None,
        "published_want": info["published"],
        "outlet": source is not None and source.outlet == info["outlet"],
        "url": source is not None and source.url == info["url"],
    }


def _yes(flag: object) -> str:
    return "yes" if flag else "no"


def main() -> None:
    """Print a markdown table, one row per page, and the totals."""
    metadata = json.loads((ARTICLES / "metadata.json").read_text(encoding="utf-8"))
    rows = [measure(article_id, metadata) for article_id in CHOSEN]
    print(
        "| page | layout | words kept | paragraphs whole | extra words | boilerplate leaked "
        "| title | published (got / want) | outlet | url |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        if "problem" in row:
            print(f"| {row['article']} | problem: {row['problem']} |||||||||")
            continue
        leaked = "; ".join(str(b) for b in row["leaked"]) or "none"  # type: ignore[attr-defined]
        print(
            f"| {row['article']} | {row['layout']} | {row['kept']:.1%} | {row['paragraphs']} "
            f"| {row['extra']:.1%} | {leaked} | {_yes(row['title'])} "
            f"| {_yes(row['published'])} ({row['published_got']} / {row['published_want']}) "
            f"| {_yes(row['outlet'])} | {_yes(row['url'])} |"
        )
    good = [r for r in rows if "problem" not in r]
    print()
    print(f"pages: {len(rows)}, read: {len(good)}")
    if good:
        mean_kept = sum(float(r["kept"]) for r in good) / len(good)  # type: ignore[arg-type]
        mean_extra = sum(float(r["extra"]) for r in good) / len(good)  # type: ignore[arg-type]
        leaks = sum(len(r["leaked"]) for r in good)  # type: ignore[arg-type]
        print(f"mean words kept: {mean_kept:.1%}; mean extra words: {mean_extra:.1%}")
        print(f"boilerplate texts leaked: {leaks} of {len(BOILERPLATE) * len(good)} placed")
        for key in ("title", "published", "outlet", "url"):
            print(f"{key} correct: {sum(bool(r[key]) for r in good)}/{len(good)}")


if __name__ == "__main__":
    main()
