"""The in-process model client: llama-cpp-python in this process, greedy and grammar-bound.

The model is loaded once per process (cache keyed on path and context size) and reused by
every caller. Every call is greedy (temperature 0, repeat_penalty 1.0) and constrained by a
grammar built from the JSON Schema (compiled once per schema), so answers always parse and
bounded schemas cannot loop forever.
"""

from __future__ import annotations

import atexit
import json
import os
import time
from pathlib import Path
from typing import Any

from extractor.clients.base import Completion
from extractor.core.errors import BackendUnavailable

RUNTIME_INSTALL = "make runtime (or: .venv/bin/pip install 'llama-cpp-python==0.3.36')"
_LOADED: dict[tuple[str, int], Any] = {}


@atexit.register
def _close_models() -> None:
    """Free loaded models before interpreter teardown (avoids noise from `Llama.__del__`)."""
    while _LOADED:
        _, llama = _LOADED.popitem()
        llama.close()


def import_llama_cpp() -> Any:
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
        llama_cpp = import_llama_cpp()
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
