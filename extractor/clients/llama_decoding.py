"""Greedy, grammar-bound decoding on llama.cpp's low-level API, without the waste.

`Llama.create_chat_completion` is correct but slow for the pipeline's many short calls on a
small CPU (issue 17, benchmarks/speed/):

- **Prefix snapshots.** llama.cpp reuses the KV cache only for the prefix shared with the
  *previous* call. The pipeline alternates prompts (mentions, then fields, then the next
  article's mentions), so each switch re-read a ~500-token instruction block. Here the KV
  state of each system-prompt prefix is saved once (`llama_state_seq_get_data`, a few MB)
  and restored when a later call starts with it.
- **Grammar check on the chosen token first.** The grammar sampler tests every one of the
  vocabulary's ~150,000 tokens at every step (about 30 ms a token here). Greedy decoding
  only needs the argmax to be allowed: it is checked alone, and the whole vocabulary is
  masked only when it is not (llama.cpp's own `common_sampler` does the same).
- **Prompt-lookup drafts.** Much of a JSON answer is copied: keys from the examples in the
  prompt, places and names from the sentence. With `draft_tokens > 0` the tokens that
  followed the last n-gram where it occurred before are proposed and verified in one batch;
  a draft token is kept only if greedy decoding picks it. On 2 cores a batch of 2 or 3
  tokens costs about what a batch of 4 does and twice a single step
  (benchmarks/speed/batch_cost.md), so the local presets draft exactly 3 tokens, uncut
  (`extractor.backends.presets`: 0.86x the time of no drafts on the calls of
  benchmarks/speed/levers.md). `DecodeOptions()` itself leaves them off.

Every answer is greedy under the grammar, as before; the result can differ from the old path
only through floating-point differences between batch shapes (measured in
benchmarks/speed/results.md).
"""

from __future__ import annotations

import ctypes
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from extractor.clients.json_forcing import JsonForcing

MAX_FORCED = 24
"""Forced tokens appended at once (a step of 8 calls stays well inside one batch)."""

MAX_SNAPSHOTS = 8
"""System-prompt prefixes kept (each a few MB for a 1.5B model)."""


@dataclass
class DecodeStats:
    """What one call cost: tokens decoded for the prompt, generated, drafted, reused."""

    prompt_tokens: int = 0
    prompt_eval_tokens: int = 0
    reused_tokens: int = 0
    restored_tokens: int = 0
    prompt_eval_s: float = 0.0
    gen_tokens: int = 0
    gen_s: float = 0.0
    drafted: int = 0
    accepted: int = 0
    forced: int = 0
    """Generated tokens the schema forced (appended without a choice, `JsonForcing`)."""
    full_grammar_masks: int = 0
    finish_reason: str = "stop"
    text: str = ""
    extra: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class DecodeOptions:
    """Which of the levers are on (each measured on its own by benchmarks/speed)."""

    prefix_snapshots: bool = True
    fast_grammar: bool = True
    draft_tokens: int = 0
    """Longest prompt-lookup draft; 0 (the default) turns drafting off. The local presets use
    3, uncut (a batch of 4: benchmarks/speed/batch_cost.md, levers.md)."""
    draft_ngram: int = 3
    draft_min_ngram: int = 2
    """Shortest n-gram match that may propose a draft (a 1-token match guesses too often)."""
    cut_drafts: bool = True
    """Stop each draft at the start of the next JSON value (`cut_at_value`)."""
    draft_keys_only: bool = False
    """Draft only right after a value ended (`,` written): then what follows is a key."""
    force_structure: bool = False
    """Append the text the schema forces (keys, brackets, the rest of an enum value) without
    asking the model (`json_forcing`), and stop once the answer is closed."""


def cut_at_value(draft: list[int], texts: list[str]) -> list[int]:
    """The draft up to the start of the next JSON value.

    A JSON answer's keys are predictable (they are in the prompt's examples and repeat
    within the answer); its values mostly are not. Verifying a token costs about half a
    decode step on a 2-core CPU, so a draft stops one token after the first key separator
    (`":` then the value's opening `"`, `["`, ` ` or `null`).
    """
    for i, text in enumerate(texts):
        if '":' in text:
            return draft[: i + 2]
    return draft


