"""Fixtures of tests/evals, defined in `tests.evals.fakes` (shared with test_cli_compare)."""

from tests.evals.fakes import fakes, gold, write_suite

__all__ = ["fakes", "gold", "write_suite"]
