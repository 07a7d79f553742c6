"""`run_comparison` with two fake backends of known quality, live and offline."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import pytest

from extractor.cache import ResultCache
from extractor.core.errors import BackendUnavailable
from extractor.evals.compare import Comparison, RowStatus, recorded_producer, run_comparison
from extractor.evals.html_page import comparison_page
from extractor.evals.live import live_producer, recording
from extractor.evals.results import comparison_table, markdown, write_results
from extractor.evals.suite import Suite, load_suite
from extractor.predictions import GoldSet
from extractor.scoring import SCORED_FIELDS
from tests.evals.fakes import FakeFleet


def live(suite: Suite, gold: GoldSet, tmp_path: Path, record: bool = False) -> Comparison:
    with ResultCache(tmp_path / "cache") as cache:
        producer = live_producer(suite, cache)
        if record:
            producer = recording(producer, suite)
        return run_comparison(suite, producer, offline=False, gold=gold)


def test_good_beats_bad_with_the_expected_metrics(
    fakes: FakeFleet, gold: GoldSet, write_suite: Callable[..., Path], tmp_path: Path
) -> None:
    suite = load_suite(write_suite())
    comparison = live(suite, gold, tmp_path)
    good, bad = comparison.rows
    assert (good.status, bad.status) == (RowStatus.OK, RowStatus.OK)
    assert good.metrics() == {name: 1.0 for name in good.metrics()}
    n_gold = sum(len(r.events) for r in gold.records.values())
    assert bad.metrics()["event_precision"] == 1.0
    assert bad.metrics()["event_recall_all"] == pytest.approx(len(gold.records) / n_gold)
    assert good.metrics()["event_f1_main"] > bad.metrics()["event_f1_main"]
    assert good.intervals["event_f1_main"].width == 0.0  # perfect on every article
    assert bad.intervals["event_f1_main"].width > 0.0
    assert good.ops is not None and good.ops.first_attempt_validity == 1.0
    assert good.ops.prompt_tokens == 10 * len(gold.records)  # the fake's canned usage
    assert good.ops.cost_usd == pytest.approx((50 * 1.0 + 25 * 2.0) / 1e6)
    assert bad.ops is not None and bad.ops.cost_usd is None  # no price configured
    assert fakes.calls("fake-good") == fakes.calls("fake-bad") == len(gold.records)
    assert comparison.gate.passed  # only "good" is gated


def test_offline_replays_recordings_with_zero_backend_calls(
    fakes: FakeFleet, gold: GoldSet, write_suite: Callable[..., Path], tmp_path: Path
) -> None:
    suite = load_suite(write_suite())
    recorded = live(suite, gold, tmp_path, record=True)
    calls_before, built_before = fakes.calls(), sum(map(len, fakes.built.values()))
    offline = run_comparison(suite, recorded_producer(suite), offline=True, gold=gold)
    assert fakes.calls() == calls_before
    assert sum(map(len, fakes.built.values())) == built_before  # not even constructed
    assert [r.metrics() for r in offline.rows] == [r.metrics() for r in recorded.rows]
    files = sorted(p.name for p in (suite.recorded_dir / "good").iterdir())
    assert files == [f"{article_id}.json" for article_id in sorted(gold.records)]


def test_offline_without_recordings_names_the_missing_files(
    fakes: FakeFleet, gold: GoldSet, write_suite: Callable[..., Path]
) -> None:
    suite = load_suite(write_suite())
    comparison = run_comparison(suite, recorded_producer(suite), offline=True, gold=gold)
    good = comparison.rows[0]
    assert good.status is RowStatus.UNAVAILABLE
    assert good.error is not None and f"{sorted(gold.records)[0]}.json" in good.error
    assert not comparison.gate.passed
    assert fakes.calls() == 0


def test_an_unavailable_backend_is_reported_and_the_others_still_run(
    fakes: FakeFleet, gold: GoldSet, write_suite: Callable[..., Path], tmp_path: Path
) -> None:
    from extractor.backends.registry import register_backend, unregister_backend

    def no_key(**_: object) -> NoReturn:
        raise BackendUnavailable("needs OPENAI_API_KEY")

    register_backend("fake-down", no_key)
    try:
        extra = '\n[[backends]]\nlabel = "down"\nbackend = "fake-down"\nmodel = "x"\n'
        suite = load_suite(write_suite(extra=extra))
        comparison = live(suite, gold, tmp_path)
    finally:
        unregister_backend("fake-down")
    statuses = {row.label: row.status for row in comparison.rows}
    assert statuses == {"good": RowStatus.OK, "bad": RowStatus.OK, "down": RowStatus.UNAVAILABLE}
    assert "OPENAI_API_KEY" in (comparison.rows[2].error or "")
    assert comparison.gate.passed  # "down" is not gated
    table = comparison_table(comparison)
    assert table.header == ("metric", "good", "bad", "down")
    assert len(table.rows) > 7 + len(SCORED_FIELDS)


def test_results_files_and_page(
    fakes: FakeFleet, gold: GoldSet, write_suite: Callable[..., Path], tmp_path: Path
) -> None:
    suite = load_suite(write_suite())
    comparison = live(suite, gold, tmp_path)
    json_path, md_path = write_results(comparison, tmp_path / "out")
    assert json_path.name.endswith("-fakes.json") and md_path.suffix == ".md"
    data = json.loads(json_path.read_text())
    assert [row["label"] for row in data["rows"]] == ["good", "bad"]
    assert data["rows"][0]["intervals"]["event_f1_main"]["point"] == 1.0
    assert data["bootstrap"]["unit"] == "article"
    text = markdown(comparison)
    assert "| metric | good | bad |" in text and "wide" in text
    page = comparison_page(comparison, gold)
    assert [run.label for run in page.runs] == ["good", "bad"]
