"""Prove the installed runtime and model work on this machine before real work starts.

A llama.cpp build for the wrong CPU, a corrupt model file or too little memory do not raise
Python errors: the process dies from a signal (SIGILL, SIGSEGV, the kernel's OOM SIGKILL),
typically in the middle of the first real prompt. So the check runs a real prompt of a few
hundred tokens through the model in a CHILD process and turns the way the child ended into
one sentence naming the cause and the fix. A pass is remembered in a stamp next to the
model (keyed by the runtime build and the model file), so it is paid once per install.

`python -m extractor.models.selfcheck MODEL_PATH` is the child; `check_model()` the parent.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from extractor.core.errors import BackendUnavailable

CHECK_TIMEOUT_SECONDS = 300.0
# About 300 tokens of news-like text: enough to run the batched matrix kernels that a
# 1-token prompt never reaches (the AMX crash needed "a few dozen" tokens).
_PARAGRAPH = (
    "Rockets struck near a base hosting coalition troops on Tuesday evening, officials said, "
    "and a drone was shot down before it reached the airfield. No injuries were reported. "
)
CHECK_PROMPT = _PARAGRAPH * 12 + "Answer with one word: was anyone injured?"
REBUILD_HINT = "make runtime-rebuild (or: python -m extractor.models.runtime --force)"


@dataclass(frozen=True)
class CheckResult:
    """A passed check: prompt size and speed as measured in the child."""

    prompt_tokens: int
    prompt_seconds: float
    total_seconds: float
    cached: bool = False

    def describe(self) -> str:
        """One line for people."""
        if self.cached:
            return "self-check passed earlier for this runtime build and model (stamp)"
        rate = self.prompt_tokens / self.prompt_seconds if self.prompt_seconds else 0.0
        return (
            f"self-check passed: a {self.prompt_tokens}-token prompt ran in "
            f"{self.prompt_seconds:.1f} s ({rate:.0f} tok/s), {self.total_seconds:.1f} s in all"
        )


def runtime_identity() -> str:
    """Identity of the installed llama.cpp build: path, size and mtime of its libraries."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")
    if spec is None or spec.origin is None:
        return "missing"
    lib_dir = Path(spec.origin).parent / "lib"
    parts = [str(lib_dir)]
    for lib in sorted(lib_dir.glob("*.so*")) if lib_dir.is_dir() else []:
        stat = lib.stat()
        parts.append(f"{lib.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _stamp_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".selfcheck.json")


def _stamp_key(model_path: Path) -> str:
    stat = model_path.stat()
    return f"{runtime_identity()}:{model_path.name}:{stat.st_size}:{stat.st_mtime_ns}"


def explain_death(returncode: int, model_path: Path, stderr_tail: str) -> str:
    """One line naming why the child died and what to do, from its exit status."""
    where = f"the local model runtime crashed on a real prompt ({model_path.name})"
    if returncode == -signal.SIGILL:
        return (
            f"{where}: SIGILL, an instruction this CPU does not execute (a llama.cpp build for "
            f"another CPU, or AMX that the machine advertises but does not allow). "
            f"Fix: {REBUILD_HINT}"
        )
    if returncode == -signal.SIGKILL:
        return (
            f"{where}: killed (SIGKILL), most likely out of memory. Fix: free memory or use a "
            "smaller model (--model qwen2.5-coder-0.5b)"
        )
    if returncode in (-signal.SIGSEGV, -signal.SIGBUS):
        name = signal.Signals(-returncode).name
        return (
            f"{where}: {name}; the model file or the runtime is broken. Fix: "
            f"extractor model install NAME (re-verifies the file), then {REBUILD_HINT}"
        )
    if returncode < 0:
        return f"{where}: killed by {signal.Signals(-returncode).name}"
    last = stderr_tail.strip().splitlines()[-1] if stderr_tail.strip() else "no message"
    return f"the local model self-check failed ({model_path.name}, exit {returncode}): {last}"


def check_model(
    model_path: Path,
    *,
    use_stamp: bool = True,
    timeout: float = CHECK_TIMEOUT_SECONDS,
    child_command: Sequence[str] | None = None,
) -> CheckResult:
    """Run the check prompt in a child process; raise `BackendUnavailable` with one line if it
    dies, hangs or fails. A pass is stamped so the next call returns at once.

    `child_command` replaces the child (tests use it to run a real process that dies of a
    real signal); by default it is `python -m extractor.models.selfcheck MODEL_PATH`.
    """
    stamp = _stamp_path(model_path)
    key = _stamp_key(model_path)
    if use_stamp:
        try:
            if json.loads(stamp.read_text(encoding="utf-8")).get("key") == key:
                return CheckResult(0, 0.0, 0.0, cached=True)
        except (OSError, ValueError):
            pass
    started = time.monotonic()
    try:
        child = subprocess.run(
            list(child_command)
            if child_command is not None
            else [sys.executable, "-m", "extractor.models.selfcheck", str(model_path)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise BackendUnavailable(
            f"the local model self-check did not finish a {len(CHECK_PROMPT)}-character prompt "
            f"in {timeout:.0f} s ({model_path.name}); the machine may be overloaded"
        ) from None
    if child.returncode != 0:
        raise BackendUnavailable(explain_death(child.returncode, model_path, child.stderr))
    try:
        measured = json.loads(child.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise BackendUnavailable(
            f"the local model self-check printed no result ({model_path.name})"
        ) from None
    result = CheckResult(
        prompt_tokens=int(measured["prompt_tokens"]),
        prompt_seconds=float(measured["prompt_seconds"]),
        total_seconds=time.monotonic() - started,
    )
    with contextlib.suppress(OSError):  # a read-only model folder only costs a repeat
        stamp.write_text(json.dumps({"key": key, **measured}), encoding="utf-8")
    return result


def _child(model_path: str) -> int:
    """Load the model and evaluate the check prompt; print timings as one JSON line."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import llama_cpp

    llama = llama_cpp.Llama(
        model_path=model_path, n_ctx=1024, n_threads=os.cpu_count() or 1, verbose=False
    )
    tokens = llama.tokenize(CHECK_PROMPT.encode("utf-8"))
    started = time.monotonic()
    llama.eval(tokens)
    prompt_seconds = time.monotonic() - started
    print(json.dumps({"prompt_tokens": len(tokens), "prompt_seconds": round(prompt_seconds, 3)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1]))
