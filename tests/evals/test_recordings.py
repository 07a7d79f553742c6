"""Recorded outputs and the baseline file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from extractor.core.errors import ConfigError
from extractor.core.records import ExtractionRecord, FailureRecord, Provenance
from extractor.evals.recordings import (
    load_baseline,
    read_recordings,
    recording_path,
    write_baseline,
    write_recording,
)

PROVENANCE = Provenance(
    backend="fake",
    model="m",
    mode="fake",
    prompt_name="extract",
    prompt_version="v1",
    schema_hash="h",
)


def test_records_and_failures_round_trip(tmp_path: Path) -> None:
    ok = ExtractionRecord(article_id="a1", provenance=PROVENANCE)
    failed = FailureRecord(article_id="a2", kind="invalid_output", message="bad JSON")
    write_recording(tmp_path, "lbl", "a1", ok)
    write_recording(tmp_path, "lbl", "a2", failed)
    run = read_recordings(tmp_path, "lbl", ["a1", "a2"])
    assert run.records == (ok, failed)


def test_a_missing_recording_is_an_error_that_names_it(tmp_path: Path) -> None:
    write_recording(tmp_path, "lbl", "a1", ExtractionRecord(article_id="a1", provenance=PROVENANCE))
    with pytest.raises(ConfigError, match=r"missing recorded output.*a2\.json") as info:
        read_recordings(tmp_path, "lbl", ["a1", "a2"])
    assert "a1.json" not in str(info.value)


def test_a_recording_of_another_article_is_refused(tmp_path: Path) -> None:
    path = recording_path(tmp_path, "lbl", "a1")
    path.parent.mkdir(parents=True)
    path.write_text(ExtractionRecord(article_id="zz", provenance=PROVENANCE).model_dump_json())
    with pytest.raises(ConfigError, match="holds article 'zz'"):
        read_recordings(tmp_path, "lbl", ["a1"])


def test_an_invalid_recording_is_named(tmp_path: Path) -> None:
    path = recording_path(tmp_path, "lbl", "a1")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps({"article_id": "a1", "provenance": {}}))
    with pytest.raises(ConfigError, match=r"a1\.json: not a recorded output"):
        read_recordings(tmp_path, "lbl", ["a1"])


def test_baseline_round_trip_keeps_other_rows(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    assert load_baseline(path) == {}
    write_baseline(path, "s", {"a": {"metrics": {"event_f1_main": 0.5}}})
    old = json.loads(path.read_text())["rows"]
    write_baseline(path, "s", {"b": {"metrics": {"event_f1_main": 0.7}}}, keep=old)
    assert load_baseline(path) == {"a": {"event_f1_main": 0.5}, "b": {"event_f1_main": 0.7}}


def test_a_malformed_baseline_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "baseline.json"
    path.write_text('{"rows": []}')
    with pytest.raises(ConfigError, match="rows"):
        load_baseline(path)
