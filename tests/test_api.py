"""The Python API (`extractor.extract`, `extractor.evaluate`) against the fake backend and gold.

The API and `extractor extract` / `extractor eval` must be the same code: same files, same
cache, same failure records, same scores. Every test writes only under tmp_path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import extractor
from extractor.api import ExtractionResult, text_article_id
from extractor.backends.base import ExtractionRequest
from extractor.backends.fake import FakeBackend
from extractor.cli import app
from extractor.core.errors import ConfigError, InputError, InvalidModelOutput
from extractor.core.records import ExtractionRecord, GroundedEvent
from extractor.core.schema import ArticleEvents, Event
from extractor.predictions import load_gold
from tests.conftest import GOLD_ARTICLES, build_event

GOLD = GOLD_ARTICLES.parent
TEXT = "Two rockets hit Camp Larch on Sunday. Nobody was hurt."
OTHER = "A drone struck Camp Birch on Monday, officials said."


def first_sentence_answer(request: ExtractionRequest) -> ArticleEvents:
    """One event quoting the article's first sentence, so it grounds exactly."""
    sentence = request.text.split(". ")[0].strip()[:200]
    event = build_event(evidence=[sentence], summary=sentence)
    return ArticleEvents(article_id=request.article_id, events=[event])


@pytest.fixture
def fake(fake_backend: FakeBackend) -> FakeBackend:
    fake_backend.respond = first_sentence_answer
    return fake_backend


def test_texts_and_paths_come_back_as_typed_articles_in_input_order(
    fake: FakeBackend, write_articles: Any
) -> None:
    folder = write_articles(b2=OTHER, b1=TEXT + " Again.")
    result = extractor.extract([TEXT, folder, OTHER], backend="fake")

    assert isinstance(result, ExtractionResult) and result.ok and not result.failures
    ids = [a.article_id for a in result.articles]
    assert ids == [text_article_id(TEXT), "b1", "b2", text_article_id(OTHER)]
    for article in result.articles:
        assert type(article) is ArticleEvents
        assert [type(e) for e in article.events] == [Event]
    assert all(
        isinstance(e, GroundedEvent) and e.grounded for r in result.records for e in r.events
    )
    assert result.records[0].provenance.backend == "fake"
    assert len(fake.calls) == 4
    assert "article_id: " + ids[0] in fake.calls[0].user_prompt


def test_one_text_a_mapping_and_the_same_text_twice(fake: FakeBackend) -> None:
    assert [a.article_id for a in extractor.extract(TEXT, backend="fake").articles] == [
        text_article_id(TEXT)
    ]
    assert [a.article_id for a in extractor.extract({"a1": TEXT}, backend="fake").articles] == [
        "a1"
    ]
    twice = extractor.extract([TEXT, TEXT], backend="fake")
    assert len(twice.records) == 1 and twice.ok


def _normalised(out: Path) -> dict[str, Any]:
    """Every output file, with the run's timings (not reproducible) taken out."""

    def without_latency(record: dict[str, Any]) -> dict[str, Any]:
        record["provenance"].pop("latency_s")
        return record

    files: dict[str, Any] = {
        "events.csv": (out / "events.csv").read_text(encoding="utf-8"),
        "events.jsonl": [
            without_latency(json.loads(line))
            for line in (out / "events.jsonl").read_text(encoding="utf-8").splitlines()
        ],
        "failures.jsonl": (out / "failures.jsonl").read_text(encoding="utf-8"),
    }
    for path in sorted((out / "articles").iterdir()):
        files[path.name] = without_latency(json.loads(path.read_text(encoding="utf-8")))
    return files


def test_out_dir_gets_the_same_files_as_the_cli(
    fake: FakeBackend, write_articles: Any, tmp_path: Path
) -> None:
    folder = write_articles(a1=TEXT, a2=OTHER, empty="  \n")
    missing = tmp_path / "missing"
    inputs = [str(folder), str(missing)]
    cli = CliRunner().invoke(
        app, ["extract", *inputs, "--backend", "fake", "--no-cache", "--out", str(tmp_path / "cli")]
    )
    assert cli.exit_code == 1, cli.output  # the bad inputs are failures, the rest is written
    result = extractor.extract(
        [folder, missing], backend="fake", no_cache=True, out_dir=tmp_path / "api"
    )
    assert result.out_dir == tmp_path / "api"
    assert _normalised(tmp_path / "api") == _normalised(tmp_path / "cli")
    assert len(fake.calls) == 4


