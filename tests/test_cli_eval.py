"""`extractor eval` through Typer's test runner: JSON keys, tables, one-line errors, help."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from tests.scoring.events import asad, rumalyn
from tests.test_predictions import record_json, write_gold, write_pred_dir

runner = CliRunner()

JSON_KEYS = {
    "event_precision",
    "event_recall_main",
    "event_recall_all",
    "event_f1_main",
    "event_f1_all",
    "slot_precision",
    "slot_recall",
    "slot_micro_f1",
    "field_accuracy",
    "grounding_rate",
    "per_article",
    "n_gold_events",
    "n_pred_events",
    "n_matched",
    "missing_articles",
}


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    return write_gold(tmp_path)


def _eval(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, ["eval", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_json_output_has_every_key(tmp_path: Path, gold: Path) -> None:
    pred = write_pred_dir(tmp_path, {"a": record_json("a", asad(), rumalyn(killed=3))})
    code, out, _ = _eval("--pred", pred, "--gold", gold, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= JSON_KEYS
    assert set(data["per_article"]) == {"a", "b"}
    assert set(data["per_article"]["a"]) >= JSON_KEYS - {"per_article", "missing_articles"}
    assert data["missing_articles"] == ["b"]
    assert data["field_accuracy"]["killed"] == 0.5
    assert data["event_recall_all"] == 0.6667  # rounded to 4 decimals


def test_tables_list_missing_articles(tmp_path: Path, gold: Path) -> None:
    pred = write_pred_dir(tmp_path, {"a": record_json("a", asad(), rumalyn())})
    code, out, _ = _eval("--pred", pred, "--gold", gold)
    assert code == 0
    assert "event F1, main" in out
    assert "Field accuracy" in out
    assert "Missing predictions (scored as no events): b" in out


def test_output_is_deterministic(tmp_path: Path, gold: Path) -> None:
    pred = write_pred_dir(tmp_path, {"a": record_json("a", rumalyn(), asad(date="2024"))})
    assert _eval("--pred", pred, "--gold", gold, "--json") == _eval(
        "--pred", pred, "--gold", gold, "--json"
    )


@pytest.mark.parametrize(
    ("records", "message"),
    [
        ({"a": "{oops"}, "a.json: malformed JSON"),
        ({"a": {"article_id": "a", "events": [{"location": "x"}]}}, "a.json: events[0]"),
        ({"zzz": record_json("zzz", asad())}, "zzz.json: article id 'zzz' is not in gold"),
    ],
    ids=["malformed JSON", "schema-invalid", "unknown article id"],
)
def test_bad_input_exits_2_with_one_line(
    tmp_path: Path, gold: Path, records: dict[str, object], message: str
) -> None:
    pred = write_pred_dir(tmp_path, records)
    code, out, err = _eval("--pred", pred, "--gold", gold, "--json")
    assert code == 2
    assert out == ""
    assert err.startswith("error: ") and message in err
    assert err.count("\n") == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("which", ["pred", "gold"])
def test_missing_directory_exits_2(tmp_path: Path, gold: Path, which: str) -> None:
    pred = write_pred_dir(tmp_path, {"a": record_json("a", asad())})
    nowhere = tmp_path / "nowhere"
    args = (
        ("--pred", nowhere, "--gold", gold)
        if which == "pred"
        else ("--pred", pred, "--gold", nowhere)
    )
    code, _, err = _eval(*args)
    assert code == 2
    assert "nowhere" in err and err.count("\n") == 1


def test_eval_help() -> None:
    result = runner.invoke(app, ["eval", "--help"])
    assert result.exit_code == 0
    assert "Score predicted events against gold" in result.stdout
    for option in ("--pred", "--gold", "--json"):
        assert option in result.stdout
