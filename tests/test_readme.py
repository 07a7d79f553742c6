"""The README's quick starts run as written (those that need no local model build).

The `sh` blocks of the "Quick start" section are run with bash in a scratch folder holding
`my-articles/` (the gold articles), with this checkout's `.venv/bin` on PATH instead of the
install lines, and every endpoint (`--base-url http://localhost:PORT/v1`, or OpenAI's when
none is given) pointed at the loopback test server. The block that builds the local runtime
and model (`make run`) is left to `make run` itself.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GOLD_ARTICLES
from tests.openai_server import OpenAIServer

REPO = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"^```sh\n(.*?)^```$", re.MULTILINE | re.DOTALL)
INSTALL_LINES = ("python3 -m venv", ". .venv/bin/activate")
LOCALHOST = re.compile(r"http://localhost:\d+/v1")


def quick_start_blocks() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    return BLOCK.findall(section)


def runnable(block: str, url: str) -> str:
    """The block as the test runs it: no install lines, every endpoint the loopback one."""
    lines = []
    for line in block.splitlines():
        if line.startswith(INSTALL_LINES):
            continue
        line = LOCALHOST.sub(url, line)
        if line.startswith("extractor extract") and "--base-url" not in line:
            line += f" --base-url {url}"
        lines.append(line)
    return "set -euo pipefail\n" + "\n".join(lines) + "\n"


def test_the_quick_start_has_the_three_cases() -> None:
    blocks = quick_start_blocks()
    assert len(blocks) == 3
    assert "make run" in blocks[0] and "OPENAI_API_KEY" in blocks[1]
    assert all(host in blocks[2] for host in (":11434", ":8000", ":8080"))


@pytest.mark.parametrize("index", [1, 2], ids=["own folder with an OpenAI key", "local server"])
def test_a_quick_start_runs_as_written(index: int, tmp_path: Path) -> None:
    shutil.copytree(
        GOLD_ARTICLES, tmp_path / "my-articles", ignore=shutil.ignore_patterns("*.json")
    )
    venv_bin = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}",
        "EXTRACTOR_CACHE_DIR": str(tmp_path / "cache"),
    }
    env.pop("OPENAI_API_KEY", None)
    with OpenAIServer() as server:
        script = runnable(quick_start_blocks()[index], server.url)
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        hits = server.hits
    assert done.returncode == 0, f"{script}\n{done.stdout}\n{done.stderr}"
    articles = len(list((tmp_path / "my-articles").glob("*.txt")))
    outs = ["out"] if index == 1 else ["out-ollama", "out-vllm", "out-llamacpp"]
    assert hits == articles * len(outs)
    for out in outs:
        records = (tmp_path / out / "events.jsonl").read_text().splitlines()
        assert len(records) == articles and (tmp_path / out / "calls.db").is_file()
    first = json.loads((tmp_path / outs[0] / "events.jsonl").read_text().splitlines()[0])
    report = tmp_path / outs[0] / "report.html"
    assert report.is_file() and first["article_id"] in report.read_text()
    if index == 1:
        assert "dry run: openai gpt-4o-mini" in done.stderr and "cost    ~$" in done.stderr


def test_every_environment_variable_is_in_the_table() -> None:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    table = text.split("\n### Environment variables\n", 1)[1].split("\n#", 1)[0]
    listed = set(re.findall(r"^\| `([A-Z_]+)`", table, re.MULTILINE))
    source = "\n".join(p.read_text(encoding="utf-8") for p in (REPO / "extractor").rglob("*.py"))
    used = set(re.findall(r"\"(EXTRACTOR_[A-Z_]+)\"", source))
    assert used, "no variable found: the pattern is out of date"
    missing = {name for name in used if name not in table}
    assert not missing, f"not in the README's table: {sorted(missing)}"
    assert {"OPENAI_API_KEY", "EXTRACTOR_CACHE_DIR", "EXTRACTOR_PRICES"} <= listed
