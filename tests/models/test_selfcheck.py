"""The runtime self-check turns a dying child process into one sentence with cause and fix.

The children here are real processes that really die (SIGILL, SIGKILL, SIGSEGV, a hang, a
failing exit), standing in for a llama.cpp build that cannot run on this CPU.
"""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path

import pytest

from extractor.core.errors import BackendUnavailable
from extractor.models.selfcheck import CheckResult, check_model, explain_death


def _dies_of(sig: signal.Signals) -> list[str]:
    return [sys.executable, "-c", f"import os, signal; os.kill(os.getpid(), {int(sig)})"]


@pytest.fixture
def model_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    return path


@pytest.mark.parametrize(
    ("sig", "words"),
    [
        (signal.SIGILL, ["SIGILL", "instruction this CPU does not execute", "runtime-rebuild"]),
        (signal.SIGKILL, ["SIGKILL", "out of memory", "smaller model"]),
        (signal.SIGSEGV, ["SIGSEGV", "model install"]),
    ],
    ids=["sigill", "oom-kill", "segfault"],
)
def test_a_child_killed_by_a_signal_becomes_one_line_with_the_fix(
    model_file: Path, sig: signal.Signals, words: list[str]
) -> None:
    with pytest.raises(BackendUnavailable) as caught:
        check_model(model_file, child_command=_dies_of(sig))
    message = str(caught.value)
    assert "\n" not in message and model_file.name in message
    for word in words:
        assert word in message


def test_a_failing_child_reports_its_last_error_line(model_file: Path) -> None:
    command = [sys.executable, "-c", "import sys; sys.exit('cannot load the model: bad magic')"]
    with pytest.raises(BackendUnavailable, match=r"exit 1\): cannot load the model: bad magic"):
        check_model(model_file, child_command=command)


def test_a_hanging_child_is_stopped_at_the_timeout(model_file: Path) -> None:
    command = [sys.executable, "-c", "import time; time.sleep(30)"]
    with pytest.raises(BackendUnavailable, match="did not finish"):
        check_model(model_file, child_command=command, timeout=1.0)


def test_a_pass_is_stamped_and_not_run_again(model_file: Path) -> None:
    answer = json.dumps({"prompt_tokens": 300, "prompt_seconds": 1.5})
    passing = [sys.executable, "-c", f"print({answer!r})"]
    first = check_model(model_file, child_command=passing)
    assert (first.prompt_tokens, first.cached) == (300, False)
    assert "300-token prompt" in first.describe()
    # the stamp answers now, even though this child would crash
    again = check_model(model_file, child_command=_dies_of(signal.SIGILL))
    assert again.cached
    # a changed model file invalidates the stamp
    model_file.write_bytes(b"GGUF" + b"\1" * 80)
    with pytest.raises(BackendUnavailable, match="SIGILL"):
        check_model(model_file, child_command=_dies_of(signal.SIGILL))


def test_explain_death_names_any_other_signal(model_file: Path) -> None:
    assert "SIGTERM" in explain_death(-signal.SIGTERM, model_file, "")
    assert CheckResult(10, 0.0, 0.0, cached=True).describe().startswith("self-check passed")
