"""Cost before and during a paid run: prices, `--dry-run`, `--limit`, `--max-cost`.

Against the loopback server answering each gold article with its hand-labelled gold JSON
(answers of a real size) and reporting as usage the tokens it counted in each request and
answer. It counts with the extractor's own estimator, so the dry-run check below measures
how well the estimate predicts what is sent (prompts, chunks, schema) and the size of the
answers, not the estimator against a provider's tokenizer.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import extractor
from extractor.chunking import estimate_tokens
from extractor.cli import app
from extractor.core.errors import ConfigError
from extractor.pricing import Price, load_prices, price_for
from tests.conftest import GOLD_ARTICLES
from tests.openai_server import OpenAIServer

GOLD = GOLD_ARTICLES.parent
PRICES = '[models."m"]\ninput = 1000\noutput = 2000\n'  # dollars per 1M: easy to read


def gold_json(article_id: str) -> dict[str, Any]:
    return json.loads((GOLD / f"{article_id}.json").read_text(encoding="utf-8"))


@pytest.fixture
def server() -> Any:
    with OpenAIServer(answer=gold_json, counted_usage=True) as running:
        yield running


def _extract(server: OpenAIServer, tmp_path: Path, *extra: str) -> Any:
    prices = tmp_path / "prices.toml"
    prices.write_text(PRICES)
    args = ["extract", str(GOLD_ARTICLES), "--backend", "openai", "--base-url", server.url]
    args += ["--model", "m", "--prices", str(prices), "--cache-dir", str(tmp_path / "cache")]
    return CliRunner().invoke(app, [*args, *extra])


def _number(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in {text!r}"
    return float(match.group(1).replace(",", ""))


def _calls(db: Path) -> list[tuple[str, int, int]]:
    with sqlite3.connect(db) as conn:
        query = "select article_id, prompt_tokens, completion_tokens from calls order by id"
        return list(conn.execute(query))


def test_the_price_table_matches_prefixes_and_takes_overrides(tmp_path: Path) -> None:
    prices = load_prices()
    assert price_for("gpt-4o-mini-2024-07-18", "openai", prices) == Price(0.15, 0.60)
    assert price_for("openai/gpt-4o", "openai", prices) == Price(2.50, 10.00)
    assert price_for("qwen2.5-coder-1.5b", "local", prices) == Price(0.0, 0.0)
    assert price_for("my-model", "openai", prices) is None
    mine = tmp_path / "mine.toml"
    mine.write_text('[models."gpt-4o-mini"]\ninput = 1\noutput = 3\n')
    assert price_for("gpt-4o-mini", "openai", load_prices(mine)) == Price(1.0, 3.0)
    mine.write_text('[models."x"]\ninput = "cheap"\n')
    with pytest.raises(ConfigError, match="needs numbers"):
        load_prices(mine)


def test_dry_run_estimates_the_batch_close_to_the_real_run(
    server: OpenAIServer, tmp_path: Path
) -> None:
    dry = _extract(server, tmp_path, "--out", str(tmp_path / "dry"), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert server.hits == 0 and not (tmp_path / "dry").exists()  # nothing sent or written
    assert "calls   5 for 5 article(s)" in dry.output
    est_in = _number(r"input   ~([\d,]+) tokens", dry.output)
    est_out = _number(r"output  ~([\d,]+) tokens", dry.output)
    est_cost = _number(r"cost    ~\$([\d.]+)", dry.output)

    real = _extract(server, tmp_path, "--out", str(tmp_path / "out"))
    assert real.exit_code == 0, real.output
    calls = _calls(tmp_path / "out" / "calls.db")
    real_in, real_out = sum(c[1] for c in calls), sum(c[2] for c in calls)
    real_cost = _number(r"cost \$([\d.]+)", real.output)
    assert real_cost == pytest.approx((real_in * 1000 + real_out * 2000) / 1e6, abs=1e-3)
    # measured: input 19,218 estimated / 19,013 sent (+1%), output 6,000 / 6,585 (-9%),
    # cost $31.22 / $32.18 (-3%)
    assert est_in == pytest.approx(real_in, rel=0.05)
    assert est_out == pytest.approx(real_out, rel=0.25)
    assert est_cost == pytest.approx(real_cost, rel=0.10)


def test_limit_takes_the_first_articles(server: OpenAIServer, tmp_path: Path) -> None:
    result = _extract(server, tmp_path, "--out", str(tmp_path / "out"), "--limit", "2")
    assert result.exit_code == 0, result.output
    assert server.hits == 2
    first_two = sorted(p.stem for p in GOLD_ARTICLES.glob("*.txt"))[:2]
    assert sorted(p.stem for p in (tmp_path / "out" / "articles").glob("*.json")) == first_two


def test_max_cost_stops_before_passing_the_budget_and_keeps_what_finished(
    server: OpenAIServer, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    budget = 15.0
    result = _extract(server, tmp_path, "--out", str(out), "--max-cost", str(budget))
    assert result.exit_code == 1, result.output
    assert "stopped by --max-cost $15" in result.output
    spent = _number(r"cost \$([\d.]+)", result.output)
    done = sorted(p.stem for p in (out / "articles").glob("*.json"))
    ids = sorted(p.stem for p in GOLD_ARTICLES.glob("*.txt"))
    assert 1 <= len(done) < len(ids) and done == ids[: len(done)]
    assert spent <= budget
    assert f"not attempted {len(ids) - len(done)}" in result.output
    assert "with a larger --max-cost" in result.output

    hits = server.hits
    again = _extract(server, tmp_path, "--out", str(out), "--max-cost", "100")
    assert again.exit_code == 0, again.output
    assert server.hits - hits == len(ids) - len(done)  # finished ones come from the cache


def test_max_cost_needs_a_price(server: OpenAIServer, tmp_path: Path) -> None:
    args = ["extract", str(GOLD_ARTICLES), "--backend", "openai", "--base-url", server.url]
    result = CliRunner().invoke(app, [*args, "--model", "unpriced", "--max-cost", "1"])
    assert result.exit_code == 2 and "needs the price of model 'unpriced'" in result.output
    assert server.hits == 0


def test_the_python_api_takes_a_budget_too(server: OpenAIServer, tmp_path: Path) -> None:
    prices = tmp_path / "prices.toml"
    prices.write_text(PRICES)
    options: dict[str, Any] = {"backend": "openai", "base_url": server.url, "no_cache": True}
    result = extractor.extract(GOLD_ARTICLES, model="m", prices=prices, max_cost=15.0, **options)
    assert 1 <= len(result.records) < 5 and result.halted and "--max-cost" in result.halted
    assert len(result.records) + len(result.not_attempted) == 5 and not result.ok
    with pytest.raises(ConfigError, match="needs the price of model 'unpriced'"):
        extractor.extract(GOLD_ARTICLES, model="unpriced", max_cost=1.0, **options)


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("sentence", "(rough: strategy sentence's calls per article token"),
        ("staged", "strategy staged: its calls are made per sentence and per incident"),
    ],
)
def test_dry_run_of_a_pipeline_strategy(
    server: OpenAIServer, tmp_path: Path, strategy: str, expected: str
) -> None:
    dry = _extract(server, tmp_path, "--out", str(tmp_path / "dry"), "-s", strategy, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert expected in dry.output and server.hits == 0
    if strategy == "sentence":
        article_tokens = sum(estimate_tokens(p.read_text()) for p in GOLD_ARTICLES.glob("*.txt"))
        est_in = _number(r"input   ~([\d,]+) tokens", dry.output)
        assert est_in == pytest.approx(12.6 * article_tokens, rel=0.01)
        assert "cost    ~$" in dry.output
