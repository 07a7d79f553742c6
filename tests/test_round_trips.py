"""Round trips: the folder `extractor extract --out` writes is what `eval` and `report` take
(`--pred OUT_DIR`), next to the older forms (a `.jsonl` file, a folder of `<id>.json`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import extractor
from extractor.backends.base import ExtractionRequest
from extractor.backends.fake import FakeBackend
from extractor.cli import app
from extractor.core.schema import ArticleEvents
from tests.conftest import GOLD_ARTICLES

GOLD = GOLD_ARTICLES.parent


def gold_answer(request: ExtractionRequest) -> ArticleEvents:
    """The gold record itself: a perfect prediction."""
    return ArticleEvents.model_validate_json(
        (GOLD / f"{request.article_id}.json").read_text(encoding="utf-8")
    )


def invoke(*args: str | Path) -> Any:
    return CliRunner().invoke(app, list(map(str, args)))


@pytest.fixture
def out_dir(fake_backend: FakeBackend, tmp_path: Path) -> Path:
    """What `extractor extract gold/articles --out OUT` writes, with perfect answers."""
    fake_backend.respond = gold_answer
    out = tmp_path / "out"
    result = invoke("extract", GOLD_ARTICLES, "--backend", "fake", "--out", out)
    assert result.exit_code == 0, result.output
    return out


def eval_json(pred: Path) -> dict[str, Any]:
    result = invoke("eval", "--pred", pred, "--gold", GOLD, "--json")
    assert result.exit_code == 0, result.output
    scores: dict[str, Any] = json.loads(result.stdout)
    return scores


def test_eval_takes_the_extract_out_folder(out_dir: Path) -> None:
    scores = eval_json(out_dir)
    assert scores["event_f1_main"] == 1.0
    assert scores["missing_articles"] == []
    assert scores == eval_json(out_dir / "events.jsonl")


def test_eval_still_takes_a_folder_of_records(out_dir: Path) -> None:
    assert eval_json(out_dir / "articles") == eval_json(out_dir)


def test_report_takes_the_extract_out_folder(out_dir: Path, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    result = invoke("report", "--pred", out_dir, "--gold", GOLD, "--out", page)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert all(p.stem in html for p in GOLD_ARTICLES.glob("*.txt"))


def test_report_reads_article_texts_from_a_jsonl_input(
    fake_backend: FakeBackend, tmp_path: Path
) -> None:
    text = "Two rockets hit Camp Larch, home to U.S. troops, on Sunday."
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "n1", "text": text, "outlet": "Wire"}) + "\n", "utf-8")
    out = tmp_path / "out"
    assert invoke("extract", feed, "--backend", "fake", "--out", out).exit_code == 0
    page = tmp_path / "report.html"
    result = invoke("report", "--pred", out, "--articles", feed, "--out", page)
    assert result.exit_code == 0, result.output
    assert "Camp Larch" in page.read_text(encoding="utf-8")


def test_evaluate_takes_the_extract_out_folder(out_dir: Path) -> None:
    assert extractor.evaluate(out_dir, GOLD).metrics.event_f1_main == 1.0


def test_an_out_folder_without_records_says_what_was_expected(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    result = invoke("eval", "--pred", tmp_path / "out", "--gold", GOLD)
    assert result.exit_code == 2
    assert "neither events.jsonl (an extract --out folder) nor <article_id>.json" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_records_in_the_folder_win_over_a_stray_events_jsonl(out_dir: Path, tmp_path: Path) -> None:
    """A folder of `<id>.json` keeps meaning those files, even next to an events.jsonl."""
    folder = tmp_path / "preds"
    shutil.copytree(out_dir / "articles", folder)
    (folder / "events.jsonl").write_text("not json\n", encoding="utf-8")
    assert eval_json(folder) == eval_json(out_dir)
