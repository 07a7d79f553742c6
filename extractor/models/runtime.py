"""Build and install llama-cpp-python (the local backend's runtime) for the CPU it runs on.

PyPI has no wheel of `llama-cpp-python`, so pip compiles its sdist, by default natively
(`-march=native`). On a virtual machine that advertises AMX but does not let a process use
it, that build dies with SIGILL on the first batched matmul. This module builds instead with
`GGML_NATIVE=OFF` and exactly the instruction sets a probe has seen execute
(`extractor.models.cpu_probe`), never AMX, and keeps the wheel in the user cache under a key
made of the version and the flags, so:

- the same machine reuses its wheel (a second clone, CI) without compiling again;
- a machine with other instruction sets gets its own build (pip's own wheel cache is keyed
  by the sdist only and would hand back a wheel built for another CPU);
- the venv records which build it holds, and a changed probe rebuilds.

Run as `python -m extractor.models.runtime [--force]` (what `make runtime` does); it prints
what it does and how long it took. `EXTRACTOR_RUNTIME_CMAKE_ARGS` replaces the probed flags.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from extractor.models.cpu_probe import cmake_flags, find_compiler, is_x86, probe_instruction_sets

LLAMA_CPP_VERSION = "0.3.36"
CMAKE_ARGS_ENV_VAR = "EXTRACTOR_RUNTIME_CMAKE_ARGS"
STAMP_NAME = ".extractor-runtime.json"
HEARTBEAT_SECONDS = 30.0
_NINJA_PROGRESS = re.compile(r"\[(\d+)/(\d+)\]")


@dataclass(frozen=True)
class BuildPlan:
    """What to build: the probed instruction sets, the CMake flags and their cache key."""

    version: str
    instruction_sets: tuple[str, ...]
    cmake_args: tuple[str, ...]
    source: str  # "probe", "environment" or "default"

    @property
    def key(self) -> str:
        """Cache key: version, flags, Python tag and machine; changes when any of them does."""
        material = json.dumps(
            [self.version, list(self.cmake_args), sys.implementation.cache_tag, os.uname().machine]
        )
        return hashlib.sha256(material.encode()).hexdigest()[:16]

    def describe(self) -> str:
        """One line for people: which instruction sets the build uses."""
        if self.source == "environment":
            return f"CMake flags from ${CMAKE_ARGS_ENV_VAR}: {' '.join(self.cmake_args)}"
        if not self.cmake_args:
            return "ggml's default flags (not x86-64)"
        sets = " ".join(s.upper() for s in self.instruction_sets) or "SSE only"
        return f"portable build for the instruction sets seen to run here: {sets}; no AMX"


def plan_build(version: str = LLAMA_CPP_VERSION) -> BuildPlan:
    """Probe the CPU (or read the override) and decide the build flags."""
    override = os.environ.get(CMAKE_ARGS_ENV_VAR)
    if override:
        return BuildPlan(version, (), tuple(override.split()), "environment")
    if not is_x86():
        return BuildPlan(version, (), (), "default")
    usable = probe_instruction_sets()
    return BuildPlan(version, tuple(usable), tuple(cmake_flags(usable)), "probe")


def wheel_cache_dir(plan: BuildPlan) -> Path:
    """Where the wheel for `plan` is kept: the user cache, one folder per key."""
    base = Path(platformdirs.user_cache_dir("extractor")) / "runtime"
    return base / f"llama-cpp-python-{plan.version}-{plan.key}"


def installed_stamp(prefix: Path | None = None) -> dict[str, object] | None:
    """The build record of the runtime installed in this environment, if we installed it."""
    path = (prefix or Path(sys.prefix)) / STAMP_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _say(message: str) -> None:
    print(f"[runtime] {message}", flush=True)


def _heartbeat(log_path: Path, started: float, done: threading.Event) -> None:
    """Every 30 s, one line: elapsed time and the compile step reached (from the log)."""
    while not done.wait(HEARTBEAT_SECONDS):
        step = ""
        try:
            tail = log_path.read_bytes()[-4000:].decode("utf-8", "replace")
            found = _NINJA_PROGRESS.findall(tail)
            if found:
                step = f", compile step {found[-1][0]}/{found[-1][1]}"
        except OSError:
            pass
        _say(f"still building: {time.monotonic() - started:.0f} s{step}")


def build_wheel(plan: BuildPlan, target: Path) -> Path:
    """Compile the sdist into a wheel under `target` with the plan's flags; return the wheel."""
    if find_compiler() is None:
        raise SystemExit(
            "[runtime] no C compiler found: install gcc and g++ (apt-get install build-essential)"
        )
    target.mkdir(parents=True, exist_ok=True)
    log_path = target / "build.log"
    env = dict(os.environ)
    env["CMAKE_ARGS"] = " ".join(plan.cmake_args)
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    command = [
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir", "-v",
        "--no-binary", "llama-cpp-python", f"llama-cpp-python=={plan.version}",
        "-w", str(target),
    ]  # fmt: skip
    _say(f"building llama-cpp-python {plan.version} from source: {plan.describe()}")
    _say(f"this takes about 7-9 minutes on 2 cores; full log: {log_path}")
    started = time.monotonic()
    done = threading.Event()
    watcher = threading.Thread(target=_heartbeat, args=(log_path, started, done), daemon=True)
    with log_path.open("wb") as log:
        watcher.start()
        try:
            result = subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        finally:
            done.set()
    if result.returncode != 0:
        tail = log_path.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
        print("\n".join(tail), file=sys.stderr)
        raise SystemExit(f"[runtime] build failed (exit {result.returncode}); log: {log_path}")
    wheels = sorted(target.glob("llama_cpp_python-*.whl"))
    if not wheels:
        raise SystemExit(f"[runtime] the build wrote no wheel into {target}; log: {log_path}")
    _say(f"built {wheels[-1].name} in {time.monotonic() - started:.0f} s")
    (target / "plan.json").write_text(
        json.dumps({**_plan_record(plan), "build_seconds": round(time.monotonic() - started)}),
        encoding="utf-8",
    )
    return wheels[-1]


