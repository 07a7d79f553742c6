"""Named speed/quality presets of the local backend (`--preset accurate|fast`).

A preset says which catalogue model answers each pipeline stage, how many independent calls
the in-process decoder runs together and how it drafts. Both rows are measured side by side
on the seeds and the development set (benchmarks/speed/, `make bench-speed`): `accurate` is
the default; `fast` trades quality for time and says so in the README's table (since forced
structure made the mentions stage cheap, it saves only 4-7% of the time for 0.07-0.11 event F1
main: benchmarks/speed/fast/results.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from extractor.clients.llama_decoding import DecodeOptions
from extractor.core.errors import ConfigError

DECODING = DecodeOptions(draft_tokens=3, cut_drafts=False, force_structure=True)
"""Both presets' decoder. The text the schema forces (keys, brackets, the rest of an enum
value: 58% of the generated tokens on the seeds) is appended without asking the model
(`extractor.clients.json_forcing`; benchmarks/speed/explored/forcing/). A call decoded alone
(a stage with one call) also gets prompt-lookup drafts of 3 tokens, so a drafted step decodes
a batch of 4, which costs on a 2-core CPU what a batch of 2 or 3 does
(benchmarks/speed/batch_cost.md; 0.86x and 0.98x the time of no drafts in two replays of the
same calls, benchmarks/speed/explored/)."""

PARALLEL_CALLS = 8
"""Both presets decode up to 8 independent calls of a stage together: on this kind of CPU
a step of 8 tokens costs about 3.8 single steps (batch_cost.md); 0.77x the time of one call
at a time on the calls of benchmarks/speed/explored/together/levers.md."""


@dataclass(frozen=True)
class Preset:
    """Which model answers which stage, and how the in-process decoder drafts."""

    name: str
    summary: str
    decoding: DecodeOptions = DECODING
    parallel_calls: int = PARALLEL_CALLS
    """Independent calls of a stage decoded together, one KV sequence each
    (`extractor.clients.llama_parallel`); 1 decodes them one after another."""
    stage_models: dict[str, str] = field(default_factory=dict)
    """Pipeline slot ("mentions", "fields", ...) -> catalogue model answering it; slots not
    named here go to the backend's model."""


PRESETS: dict[str, Preset] = {
    "accurate": Preset("accurate", "the backend's model (qwen2.5-coder-1.5b) for every stage"),
    "fast": Preset(
        "fast",
        "qwen2.5-coder-0.5b finds the incidents sentence by sentence, the backend's model "
        "fills their details",
        stage_models={"mentions": "qwen2.5-coder-0.5b"},
    ),
}
DEFAULT_PRESET = "accurate"


def get_preset(name: str | None) -> Preset:
    """The preset called `name` (the default for None); `ConfigError` naming the known ones."""
    try:
        return PRESETS[name or DEFAULT_PRESET]
    except KeyError:
        known = ", ".join(PRESETS)
        raise ConfigError(f"unknown preset {name!r}: choose one of {known}") from None
