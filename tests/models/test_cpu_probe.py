"""The CPU probe: instruction sets count only when a real program using them ran, and the
build flags never enable AMX or native tuning."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractor.models import cpu_probe
from extractor.models.cpu_probe import (
    PROBES,
    IsaProbe,
    cmake_flags,
    find_compiler,
    probe_instruction_sets,
    run_probe,
)
from extractor.models.runtime import BuildPlan, plan_build

needs_x86_compiler = pytest.mark.skipif(
    not cpu_probe.is_x86() or find_compiler() is None, reason="needs x86-64 and a C compiler"
)


def test_flags_write_every_option_explicitly_and_never_amx_or_native() -> None:
    flags = cmake_flags(["avx", "avx2", "fma"])
    assert "-DGGML_NATIVE=OFF" in flags
    assert {"-DGGML_AVX=ON", "-DGGML_AVX2=ON", "-DGGML_FMA=ON"} <= set(flags)
    assert {"-DGGML_AVX512=OFF", "-DGGML_F16C=OFF", "-DGGML_AVX512_VNNI=OFF"} <= set(flags)
    assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= set(flags)
    assert not any("AMX" in f and f.endswith("=ON") for f in cmake_flags([p.name for p in PROBES]))


def test_every_extension_requires_a_probe_that_comes_before_it() -> None:
    names = [p.name for p in PROBES]
    for index, probe in enumerate(PROBES):
        assert all(names.index(need) < index for need in probe.requires), probe.name


@needs_x86_compiler
def test_a_program_that_dies_of_sigill_means_not_usable(tmp_path: Path) -> None:
    trap = IsaProbe("trap", (), "__builtin_trap(); return 0;", ())
    assert run_probe(trap, find_compiler() or "cc", tmp_path) is False


@needs_x86_compiler
def test_a_program_that_does_not_compile_means_not_usable(tmp_path: Path) -> None:
    broken = IsaProbe("broken", (), "this is not C;", ())
    assert run_probe(broken, find_compiler() or "cc", tmp_path) is False


@needs_x86_compiler
def test_the_probe_finds_at_least_avx_in_dependency_order() -> None:
    usable = probe_instruction_sets()
    assert "avx" in usable  # every x86-64 machine this project runs on has AVX
    for probe in PROBES:
        if probe.name in usable:
            assert all(need in usable for need in probe.requires)


def test_environment_override_replaces_the_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EXTRACTOR_RUNTIME_CMAKE_ARGS", "-DGGML_NATIVE=OFF -DGGML_AVX2=ON")
    plan = plan_build()
    assert plan.cmake_args == ("-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON")
    assert plan.source == "environment" and "EXTRACTOR_RUNTIME_CMAKE_ARGS" in plan.describe()


def test_the_cache_key_follows_the_flags() -> None:
    a = BuildPlan("0.3.36", ("avx",), ("-DGGML_AVX=ON",), "probe")
    b = BuildPlan("0.3.36", ("avx",), ("-DGGML_AVX=OFF",), "probe")
    assert a.key != b.key and a.key == BuildPlan("0.3.36", (), ("-DGGML_AVX=ON",), "probe").key
