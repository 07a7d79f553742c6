"""Command-line interface: thin wrappers, each command calls one library function.

Each command lives in its own small module that registers itself on `app`; errors we raise
on purpose (`ExtractorError`) become one-line messages with exit code 2, never tracebacks.
"""

from __future__ import annotations

import sys

from extractor.cli.app import app
from extractor.cli import schema_cmd  # noqa: F401  (registers commands)
from extractor.cli import eval_cmd  # noqa: F401
from extractor.cli import extract_cmd  # noqa: F401
from extractor.cli import cache_cmd  # noqa: F401
from extractor.cli import compare_cmd  # noqa: F401
from extractor.cli import report_cmd  # noqa: F401

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point."""
    app(prog_name="extractor")


if __name__ == "__main__":  # pragma: no cover
    main()
    sys.exit(0)
