"""The fast greedy decoder: draft lookup and cutting (pure), and against the real small model.

The real-model tests load the 0.5B test model (`make model-test`); they are skipped, saying
what to install, when the runtime or the model is missing.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from extractor.clients.llama_decoding import DecodeOptions, cut_at_value, lookup_draft
from extractor.core.errors import ExtractorError
from extractor.models import TEST_MODEL, get_spec, resolve_model


@pytest.mark.parametrize(
    ("history", "max_ngram", "min_ngram", "expected"),
    [
        pytest.param([1, 2, 3, 4, 9, 1, 2, 3], 3, 1, [4, 9, 1], id="trigram-continues"),
        pytest.param([1, 2, 5, 1, 2, 6, 7, 1, 2], 3, 1, [6, 7, 1], id="latest-occurrence-wins"),
        pytest.param([5, 6, 7, 8], 3, 1, [], id="no-earlier-occurrence"),
        pytest.param([4, 1, 9, 3, 1], 3, 1, [9, 3, 1], id="unigram-when-allowed"),
        pytest.param([4, 1, 9, 3, 1], 3, 2, [], id="unigram-refused-by-min-ngram"),
        pytest.param([1, 2, 3, 1, 2, 3], 2, 1, [1, 2, 3], id="bigram-overlapping-tail"),
    ],
)
def test_lookup_draft_proposes_what_followed_the_last_ngram(
    history: list[int], max_ngram: int, min_ngram: int, expected: list[int]
) -> None:
    assert lookup_draft(history, max_ngram, 3, min_ngram) == expected


def test_lookup_draft_respects_the_length() -> None:
    assert lookup_draft([1, 2, 3, 4, 5, 1, 2], 2, 2) == [3, 4]
    assert lookup_draft([1, 2, 3, 1, 2], 2, 0) == []


@pytest.mark.parametrize(
    ("texts", "kept"),
    [
        pytest.param(
            ['",', ' "', "location", '":', ' "', "Camp", " Falcon"], 5, id="key-then-quote"
        ),
        pytest.param(["project", "iles", '":', " ", "2"], 4, id="number-value"),
        pytest.param([" Falcon", '",', ' "'], 3, id="no-key-in-draft"),
    ],
)
def test_cut_at_value_keeps_the_key_and_the_value_opener(texts: list[str], kept: int) -> None:
    draft = list(range(len(texts)))
    assert cut_at_value(draft, texts) == draft[:kept]


# -- the real 0.5B model ------------------------------------------------------------------

SYSTEM = (
    "You list the attacks a sentence reports as JSON. Example:\n"
    "Sentence: Rockets hit Camp Falcon on Friday.\n"
    '{"incidents": [{"event_type": "attack", "location": "Camp Falcon", "when": "on Friday"}]}'
)
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "incidents": {
            "type": "array",
            "maxItems": 2,
            "items": {
                "type": "object",
                "properties": {
                    "event_type": {"enum": ["attack", "strike"]},
                    "location": {"type": "string", "maxLength": 40},
                    "when": {"anyOf": [{"type": "string", "maxLength": 20}, {"type": "null"}]},
                },
                "required": ["event_type", "location", "when"],
            },
        }
    },
    "required": ["incidents"],
}
SENTENCES = [
    "Sentence: Two drones struck Camp Harbor near the river on Tuesday night.",
    "Sentence: Mortar rounds landed inside Base Nimbus on Sunday, officials said.",
]


def _load_small_model(n_seq_max: int = 1) -> Any:
    """The 0.5B test model with room for `n_seq_max` sequences; skipped when not installed."""
    try:
        import llama_cpp  # noqa: F401
    except ImportError:
        pytest.skip("llama-cpp-python not installed: make runtime")
    try:
        path, spec = resolve_model(TEST_MODEL)
    except ExtractorError:
        pytest.skip(f"model {TEST_MODEL} not installed: {get_spec(TEST_MODEL).install_command()}")
    from extractor.clients.llama_inprocess import load_llama

    assert spec is not None
    return load_llama(path, 2048, 2, spec.chat_format, n_seq_max=n_seq_max)


@pytest.fixture(scope="module")
def small_llama() -> Any:
    return _load_small_model()


def _answers(llama: Any, options: DecodeOptions | None, users: list[str]) -> list[str]:
    from extractor.clients.llama_inprocess import LlamaChat

    llama.reset()  # same starting KV for both paths: same prompt batches, same numerics
    llama._ctx.kv_cache_seq_rm(0, 0, -1)
    chat = LlamaChat(llama, options)
    return [chat.complete(SYSTEM, user, SCHEMA, 80, slot="t").text for user in users]


@pytest.mark.local_model
def test_the_loop_without_snapshots_or_drafts_answers_as_create_chat_completion(
    small_llama: Any,
) -> None:
    """Same prompt evaluation, single-token steps: the argmax-first grammar check and the
    whole-vocabulary mask must choose the same tokens as llama-cpp-python's own path."""
    plain = _answers(small_llama, None, SENTENCES)
    loop = _answers(small_llama, DecodeOptions(prefix_snapshots=False, draft_tokens=0), SENTENCES)
    assert loop == plain
    for text in loop:
        assert json.loads(text)["incidents"], text


