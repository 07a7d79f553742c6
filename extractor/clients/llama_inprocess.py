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
from extractor.clients.json_forcing import JsonForcing
from extractor.clients.llama_decoding import DecodeOptions, DecodeStats, GreedyGrammarDecoder
from extractor.core.errors import BackendUnavailable

RUNTIME_INSTALL = "make runtime (or: .venv/bin/pip install 'llama-cpp-python==0.3.36')"
_LOADED: dict[tuple[str, int, int], Any] = {}


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


def load_llama(
    path: Path, n_ctx: int, n_threads: int, chat_format: str | None, n_seq_max: int = 1
) -> Any:
    """The `llama_cpp.Llama` for `path`, loaded once per process, context size and number of
    sequences (`n_seq_max > 1`: calls decoded together, `extractor.clients.llama_parallel`)."""
    key = (str(path), n_ctx, n_seq_max)
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
        if n_seq_max > 1:
            _with_sequences(_LOADED[key], n_seq_max)
    return _LOADED[key]


def _with_sequences(llama: Any, n_seq_max: int) -> None:
    """Give `llama` a context of `n_seq_max` sequences over one unified KV cache.

    `Llama()` creates a one-sequence context and has no parameter for more; the context is
    replaced before any call (the old one is freed; its close is idempotent).
    """
    from llama_cpp import _internals

    llama._ctx.close()
    params = llama.context_params
    params.n_seq_max = n_seq_max
    params.kv_unified = True
    llama._ctx = _internals.LlamaContext(model=llama._model, params=params, verbose=False)


DECODER_ENV_VAR = "EXTRACTOR_LOCAL_DECODER"
"""`plain` sends every call through `Llama.create_chat_completion` (the old, slower path)."""


def decode_options_from_env(options: DecodeOptions | None = None) -> DecodeOptions | None:
    """The fast decoder's `options` (default ones if None), or None when
    `$EXTRACTOR_LOCAL_DECODER` is `plain`."""
    if os.environ.get(DECODER_ENV_VAR, "fast") == "plain":
        return None
    return options or DecodeOptions()


def _timing(stats: DecodeStats) -> dict[str, float]:
    """What one call cost, as `LlamaChat.timings` records it."""
    return {
        "prompt_eval_tokens": stats.prompt_eval_tokens,
        "prompt_eval_s": stats.prompt_eval_s,
        "gen_tokens": stats.gen_tokens,
        "gen_s": stats.gen_s,
        "reused_tokens": stats.reused_tokens,
        "restored_tokens": stats.restored_tokens,
        "drafted": stats.drafted,
        "accepted": stats.accepted,
        "forced": stats.forced,
        "full_grammar_masks": stats.full_grammar_masks,
    }


class LlamaChat:
    """`ChatModel` over one in-process `Llama`; grammars are compiled once per schema.

    With `decoding` options (the default) calls go through `GreedyGrammarDecoder` (prefix
    snapshots, grammar checked on the chosen token first, prompt-lookup drafts); with None,
    through `Llama.create_chat_completion`. Both decode greedily under the same grammar.
    """

    def __init__(
        self,
        llama: Any,
        decoding: DecodeOptions | None = None,
        timings: list[dict[str, float]] | None = None,
    ) -> None:
        self.llama = llama
        self._grammars: dict[str, Any] = {}
        self._forcings: dict[str, JsonForcing] = {}
        self.timings: list[dict[str, float]] = [] if timings is None else timings
        """What each call cost; several clients may share one list (a preset's models)."""
        self._decoder: GreedyGrammarDecoder | None = None
        self._prefix_len: dict[str, int] = {}
        if decoding is not None and getattr(llama, "chat_format", None) == "chatml":
            self._decoder = GreedyGrammarDecoder(llama, decoding)

    @property
    def decoder_name(self) -> str:
        """`fast` or `plain`: which decoding path answers."""
        return "plain" if self._decoder is None else "fast"

    def _prompt_tokens(self, system: str, user: str) -> tuple[list[int], int]:
        from llama_cpp.llama_chat_format import format_chatml

        def tokens(user_text: str) -> list[int]:
            messages = [
                {"role": "system", "content": system},
                {"role": "user", "content": user_text},
            ]
            prompt = format_chatml(messages=messages).prompt
            return list(self.llama.tokenize(prompt.encode("utf-8"), add_bos=True, special=True))

        full = tokens(user)
        if system not in self._prefix_len:
            prefix = tokens("")
            n = 0
            for a, b in zip(prefix, full, strict=False):
                if a != b:
                    break
                n += 1
            self._prefix_len[system] = n
        return full, self._prefix_len[system]

    def _complete_fast(
        self,
        decoder: GreedyGrammarDecoder,
        system: str,
        user: str,
        schema: dict[str, Any],
        max_tokens: int,
    ) -> Completion:
        started = time.perf_counter()
        tokens, prefix_len = self._prompt_tokens(system, user)
        stats = decoder.complete(
            tokens, prefix_len, self._grammar(schema), max_tokens, self._forcing(schema)
        )
        self.timings.append({"wall_s": time.perf_counter() - started, **_timing(stats)})
        return Completion(
            text=stats.text,
            prompt_tokens=stats.prompt_tokens,
            completion_tokens=stats.gen_tokens,
            finish_reason=stats.finish_reason,
        )

    def complete_many(
        self,
        system: str,
        users: list[str],
        schema: dict[str, Any],
        max_tokens: int,
        *,
        slot: str,
    ) -> list[Completion]:
        """Answers to several independent `users` under one `system`, decoded together when
        the context has room for them (`llama_parallel`), else one after another."""
        if self._decoder is None:
            return [self.complete(system, u, schema, max_tokens, slot=slot) for u in users]
        from extractor.clients.llama_parallel import complete_together

        started = time.perf_counter()
        prompts = [self._prompt_tokens(system, user) for user in users]
        results = complete_together(
            self._decoder, prompts, self._grammar(schema), max_tokens, self._forcing(schema)
        )
        wall = (time.perf_counter() - started) / max(1, len(results))
        completions = []
        for stats in results:
            self.timings.append({"wall_s": wall, **_timing(stats)})
            completions.append(
                Completion(
                    text=stats.text,
                    prompt_tokens=stats.prompt_tokens,
                    completion_tokens=stats.gen_tokens,
                    finish_reason=stats.finish_reason,
                )
            )
        return completions

    def _forcing(self, schema: dict[str, Any]) -> JsonForcing:
        text = json.dumps(schema)
        if text not in self._forcings:
            self._forcings[text] = JsonForcing(schema)
        return self._forcings[text]

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
        if self._decoder is not None:
            return self._complete_fast(self._decoder, system, user, schema, max_tokens)
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
