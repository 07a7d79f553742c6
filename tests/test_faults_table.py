"""The fault table (`python -m benchmarks.faults.cases`): it runs cases and writes both
files, and the committed table covers every case, all passing."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.faults import cases

COMMITTED = Path(cases.__file__).resolve().parent


def test_the_table_runs_chosen_cases_and_writes_markdown_and_json(tmp_path: Path) -> None:
    chosen = ["fifo_argument", "empty_model"]  # in the table's order
    assert cases.main(["--only", ",".join(chosen), "--results", str(tmp_path)]) == 0
    written = json.loads((tmp_path / "cases.json").read_text())
    assert [row["case"] for row in written["cases"]] == chosen
    assert all(row["passed"] and row["observed"] for row in written["cases"])
    table = (tmp_path / "cases.md").read_text()
    assert "2 of 2 cases pass" in table
    assert "| 1 | `fifo_argument` |" in table and "| 2 | `empty_model` |" in table


def test_the_committed_table_covers_every_case_and_all_pass() -> None:
    committed = json.loads((COMMITTED / "cases.json").read_text())
    assert [row["case"] for row in committed["cases"]] == [case.name for case in cases.CASES]
    assert [row["case"] for row in committed["cases"] if not row["passed"]] == []
