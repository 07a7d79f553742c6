"""Prompt templates as files: `prompts/<name>/*.txt` loaded into a typed, versioned object.

The files live in the repo's top-level `prompts/` and ship inside the package as
`extractor._prompts` (pyproject.toml maps one onto the other), so they are read through
`importlib.resources` from wherever the package is installed; `$EXTRACTOR_PROMPTS_DIR`
points at another directory instead.

A prompt directory holds `system.txt` and `user.txt` (both required) and may hold other
`*.txt` parts (few-shot examples, notes) that count towards the version. The version is a
content hash, so any edit to any file changes every cache key built from it.

Templates use `string.Template` syntax (`$name`, `${name}`; `$$` is a literal dollar).
Rendering raises `ConfigError` naming any variable that was not supplied, instead of
silently sending a prompt with a hole in it.
"""

from __future__ import annotations

import hashlib
import os
import string
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from extractor.core.errors import ConfigError

PROMPTS_ENV_VAR = "EXTRACTOR_PROMPTS_DIR"
PROMPTS_PACKAGE = "extractor._prompts"
REQUIRED_PARTS = ("system.txt", "user.txt")
VERSION_LENGTH = 12


def default_prompts_dir() -> Traversable:
    """The prompts directory: `$EXTRACTOR_PROMPTS_DIR` if set, else the installed package's."""
    override = os.environ.get(PROMPTS_ENV_VAR)
    if override:
        return Path(override)
    try:
        return resources.files(PROMPTS_PACKAGE)
    except ModuleNotFoundError:  # an install made before prompts became package data
        raise ConfigError(
            f"the prompt files ({PROMPTS_PACKAGE}) are not installed: reinstall the package "
            "(make install, or pip install -e .)"
        ) from None


def _template_variables(text: str) -> set[str]:
    """Names of the `$name` / `${name}` placeholders in one template text."""
    names: set[str] = set()
    for match in string.Template.pattern.finditer(text):
        name = match.group("named") or match.group("braced")
        if name:
            names.add(name)
    return names


@dataclass(frozen=True)
class PromptTemplate:
    """A system and a user template, their variables and a content-hash version."""

    name: str
    system: str
    user: str
    version: str
    variables: frozenset[str]

    def render(self, **values: object) -> tuple[str, str]:
        """Return `(system, user)` with every variable substituted.

        Raises `ConfigError` naming the missing variables; extra values are ignored so a
        caller may pass a superset (e.g. the same values to several prompts).
        """
        missing = sorted(self.variables - values.keys())
        if missing:
            raise ConfigError(
                f"prompt {self.name!r} (version {self.version}) is missing variable(s): "
                + ", ".join(missing)
            )
        text_values = {key: str(value) for key, value in values.items()}
        return (
            string.Template(self.system).substitute(text_values),
            string.Template(self.user).substitute(text_values),
        )


def _read_part(path: Traversable) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read prompt file {path}: {exc}") from None


def load_prompt(name: str, prompts_dir: Traversable | None = None) -> PromptTemplate:
    """Load `prompts/<name>/system.txt` and `user.txt` into a `PromptTemplate`.

    The version is the first 12 hex chars of a sha256 over every `*.txt` file of the
    directory, in sorted order, file names included. `prompts_dir` is a `Path` or any
    `importlib.resources` traversable; by default, `default_prompts_dir()`.
    """
    directory = (prompts_dir or default_prompts_dir()) / name
    if not directory.is_dir():
        raise ConfigError(f"prompt {name!r} not found: no directory {directory}")
    for part in REQUIRED_PARTS:
        if not (directory / part).is_file():
            raise ConfigError(f"prompt {name!r} is missing {directory / part}")

    digest = hashlib.sha256()
    parts: dict[str, str] = {}
    for path in sorted(
        (entry for entry in directory.iterdir() if entry.name.endswith(".txt")),
        key=lambda entry: entry.name,
    ):
        text = _read_part(path)
        parts[path.name] = text
        digest.update(path.name.encode() + b"\0" + text.encode("utf-8") + b"\0")

    system, user = parts["system.txt"], parts["user.txt"]
    return PromptTemplate(
        name=name,
        system=system,
        user=user,
        version=digest.hexdigest()[:VERSION_LENGTH],
        variables=frozenset(_template_variables(system) | _template_variables(user)),
    )