@pytest.mark.local_model
def test_snapshots_restore_a_prefix_and_drafts_are_verified(small_llama: Any) -> None:
    from extractor.clients.llama_inprocess import LlamaChat

    chat = LlamaChat(small_llama, DecodeOptions(draft_tokens=6))
    other_system = "You answer with JSON only."
    first = chat.complete(SYSTEM, SENTENCES[0], SCHEMA, 80, slot="t").text
    chat.complete(other_system, SENTENCES[1], SCHEMA, 80, slot="t")  # evicts SYSTEM's prefix
    again = chat.complete(SYSTEM, SENTENCES[0], SCHEMA, 80, slot="t")
    timing = chat.timings[-1]
    assert timing["restored_tokens"] > 0, "the system prompt's KV was not restored"
    assert again.text == first, "a restored prefix must give the same greedy answer"
    assert sum(t["accepted"] for t in chat.timings) > 0, "no drafted token was ever kept"
    assert all(json.loads(t)["incidents"] is not None for t in (first, again.text))


@pytest.fixture(scope="module")
def small_llama_4_sequences() -> Any:
    return _load_small_model(n_seq_max=4)


def _incidents(text: str) -> list[tuple[str, str]]:
    return [(i["event_type"], i["location"]) for i in json.loads(text)["incidents"]]


@pytest.mark.local_model
def test_calls_decoded_together_answer_as_they_do_alone(small_llama_4_sequences: Any) -> None:
    """Three calls in three sequences of one context, then six in its four (a finished call's
    sequence taken by the next): each answer as the call gets alone (up to batch-shape
    numerics: the incidents are compared), and the extra sequences are gone afterwards (a
    single call after them answers as before)."""
    from extractor.clients.llama_inprocess import LlamaChat
    from extractor.clients.llama_parallel import capacity

    chat = LlamaChat(small_llama_4_sequences, DecodeOptions())
    assert chat._decoder is not None and capacity(chat._decoder) == 4
    users = [*SENTENCES, "Sentence: A rocket hit the perimeter of Victory Base on Friday."]
    alone = [chat.complete(SYSTEM, user, SCHEMA, 80, slot="t").text for user in users]
    together = chat.complete_many(SYSTEM, users, SCHEMA, 80, slot="t")
    assert [_incidents(c.text) for c in together] == [_incidents(t) for t in alone]
    refilled = chat.complete_many(SYSTEM, users * 2, SCHEMA, 80, slot="t")  # 6 calls, 4 slots
    assert [_incidents(c.text) for c in refilled] == [_incidents(t) for t in alone * 2]
    assert all(c.finish_reason == "stop" and c.completion_tokens > 0 for c in together)
    assert chat.complete(SYSTEM, SENTENCES[0], SCHEMA, 80, slot="t").text == alone[0]
    import llama_cpp

    memory = small_llama_4_sequences._ctx.memory
    for seq in (1, 2):
        assert llama_cpp.llama_memory_seq_pos_max(memory, seq) == -1, f"sequence {seq} kept"


@pytest.mark.local_model
def test_forced_structure_gives_the_same_answers_with_fewer_choices(
    small_llama_4_sequences: Any,
) -> None:
    """With the schema's fixed text appended without asking the model (keys, brackets, the
    rest of an enum value), alone and decoded together: the same incidents as the model
    writes itself, most of the answer's tokens forced, and each call stops when its JSON
    closes."""
    from extractor.clients.llama_inprocess import LlamaChat

    users = [*SENTENCES, "Sentence: A rocket hit the perimeter of Victory Base on Friday."]
    free = LlamaChat(small_llama_4_sequences, DecodeOptions(draft_tokens=0))
    free_answers = [free.complete(SYSTEM, u, SCHEMA, 80, slot="t") for u in users]
    forced = LlamaChat(small_llama_4_sequences, DecodeOptions(force_structure=True))
    alone = [forced.complete(SYSTEM, u, SCHEMA, 80, slot="t") for u in users]
    together = forced.complete_many(SYSTEM, users, SCHEMA, 80, slot="t")
    expected = [_incidents(a.text) for a in free_answers]
    assert [_incidents(a.text) for a in alone] == expected
    assert [_incidents(a.text) for a in together] == expected
    assert all(a.finish_reason == "stop" for a in [*alone, *together])
    forced_tokens = [t["forced"] for t in forced.timings]
    generated = [t["gen_tokens"] for t in forced.timings]
    assert sum(forced_tokens) * 2 > sum(generated), (forced_tokens, generated)
    assert all(t["forced"] == 0 for t in free.timings)
