"""Which x86-64 instruction sets this process can really execute, proven by running them.

CPU flags are not proof: some virtual machines advertise AMX (`amx_tile`) but fault when a
process touches the tile registers, and a build that trusts the flags (`-march=native`) dies
with SIGILL there. So each instruction set is probed by compiling a few lines of C that use
it and running the program in a child process; a set counts only when that child exits
cleanly. AMX is never probed or enabled: it needs a kernel permission request, faults in
VMs that advertise it, and brings nothing measurable to the small quantised models we run.

Each probe maps to the ggml CMake options it unlocks, so `cmake_flags()` turns what ran
into a portable `-DGGML_NATIVE=OFF ...` build line.
"""

from __future__ import annotations

import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

X86_MACHINES = frozenset({"x86_64", "amd64", "AMD64", "x64"})


@dataclass(frozen=True)
class IsaProbe:
    """One instruction set: compiler flags, a C body that uses it, the ggml options it allows."""

    name: str
    cflags: tuple[str, ...]
    body: str
    ggml_options: tuple[str, ...]
    requires: tuple[str, ...] = ()


# Each body reads `argc` so nothing is constant-folded away, and returns 0 only when the
# instruction computed the expected value.
PROBES: tuple[IsaProbe, ...] = (
    IsaProbe(
        "avx",
        ("-mavx",),
        "__m256 a = _mm256_set1_ps((float)argc); a = _mm256_mul_ps(a, a);"
        " float r[8]; _mm256_storeu_ps(r, a); return r[0] == 1.0f ? 0 : 1;",
        ("GGML_AVX",),
    ),
    IsaProbe(
        "avx2",
        ("-mavx2",),
        "__m256i a = _mm256_set1_epi32(argc); a = _mm256_add_epi32(a, a);"
        " int r[8]; _mm256_storeu_si256((__m256i *)r, a); return r[0] == 2 ? 0 : 1;",
        ("GGML_AVX2",),
        ("avx",),
    ),
    IsaProbe(
        "fma",
        ("-mavx", "-mfma"),
        "__m256 a = _mm256_set1_ps((float)argc); a = _mm256_fmadd_ps(a, a, a);"
        " float r[8]; _mm256_storeu_ps(r, a); return r[0] == 2.0f ? 0 : 1;",
        ("GGML_FMA",),
        ("avx",),
    ),
    IsaProbe(
        "f16c",
        ("-mavx", "-mf16c"),
        "__m128i h = _mm_cvtps_ph(_mm_set1_ps((float)argc), 0); __m128 b = _mm_cvtph_ps(h);"
        " float r[4]; _mm_storeu_ps(r, b); return r[0] == 1.0f ? 0 : 1;",
        ("GGML_F16C",),
        ("avx",),
    ),
    IsaProbe(
        "bmi2",
        ("-mbmi2",),
        "unsigned x = _pdep_u32((unsigned)argc, 0xFFu); return x == 1u ? 0 : 1;",
        ("GGML_BMI2",),
    ),
    IsaProbe(
        "avx_vnni",
        ("-mavx2", "-mavxvnni"),
        "__m256i a = _mm256_set1_epi32(argc); a = _mm256_dpbusd_avx_epi32(a, a, a);"
        " int r[8]; _mm256_storeu_si256((__m256i *)r, a); return r[0] == 2 ? 0 : 1;",
        ("GGML_AVX_VNNI",),
        ("avx2",),
    ),
    IsaProbe(
        "avx512",
        ("-mavx512f", "-mavx512cd", "-mavx512vl", "-mavx512dq", "-mavx512bw"),
        "__m512 a = _mm512_set1_ps((float)argc); a = _mm512_and_ps(_mm512_add_ps(a, a), a);"
        " __m512i b = _mm512_add_epi8(_mm512_set1_epi8((char)argc), _mm512_set1_epi8(1));"
        " __m512i c = _mm512_conflict_epi32(_mm512_set1_epi32(argc));"
        " __m256 d = _mm256_maskz_add_ps(0xFF, _mm256_set1_ps(1.0f), _mm256_set1_ps(1.0f));"
        " float r[16]; char s[64]; int t[16]; float u[8];"
        " _mm512_storeu_ps(r, a); _mm512_storeu_si512(s, b); _mm512_storeu_si512(t, c);"
        " _mm256_storeu_ps(u, d);"
        " return (s[0] == 2 && t[1] == 1 && u[0] == 2.0f && r[0] >= 0.0f) ? 0 : 1;",
        ("GGML_AVX512",),
        ("avx2",),
    ),
    IsaProbe(
        "avx512_vbmi",
        ("-mavx512f", "-mavx512bw", "-mavx512vbmi"),
        "__m512i b = _mm512_permutexvar_epi8(_mm512_set1_epi8(0), _mm512_set1_epi8((char)argc));"
        " char s[64]; _mm512_storeu_si512(s, b); return s[5] == 1 ? 0 : 1;",
        ("GGML_AVX512_VBMI",),
        ("avx512",),
    ),
    IsaProbe(
        "avx512_vnni",
        ("-mavx512f", "-mavx512vnni"),
        "__m512i a = _mm512_set1_epi32(argc); a = _mm512_dpbusd_epi32(a, a, a);"
        " int r[16]; _mm512_storeu_si512(r, a); return r[0] == 2 ? 0 : 1;",
        ("GGML_AVX512_VNNI",),
        ("avx512",),
    ),
    IsaProbe(
        "avx512_bf16",
        ("-mavx512f", "-mavx512bf16"),
        "__m512 a = _mm512_set1_ps((float)argc); __m512bh h = _mm512_cvtne2ps_pbh(a, a);"
        " __m512 s = _mm512_dpbf16_ps(_mm512_setzero_ps(), h, h);"
        " float r[16]; _mm512_storeu_ps(r, s); return r[0] == 2.0f ? 0 : 1;",
        ("GGML_AVX512_BF16",),
        ("avx512",),
    ),
)

