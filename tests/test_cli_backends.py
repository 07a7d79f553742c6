"""`extractor backends` lists what `extract` can use; `-o key=value` reaches the backend."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from extractor.backends.registry import available_backends
from extractor.cli import app
from extractor.cli.backends_cmd import STRATEGY_SUMMARIES
from extractor.models import CATALOGUE
from extractor.strategies import STRATEGIES
from tests.openai_server import OpenAIServer

TEXT = "Two rockets hit Ain al-Asad air base on Monday, officials said."


def test_backends_lists_backends_strategies_and_models() -> None:
    shown = CliRunner().invoke(app, ["backends"])
    assert shown.exit_code == 0, shown.output
    for name in [*available_backends(), *STRATEGIES, *CATALOGUE]:
        assert f"  {name}" in shown.output
    assert "-o temperature=FLOAT" in shown.output and "-o n_ctx=INT" in shown.output
    listing = json.loads(CliRunner().invoke(app, ["backends", "--json"]).output)
    assert [s["name"] for s in listing["strategies"]] == list(STRATEGIES)
    assert set(STRATEGY_SUMMARIES) == set(STRATEGIES)  # every strategy has its line
    openai = next(b for b in listing["backends"] if b["name"] == "openai")
    assert openai["default_strategy"] == "single-call"
    assert openai["options"]["max_tokens"]["type"] == "int"


def test_model_options_reach_the_request(tmp_path: Path) -> None:
    (tmp_path / "a1.txt").write_text(TEXT)
    with OpenAIServer() as server:
        args = ["extract", str(tmp_path / "a1.txt"), "-b", "openai", "-m", "m"]
        args += ["--base-url", server.url, "--out", str(tmp_path / "out"), "--no-cache"]
        result = CliRunner().invoke(app, [*args, "-o", "temperature=0.3", "-o", "max-tokens=50"])
        assert result.exit_code == 0, result.output
        body = server.requests[0]["body"]
    assert (body["model"], body["temperature"], body["max_tokens"]) == ("m", 0.3, 50)


def test_a_bad_model_option_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "a1.txt").write_text(TEXT)
    base = [
        "extract",
        str(tmp_path / "a1.txt"),
        "-b",
        "openai",
        "--base-url",
        "http://127.0.0.1:9/v1",
    ]
    wrong_type = CliRunner().invoke(app, [*base, "-o", "max_tokens=lots"])
    assert wrong_type.exit_code == 2 and "'lots' is not a whole number" in wrong_type.output
    twice = CliRunner().invoke(app, [*base, "--timeout", "5", "-o", "timeout=6"])
    assert twice.exit_code == 2 and "--timeout and -o timeout= both given" in twice.output


def test_models_is_an_alias_of_model() -> None:
    plural = CliRunner().invoke(app, ["models", "list"])
    assert (
        plural.exit_code == 0 and plural.output == CliRunner().invoke(app, ["model", "list"]).output
    )
    assert all(name in plural.output for name in CATALOGUE)