def _plan_record(plan: BuildPlan) -> dict[str, object]:
    return {
        "version": plan.version,
        "key": plan.key,
        "instruction_sets": list(plan.instruction_sets),
        "cmake_args": list(plan.cmake_args),
        "source": plan.source,
    }


def install_wheel(wheel: Path, plan: BuildPlan) -> None:
    """Install `wheel` into this environment (replacing any other build) and stamp it."""
    _say(f"installing {wheel.name}")
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--force-reinstall", "--no-deps", str(wheel)], check=True)
    subprocess.run([*pip, str(wheel)], check=True)  # its dependencies, if any are missing
    stamp = Path(sys.prefix) / STAMP_NAME
    stamp.write_text(json.dumps({**_plan_record(plan), "wheel": str(wheel)}), encoding="utf-8")


def cached_or_built_wheel(plan: BuildPlan, force: bool = False) -> Path:
    """The wheel built for `plan` on this machine: reused from the cache, else built now."""
    cache = wheel_cache_dir(plan)
    wheels = sorted(cache.glob("llama_cpp_python-*.whl"))
    if wheels and not force:
        _say(f"reusing the wheel built earlier on this machine: {wheels[-1]}")
        return wheels[-1]
    return build_wheel(plan, cache)


def ensure_runtime(force: bool = False) -> BuildPlan:
    """Make this environment hold a llama-cpp-python built for this CPU; build only if needed."""
    started = time.monotonic()
    plan = plan_build()
    _say(plan.describe())
    stamp = installed_stamp()
    if not force and stamp is not None and stamp.get("key") == plan.key:
        _say(f"llama-cpp-python {plan.version} for this CPU is installed (build {plan.key})")
        return plan
    install_wheel(cached_or_built_wheel(plan, force), plan)
    _say(f"runtime ready in {time.monotonic() - started:.0f} s")
    return plan


def main(argv: list[str] | None = None) -> int:
    """Command line: `python -m extractor.models.runtime [--force] [--plan]`."""
    parser = argparse.ArgumentParser(
        prog="python -m extractor.models.runtime",
        description="Build llama-cpp-python for this CPU (probed instruction sets, no AMX) "
        "and install it into the running Python environment.",
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if a build exists")
    parser.add_argument(
        "--plan", action="store_true", help="print the probe and the flags, build nothing"
    )
    parser.add_argument(
        "--wheel",
        action="store_true",
        help="print the path of the wheel built for this CPU (building it if needed), "
        "install nothing: for other environments, e.g. the peers benchmark's",
    )
    args = parser.parse_args(argv)
    if args.wheel:
        print(cached_or_built_wheel(plan_build(), force=args.force))
        return 0
    if args.plan:
        plan = plan_build()
        print(json.dumps(_plan_record(plan), indent=2))
        return 0
    ensure_runtime(force=args.force)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