_PROGRAM = "#include <immintrin.h>\nint main(int argc, char **argv) {{ (void)argv; {body} }}\n"


def is_x86() -> bool:
    """True on x86-64, the only architecture whose instruction sets we probe."""
    return platform.machine() in X86_MACHINES


def find_compiler() -> str | None:
    """The C compiler the probes (and the llama.cpp build) use: $CC, cc, gcc or clang."""
    import os

    for candidate in (os.environ.get("CC"), "cc", "gcc", "clang"):
        if candidate and shutil.which(candidate):
            return candidate
    return None


def run_probe(probe: IsaProbe, compiler: str, workdir: Path, timeout: float = 30.0) -> bool:
    """Compile and run one probe; True only when it compiled and its child exited with 0.

    A SIGILL (or any other signal) in the child is the answer "not usable here", never a
    crash of ours.
    """
    source = workdir / f"{probe.name}.c"
    binary = workdir / probe.name
    source.write_text(_PROGRAM.format(body=probe.body), encoding="utf-8")
    try:
        compiled = subprocess.run(
            [compiler, "-O1", *probe.cflags, str(source), "-o", str(binary)],
            capture_output=True,
            timeout=timeout,
            check=False,
        )
        if compiled.returncode != 0:
            return False
        ran = subprocess.run([str(binary)], capture_output=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return ran.returncode == 0


def probe_instruction_sets(compiler: str | None = None) -> list[str]:
    """Names of the instruction sets that ran here, in probe order (empty off x86-64)."""
    if not is_x86():
        return []
    compiler = compiler or find_compiler()
    if compiler is None:
        return []
    usable: list[str] = []
    with tempfile.TemporaryDirectory(prefix="extractor-isa-") as tmp:
        for probe in PROBES:
            if all(need in usable for need in probe.requires) and run_probe(
                probe, compiler, Path(tmp)
            ):
                usable.append(probe.name)
    return usable


def cmake_flags(usable: list[str]) -> list[str]:
    """ggml CMake options for a portable build that uses exactly the sets in `usable`.

    Off x86-64 (empty `usable` and not x86) the build is left to ggml's defaults. On x86-64
    every ggml instruction-set option is written explicitly, ON or OFF, with native tuning
    and all AMX options OFF, so nothing the flags merely advertise is compiled in.
    """
    if not is_x86():
        return []
    flags = ["-DGGML_NATIVE=OFF"]
    for probe in PROBES:
        state = "ON" if probe.name in usable else "OFF"
        flags += [f"-D{option}={state}" for option in probe.ggml_options]
    flags += ["-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"]
    return flags
