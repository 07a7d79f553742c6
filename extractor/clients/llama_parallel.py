"""Several independent calls decoded together, one llama.cpp sequence each (issue 17).

On a 2-core CPU one decode step of the 1.5B model costs about 100 ms for one token and
about 170 ms for four (benchmarks/speed/batch_cost.md): the weights are read once per step,
whatever the batch. Calls that do not depend on each other (the mentions of an article's
sentences, the details of its incidents) can therefore share steps: each call gets its own
sequence in the KV cache, the shared system prompt is stored once and shared by all of them
(`llama_memory_seq_cp` on a unified cache only tags cells), and every step decodes the next
token of every unfinished call in one batch. Each call keeps its own grammar sampler and is
decoded greedily, so its answer is the one it gets alone, up to the floating-point
differences between batch shapes.

The context must have been created with room for the sequences (`load_llama(...,
n_seq_max=N)`); with fewer, or prompts that do not share their prefix, the calls run one
after another through `GreedyGrammarDecoder.complete`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from extractor.clients.json_forcing import JsonForcing
from extractor.clients.llama_decoding import DecodeStats, GreedyGrammarDecoder

NO_LOGITS = 1 << 30
"""`logits_from` that asks for no logits (a prefix decoded only to fill the cache)."""


@dataclass
class _Sequence:
    """One call's state while it decodes beside the others."""

    seq: int
    sampler: Any
    stats: DecodeStats
    position: int
    out: list[int]
    pending: list[int] = field(default_factory=list)
    """The last chosen token and the text the schema forces after it, not yet decoded."""
    text: str = ""


def shares_prefix(prompts: list[tuple[list[int], int]]) -> bool:
    """True when every prompt starts with the first one's shared prefix, of one length."""
    tokens, prefix_len = prompts[0]
    head = tokens[:prefix_len]
    return prefix_len > 0 and all(
        p == prefix_len and t[:p] == head and len(t) > p for t, p in prompts
    )


def capacity(decoder: GreedyGrammarDecoder) -> int:
    """How many sequences the decoder's context can hold at once."""
    return int(decoder._lib.llama_n_seq_max(decoder._ctx))


def complete_together(
    decoder: GreedyGrammarDecoder,
    prompts: list[tuple[list[int], int]],
    grammar: Any,
    max_tokens: int,
    forcing: JsonForcing | None = None,
) -> list[DecodeStats]:
    """Greedy grammar-bound answers to `prompts` (token lists, shared-prefix length each).

    Up to `capacity(decoder)` calls are in flight; when one finishes, the next waiting call
    takes its sequence (continuous batching), so the steps stay full while calls remain.
    With `forcing` (and the decoder's `force_structure`), each call's forced text is decoded
    in the same step as the token before it.
    """
    width = min(capacity(decoder), len(prompts))
    if width < 2 or not shares_prefix(prompts):
        return [decoder.complete(t, p, grammar, max_tokens, forcing) for t, p in prompts]
    forcing = forcing if decoder.options.force_structure else None
    lib = decoder._lib
    prefix_len = prompts[0][1]
    results = [DecodeStats(prompt_tokens=len(tokens)) for tokens, _ in prompts]
    keep = decoder._load_prompt_prefix(prompts[0][0], prefix_len, results[0])
    results[0].reused_tokens = min(results[0].reused_tokens, prefix_len)
    if keep > prefix_len:
        decoder._truncate(prefix_len)
    elif keep < prefix_len:
        decoder._decode(prompts[0][0][keep:prefix_len], logits_from=NO_LOGITS)
    memory = lib.llama_get_memory(decoder._ctx)
    waiting = list(range(len(prompts)))
    free = list(range(width - 1, -1, -1))  # sequence ids; 0 (which holds the prefix) first
    active: list[_Sequence] = []
    started: list[_Sequence] = []
    began = time.perf_counter()
    try:
        while waiting or active:
            while waiting and free:
                index, seq = waiting.pop(0), free.pop()
                state = _start(decoder, memory, seq, prompts[index][0], prefix_len, grammar)
                state.stats = results[index]
                if index:
                    state.stats.reused_tokens = prefix_len
                started.append(state)
                _prompt(decoder, state, prompts[index][0][prefix_len:], max_tokens, forcing)
                if state.pending:
                    active.append(state)
                else:
                    _finish(lib, memory, state, prefix_len, free)
            if not active:
                continue
            rows = _decode_rows(
                decoder,
                [(t, s.position + i, s.seq) for s in active for i, t in enumerate(s.pending)],
            )
            still = []
            for state in active:
                state.position += len(state.pending)
                _step(decoder, state, rows[state.seq], max_tokens, forcing)
                if state.pending:
                    still.append(state)
                else:
                    _finish(lib, memory, state, prefix_len, free)
            active = still
    finally:
        for state in started:
            lib.llama_sampler_free(state.sampler)
        for seq in range(1, width):
            lib.llama_memory_seq_rm(memory, seq, -1, -1)
        decoder._truncate(prefix_len)
    per_call = (time.perf_counter() - began) / len(prompts)
    for state in started:
        stats = state.stats
        stats.prompt_eval_tokens = stats.prompt_tokens - stats.reused_tokens - stats.restored_tokens
        stats.gen_tokens = len(state.out)
        stats.gen_s = max(0.0, per_call - stats.prompt_eval_s)
        stats.text = decoder.llama.detokenize(state.out).decode("utf-8", errors="replace")
    return results


