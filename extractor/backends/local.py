"""Backend `local`: a small GGUF model run in-process by llama-cpp-python, fully offline.

The model is loaded once per process (cache keyed on path and context size) and reused for
every article. Every call is greedy (temperature 0, repeat_penalty 1.0) and constrained by a
grammar built from a bounded JSON Schema, so answers always parse and cannot loop forever.
The article-level work is a pipeline variant from `extractor.pipeline` (`sentence` by
default, `staged` or `oneshot`), chosen by the `variant` option and recorded in `BackendInfo.params`
so it enters the cache key. The rendered `ExtractionRequest` prompts are not used: small
models need the pipeline's own prompts (`prompts/local_*`), whose versions are in params.
"""

from __future__ import annotations

import atexit
import datetime as dt
import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Any

import extractor.pipeline
from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest, Usage
from extractor.backends.call_cache import CachedChat, call_cache_dir
from extractor.core.errors import BackendUnavailable, ConfigError
from extractor.models import resolve_model
from extractor.models.selfcheck import check_model
from extractor.pipeline import oneshot, staged
from extractor.pipeline.chat import CallLog, ChatModel, Completion
from extractor.prompts import load_prompt

RUNTIME_INSTALL = "make runtime (or: .venv/bin/pip install 'llama-cpp-python==0.3.36')"
_LOADED: dict[tuple[str, int], Any] = {}
_LOCK = threading.Lock()  # one llama.cpp context: calls must not interleave


@atexit.register
def _close_models() -> None:
    """Free loaded models before interpreter teardown (avoids noise from `Llama.__del__`)."""
    while _LOADED:
        _, llama = _LOADED.popitem()
        llama.close()


