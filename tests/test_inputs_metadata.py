"""Inputs with source metadata: JSONL and CSV files, recursive folders, `-` for stdin; and
the metadata's way into the request, the records and events.csv (not into the cache key)."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor import extract
from extractor.articles import Article, read_articles, read_stdin
from extractor.backends.fake import FakeBackend
from extractor.cli import app
from extractor.core.records import ExtractionRecord, Provenance, SourceMetadata
from extractor.outputs import CSV_COLUMNS, render_csv
from tests.conftest import build_event

TEXT = "Two rockets hit Camp Larch, home to U.S. troops, on Sunday."
SOURCE = {
    "url": "https://news.example/larch",
    "published": "2024-03-03",
    "outlet": "Example News",
    "title": "Rockets hit Camp Larch",
}
OLD_CSV_COLUMNS = CSV_COLUMNS[: CSV_COLUMNS.index("source")]
SOURCE_AT = slice(len(OLD_CSV_COLUMNS), len(OLD_CSV_COLUMNS) + 2)


def jsonl_file(path: Path, *rows: dict[str, Any] | str) -> Path:
    lines = [row if isinstance(row, str) else json.dumps(row) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def csv_file(path: Path, header: list[str], *rows: list[str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def run_extract(*args: str | Path, stdin: str | None = None) -> Any:
    command = ["extract", *map(str, args), "--backend", "fake"]
    return CliRunner().invoke(app, command, input=stdin)


# --- reading -----------------------------------------------------------------------------------


def test_jsonl_lines_are_articles_with_their_metadata(tmp_path: Path) -> None:
    path = jsonl_file(
        tmp_path / "feed.jsonl",
        {"id": "a1", "text": TEXT, **SOURCE},
        {"id": "a2", "text": TEXT, "url": None, "published": "", "outlet": "Wire"},
        {"id": 7, "text": TEXT},
    )
    batch = read_articles([path])
    assert batch.problems == ()
    assert [a.article_id for a in batch.articles] == ["a1", "a2", "7"]
    assert batch.articles[0].source == SourceMetadata(**SOURCE)
    assert batch.articles[1].source == SourceMetadata(outlet="Wire")
    assert batch.articles[2].source is None
    assert str(batch.articles[0].path) == f"{path}:1"


def test_csv_rows_are_articles_with_their_metadata(tmp_path: Path) -> None:
    multi_line = 'First paragraph.\n\nSecond, with a comma and "quotes".'
    path = csv_file(
        tmp_path / "feed.CSV",
        [" ID", "text", "url", "published", "outlet", "title"],
        ["a1", TEXT, SOURCE["url"], SOURCE["published"], SOURCE["outlet"], SOURCE["title"]],
        ["a2", multi_line, "", "", "", ""],
    )
    batch = read_articles([path])
    assert batch.problems == ()
    assert [(a.article_id, a.text, a.source) for a in batch.articles] == [
        ("a1", TEXT, SourceMetadata(**SOURCE)),
        ("a2", multi_line, None),
    ]
    assert str(batch.articles[1].path) == f"{path}:row 3"


BAD_JSONL_LINES: dict[str, tuple[dict[str, Any] | str, str]] = {
    "malformed": ('{"id": "x", "text": ', "malformed JSON"),
    "not an object": ('["x", "text"]', "expected a JSON object, got list"),
    "no id": ({"text": TEXT}, "id is missing or empty"),
    "id names no file": ({"id": "../x", "text": TEXT}, "cannot name a file"),
    "no text": ({"id": "x"}, "article 'x': text is missing"),
    "text not a string": ({"id": "x", "text": 3}, "text is not a string (int)"),
    "empty text": ({"id": "x", "text": "  \n"}, "article 'x': empty text"),
    "date not ISO": (
        {"id": "x", "text": TEXT, "published": "03/03/2024"},
        "published '03/03/2024' is not an ISO date (YYYY-MM-DD)",
    ),
    "no such day": ({"id": "x", "text": TEXT, "published": "2024-02-30"}, "not an ISO date"),
    "date with time": ({"id": "x", "text": TEXT, "published": "2024-03-03T10:00"}, "ISO date"),
    "metadata not a string": ({"id": "x", "text": TEXT, "url": 5}, "url must be a string"),
    "unknown key": ({"id": "x", "text": TEXT, "publshed": "2024-03-03"}, "unknown key 'publshed'"),
}


@pytest.mark.parametrize("case", BAD_JSONL_LINES, ids=list(BAD_JSONL_LINES))
def test_a_bad_jsonl_line_fails_only_its_article(tmp_path: Path, case: str) -> None:
    bad, expected = BAD_JSONL_LINES[case]
    path = jsonl_file(
        tmp_path / "feed.jsonl", {"id": "a1", "text": TEXT}, bad, "", {"id": "a3", "text": TEXT}
    )
    batch = read_articles([path])
    assert [a.article_id for a in batch.articles] == ["a1", "a3"]
    [problem] = batch.problems
    assert problem.message.startswith(f"{path}:2: ")
    assert expected in problem.message
    assert "\n" not in problem.message


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (["id", "body"], "unknown column 'body'"),
        (["id", "url"], "no 'text' column"),
        (["id", "text", "id"], "named twice"),
    ],
)
def test_a_csv_header_without_articles_is_one_problem(
    tmp_path: Path, header: list[str], expected: str
) -> None:
    path = csv_file(tmp_path / "feed.csv", header, ["a1", TEXT, ""])
    batch = read_articles([path, jsonl_file(tmp_path / "ok.jsonl", {"id": "ok", "text": TEXT})])
    assert [a.article_id for a in batch.articles] == ["ok"]
    [problem] = batch.problems
    assert problem.message.startswith(f"{path}: ") and expected in problem.message


def test_bad_csv_rows_fail_only_their_article(tmp_path: Path) -> None:
    path = csv_file(
        tmp_path / "feed.csv",
        ["id", "text", "published"],
        ["a1", TEXT, "2024-03-03"],
        ["a2", TEXT, "yesterday"],
        ["a3", TEXT],
        ["a4", "", ""],
        ["a5", TEXT, ""],
    )
    batch = read_articles([path])
    assert [a.article_id for a in batch.articles] == ["a1", "a5"]
    assert [p.message for p in batch.problems] == [
        f"{path}:row 3: article 'a2': published 'yesterday' is not an ISO date (YYYY-MM-DD)",
        f"{path}:row 4: 2 cells, but the header has 3 columns",
        f"{path}:row 5: article 'a4': empty text",
    ]


def test_a_duplicate_id_in_a_table_is_a_problem_for_the_second(tmp_path: Path) -> None:
    path = jsonl_file(
        tmp_path / "feed.jsonl", {"id": "a1", "text": TEXT}, {"id": "a1", "text": "x"}
    )
    batch = read_articles([path, path])  # the same file named twice is no duplicate
    assert [a.text for a in batch.articles] == [TEXT]
    [problem] = batch.problems
    assert problem.message == f"{path}:2: duplicate article id 'a1' (also {path}:1)"


def test_a_table_with_no_articles_says_so(tmp_path: Path) -> None:
    path = csv_file(tmp_path / "feed.csv", ["id", "text"])
    [problem] = read_articles([path]).problems
    assert problem.message == f"{path}: no articles in this file"


def test_directories_are_read_recursively(tmp_path: Path) -> None:
    (tmp_path / "in" / "sub" / "deeper").mkdir(parents=True)
    (tmp_path / "in" / "a1.txt").write_text(TEXT, encoding="utf-8")
    jsonl_file(tmp_path / "in" / "sub" / "feed.jsonl", {"id": "b1", "text": TEXT, **SOURCE})
    csv_file(tmp_path / "in" / "sub" / "deeper" / "rows.csv", ["id", "text"], ["c1", TEXT])
    (tmp_path / "in" / "sub" / "notes.md").write_text("notes", encoding="utf-8")
    os.symlink(tmp_path / "in", tmp_path / "in" / "sub" / "loop")  # read once, not forever
    batch = read_articles([tmp_path / "in"])
    assert batch.problems == ()
    assert [a.article_id for a in batch.articles] == ["a1", "c1", "b1"]
    assert sorted(Path(s.path).name for s in batch.skipped) == ["loop", "notes.md"]


def test_stdin_is_one_article_or_jsonl() -> None:
    [article] = read_stdin(io.BytesIO(f"\n{TEXT}\n".encode()))
    assert isinstance(article, Article)
    assert (article.article_id, article.text.strip(), str(article.path)) == (
        "stdin",
        TEXT,
        "<stdin>",
    )
    lines = f'  {{"id": "s1", "text": "{TEXT}", "outlet": "Wire"}}\n{{"id": "s2"}}\n'
    first, second = read_stdin(io.BytesIO(lines.encode()))
    assert isinstance(first, Article) and first.source == SourceMetadata(outlet="Wire")
    assert not isinstance(second, Article)
    assert second.message == "<stdin>:2: article 's2': text is missing"
    [empty] = read_stdin(io.BytesIO(b"  \n"))
    assert not isinstance(empty, Article)
    assert (empty.message, empty.article_id) == ("<stdin>: empty file", "stdin")


# --- through `extract` -------------------------------------------------------------------------


def test_extract_reads_stdin(fake_backend: FakeBackend, tmp_path: Path) -> None:
    result = run_extract("-", "--out", tmp_path / "out", stdin=TEXT)
    assert result.exit_code == 0, result.output
    assert [r["article_id"] for r in jsonl(tmp_path / "out" / "events.jsonl")] == ["stdin"]
    assert [c.text for c in fake_backend.calls] == [TEXT]


def test_extract_fails_a_bad_line_and_goes_on(fake_backend: FakeBackend, tmp_path: Path) -> None:
    feed = jsonl_file(
        tmp_path / "feed.jsonl",
        {"id": "a1", "text": TEXT},
        {"id": "a2", "text": TEXT, "published": "Sunday"},
        {"id": "a3", "text": TEXT},
    )
    out = tmp_path / "out"
    result = run_extract(feed, "--out", out)
    assert result.exit_code == 1, result.output
    expected = f"{feed}:2: article 'a2': published 'Sunday' is not an ISO date (YYYY-MM-DD)"
    assert f"skipped: {expected}" in result.stderr
    assert [r["article_id"] for r in jsonl(out / "events.jsonl")] == ["a1", "a3"]
    [failure] = jsonl(out / "failures.jsonl")
    assert failure["kind"] == "input" and failure["message"] == expected
    assert failure["path"] == f"{feed}:2"
    assert len(fake_backend.calls) == 2


def test_metadata_does_not_enter_the_cache_key(fake_backend: FakeBackend, tmp_path: Path) -> None:
    """The same article as a .txt file and as a JSONL line with metadata: one backend call."""
    (tmp_path / "a1.txt").write_text(TEXT, encoding="utf-8")
    feed = jsonl_file(tmp_path / "feed.jsonl", {"id": "a1", "text": TEXT, **SOURCE})
    cache = tmp_path / "cache"
    assert (
        run_extract(tmp_path / "a1.txt", "--out", tmp_path / "o1", "--cache-dir", cache).exit_code
        == 0
    )
    assert run_extract(feed, "--out", tmp_path / "o2", "--cache-dir", cache).exit_code == 0
    assert len(fake_backend.calls) == 1
    assert fake_backend.calls[0].metadata is None
    [record] = jsonl(tmp_path / "o2" / "events.jsonl")
    assert record["provenance"]["cache_hit"] is True


def test_the_api_reads_tables_too(fake_backend: FakeBackend, tmp_path: Path) -> None:
    feed = jsonl_file(tmp_path / "feed.jsonl", {"id": "a1", "text": TEXT, **SOURCE})
    result = extract([feed, TEXT], backend=fake_backend, no_cache=True)
    assert [a.article_id for a in result.articles][:1] == ["a1"]
    assert result.ok


def test_metadata_reaches_the_request_and_every_output(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    fake_backend.respond = lambda request: _one_event(request.article_id)
    feed = jsonl_file(
        tmp_path / "feed.jsonl", {"id": "a1", "text": TEXT, **SOURCE}, {"id": "a2", "text": TEXT}
    )
    out = tmp_path / "out"
    assert run_extract(feed, "--out", out).exit_code == 0
    by_id = {call.article_id: call.metadata for call in fake_backend.calls}
    assert by_id == {"a1": SourceMetadata(**SOURCE), "a2": None}
    records = {r["article_id"]: r for r in jsonl(out / "events.jsonl")}
    assert records["a1"]["source"] == SOURCE and records["a2"]["source"] is None
    rows = list(csv.DictReader(io.StringIO((out / "events.csv").read_text(encoding="utf-8"))))
    assert [(r["source"], r["source_url"]) for r in rows] == [
        (SOURCE["outlet"], SOURCE["url"]),
        ("", ""),
    ]


def _one_event(article_id: str) -> Any:
    from extractor.core.schema import ArticleEvents

    return ArticleEvents(article_id=article_id, events=[build_event(evidence=[TEXT])])


# --- the record and events.csv -----------------------------------------------------------------


def _record(source: SourceMetadata | None) -> ExtractionRecord:
    event = build_event().model_dump()
    provenance = Provenance(
        backend="fake", model="m", mode="fake", prompt_name="p", prompt_version="v", schema_hash="h"
    )
    return ExtractionRecord.model_validate(
        {"article_id": "a1", "events": [event], "provenance": provenance, "source": source}
    )


def test_events_csv_appends_the_source_columns_at_the_end() -> None:
    assert CSV_COLUMNS[SOURCE_AT] == ("source", "source_url")
    assert OLD_CSV_COLUMNS[0] == "article_id" and OLD_CSV_COLUMNS[-1] == "grounded"
    rendered = render_csv([_record(SourceMetadata(**SOURCE)), _record(None)])
    header, with_source, without = list(csv.reader(io.StringIO(rendered)))
    assert header == list(CSV_COLUMNS)
    assert with_source[SOURCE_AT] == [SOURCE["outlet"], SOURCE["url"]]
    assert without[SOURCE_AT] == ["", ""]


def test_a_record_round_trips_its_source_and_checks_the_date() -> None:
    record = _record(SourceMetadata(**SOURCE))
    again = ExtractionRecord.model_validate_json(record.model_dump_json())
    assert again.source == SourceMetadata(**SOURCE)
    assert again.source is not None and str(again.source.published_date) == "2024-03-03"
    with pytest.raises(ValueError, match="not an ISO date"):
        SourceMetadata(published="2024-3-3")


def test_the_published_date_enters_the_key_only_for_a_backend_that_uses_it() -> None:
    from extractor.backends.base import BackendInfo
    from extractor.cache import cache_key

    plain = BackendInfo(backend="fake", model="m", mode="json")
    dated = BackendInfo(backend="local", model="m", mode="json", uses_published_date=True)
    assert cache_key(plain, "v", "a1", "text", "2024-01-02") == cache_key(plain, "v", "a1", "text")
    assert cache_key(dated, "v", "a1", "text", "2024-01-02") != cache_key(dated, "v", "a1", "text")
    assert cache_key(dated, "v", "a1", "text", None) == cache_key(dated, "v", "a1", "text")