def _lcp(a: list[int], b: list[int]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def lookup_draft(history: list[int], max_ngram: int, length: int, min_ngram: int = 1) -> list[int]:
    """Tokens that followed the latest earlier occurrence of the history's last n-gram.

    Longest n-gram first (`max_ngram` down to `min_ngram`); the most recent earlier
    occurrence wins.
    """
    if length <= 0:
        return []
    arr = np.asarray(history, dtype=np.int64)
    n_hist = len(arr)
    for n in range(min(max_ngram, n_hist - 1), min_ngram - 1, -1):
        tail = arr[n_hist - n :]
        windows = np.lib.stride_tricks.sliding_window_view(arr[: n_hist - 1], n)
        hits = np.flatnonzero((windows == tail).all(axis=1))
        hits = hits[hits + n < n_hist]
        if len(hits):
            start = int(hits[-1]) + n
            return [int(t) for t in arr[start : start + length]]
    return []


class GreedyGrammarDecoder:
    """Greedy, grammar-bound completions over one `llama_cpp.Llama`, KV prefixes kept."""

    def __init__(self, llama: Any, options: DecodeOptions | None = None) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self.llama = llama
        self.options = options or DecodeOptions()
        self._ctx = llama._ctx.ctx
        self._vocab = llama_cpp.llama_model_get_vocab(llama._model.model)
        self.n_vocab = int(llama.n_vocab())
        self._snapshots: OrderedDict[tuple[int, ...], bytes] = OrderedDict()
        self._texts: dict[int, str] = {}
        self._forced_texts: dict[str, list[int]] = {}
        self._samplers: dict[tuple[str, str], Any] = {}
        self._full = np.zeros(
            self.n_vocab, dtype=np.dtype([("id", "<i4"), ("logit", "<f4"), ("p", "<f4")])
        )
        self._full["id"] = np.arange(self.n_vocab, dtype=np.int32)
        self._one = (llama_cpp.llama_token_data * 1)()
        self._batch = self._lib.llama_batch_init(max(llama.n_batch, 64), 0, 1)

    def close(self) -> None:
        """Free the native samplers and batch."""
        for sampler in self._samplers.values():
            self._lib.llama_sampler_free(sampler)
        self._samplers.clear()
        if self._batch is not None:
            self._lib.llama_batch_free(self._batch)
            self._batch = None

    # -- KV bookkeeping (kept in step with Llama.input_ids / n_tokens) -------------------
    def _live(self) -> list[int]:
        return [int(t) for t in self.llama.input_ids[: self.llama.n_tokens]]

    def _truncate(self, n: int) -> None:
        self.llama._ctx.kv_cache_seq_rm(0, n, -1)
        self.llama.n_tokens = n

    def _decode(self, tokens: list[int], logits_from: int) -> None:
        """Decode `tokens` after the live ones; logits for positions >= `logits_from`."""
        n_batch = self.llama.n_batch
        for i in range(0, len(tokens), n_batch):
            chunk = tokens[i : i + n_batch]
            batch = self._batch
            batch.n_tokens = len(chunk)
            base = self.llama.n_tokens
            for j, token in enumerate(chunk):
                batch.token[j] = token
                batch.pos[j] = base + j
                batch.n_seq_id[j] = 1
                batch.seq_id[j][0] = 0
                batch.logits[j] = i + j >= logits_from
            code = self._lib.llama_decode(self._ctx, batch)
            if code != 0:
                raise RuntimeError(f"llama_decode returned {code}")
            self.llama.input_ids[base : base + len(chunk)] = chunk
            self.llama.n_tokens = base + len(chunk)

    def _snapshot(self, key: tuple[int, ...]) -> None:
        size = self._lib.llama_state_seq_get_size(self._ctx, 0)
        buf = (ctypes.c_uint8 * size)()
        written = self._lib.llama_state_seq_get_data(self._ctx, buf, size, 0)
        self._snapshots[key] = bytes(buf[:written])
        while len(self._snapshots) > MAX_SNAPSHOTS:
            self._snapshots.popitem(last=False)

    def _restore(self, key: tuple[int, ...]) -> bool:
        data = self._snapshots[key]
        self._truncate(0)
        buf = (ctypes.c_uint8 * len(data)).from_buffer_copy(data)
        if self._lib.llama_state_seq_set_data(self._ctx, buf, len(data), 0) == 0:
            return False
        self._snapshots.move_to_end(key)
        self.llama.input_ids[: len(key)] = key
        self.llama.n_tokens = len(key)
        return True

    def _text(self, token: int) -> str:
        if token not in self._texts:
            self._texts[token] = self.llama.detokenize([token]).decode("utf-8", errors="replace")
        return self._texts[token]

    def _tokens_of(self, text: str) -> list[int]:
        if text not in self._forced_texts:
            tokens = self.llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            self._forced_texts[text] = [int(t) for t in tokens]
        return self._forced_texts[text]

    def forced_tokens(
        self, forcing: JsonForcing | None, sampler: Any, text: str, room: int
    ) -> list[int]:
        """The tokens the schema forces after `text` (at most `room`), each checked against
        and accepted by the grammar `sampler`; [] when the model has a choice."""
        if forcing is None or room <= 0:
            return []
        forced = forcing.continuation(text)
        kept: list[int] = []
        for token in self._tokens_of(forced)[: min(room, MAX_FORCED)] if forced else []:
            if not self._allowed(sampler, token, 0.0):
                break
            self._lib.llama_sampler_accept(sampler, token)
            kept.append(token)
        return kept

    # -- sampling ----------------------------------------------------------------------
    def _sampler(self, grammar: Any) -> Any:
        key = (grammar._grammar, grammar._root)
        if key not in self._samplers:
            self._samplers[key] = self._lib.llama_sampler_init_grammar(
                self._vocab, grammar._grammar.encode(), grammar._root.encode()
            )
        sampler = self._samplers[key]
        self._lib.llama_sampler_reset(sampler)
        return sampler

    def _allowed(self, sampler: Any, token: int, logit: float) -> bool:
        one: Any = self._one
        one[0].id, one[0].logit, one[0].p = token, logit, 0.0
        array = self._lib.llama_token_data_array(one, 1, -1, False)
        self._lib.llama_sampler_apply(sampler, ctypes.byref(array))
        return bool(np.isfinite(one[0].logit))

    def _choose(self, sampler: Any, index: int, stats: DecodeStats) -> int:
        ptr = self._lib.llama_get_logits_ith(self._ctx, index)
        logits = np.ctypeslib.as_array(ptr, shape=(self.n_vocab,))
        token = int(np.argmax(logits))
        if self.options.fast_grammar and self._allowed(sampler, token, float(logits[token])):
            return token
        stats.full_grammar_masks += 1
        full = self._full
        full["logit"] = logits
        full["id"] = np.arange(self.n_vocab, dtype=np.int32)
        data = full.ctypes.data_as(ctypes.POINTER(self._lib.llama_token_data))
        array = self._lib.llama_token_data_array(data, self.n_vocab, -1, False)
        self._lib.llama_sampler_apply(sampler, ctypes.byref(array))
        best = int(np.argmax(full["logit"]))
        return int(full["id"][best])

    def _load_prompt_prefix(self, tokens: list[int], prefix_len: int, stats: DecodeStats) -> int:
        """Bring the KV cache to the longest usable prefix of `tokens`; how many it holds.

        The live tokens' common prefix is reused; a longer saved snapshot of the system
        prompt is restored; a system prompt seen for the first time is evaluated alone and
        saved, so the next call that starts with it can restore it.
        """
        keep = min(_lcp(self._live(), tokens), len(tokens) - 1)
        key = tuple(tokens[:prefix_len])
        usable = self.options.prefix_snapshots and 0 < prefix_len < len(tokens)
        if usable and keep < prefix_len and key in self._snapshots and self._restore(key):
            stats.restored_tokens = prefix_len
            return prefix_len
        if usable and key not in self._snapshots:
            keep = min(keep, prefix_len)
            self._truncate(keep)
            self._decode(tokens[keep:prefix_len], logits_from=len(tokens))
            self._snapshot(key)
            stats.reused_tokens = keep
            return prefix_len
        self._truncate(keep)
        stats.reused_tokens = keep
        return keep

    # -- one completion ----------------------------------------------------------------
    def complete(
        self,
        tokens: list[int],
        prefix_len: int,
        grammar: Any,
        max_tokens: int,
        forcing: JsonForcing | None = None,
    ) -> DecodeStats:
        """Greedy grammar-bound answer to the prompt `tokens` (`prefix_len` of them shared);
        with `forcing` (and `force_structure` on) the schema's fixed text is not asked for."""
        lib, options = self._lib, self.options
        forcing = forcing if options.force_structure else None
        stats = DecodeStats(prompt_tokens=len(tokens))
        started = time.perf_counter()
        sampler = self._sampler(grammar)
        out = self.forced_tokens(forcing, sampler, "", max_tokens)
        text = "".join(self._text(t) for t in out)
        stats.forced = len(out)
        keep = self._load_prompt_prefix(tokens, prefix_len, stats)
        rest = tokens[keep:] + out
        self._decode(rest, logits_from=len(rest) - 1)
        stats.prompt_eval_tokens = len(tokens) - stats.reused_tokens - stats.restored_tokens
        stats.prompt_eval_s = time.perf_counter() - started

        history = list(tokens) + out
        gen_started = time.perf_counter()
        row = -1  # the row of the last decode's logits that predicts the next token
        stats.finish_reason = "length"
        while len(out) < max_tokens:
            token = self._choose(sampler, row, stats)
            if lib.llama_vocab_is_eog(self._vocab, token):
                stats.finish_reason = "stop"
                break
            lib.llama_sampler_accept(sampler, token)
            out.append(token)
            history.append(token)
            text += self._text(token)
            if len(out) >= max_tokens:
                break
            forced = self.forced_tokens(forcing, sampler, text, max_tokens - len(out))
            if forced:
                out += forced
                history += forced
                text += "".join(self._text(t) for t in forced)
                stats.forced += len(forced)
            if forcing is not None and forcing.complete(text):
                stats.finish_reason = "stop"
                break
            if len(out) >= max_tokens:
                break
            if forced:
                self._decode([token, *forced], logits_from=len(forced))
                row = -1
                continue
            room = min(options.draft_tokens, max_tokens - len(out))
            if options.draft_keys_only and not self._text(token).rstrip().endswith(","):
                room = 0
            draft = lookup_draft(history, options.draft_ngram, room, options.draft_min_ngram)
            if options.cut_drafts:
                draft = cut_at_value(draft, [self._text(t) for t in draft])
            base = self.llama.n_tokens
            self._decode([token, *draft], logits_from=0)
            stats.drafted += len(draft)
            # Row i holds the logits after the batch's token i; draft[i] is kept only if
            # greedy decoding under the grammar picks it there.
            accepted = 0
            for i, proposed in enumerate(draft):
                choice = self._choose(sampler, i, stats)
                if choice != proposed or lib.llama_vocab_is_eog(self._vocab, choice):
                    break
                lib.llama_sampler_accept(sampler, choice)
                out.append(choice)
                history.append(choice)
                text += self._text(choice)
                accepted += 1
                if len(out) >= max_tokens:
                    break
            stats.accepted += accepted
            if accepted < len(draft):
                self._truncate(base + 1 + accepted)
            row = accepted
        stats.gen_tokens = len(out)
        stats.gen_s = time.perf_counter() - gen_started
        stats.text = self.llama.detokenize(out).decode("utf-8", errors="replace")
        return stats
