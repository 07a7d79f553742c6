"""Split a profile of one `extractor extract` run into pipeline phases.

Works on py-spy's `--format raw --gil` output (one line per distinct stack,
`frame;frame;... count`, samples of whichever thread holds the GIL), and falls back to
cProfile stats (main thread only) when py-spy is not installed. A sample is charged to the
outermost frame on its stack that matches a phase in `PHASES`; samples matching none are
`other`, samples taken while importing a module are `imports`.
"""

from __future__ import annotations

import pstats
import re
from collections import Counter
from pathlib import Path

# phase -> (file path fragment, function name) pairs; first match from the stack's root wins
PHASES: dict[str, tuple[tuple[str, str], ...]] = {
    "reading inputs": (("extractor/articles.py", "read_articles"),),
    "cache lookups": (
        ("extractor/cache.py", "cache_key"),
        ("extractor/cache.py", "get"),
        ("extractor/runner.py", "_from_cache"),
    ),
    "grounding": (
        ("extractor/grounding.py", "ground_events"),
        ("extractor/grounding.py", "ground_event"),
    ),
    "writing outputs": (("extractor/outputs.py", ""),),
    "provenance (schema_hash)": (("extractor/runner.py", "_provenance"),),
}

_IN_COMMAND = "extractor/cli/extract_cmd.py"
_IN_WORKER = "threading.py"
_IMPORTING = "_find_and_load"
_FRAME = re.compile(r"^(?P<func>.+?) \((?P<file>.+?)(?::\d+)?\)$")


def _phase_of(file: str, func: str) -> str | None:
    func = func.rsplit(".", 1)[-1]  # py-spy writes Class.method
    for phase, matchers in PHASES.items():
        for fragment, name in matchers:
            if fragment in file and (not name or func == name):
                return phase
    return None


def split_pyspy_raw(path: Path, rate_hz: float) -> dict[str, float]:
    """Seconds of GIL-held samples per phase from py-spy raw output (`record --gil`).

    Samples taken while a module was being imported count as `imports` (lazy imports made
    by the command itself); samples outside the command (the benchmark's own preloading)
    are dropped.
    """
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f.strip() for f in stack.split(";")]
        if not any(_IN_COMMAND in f or _IN_WORKER in f for f in frames):
            continue
        phase = "other"
        if any(_IMPORTING in f for f in frames):
            phase = "imports"
        else:
            for frame in frames:
                match = _FRAME.match(frame)
                if match and (found := _phase_of(match["file"], match["func"])):
                    phase = found
                    break
        counts[phase] += int(count)
    return {phase: counts[phase] / rate_hz for phase in [*PHASES, "imports", "other"]}


def split_cprofile(path: Path, total_s: float) -> dict[str, float]:
    """Share of `total_s` per phase from cProfile stats (cumulative time, main thread)."""
    stats = pstats.Stats(str(path))
    seconds: Counter[str] = Counter()
    raw = stats.stats  # type: ignore[attr-defined]
    for (file, _line, func), (_cc, _nc, _tt, cumulative, callers) in raw.items():
        phase = _phase_of(file, func)
        if phase is None:
            continue
        # skip calls made from inside the same phase (their time is in the outer one)
        if any(_phase_of(c_file, c_func) == phase for (c_file, _l, c_func) in callers):
            continue
        seconds[phase] += cumulative
    result = {phase: seconds[phase] / total_s if total_s else 0.0 for phase in PHASES}
    result["other"] = max(0.0, 1.0 - sum(result.values()))
    return result


def top_functions_pyspy(path: Path, rate_hz: float, limit: int = 15) -> list[tuple[str, float]]:
    """Inclusive seconds of the hottest functions of the command (line numbers folded)."""
    counts: Counter[str] = Counter()
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = [f.strip() for f in stack.split(";")]
        if not any(_IN_COMMAND in f or _IN_WORKER in f for f in frames):
            continue
        seen = set()
        for frame in frames:
            match = _FRAME.match(frame)
            if not match or "threading.py" in match["file"] or "concurrent/" in match["file"]:
                continue
            name = f"{match['func']} ({match['file']})"
            if name not in seen:
                seen.add(name)
                counts[name] += int(count)
    skip = ("typer/", "click/", "extract_cmd.py", "cli/app.py", "timed_cli.py", "runpy")
    ranked = [(f, n / rate_hz) for f, n in counts.most_common() if not any(s in f for s in skip)]
    return ranked[:limit]
