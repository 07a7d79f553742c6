"""`extractor compare` and `extractor report` through the CLI runner."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.evals.recordings import recording_path
from extractor.evals.suite import load_suite
from extractor.predictions import GoldSet
from tests.evals.fakes import FakeFleet, fakes, gold, write_suite

__all__ = ["fakes", "gold", "write_suite"]  # fixtures used here

runner = CliRunner()


@pytest.mark.parametrize("command", ["compare", "report"])
def test_commands_have_help_text(command: str) -> None:
    result = runner.invoke(app, [command, "--help"])
    assert result.exit_code == 0
    assert len(result.output) > 200
    assert "--out" in result.output


def compare(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["compare", *args])
    return result.exit_code, result.output


def test_live_compare_passes_and_writes_results(
    fakes: FakeFleet, write_suite: Callable[..., Path], tmp_path: Path
) -> None:
    code, output = compare("--suite", str(write_suite()), "--out", str(tmp_path / "out"))
    assert code == 0, output
    assert "gate: PASS" in output
    assert "event F1 (main)" in output and "good" in output and "bad" in output
    names = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert names == [".html", ".json", ".md"]


def test_record_baseline_then_gate_catches_a_planted_regression(
    fakes: FakeFleet, gold: GoldSet, write_suite: Callable[..., Path], tmp_path: Path
) -> None:
    suite_path = write_suite()
    out = str(tmp_path / "out")
    code, output = compare(
        "--suite", str(suite_path), "--record", "--update-baseline", "--out", out
    )
    assert code == 0, output
    suite = load_suite(suite_path)
    baseline = json.loads(suite.baseline_path.read_text())
    assert baseline["rows"]["good"]["metrics"]["event_f1_main"] == 1.0
    calls = fakes.calls()

    code, output = compare("--suite", str(suite_path), "--offline", "--out", out)
    assert code == 0, output
    assert fakes.calls() == calls

    # Plant a regression: the recorded answer for the article with most main events loses them.
    article_id = max(
        gold.records, key=lambda a: sum(e.salience == "main" for e in gold.records[a].events)
    )
    path = recording_path(suite.recorded_dir, "good", article_id)
    record = json.loads(path.read_text())
    record["events"] = [e for e in record["events"] if e["salience"] != "main"]
    path.write_text(json.dumps(record))
    code, output = compare("--suite", str(suite_path), "--offline", "--out", out)
    assert code == 1, output
    assert "gate: FAIL" in output and "below the baseline" in output


def test_offline_without_recordings_fails_naming_the_file(
    fakes: FakeFleet, write_suite: Callable[..., Path], tmp_path: Path
) -> None:
    code, output = compare("--suite", str(write_suite()), "--offline", "--out", str(tmp_path))
    assert code == 1
    assert "missing recorded output" in output and "000_7c7a760b6ca90cfd.json" in output
    assert fakes.calls() == 0


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["--offline", "--record"], id="record-offline"),
        pytest.param(["--only", "nope"], id="unknown-label"),
        pytest.param(["--frobnicate"], id="unknown-option"),
    ],
)
def test_usage_errors_exit_2(
    fakes: FakeFleet, write_suite: Callable[..., Path], args: list[str]
) -> None:
    code, _ = compare("--suite", str(write_suite()), *args)
    assert code == 2


def test_a_missing_suite_file_exits_2(tmp_path: Path) -> None:
    code, output = compare("--suite", str(tmp_path / "nope.toml"))
    assert code == 2
    assert "no such suite file" in output


def test_report_command_writes_a_page(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    result = runner.invoke(app, ["report", "--pred", "gold", "--gold", "gold", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_report_without_texts_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", "--pred", "gold", "--out", str(tmp_path / "r.html")])
    assert result.exit_code == 2
    assert "--gold or --articles" in result.output
