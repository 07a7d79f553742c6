"""`.html` / `.htm` inputs: the main text (trafilatura) with the page's title and date as
source metadata, named directly or found in folders; a bad page is one input problem and
the batch goes on."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor import articles
from extractor.articles import Article, InputProblem, read_articles, read_html
from extractor.backends.fake import FakeBackend
from extractor.cli import app
from extractor.core.records import SourceMetadata
from extractor.core.schema import ArticleEvents
from extractor.html_input import page_article
from tests.conftest import build_event

DATA = Path(__file__).parent / "data" / "html"
PARAGRAPHS = [
    "CAMP LARCH (Example Wire) - Two rockets struck Camp Larch, a base hosting U.S. troops "
    "in eastern Syria, on Sunday evening, a coalition spokesman said.",
    "Nobody was hurt in the attack, the spokesman said, and an investigation was under way. "
    "It was the third attack on the base this month.",
    "No group claimed responsibility. Officials blamed Iran-backed militias operating in the "
    "province, which have fired rockets and drones at U.S. positions since October.",
]
CHROME = [
    "Home",
    "World News",
    "Advertisement: Subscribe for just 1 dollar a week",
    "Most popular: Ten recipes for the holidays",
    "Copyright 2024 Example News Network. All rights reserved.",
]


def news_page(
    *,
    title: str | None = "Rockets hit Camp Larch",
    published: str | None = "2024-03-03",
    paragraphs: list[str] = PARAGRAPHS,
) -> str:
    """An invented news page: navigation, ads, a sidebar and a footer around the story."""
    meta = []
    if title is not None:
        meta.append(f'<meta property="og:title" content="{title}">')
    if published is not None:
        meta.append(f'<meta property="article:published_time" content="{published}T09:00:00Z">')
    meta.append('<meta property="og:site_name" content="Example News">')
    meta.append('<link rel="canonical" href="https://news.example/larch">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html><html><head><title>{title or ""} - Example News</title>
{"".join(meta)}</head><body>
<nav><ul><li><a href="/">{CHROME[0]}</a></li><li><a href="/world">{CHROME[1]}</a></li></ul></nav>
<div class="ad">{CHROME[2]}</div>
<main><article><h1>{title or ""}</h1>{body}</article></main>
<aside><h3>{CHROME[3]}</h3></aside>
<footer><p>{CHROME[4]}</p></footer></body></html>"""


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_page_becomes_its_main_text_with_title_date_url_and_outlet(tmp_path: Path) -> None:
    article = read_html(write(tmp_path / "larch.html", news_page()))
    assert isinstance(article, Article)
    assert article.article_id == "larch"
    for paragraph in PARAGRAPHS:
        assert paragraph in article.text
    for chrome in CHROME:
        assert chrome not in article.text
    assert "\n\n" in article.text  # paragraphs stay apart, as in a .txt article
    assert article.source == SourceMetadata(
        url="https://news.example/larch",
        published="2024-03-03",
        outlet="Example News",
        title="Rockets hit Camp Larch",
    )