def _start(
    decoder: GreedyGrammarDecoder,
    memory: Any,
    seq: int,
    tokens: list[int],
    prefix_len: int,
    grammar: Any,
) -> _Sequence:
    """A sequence for one call: the shared prefix tagged with `seq`, a fresh grammar sampler."""
    lib = decoder._lib
    if seq:
        lib.llama_memory_seq_rm(memory, seq, -1, -1)
        lib.llama_memory_seq_cp(memory, 0, seq, 0, prefix_len)
    sampler = lib.llama_sampler_init_grammar(
        decoder._vocab, grammar._grammar.encode(), grammar._root.encode()
    )
    return _Sequence(seq, sampler, DecodeStats(prompt_tokens=len(tokens)), prefix_len, [])


def _prompt(
    decoder: GreedyGrammarDecoder,
    state: _Sequence,
    suffix: list[int],
    max_tokens: int,
    forcing: JsonForcing | None,
) -> None:
    """Decode the call's own prompt tokens after the prefix (and the text the schema forces
    at the start of the answer) and choose its first token."""
    began = time.perf_counter()
    start = decoder.forced_tokens(forcing, state.sampler, "", max_tokens)
    state.out += start
    state.text = "".join(decoder._text(t) for t in start)
    state.stats.forced = len(start)
    suffix = suffix + start
    rows = _decode_rows(decoder, [(t, state.position + i, state.seq) for i, t in enumerate(suffix)])
    state.position += len(suffix)
    state.stats.prompt_eval_s = time.perf_counter() - began
    _step(decoder, state, rows[state.seq], max_tokens, forcing)


def _finish(lib: Any, memory: Any, state: _Sequence, prefix_len: int, free: list[int]) -> None:
    """Drop the call's own tokens (the shared prefix stays) and free its sequence."""
    lib.llama_memory_seq_rm(memory, state.seq, prefix_len, -1)
    free.append(state.seq)


def _decode_rows(
    decoder: GreedyGrammarDecoder, entries: list[tuple[int, int, int]]
) -> dict[int, int]:
    """Decode (token, position, sequence) entries, logits for each sequence's last entry;
    the batch row of each sequence's last entry in the last chunk (read with
    `llama_get_logits_ith`). A step's entries fit one chunk (`MAX_FORCED` keeps them short);
    a long prompt is decoded in chunks, of which only the last one's rows are needed."""
    lib = decoder._lib
    n_batch = decoder.llama.n_batch
    rows: dict[int, int] = {}
    for start in range(0, len(entries), n_batch):
        chunk = entries[start : start + n_batch]
        batch = decoder._batch
        batch.n_tokens = len(chunk)
        last_of_seq = {seq: j for j, (_, _, seq) in enumerate(chunk)}
        for j, (token, position, seq) in enumerate(chunk):
            batch.token[j] = token
            batch.pos[j] = position
            batch.n_seq_id[j] = 1
            batch.seq_id[j][0] = seq
            batch.logits[j] = last_of_seq[seq] == j
        code = lib.llama_decode(decoder._ctx, batch)
        if code != 0:
            raise RuntimeError(f"llama_decode returned {code}")
        rows = last_of_seq
    return rows


def _step(
    decoder: GreedyGrammarDecoder,
    state: _Sequence,
    row: int,
    max_tokens: int,
    forcing: JsonForcing | None,
) -> None:
    """Choose the sequence's next token from batch row `row` and append the text the schema
    forces after it; mark the call finished or its tokens pending."""
    lib = decoder._lib
    state.pending = []
    token = decoder._choose(state.sampler, row, state.stats)
    if lib.llama_vocab_is_eog(decoder._vocab, token):
        state.stats.finish_reason = "stop"
        return
    lib.llama_sampler_accept(state.sampler, token)
    state.out.append(token)
    state.text += decoder._text(token)
    forced = decoder.forced_tokens(forcing, state.sampler, state.text, max_tokens - len(state.out))
    state.out += forced
    state.text += "".join(decoder._text(t) for t in forced)
    state.stats.forced += len(forced)
    if forcing is not None and forcing.complete(state.text):
        state.stats.finish_reason = "stop"
        return
    if len(state.out) >= max_tokens:
        state.stats.finish_reason = "length"
        return
    state.pending = [token, *forced]
