"""Loading predictions and gold from disk, the errors that names the bad file, and the repo gold."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from extractor.core.errors import InputError
from extractor.predictions import evaluate_paths, load_gold, load_predictions
from tests.scoring.events import ARTICLE_TEXT, asad, rumalyn

REPO_GOLD = Path(__file__).resolve().parents[1] / "gold"


def record_json(article_id: str, *events: Any) -> dict[str, Any]:
    return {"article_id": article_id, "events": [e.model_dump(mode="json") for e in events]}


def write_gold(root: Path) -> Path:
    """A gold dir with two articles (`a`: two events, `b`: one) plus a guide to ignore."""
    gold = root / "gold"
    (gold / "articles").mkdir(parents=True)
    for article_id, events in {"a": (asad(), rumalyn()), "b": (asad(),)}.items():
        (gold / f"{article_id}.json").write_text(json.dumps(record_json(article_id, *events)))
        (gold / "articles" / f"{article_id}.txt").write_text(ARTICLE_TEXT)
    (gold / "GUIDELINES.md").write_text("# not a gold file\n")
    return gold


def write_pred_dir(root: Path, records: dict[str, Any]) -> Path:
    """A predictions dir with one `<article_id>.json` per record (a str is written as is)."""
    pred = root / "pred"
    pred.mkdir()
    for article_id, record in records.items():
        text = record if isinstance(record, str) else json.dumps(record)
        (pred / f"{article_id}.json").write_text(text)
    return pred


@pytest.fixture
def gold(tmp_path: Path) -> Path:
    return write_gold(tmp_path)


def test_extra_provenance_and_event_keys_are_dropped(tmp_path: Path) -> None:
    record = record_json("a", asad())
    record["backend"] = "fake"
    record["events"][0]["evidence_spans"] = [[0, 5]]
    record["events"][0]["grounded"] = True
    preds = load_predictions(write_pred_dir(tmp_path, {"a": record}))
    assert preds["a"].events == [asad()]


def test_jsonl_predictions(tmp_path: Path, gold: Path) -> None:
    path = tmp_path / "pred.jsonl"
    lines = [
        json.dumps(record_json("a", asad(), rumalyn())),
        "",
        json.dumps(record_json("b", asad())),
    ]
    path.write_text("\n".join(lines) + "\n")
    result = evaluate_paths(path, gold)
    assert result.metrics.event_f1_all == 1.0
    assert result.missing_articles == ()


def test_missing_article_counts_as_no_events(tmp_path: Path, gold: Path) -> None:
    pred = write_pred_dir(tmp_path, {"a": record_json("a", asad(), rumalyn())})
    result = evaluate_paths(pred, gold)
    assert result.missing_articles == ("b",)
    assert result.metrics.n_gold_events == 3
    assert result.metrics.event_recall_all == pytest.approx(2 / 3)
    assert result.to_dict()["per_article"]["b"]["n_pred_events"] == 0


def test_gold_dir_ignores_non_json_files(gold: Path) -> None:
    loaded = load_gold(gold)
    assert sorted(loaded.records) == ["a", "b"]
    assert loaded.texts["a"] == ARTICLE_TEXT


BAD_PRED_DIRS: list[tuple[str, dict[str, Any], str]] = [
    ("malformed JSON", {"a": "{not json"}, "a.json: malformed JSON"),
    ("not an object", {"a": "[1, 2]"}, "a.json: expected a JSON object"),
    (
        "bad date",
        {"a": {"article_id": "a", "events": [{**asad().model_dump(mode="json"), "date": "Jan"}]}},
        "a.json: events[0].date: Value error, date must be YYYY",
    ),
    ("missing field", {"a": {"article_id": "a", "events": [{"location": "x"}]}}, "events[0]."),
    ("id differs from file name", {"a": record_json("b", asad())}, "does not match the file name"),
    (
        "unknown article",
        {"zzz": record_json("zzz", asad())},
        "zzz.json: article id 'zzz' is not in gold",
    ),
]


@pytest.mark.parametrize(
    ("records", "message"),
    [case[1:] for case in BAD_PRED_DIRS],
    ids=[case[0] for case in BAD_PRED_DIRS],
)
def test_bad_prediction_file_is_a_one_line_input_error(
    tmp_path: Path, gold: Path, records: dict[str, Any], message: str
) -> None:
    pred = write_pred_dir(tmp_path, records)
    with pytest.raises(InputError) as info:
        evaluate_paths(pred, gold)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_jsonl_errors_name_the_line(tmp_path: Path, gold: Path) -> None:
    path = tmp_path / "pred.jsonl"
    path.write_text(
        json.dumps(record_json("a", asad())) + "\n" + json.dumps(record_json("a")) + "\n"
    )
    with pytest.raises(InputError, match=r"pred\.jsonl:2: duplicate article id 'a'"):
        evaluate_paths(path, gold)
    path.write_text(json.dumps(record_json("a")) + "\n{oops\n")
    with pytest.raises(InputError, match=r"pred\.jsonl:2: malformed JSON"):
        evaluate_paths(path, gold)
    path.write_text(json.dumps(record_json("nope")) + "\n")
    with pytest.raises(InputError, match=r"pred\.jsonl:1: article id 'nope' is not in gold"):
        evaluate_paths(path, gold)


def test_gold_must_be_strict(tmp_path: Path, gold: Path) -> None:
    record = record_json("a", asad())
    record["backend"] = "human"
    (gold / "a.json").write_text(json.dumps(record))
    with pytest.raises(InputError, match=r"a\.json: backend: Extra inputs are not permitted"):
        load_gold(gold)


@pytest.mark.parametrize(
    "problem",
    ["missing pred", "missing gold", "empty pred dir", "wrong pred suffix", "missing text"],
)
def test_missing_inputs_are_input_errors(tmp_path: Path, gold: Path, problem: str) -> None:
    pred = write_pred_dir(tmp_path, {"a": record_json("a", asad())})
    if problem == "missing pred":
        pred = tmp_path / "nowhere"
    elif problem == "missing gold":
        gold = tmp_path / "no-gold"
    elif problem == "empty pred dir":
        pred = tmp_path / "empty"
        pred.mkdir()
    elif problem == "wrong pred suffix":
        pred = tmp_path / "pred.txt"
        pred.write_text("{}")
    else:
        (gold / "articles" / "b.txt").unlink()
    with pytest.raises(InputError):
        evaluate_paths(pred, gold)


@pytest.mark.skipif(
    not list(REPO_GOLD.glob("*.json")), reason="no gold/*.json in the repo yet (being written)"
)
def test_gold_scores_perfect_against_itself() -> None:
    metrics = evaluate_paths(REPO_GOLD, REPO_GOLD).metrics.to_dict()
    for name in (
        "event_precision",
        "event_recall_main",
        "event_recall_all",
        "event_f1_main",
        "event_f1_all",
        "slot_precision",
        "slot_recall",
        "slot_micro_f1",
        "grounding_rate",
    ):
        assert metrics[name] == 1.0, name
    assert all(value == 1.0 for value in metrics["field_accuracy"].values())
