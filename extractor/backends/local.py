"""Backend `local`: a small GGUF model run in-process by llama-cpp-python, fully offline.

The backend is the in-process client (`extractor.clients.llama_inprocess`: greedy,
grammar-constrained, model loaded once per process) plus a strategy
(`extractor.strategies`: `sentence` by default, `staged`, `oneshot` or `single-call`),
chosen by the `strategy` option (`variant` is its older name) and recorded with its prompt
versions and pipeline code version in `BackendInfo.params`, so it enters the cache key.
A preset (`extractor.backends.presets`: `accurate` by default, or `fast`) says which model
answers each pipeline stage and how the decoder drafts; it is in the cache key too.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import ClassVar

from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest
from extractor.backends.call_cache import CachedChat, call_cache_dir
from extractor.backends.options import ModelOption
from extractor.backends.presets import PRESETS, get_preset
from extractor.backends.strategy_run import resolve_strategy, run_strategy, strategy_params
from extractor.clients.llama_inprocess import (
    DECODER_ENV_VAR,
    LlamaChat,
    decode_options_from_env,
    import_llama_cpp,
    load_llama,
)
from extractor.clients.routing import SlotRoutedChat
from extractor.core.errors import ConfigError
from extractor.models import resolve_model
from extractor.models.catalogue import ModelSpec
from extractor.models.selfcheck import check_model
from extractor.pipeline.chat import ChatModel
from extractor.strategies import DEFAULT_STRATEGY

__all__ = ["DECODER_ENV_VAR", "LocalBackend"]

_LOCK = threading.Lock()  # one llama.cpp context: calls must not interleave
STRATEGY_ENV_VAR = "EXTRACTOR_LOCAL_STRATEGY"  # default for callers that name none
VARIANT_ENV_VAR = "EXTRACTOR_LOCAL_VARIANT"  # its older name, still read


class LocalBackend:
    """The embedded default backend: a catalogue model (or any GGUF) plus a strategy."""

    MODEL_OPTIONS: ClassVar[dict[str, ModelOption]] = {
        "n_ctx": ModelOption(int, "context the model runs with (default: the catalogue's)"),
        "n_threads": ModelOption(int, "CPU threads (default: all cores)"),
        "preset": ModelOption(
            str,
            "speed/quality preset: "
            + "; ".join(f"{p.name}: {p.summary}" for p in PRESETS.values())
            + " (default: accurate)",
        ),
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
        preset: str | None = None,
        **_: object,
    ) -> None:
        default = (
            os.environ.get(STRATEGY_ENV_VAR)
            or os.environ.get(VARIANT_ENV_VAR)
            or DEFAULT_STRATEGY["local"]
        )
        self.strategy = resolve_strategy("local", strategy, variant, default)
        self.preset = get_preset(preset)
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
        self.stage_models = {
            slot: resolve_model(name) for slot, name in self.preset.stage_models.items()
        }
        self._strategy_params = strategy_params(self.strategy)
        self.call_cache_dir = call_cache_dir(call_cache)
        self._chat: ChatModel | None = None
        self._caches: list[CachedChat] = []
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
                "preset": self.preset.name,
                "draft_tokens": self.preset.decoding.draft_tokens,
                "cut_drafts": self.preset.decoding.cut_drafts,
                "force_structure": self.preset.decoding.force_structure,
                "parallel_calls": self.preset.parallel_calls,
                "stage_models": {
                    slot: spec.sha256 if spec else f"{path}:{path.stat().st_size}"
                    for slot, (path, spec) in self.stage_models.items()
                },
            },
            context_tokens=self.n_ctx,
            uses_published_date=self.strategy.uses_published_date,
        )

    @property
    def chat(self) -> ChatModel:
        """The shared in-process model(s), loaded on first use (behind the call cache, if any).

        With a preset that names a model for a stage, that stage's calls go to it
        (`SlotRoutedChat`); both clients record their timings in one list.
        """
        if self._chat is None:
            main = self._client(self.path, self.spec)
            routes = {
                slot: self._client(path, spec) for slot, (path, spec) in self.stage_models.items()
            }
            self._chat = SlotRoutedChat(main, routes) if routes else main
        return self._chat

    def _client(self, path: Path, spec: ModelSpec | None) -> ChatModel:
        # A crash of the native runtime (SIGILL on a CPU it was not built for, OOM) would
        # kill this process mid-batch; prove the model runs in a child first (stamped).
        check_model(path)
        chat_format = spec.chat_format if spec else None
        n_ctx = self.n_ctx if path == self.path else (spec.context_tokens if spec else 8192)
        decoding = decode_options_from_env(self.preset.decoding)
        sequences = self.preset.parallel_calls if decoding is not None else 1  # plain: one
        llama = load_llama(path, n_ctx, self.n_threads, chat_format, n_seq_max=sequences)
        client: ChatModel = LlamaChat(llama, decoding, timings=self._timings)
        if self.call_cache_dir is not None:
            model_id = spec.sha256 if spec else f"{path}:{path.stat().st_size}"
            cached = CachedChat(client, model_id, self.call_cache_dir)
            self._caches.append(cached)
            client = cached
        return client

    @property
    def decoder_name(self) -> str:
        """`fast` or `plain`: which decoding path answers (the same for every stage)."""
        return "plain" if decode_options_from_env() is None else "fast"

    def close(self) -> None:
        """Close the call cache, if one is open (the model stays loaded for the process)."""
        if self._caches:
            for cache in self._caches:
                cache.close()
            self._caches.clear()
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
