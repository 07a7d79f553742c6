"""The fault table: every fault case of issue 18, run for real, as one committed table.

    .venv/bin/python -m benchmarks.faults.cases                   # all cases, ~2 minutes
    .venv/bin/python -m benchmarks.faults.cases --only sigterm,dev_zero --results /tmp/t

Each case starts the real `extractor extract` in child processes, against the real loopback
OpenAI-compatible server of the tests (`tests/openai_server.py`) where a server is needed,
and writes `cases.md` (people) and `cases.json` (machines) here: case, expected, observed,
pass or fail, seconds. The checks live in `checks.py`, `input_checks.py` and
`api_checks.py` and reuse the tests' helpers. Bounded: every child is killed after 60 s;
the exit code is 1 when any case failed.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common.harness import command_line, header, header_markdown
from benchmarks.faults import api_checks, checks, input_checks
from benchmarks.faults.checks import Seen

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    """One row of the table: a name, what must happen, and the check that runs it."""

    name: str
    expected: str
    check: Callable[[Path], Seen]


CASES: tuple[Case, ...] = (
    Case(
        "rerun_new_slow_article_killed",
        "re-run of a finished 3-article batch plus one new article that hangs, SIGKILLed "
        "mid-run: events.jsonl keeps its 3 lines and events.csv its 3 rows, during and after",
        checks.rerun_killed,
    ),
    Case(
        "rerun_ctrl_c",
        "the same re-run stopped by Ctrl-C (SIGINT): exit 130 within 5 s, no traceback, the "
        "3 earlier lines and rows kept",
        checks.rerun_ctrl_c,
    ),
    Case(
        "batch_with_an_empty_file",
        "exit 1; the other articles extracted; the empty file is one `input` failure record",
        input_checks.empty_file,
    ),
    Case(
        "two_processes_one_out",
        "two runs (25 and 20 articles) into one --out at once: both exit 0, all 45 lines "
        "and 45 article files land, no lock left",
        checks.two_processes,
    ),
    Case(
        "file_name_237_chars",
        "that article fails as `input` naming the 200-character limit, with no model call; "
        "the other is extracted; exit 1",
        input_checks.long_file_name,
    ),
    Case(
        "out_is_a_file",
        "exit 2, one `error:` line naming the file, no model call",
        input_checks.out_is_a_file,
    ),
    Case(
        "cache_dir_is_a_file",
        "exit 2, one `error:` line naming the cache directory, no model call",
        input_checks.cache_dir_is_a_file,
    ),
    Case(
        "corrupt_cache_db",
        "cache.db moved aside with a notice, the run goes on (exit 0); the re-run is "
        "answered from the new cache (0 requests)",
        input_checks.corrupt_cache,
    ),
    Case(
        "fifo_argument",
        "a FIFO given as an article is refused without being opened (no hang): one `input` "
        "failure, the other article extracted, exit 1",
        input_checks.fifo_argument,
    ),
    Case(
        "dev_zero_argument",
        "/dev/zero is refused as a character device without being read (no hang, no "
        "memory growth), exit 1",
        input_checks.dev_zero,
    ),
    Case(
        "directory_with_odd_entries",
        "a folder with a FIFO, a broken symlink, a looping symlink, a *.TXT file and a "
        "subfolder: a1.txt and B2.TXT extracted, FIFO and subfolder listed as skipped, the "
        "two symlinks one `input` failure each, no hang, no traceback, exit 1",
        input_checks.odd_directory,
    ),
    Case(
        "utf16_bom_file",
        "a UTF-16 file with a BOM is decoded: the text reaches the model and the evidence "
        "quote is found in it; exit 0",
        input_checks.utf16_bom,
    ),
    Case(
        "sigint_then_sigint",
        "two SIGINTs while a request hangs: exit 130 within 5 s, no traceback",
        checks.sigint_twice,
    ),
    Case(
        "sigterm",
        "SIGTERM while a request hangs: exit 143 within 5 s, the finished articles written, "
        "no request after the signal, no traceback",
        checks.sigterm,
    ),
    Case(
        "openai_log_debug_echoing_server",
        "OPENAI_LOG=debug and a server echoing the Authorization header in its errors: the "
        "key (raw, JSON-escaped, base64) in no output, record, failure or cache file",
        api_checks.debug_log_key,
    ),
    Case(
        "credentials_in_base_url",
        "--base-url http://user:password@...: provenance records the URL without them; the "
        "password in no output or file",
        api_checks.base_url_credentials,
    ),
    Case(
        "article_900kb_api_path",
        "a 900 KB article, --model gpt-4o-mini (128k context declared) against a server "
        "with that context: split into requests that fit, none refused, events from the "
        "first and the last paragraph merged, every quote at its offset in the article",
        api_checks.article_900kb,
    ),
    Case(
        "article_900kb_server_context_smaller",
        "the same against a server whose context is 32k (it answers 400 "
        "context_length_exceeded): the refused parts are split smaller and asked again, the "
        "article is extracted, not failed as backend_unavailable",
        api_checks.article_900kb_small_server,
    ),
    Case(
        "file_name_with_newlines_and_markers",
        "a file name holding newlines and <article> markers: the prompt keeps one <article> "
        "block and one id line; exit 0",
        api_checks.name_with_markers,
    ),
    Case(
        "empty_model",
        "--model '': exit 2, one `error:` line, no model call",
        input_checks.empty_model,
    ),
)


def run_case(case: Case, work: Path) -> dict[str, Any]:
    """Run one case in its own folder; an exception is a failed case, with its reason."""
    folder = work / case.name
    folder.mkdir(parents=True)
    started = time.monotonic()
    try:
        seen = case.check(folder)
    except Exception as exc:  # a failed helper assert or a child that overran
        last = traceback.extract_tb(exc.__traceback__)[-1]
        where = f"{Path(last.filename).name}:{last.lineno}"
        seen = Seen(f"check stopped: {type(exc).__name__}: {exc} ({where})"[:400], False)
    return {
        "case": case.name,
        "expected": case.expected,
        "observed": seen.observed.replace(str(folder), "<case dir>"),
        "passed": seen.passed,
        "seconds": round(time.monotonic() - started, 1),
    }


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def markdown(results: dict[str, Any]) -> str:
    """The table as Markdown."""
    rows = [
        f"| {i} | `{r['case']}` | {_cell(r['expected'])} | {_cell(r['observed'])} | "
        f"{'PASS' if r['passed'] else '**FAIL**'} | {r['seconds']} |"
        for i, r in enumerate(results["cases"], 1)
    ]
    return "\n".join(
        [
            "# Fault cases (issue 18)",
            "",
            header_markdown(results["header"]),
            f"{results['passed']} of {len(results['cases'])} cases pass; "
            f"the table took {results['wall_s']} s.",
            "",
            "| # | case | expected | observed | result | s |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    """Run the cases, write cases.json and cases.md, print one line per case."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults.cases", description=__doc__)
    parser.add_argument("--only", default="", help="comma-separated case names")
    parser.add_argument("--results", type=Path, default=HERE, help="where cases.md/json go")
    parser.add_argument("--keep", type=Path, default=None, help="keep each case's files here")
    args = parser.parse_args(argv)
    wanted = {name for name in args.only.split(",") if name}
    unknown = wanted - {case.name for case in CASES}
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    chosen = [case for case in CASES if not wanted or case.name in wanted]
    results: dict[str, Any] = {"header": header(command_line()), "cases": []}
    work = args.keep or Path(tempfile.mkdtemp(prefix="fault-cases-"))
    started = time.monotonic()
    try:
        for case in chosen:
            row = run_case(case, work)
            results["cases"].append(row)
            print(f"{'PASS' if row['passed'] else 'FAIL'} {case.name}: {row['observed']}")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    results["wall_s"] = round(time.monotonic() - started, 1)
    results["passed"] = sum(1 for r in results["cases"] if r["passed"])
    args.results.mkdir(parents=True, exist_ok=True)
    (args.results / "cases.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.results / "cases.md").write_text(markdown(results))
    return 0 if results["passed"] == len(results["cases"]) else 1


if __name__ == "__main__":
    raise SystemExit(main())
