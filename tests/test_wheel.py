"""Packaging: the wheel works outside the checkout, `--version`, and the package list.

The slow test builds the sdist and, from it, the wheel (what `python -m build` does), from a
copy of the sources in tmp_path (a build writes build/ and *.egg-info next to the sources),
installs the wheel into a fresh venv without system site-packages, and runs the CLI and
the API from another directory: prompts must come from the installed package. It takes
about 35-45 s, mostly pip installing the dependencies (from pip's cache when warm).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import version
from pathlib import Path

import pytest
from typer.testing import CliRunner

import extractor
from extractor.cli import app
from tests.conftest import GOLD_ARTICLES
from tests.openai_server import OpenAIServer
from tests.test_prompts import PROMPT_NAMES, REPO_PROMPTS, expected_version

REPO = Path(__file__).resolve().parents[1]
PROMPTS_PACKAGE_DIR = "extractor/_prompts"
ARTICLE = "Two rockets hit Camp Larch on Sunday. Nobody was hurt.\n"


def _listed_packages() -> set[str]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        return set(tomllib.load(handle)["tool"]["setuptools"]["packages"])


def test_every_package_directory_is_listed_in_pyproject() -> None:
    found = {
        ".".join(path.parent.relative_to(REPO).parts)
        for path in (REPO / "extractor").rglob("*.py")
        if "__pycache__" not in path.parts
    }
    assert found | {"extractor._prompts"} == _listed_packages(), (
        "[tool.setuptools] packages in pyproject.toml must list every package under extractor/"
    )


def test_version_flag_prints_the_installed_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout == f"extractor {version('extractor')}\n"


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    """Run a command; fail the test with its output when it fails."""
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{command}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _copy_sources(target: Path) -> Path:
    """What a fresh clone builds from: top-level files, extractor/ and prompts/."""
    target.mkdir()
    for path in REPO.iterdir():
        if path.is_file():
            shutil.copy2(path, target / path.name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("extractor", "prompts"):
        shutil.copytree(REPO / folder, target / folder, ignore=ignore)
    return target


def _build_wheel(tmp_path: Path) -> Path:
    """sdist from a copy of the sources, then the wheel from the sdist, offline."""
    source = _copy_sources(tmp_path / "src")
    sdist_dir, wheel_dir = tmp_path / "sdist", tmp_path / "dist"
    build_sdist = "from setuptools import build_meta as b; import sys; b.build_sdist(sys.argv[1])"
    _run(sys.executable, "-c", build_sdist, sdist_dir, cwd=source)
    [sdist] = sdist_dir.glob("*.tar.gz")
    pip_wheel = ["-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    _run(sys.executable, *pip_wheel, "-w", wheel_dir, sdist, cwd=tmp_path)
    [wheel] = wheel_dir.glob("*.whl")
    return wheel


def _check_wheel_contents(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    sources = {  # modules and any data file: a data file needs a package-data entry
        path.relative_to(REPO).as_posix()
        for path in (REPO / "extractor").rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    }
    assert sources <= names, f"not in the wheel: {sorted(sources - names)}"
    prompts = {
        f"{PROMPTS_PACKAGE_DIR}/{path.relative_to(REPO_PROMPTS).as_posix()}"
        for path in REPO_PROMPTS.glob("*/*.txt")
    }
    assert prompts | {f"{PROMPTS_PACKAGE_DIR}/__init__.py"} <= names, sorted(prompts - names)
    assert not [name for name in names if name.startswith(("prompts/", "tests/", "gold/"))]


def _install(wheel: Path, venv: Path) -> None:
    """A venv without system site-packages; this venv's pip installs the wheel and its
    dependencies into it (no pip of its own to bootstrap, no bytecode compiling)."""
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=venv.parent)
    python = venv / "bin" / "python"
    pip_install = ["-m", "pip", "--python", python, "install", "-q", "--no-compile"]
    _run(sys.executable, *pip_install, wheel, cwd=venv.parent)


API_SCRIPT = """
import json, sys
import extractor
heavy = [m for m in ("llama_cpp", "instructor", "openai") if m in sys.modules]
gold, text, names = sys.argv[1], sys.argv[2], sys.argv[3:]
result = extractor.extract([text], backend="fake", no_cache=True)
from extractor.prompts import load_prompt
print(json.dumps({
    "all": extractor.__all__,
    "heavy": heavy,
    "file": extractor.__file__,
    "articles": [a.model_dump(mode="json") for a in result.articles],
    "ok": result.ok,
    "versions": {name: load_prompt(name).version for name in names},
    "f1": extractor.evaluate(gold, gold).metrics.event_f1_all,
}))
"""


@pytest.mark.slow
def test_wheel_installs_and_runs_outside_the_checkout(tmp_path: Path) -> None:
    wheel = _build_wheel(tmp_path)
    _check_wheel_contents(wheel)
    venv = tmp_path / "venv"
    _install(wheel, venv)

    work = tmp_path / "work"
    work.mkdir()
    (work / "one.txt").write_text(ARTICLE, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env.pop("EXTRACTOR_PROMPTS_DIR", None)
    env |= {"OPENAI_API_KEY": "sk-wheel-test", "EXTRACTOR_CACHE_DIR": str(tmp_path / "cache")}
    cli = venv / "bin" / "extractor"

    assert _run(cli, "--version", cwd=work, env=env) == f"extractor {extractor.__version__}\n"

    _run(cli, "extract", "one.txt", "--backend", "fake", "--out", "out-fake", cwd=work, env=env)
    [record] = [
        json.loads(line) for line in (work / "out-fake" / "events.jsonl").read_text().splitlines()
    ]
    assert record["article_id"] == "one"
    assert record["provenance"]["prompt_version"] == expected_version(REPO_PROMPTS / "extract")

    with OpenAIServer() as server:
        openai = ["--backend", "openai", "--base-url", server.url, "--model", "any"]
        _run(cli, "extract", "one.txt", *openai, "--out", "out-openai", cwd=work, env=env)
        assert server.hits == 1
    assert (work / "out-openai" / "events.jsonl").read_text().startswith('{"article_id":"one"')

    gold = GOLD_ARTICLES.parent
    scores = json.loads(
        _run(cli, "eval", "--pred", gold, "--gold", gold, "--json", cwd=work, env=env)
    )
    assert scores["event_f1_all"] == 1.0

    python = venv / "bin" / "python"
    output = _run(python, "-c", API_SCRIPT, gold, ARTICLE, *PROMPT_NAMES, cwd=work, env=env)
    report = json.loads(output)
    assert report["all"] == extractor.__all__
    assert report["heavy"] == []
    assert Path(report["file"]).is_relative_to(venv)
    assert report["ok"] and len(report["articles"]) == 1
    assert report["versions"] == {
        name: expected_version(REPO_PROMPTS / name) for name in PROMPT_NAMES
    }
    assert report["f1"] == 1.0
