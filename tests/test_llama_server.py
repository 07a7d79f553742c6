"""The pipeline travels: the `sentence` strategy over HTTP to a real llama.cpp server.

`python -m llama_cpp.server` on 127.0.0.1 serves the test GGUF with the in-process
settings; the openai backend with `strategy="sentence"` must give the same events, from the
same calls, as the `local` backend in this process. Skipped (saying what to install) when
the runtime or the model is missing; `make test` installs both first, so CI runs it.
"""

from __future__ import annotations

import os

import pytest

from benchmarks.common.llama_server import llama_server
from extractor.backends import local
from extractor.backends.base import ExtractionRequest
from extractor.backends.openai_compat import OpenAIBackend
from extractor.core.errors import ExtractorError
from extractor.models import TEST_MODEL, get_spec, resolve_model

# Invented: two attacks and a statement, three sentences, so the test stays near a minute.
ARTICLE = (
    "BAGHDAD, March 3, 2031 - Two rockets struck Ain al-Asad air base in western Iraq on "
    "Sunday, wounding one U.S. service member, officials said.\n\n"
    "Separately, a drone was shot down near Erbil airport on Monday.\n\n"
    "The Pentagon said it would respond at a time of its choosing.\n"
)


@pytest.mark.local_model
@pytest.mark.slow
def test_sentence_strategy_over_a_llama_cpp_server_matches_in_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The server decodes each call alone with llama.cpp's own sampling, as the in-process
    `plain` path does; the default in-process decoder batches calls, whose numerics can
    change a token (benchmarks/speed/), so the comparison is with `plain`."""
    monkeypatch.setenv(local.DECODER_ENV_VAR, "plain")
    try:
        import llama_cpp.server  # noqa: F401
    except ImportError:
        pytest.skip(f"llama-cpp-python or its server extras missing: {local.RUNTIME_INSTALL}")
    try:
        gguf, spec = resolve_model(TEST_MODEL)
    except ExtractorError:
        pytest.skip(f"model {TEST_MODEL} not installed: {get_spec(TEST_MODEL).install_command()}")
    assert spec is not None
    request = ExtractionRequest("invented-1", ARTICLE, "", "", "v")
    threads = os.cpu_count() or 1
    in_process = local.LocalBackend(model=TEST_MODEL, strategy="sentence", n_threads=threads)
    expected = in_process.extract(request)
    with llama_server(
        gguf, threads=threads, n_ctx=spec.context_tokens, chat_format=spec.chat_format
    ) as url:
        backend = OpenAIBackend(model=TEST_MODEL, base_url=url, strategy="sentence", timeout=120)
        try:
            assert backend.info.mode == "json_object"
            over_http = backend.extract(request)
        finally:
            backend.close()
    assert over_http.events == expected.events
    assert over_http.extra["calls"] == expected.extra["calls"]
    assert expected.extra["calls"], "the strategy made no model call"
    assert over_http.usage.completion_tokens == expected.usage.completion_tokens
