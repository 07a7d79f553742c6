"""Suite TOML loading."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.core.errors import ConfigError
from extractor.evals.suite import load_suite

REPO = Path(__file__).resolve().parents[2]


def test_the_default_suite_loads() -> None:
    suite = load_suite(REPO / "evals" / "default.toml")
    assert suite.gold_dir == REPO / "gold"
    assert suite.baseline_path == REPO / "evals" / "baseline.json"
    labels = [run.label for run in suite.runs]
    assert "local-qwen2.5-coder-1.5b" in labels
    assert "local-qwen2.5-coder-1.5b+oneshot" in labels
    assert "local-qwen2.5-coder-1.5b+single-call" in labels
    strategies = {run.label: run.strategy for run in suite.runs}
    assert strategies["local-qwen2.5-coder-1.5b"] == "sentence"
    assert strategies["local-qwen2.5-coder-1.5b+single-call"] == "single-call"
    assert strategies["llamacpp-server-qwen2.5-coder-1.5b"] == "sentence"
    gated = [run.label for run in suite.runs if run.gated]
    assert gated == ["local-qwen2.5-coder-1.5b", "llamacpp-server-qwen2.5-coder-1.5b"]
    openai = next(run for run in suite.runs if run.label == "openai-gpt-4o-mini")
    assert openai.backend.price is not None
    assert openai.backend.price.cost(1_000_000, 1_000_000) == pytest.approx(0.75)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(text, encoding="utf-8")
    return path


BACKEND = '[[backends]]\nlabel = "x"\nbackend = "fake"\nmodel = "m"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("[suite]\nname = 'a'\n", "at least one [[backends]]", id="no-backends"),
        pytest.param(BACKEND + "[thresholds]\nmin_event_f1 = 0.3\n", "unknown key", id="typo"),
        pytest.param(BACKEND + "[thresholds]\nmax_drop = 2\n", "between 0 and 1", id="range"),
        pytest.param(BACKEND + BACKEND, "duplicate run label", id="duplicate"),
        pytest.param(BACKEND + 'variants = ["nope"]\n', "unknown variant", id="variant"),
        pytest.param(BACKEND.replace('"x"', '"a/b"'), "label", id="unsafe-label"),
        pytest.param(BACKEND + "gate = ['other']\n", "gate must be", id="gate-variant"),
        pytest.param("[suite\n", "not valid TOML", id="toml"),
    ],
)
def test_bad_suites_are_config_errors(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")):
        load_suite(write(tmp_path, text))


def test_variants_cross_with_backends_and_layer_params(tmp_path: Path) -> None:
    text = (
        '[[variants]]\nname = "v2"\nprompt = "p2"\nparams = { temperature = 0.5 }\n'
        + BACKEND
        + 'params = { temperature = 0.0, top_p = 1 }\nvariants = ["default", "v2"]\n'
    )
    suite = load_suite(write(tmp_path, text))
    assert [run.label for run in suite.runs] == ["x", "x+v2"]
    assert suite.runs[1].params == {"temperature": 0.5, "top_p": 1}
    assert suite.runs[1].variant.prompt == "p2"


def test_a_missing_suite_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such suite file"):
        load_suite(tmp_path / "nope.toml")
