"""Backend `local`: a small GGUF model run in-process by llama-cpp-python, fully offline.

The backend is the in-process client (`extractor.clients.llama_inprocess`: greedy,
grammar-constrained, model loaded once per process) plus a strategy
(`extractor.strategies`: `sentence` by default, `staged`, `oneshot` or `single-call`),
chosen by the `strategy` option (`variant` is its older name) and recorded with its prompt
versions and pipeline code version in `BackendInfo.params`, so it enters the cache key.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import ClassVar

from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest
from extractor.backends.call_cache import CachedChat, call_cache_dir
from extractor.backends.options import ModelOption
from extractor.backends.strategy_run import resolve_strategy, run_strategy, strategy_params
from extractor.clients.llama_inprocess import (
    LlamaChat,
    decode_options_from_env,
    import_llama_cpp,
    load_llama,
)
from extractor.core.errors import ConfigError
from extractor.models import resolve_model
from extractor.models.selfcheck import check_model
from extractor.pipeline.chat import ChatModel
from extractor.strategies import DEFAULT_STRATEGY

_LOCK = threading.Lock()  # one llama.cpp context: calls must not interleave
STRATEGY_ENV_VAR = "EXTRACTOR_LOCAL_STRATEGY"  # default for callers that name none
VARIANT_ENV_VAR = "EXTRACTOR_LOCAL_VARIANT"  # its older name, still read


class LocalBackend:
    """The embedded default backend: a catalogue model (or any GGUF) plus a strategy."""

    MODEL_OPTIONS: ClassVar[dict[str, ModelOption]] = {
        "n_ctx": ModelOption(int, "context the model runs with (default: the catalogue's)"),
        "n_threads": ModelOption(int, "CPU threads (default: all cores)"),
    }

    def __init__(
        self,
        model: str | None = None,
        *,
        strategy: str | None = None,
        variant: str | None = None,
        n_threads: int | None = None,
        n_ctx: int | None = None,
        call_cache: str | Path | None = None,
        **_: object,
    ) -> None:
        default = (
            os.environ.get(STRATEGY_ENV_VAR)
            or os.environ.get(VARIANT_ENV_VAR)
            or DEFAULT_STRATEGY["local"]
        )
        self.strategy = resolve_strategy("local", strategy, variant, default)
        import_llama_cpp()
        self.path, self.spec = resolve_model(model)
        self.model_name = self.spec.name if self.spec else self.path.name
        self.n_ctx = n_ctx or (self.spec.context_tokens if self.spec else 8192)
        self.n_threads = n_threads or os.cpu_count() or 1
        if self.spec is not None and not self.spec.instruct:
            raise ConfigError(
                f"model {self.spec.name!r} is a base model without a chat template; "
                "use an instruct model such as qwen2.5-coder-1.5b"
            )
        self._strategy_params = strategy_params(self.strategy)
        self.call_cache_dir = call_cache_dir(call_cache)
        self._chat: ChatModel | None = None
        self._timings: list[dict[str, float]] = []

    @property
    def info(self) -> BackendInfo:
        """Model identity, strategy, decoding settings and prompt versions (the cache key)."""
        return BackendInfo(
            backend="local",
            model=self.model_name,
            mode="json-schema-grammar",
            params={
                **self._strategy_params,
                "temperature": 0.0,
                "repeat_penalty": 1.0,
                "n_ctx": self.n_ctx,
                "model_sha256": self.spec.sha256 if self.spec else None,
                "model_bytes": self.path.stat().st_size,
                "decoder": "plain" if decode_options_from_env() is None else "fast",
            },
            context_tokens=self.n_ctx,
            uses_published_date=self.strategy.uses_published_date,
        )

    @property
    def chat(self) -> ChatModel:
        """The shared in-process model, loaded on first use (behind the call cache, if any)."""
        if self._chat is None:
            # A crash of the native runtime (SIGILL on a CPU it was not built for, OOM) would
            # kill this process mid-batch; prove the model runs in a child first (stamped).
            check_model(self.path)
            chat_format = self.spec.chat_format if self.spec else None
            llama = load_llama(self.path, self.n_ctx, self.n_threads, chat_format)
            llama_chat = LlamaChat(llama, decode_options_from_env())
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
        """Run the strategy on one article over the in-process model."""
        with _LOCK:
            chat = self.chat
            first = len(self._timings)
            result = run_strategy(self.strategy, chat, request)
            model_s = sum(t["wall_s"] for t in self._timings[first:])
        result.extra["model_s"] = round(model_s, 3)
        return result
