"""Command-line interface: thin wrappers, each command calls one library function.

Each command lives in its own small module that registers itself on `app`; errors we raise
on purpose (`ExtractorError`) become one-line messages with exit code 2, never tracebacks.
"""

from __future__ import annotations

from extractor.cli import (  # noqa: F401  (importing a command module registers it)
    backends_cmd,
    cache_cmd,
    compare_cmd,
    eval_cmd,
    extract_cmd,
    incidents_cmd,
    logs_cmd,
    model_cmd,
    report_cmd,
    review_cmd,
    schema_cmd,
)
from extractor.cli.app import app
from extractor.cli.flags import show_flags_as_flags

app.add_typer(model_cmd.model_app, name="models", hidden=True)  # llm's plural, as an alias
show_flags_as_flags(app)

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="extractor")