def test_a_page_without_a_date_has_no_published_date(tmp_path: Path) -> None:
    page = page_article(news_page(published=None))
    assert not isinstance(page, str)
    assert page.source is not None
    assert page.source.published is None
    assert page.source.title == "Rockets hit Camp Larch"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty-body", "<html><head><title>x</title></head><body></body></html>", "no main text"),
        ("only-markup", "<html><body><script>var a = 1;</script></body></html>", "no main text"),
        ("blank", "   \n", "empty file"),
    ],
)
def test_a_page_without_main_text_is_one_input_problem(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    path = write(tmp_path / f"{name}.html", content)
    problem = read_html(path)
    assert isinstance(problem, InputProblem)
    assert problem.article_id == name
    assert problem.message.startswith(f"{path}: ") and message in problem.message
    assert "\n" not in problem.message


def test_an_undecodable_or_oversized_page_is_one_input_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    latin1 = tmp_path / "latin1.htm"
    latin1.write_bytes(news_page().replace("Nobody", "Personne n\u00e9").encode("latin-1"))
    problem = read_html(latin1)
    assert isinstance(problem, InputProblem) and "not valid UTF-8" in problem.message
    monkeypatch.setattr(articles, "MAX_HTML_BYTES", 100)
    big = read_html(write(tmp_path / "big.html", news_page()))
    assert isinstance(big, InputProblem)
    assert (
        big.message
        == f"{tmp_path / 'big.html'}: file too large (more than 100 bytes; the limit is 100)"
    )


def test_pages_in_folders_are_read_and_bad_ones_do_not_stop_the_batch(tmp_path: Path) -> None:
    nested = tmp_path / "in" / "pages"
    nested.mkdir(parents=True)
    write(tmp_path / "in" / "plain.txt", PARAGRAPHS[0])
    write(nested / "good.html", news_page())
    write(nested / "other.HTM", news_page(title="Drone downed near Erbil"))
    write(nested / "bad.html", "<html><body></body></html>")
    write(nested / "style.css", "body {}")
    batch = read_articles([tmp_path / "in"])
    assert sorted(a.article_id for a in batch.articles) == ["good", "other", "plain"]
    assert [p.article_id for p in batch.problems] == ["bad"]
    assert [p.path.name for p in batch.skipped] == ["style.css"]
    by_id = {a.article_id: a for a in batch.articles}
    assert by_id["other"].source is not None
    assert by_id["other"].source.title == "Drone downed near Erbil"
    assert by_id["plain"].source is None


def test_the_saved_pages_of_the_benchmark_read_cleanly() -> None:
    """tests/data/html/ (benchmarks/html_inputs/make_pages.py): every page yields text."""
    batch = read_articles([DATA])
    assert batch.problems == ()
    assert len(batch.articles) == len(list(DATA.glob("*.html")))
    for article in batch.articles:
        assert "We use cookies" not in article.text
        assert article.source is not None and article.source.title


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_extract_sends_the_main_text_and_keeps_the_page_metadata(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    page = write(tmp_path / "larch.html", news_page())
    bad = write(tmp_path / "bad.html", "<html><body></body></html>")
    text = write(tmp_path / "a1.txt", PARAGRAPHS[1])
    out = tmp_path / "out"
    command = ["extract", str(page), str(bad), str(text), "--backend", "fake", "--out", str(out)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 1, result.output
    assert f"{bad}: no main text found in the HTML page" in result.stderr
    calls = {call.article_id: call for call in fake_backend.calls}
    assert sorted(calls) == ["a1", "larch"]
    assert "<p>" not in calls["larch"].text and PARAGRAPHS[0] in calls["larch"].text
    assert calls["larch"].metadata is not None
    assert calls["larch"].metadata.published == "2024-03-03"
    records = {r["article_id"]: r for r in _jsonl(out / "events.jsonl")}
    assert records["larch"]["source"]["title"] == "Rockets hit Camp Larch"
    [failure] = _jsonl(out / "failures.jsonl")
    assert failure["article_id"] == "bad" and failure["kind"] == "input"
    header = next(csv.reader(io.StringIO((out / "events.csv").read_text(encoding="utf-8"))))
    assert header[-4:] == ["source", "source_url", "needs_review", "review_reasons"]


def test_a_mixed_folder_goes_through_to_the_acled_table_and_the_database(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    """.txt, .html and a .jsonl with metadata in one folder: every article's source reaches
    events_acled.csv and the SQLite articles table."""

    def answer(request: Any) -> ArticleEvents:
        first = request.text.strip().split("\n")[0]
        return ArticleEvents(article_id=request.article_id, events=[build_event(evidence=[first])])

    fake_backend.respond = answer
    folder = tmp_path / "in"
    folder.mkdir()
    write(folder / "plain.txt", PARAGRAPHS[0])
    write(folder / "page.html", news_page())
    feed = {"id": "wire1", "text": PARAGRAPHS[1], "outlet": "Wire", "url": "https://w.example/1"}
    write(folder / "feed.jsonl", json.dumps(feed) + "\n")
    out, db = tmp_path / "out", tmp_path / "events.db"
    command = ["extract", str(folder), "--backend", "fake", "--out", str(out), "--sqlite", str(db)]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 0, result.output
    table = (out / "events_acled.csv").read_text(encoding="utf-8")
    rows = {r["article_id"]: r for r in csv.DictReader(io.StringIO(table))}
    assert sorted(rows) == ["page", "plain", "wire1"]
    assert rows["page"]["source"] == "Example News"
    assert rows["page"]["source_url"] == "https://news.example/larch"
    assert (rows["wire1"]["source"], rows["plain"]["source"]) == ("Wire", "")
    assert {r["needs_review"] for r in rows.values()} <= {"True", "False"}
    with sqlite3.connect(db) as conn:
        titles = dict(conn.execute("SELECT article_id, title FROM articles").fetchall())
    assert titles == {"page": "Rockets hit Camp Larch", "plain": None, "wire1": None}
