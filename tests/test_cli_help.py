"""Every command's `--help` renders, and keeps the `<...>` placeholders its text holds.

Markdown help once ate them (`evals/recorded/<label>/` shown as `evals/recorded//`), so
a reader could not see what the path was made of. Flags are shown as flags, not as options
taking a `<bool>` (only Typer's own `--help` still is). The placeholders are read from the
commands' own help texts, so a new one is checked without touching this test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from extractor.cli import app

PLACEHOLDER = re.compile(r"<[A-Za-z_][A-Za-z0-9_ -]*>")


def _commands() -> list[tuple[list[str], Any]]:
    """Every command and sub-command (Typer's own click: typed loosely)."""
    found: list[tuple[list[str], Any]] = []

    def walk(path: list[str], command: Any) -> None:
        found.append((path, command))
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            walk([*path, name], sub)

    walk([], typer.main.get_command(app))
    return found


COMMANDS = _commands()


def _texts(command: Any) -> list[str]:
    texts = [command.help or ""]
    texts += [getattr(param, "help", None) or "" for param in command.params]
    return texts


def test_every_command_is_listed() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"extract", "logs", "backends", "compare", "eval", "report"} <= names


@pytest.mark.parametrize(
    "path, command", COMMANDS, ids=[" ".join(p) or "root" for p, _ in COMMANDS]
)
def test_help_renders_and_keeps_placeholders(path: list[str], command: Any) -> None:
    result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert (command.help or "").strip() or path == [], f"{path} has no help text"
    rendered = " ".join(result.output.split())
    wanted = {p for text in _texts(command) for p in PLACEHOLDER.findall(text)}
    missing = sorted(p for p in wanted if p not in rendered)
    assert not missing, f"`{' '.join(path)} --help` lost {missing}"
    flags_as_values = [
        line for line in result.output.splitlines() if "<bool>" in line and "--help" not in line
    ]
    assert not flags_as_values, f"flags shown as taking a value: {flags_as_values}"
