"""Run the real `extractor` CLI in this process and time start-up apart from the work.

    python -m benchmarks.common.timed_cli --timing T.json [--profile P.prof] -- extract ...

Start-up (importing the CLI and the named backend modules, the same imports the command
would make on its own) is timed separately from the command itself, so a benchmark can
report pipeline time without interpreter start and imports. With `--profile` the command
runs under cProfile and the stats are dumped for `benchmarks.common.profile_split`.
Nothing in the package is patched: this only imports it earlier and calls `main()`.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import sys
import time
from pathlib import Path

PRELOAD = (
    "extractor.cli",
    "extractor.backends.openai_compat",
    "openai.resources.chat",
    "openai.types.chat",
    "instructor.v2.providers.openai",
)


def main(argv: list[str] | None = None) -> int:
    """Import, then run `extractor <args>`, writing timings as JSON."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.common.timed_cli",
        description="Run the extractor CLI with start-up timed apart from the command.",
    )
    parser.add_argument("--timing", type=Path, required=True, help="where to write timings")
    parser.add_argument("--profile", type=Path, default=None, help="cProfile output file")
    parser.add_argument(
        "--preload", default=",".join(PRELOAD), help="modules to import before timing"
    )
    parser.add_argument("cli_args", nargs=argparse.REMAINDER, help="-- then extractor arguments")
    args = parser.parse_args(argv)
    cli_args = args.cli_args[1:] if args.cli_args[:1] == ["--"] else args.cli_args

    t0 = time.perf_counter()
    for module in filter(None, args.preload.split(",")):
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    from extractor.cli import main as cli_main

    t1 = time.perf_counter()
    sys.argv = ["extractor", *cli_args]
    code: int | str | None = 0
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    try:
        cli_main()
    except SystemExit as exc:
        code = exc.code
    finally:
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(str(args.profile))
    t2 = time.perf_counter()
    args.timing.write_text(
        json.dumps({"import_s": t1 - t0, "command_s": t2 - t1, "exit_code": code}) + "\n"
    )
    return code if isinstance(code, int) else 1


if __name__ == "__main__":
    raise SystemExit(main())