def pipeline_version() -> str:
    """Content hash of the pipeline's code: a change to a rule changes every cache key."""
    digest = hashlib.sha256()
    for path in sorted(Path(extractor.pipeline.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


class Variant(StrEnum):
    """Pipeline variants: one bounded call, triage + grouping, or per-sentence mentions."""

    ONESHOT = "oneshot"
    STAGED = "staged"
    SENTENCE = "sentence"


PipelineRun = Callable[[ChatModel, str, str, dt.date | None], tuple[Any, CallLog]]
VARIANTS: dict[Variant, tuple[PipelineRun, tuple[str, ...]]] = {
    Variant.ONESHOT: (oneshot.run, oneshot.PROMPTS),
    Variant.STAGED: (staged.run, staged.PROMPTS),
    Variant.SENTENCE: (staged.run_by_sentence, staged.SENTENCE_PROMPTS),
}
DEFAULT_VARIANT = Variant.SENTENCE  # best measured (evals/results/local-*.json)
VARIANT_ENV_VAR = "EXTRACTOR_LOCAL_VARIANT"  # default for callers that pass no variant


def _import_llama_cpp() -> Any:
    # llama.cpp's OpenMP threads spin while they wait; on a machine shared with other jobs
    # that collapsed generation from ~9 to 0.8 tok/s (benchmarks/local_model/README.md).
    # Passive waiting must be chosen before the library loads; an explicit setting wins.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import llama_cpp
    except ImportError:
        raise BackendUnavailable(
            f"backend 'local' needs llama-cpp-python; install it with: {RUNTIME_INSTALL}"
        ) from None
    return llama_cpp


def load_llama(path: Path, n_ctx: int, n_threads: int, chat_format: str | None) -> Any:
    """The `llama_cpp.Llama` for `path`, loaded once per process and context size."""
    key = (str(path), n_ctx)
    if key not in _LOADED:
        llama_cpp = _import_llama_cpp()
        _LOADED[key] = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=n_ctx,
            n_threads=n_threads,
            n_threads_batch=n_threads,
            chat_format=chat_format,
            logits_all=False,
            seed=0,
            verbose=False,
        )
    return _LOADED[key]


class LlamaChat:
    """`ChatModel` over one in-process `Llama`; grammars are compiled once per schema."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self._grammars: dict[str, Any] = {}
        self.timings: list[dict[str, float]] = []

    def _grammar(self, schema: dict[str, Any]) -> Any:
        text = json.dumps(schema)  # key order matters: the grammar fixes field order
        if text not in self._grammars:
            from llama_cpp.llama_grammar import LlamaGrammar

            self._grammars[text] = LlamaGrammar.from_json_schema(text, verbose=False)
        return self._grammars[text]

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """One greedy, grammar-constrained chat completion."""
        import llama_cpp

        ctx = self.llama._ctx.ctx
        llama_cpp.llama_perf_context_reset(ctx)
        started = time.perf_counter()
        response = self.llama.create_chat_completion(
            messages=[{"role": "system", "content": system}, {"role": "user", "content": user}],
            grammar=self._grammar(schema),
            temperature=0.0,
            repeat_penalty=1.0,
            max_tokens=max_tokens,
            seed=0,
        )
        perf = llama_cpp.llama_perf_context(ctx)
        self.timings.append(
            {
                "wall_s": time.perf_counter() - started,
                "prompt_eval_tokens": perf.n_p_eval,
                "prompt_eval_s": perf.t_p_eval_ms / 1000,
                "gen_tokens": perf.n_eval,
                "gen_s": perf.t_eval_ms / 1000,
            }
        )
        choice = response["choices"][0]
        usage = response.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason") or "stop",
        )


class LocalBackend:
    """The embedded default backend: a catalogue model (or any GGUF) plus a pipeline variant."""

    def __init__(
        self,
        model: str | None = None,
        *,
        variant: str | None = None,
        n_threads: int | None = None,
        n_ctx: int | None = None,
        call_cache: str | Path | None = None,
        **_: object,
    ) -> None:
        variant = variant or os.environ.get(VARIANT_ENV_VAR) or DEFAULT_VARIANT.value
        try:
            self.variant = Variant(variant)
        except ValueError:
            known = ", ".join(v.value for v in Variant)
            raise ConfigError(f"unknown local variant {variant!r}: choose one of {known}") from None
        _import_llama_cpp()
        self.path, self.spec = resolve_model(model)
        self.model_name = self.spec.name if self.spec else self.path.name
        self.n_ctx = n_ctx or (self.spec.context_tokens if self.spec else 8192)
        self.n_threads = n_threads or os.cpu_count() or 1
        if self.spec is not None and not self.spec.instruct:
            raise ConfigError(
                f"model {self.spec.name!r} is a base model without a chat template; "
                "use an instruct model such as qwen2.5-coder-1.5b"
            )
        self._run, prompt_names = VARIANTS[self.variant]
        self.prompt_versions = {name: load_prompt(name).version for name in prompt_names}
        self.pipeline_version = pipeline_version()
        self.call_cache_dir = call_cache_dir(call_cache)
        self._chat: ChatModel | None = None
        self._timings: list[dict[str, float]] = []

    @property
    def info(self) -> BackendInfo:
        """Model identity, variant, decoding settings and prompt versions (the cache key)."""
        return BackendInfo(
            backend="local",
            model=self.model_name,
            mode="json-schema-grammar",
            params={
                "variant": self.variant.value,
                "temperature": 0.0,
                "repeat_penalty": 1.0,
                "n_ctx": self.n_ctx,
                "model_sha256": self.spec.sha256 if self.spec else None,
                "model_bytes": self.path.stat().st_size,
                "prompt_versions": self.prompt_versions,
                "pipeline_version": self.pipeline_version,
            },
            context_tokens=self.n_ctx,
            uses_published_date=True,
        )

    @property
    def chat(self) -> ChatModel:
        """The shared in-process model, loaded on first use (behind the call cache, if any)."""
        if self._chat is None:
            # A crash of the native runtime (SIGILL on a CPU it was not built for, OOM) would
            # kill this process mid-batch; prove the model runs in a child first (stamped).
            check_model(self.path)
            chat_format = self.spec.chat_format if self.spec else None
            llama_chat = LlamaChat(load_llama(self.path, self.n_ctx, self.n_threads, chat_format))
            self._timings = llama_chat.timings
            self._chat = llama_chat
            if self.call_cache_dir is not None:
                size = self.path.stat().st_size
                model_id = self.spec.sha256 if self.spec else f"{self.path}:{size}"
                self._chat = CachedChat(llama_chat, model_id, self.call_cache_dir)
        return self._chat

    def close(self) -> None:
        """Close the call cache, if one is open (the model stays loaded for the process)."""
        if isinstance(self._chat, CachedChat):
            self._chat.close()
            self._chat = None

    def extract(self, request: ExtractionRequest) -> BackendResult:
        """Run the pipeline variant on one article; usage sums every model call."""
        with _LOCK:
            chat = self.chat
            first = len(self._timings)
            started = time.perf_counter()
            published = request.metadata.published_date if request.metadata else None
            events, log = self._run(chat, request.article_id, request.text, published)
            model_s = sum(t["wall_s"] for t in self._timings[first:])
        return BackendResult(
            events=events,
            usage=Usage(log.prompt_tokens, log.completion_tokens),
            raw_output="\n".join(log.raw),
            extra={
                "variant": self.variant.value,
                "calls": log.calls,
                "wall_s": round(time.perf_counter() - started, 3),
                "model_s": round(model_s, 3),
            },
        )