def test_second_call_is_answered_from_the_cache(fake: FakeBackend, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    first = extractor.extract([TEXT, OTHER], backend="fake", cache_dir=cache_dir)
    second = extractor.extract([OTHER, TEXT], backend="fake", cache_dir=str(cache_dir))
    assert len(fake.calls) == 2  # the second call made none
    assert second.summary.cache_hits == 2
    assert all(r.provenance.cache_hit for r in second.records)
    assert [a.article_id for a in second.articles] == [
        text_article_id(OTHER),
        text_article_id(TEXT),
    ]
    assert {a.article_id: a for a in first.articles} == {a.article_id: a for a in second.articles}


def test_default_cache_is_the_users_and_no_cache_skips_it(fake: FakeBackend) -> None:
    extractor.extract(TEXT, backend="fake")  # $EXTRACTOR_CACHE_DIR: a tmp dir (conftest)
    extractor.extract(TEXT, backend="fake")
    extractor.extract(TEXT, backend="fake", no_cache=True)
    assert len(fake.calls) == 2


def test_failures_are_returned_not_raised(fake: FakeBackend, tmp_path: Path) -> None:
    def answer(request: ExtractionRequest) -> ArticleEvents:
        if "picnic" in request.text:
            raise InvalidModelOutput("events.0.event_type: not a valid type", attempts=3)
        return first_sentence_answer(request)

    fake.respond = answer
    bad = text_article_id("A picnic at Camp Larch.")
    result = extractor.extract(
        [TEXT, "   ", tmp_path / "missing.txt", "A picnic at Camp Larch."],
        backend="fake",
        out_dir=tmp_path / "out",
    )

    assert not result.ok
    assert [a.article_id for a in result.articles] == [text_article_id(TEXT)]
    kinds = [(f.article_id, f.kind) for f in result.failures]
    assert kinds == [(text_article_id("   "), "input"), (None, "input"), (bad, "invalid_output")]
    assert "<text 2>: empty text" in result.failures[0].message
    assert "no such file or directory" in result.failures[1].message
    assert result.failures[2].attempts == 3
    assert "failures=3" in repr(result) and f"{bad}: invalid_output" in repr(result)
    written = (tmp_path / "out" / "failures.jsonl").read_text(encoding="utf-8").splitlines()
    assert sorted(json.loads(line)["kind"] for line in written) == [
        "input",
        "input",
        "invalid_output",
    ]


def test_a_path_given_as_str_is_refused_with_the_fix(fake: FakeBackend, tmp_path: Path) -> None:
    article = tmp_path / "article.txt"
    article.write_text(TEXT, encoding="utf-8")
    [failure] = extractor.extract(str(article), backend="fake").failures
    assert f"pass Path({str(article)!r})" in failure.message
    assert extractor.extract(article, backend="fake").articles[0].article_id == "article"
    assert len(fake.calls) == 1


def test_usage_errors_raise_before_any_work(fake: FakeBackend) -> None:
    with pytest.raises(ConfigError, match="unknown backend 'nope'"):
        extractor.extract(TEXT, backend="nope")
    with pytest.raises(ConfigError, match="concurrency"):
        extractor.extract(TEXT, backend="fake", concurrency=0)
    with pytest.raises(ConfigError, match="model"):
        extractor.extract(TEXT, backend=FakeBackend(), model="m")
    with pytest.raises(TypeError, match="input 1"):
        extractor.extract([42], backend="fake")  # type: ignore[list-item]
    assert fake.calls == []


def test_a_backend_object_is_used_and_left_open() -> None:
    backend = FakeBackend(respond=first_sentence_answer)
    result = extractor.extract([TEXT], backend=backend, no_cache=True, concurrency=2)
    assert result.ok and len(backend.calls) == 1


def _gold_answers(request: ExtractionRequest) -> ArticleEvents:
    return load_gold(GOLD).records[request.article_id]


def test_extracting_gold_answers_evaluates_to_one_like_the_cli(
    fake: FakeBackend, tmp_path: Path
) -> None:
    fake.respond = _gold_answers
    result = extractor.extract(GOLD_ARTICLES, backend="fake", out_dir=tmp_path / "out")
    scores = extractor.evaluate(result, GOLD)
    assert scores.metrics.event_f1_all == 1.0 and scores.metrics.slot_micro_f1 == 1.0
    cli = CliRunner().invoke(
        app,
        ["eval", "--pred", str(tmp_path / "out" / "events.jsonl"), "--gold", str(GOLD), "--json"],
    )
    assert cli.exit_code == 0, cli.output
    assert json.loads(cli.stdout) == scores.to_dict()


@pytest.mark.parametrize(
    "pred",
    [
        pytest.param(GOLD, id="gold dir"),
        pytest.param(str(GOLD), id="str path"),
        pytest.param(list(load_gold(GOLD).records.values()), id="ArticleEvents list"),
        pytest.param(load_gold(GOLD).records, id="mapping"),
    ],
)
def test_evaluate_gold_against_itself_is_perfect(pred: Any) -> None:
    scores = extractor.evaluate(pred, GOLD)
    metrics = scores.metrics.to_dict()
    assert all(
        value == 1.0 for key, value in metrics.items() if key.startswith(("event_", "slot_"))
    )
    assert set(metrics["field_accuracy"].values()) == {1.0}
    assert metrics["grounding_rate"] == 1.0 and scores.missing_articles == ()


def test_evaluate_accepts_loaded_gold_and_names_unknown_articles() -> None:
    gold = load_gold(GOLD)
    assert extractor.evaluate(gold.records, gold).metrics.event_f1_main == 1.0
    stray = ArticleEvents(article_id="stray", events=[])
    with pytest.raises(InputError, match="'stray'"):
        extractor.evaluate([stray], gold)
    provenance = {"backend": "b", "model": "m", "mode": "j", "prompt_name": "p"}
    provenance |= {"prompt_version": "v", "schema_hash": "h"}
    record = ExtractionRecord.model_validate({"article_id": "x", "provenance": provenance})
    with pytest.raises(InputError, match="duplicate article id 'x'"):
        extractor.evaluate([record, record], gold)


def test_every_exported_name_resolves() -> None:
    assert extractor.__all__ == sorted(extractor.__all__)
    for name in extractor.__all__:
        assert getattr(extractor, name) is not None
    assert set(extractor.__all__) <= set(dir(extractor))
    assert issubclass(extractor.ExtractorError, Exception)
    with pytest.raises(AttributeError):
        _ = extractor.nope  # type: ignore[attr-defined]


def test_import_is_light_and_never_loads_a_backend_sdk() -> None:
    heavy = ("llama_cpp", "instructor", "openai", "scipy")
    script = (
        "import sys, extractor\n"
        f"print(sorted(m for m in {(*heavy, 'extractor.api', 'pydantic')!r} if m in sys.modules))\n"
        "extractor.extract, extractor.evaluate, extractor.Event\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.splitlines() == ["[]", "[]"]
