"""`--engine ray` on a real Ray cluster: a head and a second node started with `ray start` on
127.0.0.1 (one CPU each), the real CLI in child processes, the fake backend and the real
openai backend against the loopback server. The outputs (JSONL, CSV, SQLite, per-article
records, failures) match the single-process engine's; a worker killed with SIGKILL loses no
article and only the article it had in flight is asked again; a driver killed mid-run is
resumed by the rerun without asking for any finished article. The cluster is stopped at
the end (`ray stop --force`)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from tests.conftest import build_event
from tests.openai_server import OpenAIServer

RAY = Path(sys.executable).parent / "ray"
NODE_OPTIONS = ["--num-cpus", "1", "--object-store-memory", "100000000", "--disable-usage-stats"]
IDS = [f"n{i:02d}" for i in range(12)]
RUN_TIMEOUT_S = 120


def _env() -> dict[str, str]:
    """The child processes' environment: a loopback cluster without token auth (Ray >= 2.5x
    turns it on by default; the cluster here listens on 127.0.0.1 only)."""
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "OPENAI_API_KEY": "sk-test"}
    env.pop("RAY_ADDRESS", None)
    return env


def _free_port() -> int:
    """A free port outside Ray's default worker port range (10002-19999)."""
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if not 10002 <= port <= 19999:
            return port


def _ray(*args: str, timeout: float = 90) -> None:
    subprocess.run([str(RAY), *args], env=_env(), check=True, timeout=timeout, capture_output=True)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A two-node Ray cluster on 127.0.0.1; its address."""
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # Ray's socket paths must stay short
    address = f"127.0.0.1:{port}"
    try:
        _ray(
            "start", "--head", "--node-ip-address", "127.0.0.1", "--port", str(port),
            "--include-dashboard=false", "--temp-dir", temp, *NODE_OPTIONS,
        )  # fmt: skip
        _ray("start", "--address", address, "--node-ip-address", "127.0.0.1", *NODE_OPTIONS)
        yield address
    finally:
        subprocess.run([str(RAY), "stop", "--force"], env=_env(), timeout=60, capture_output=True)
        shutil.rmtree(temp, ignore_errors=True)


def _write_articles(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, article_id in enumerate(IDS):
        text = f"Two rockets hit Camp Larch on Sunday. Report {index} of the {article_id} desk.\n"
        (folder / f"{article_id}.txt").write_text(text)
    (folder / "bad.txt").write_text("Officials described a picnic.\n")
    (folder / "empty.txt").write_text("")
    return folder


def _answer(delay_s: float = 0.0) -> Any:
    """What the loopback model says: an event for even reports, none for odd ones, an
    answer that breaks the schema for `bad`; after `delay_s`."""

    def answer(article_id: str, text: str) -> dict[str, Any]:
        time.sleep(delay_s)
        if article_id == "bad":
            return {"article_id": article_id, "events": [{"event_type": "picnic"}]}
        events = []
        if int(article_id[1:]) % 2 == 0:
            events = [build_event().model_dump(mode="json")]
        return {"article_id": article_id, "events": events}

    return answer


def _extract_args(articles: Path, out: Path, backend: list[str], *extra: str) -> list[str]:
    return [
        "extract", str(articles), *backend, "--out", str(out),
        "--cache-dir", str(out.parent / f"{out.name}-cache"), "--sqlite", str(out / "run.db"),
        *extra,
    ]  # fmt: skip


def _cli(args: list[str]) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "extractor.cli", *args]
    return subprocess.Popen(
        command, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(child: subprocess.Popen[str]) -> tuple[int, str]:
    _, stderr = child.communicate(timeout=RUN_TIMEOUT_S)
    return child.returncode, stderr


def _local(args: list[str]) -> int:
    """The default engine, in this process."""
    return CliRunner().invoke(app, args, env={"OPENAI_API_KEY": "sk-test"}).exit_code


def _no_latency(record: dict[str, Any]) -> dict[str, Any]:
    if isinstance(record.get("provenance"), dict):
        record["provenance"].pop("latency_s", None)
    return record


def _lines(path: Path) -> list[str]:
    return path.read_text().splitlines()


def _outputs(out: Path) -> dict[str, Any]:
    """Everything a run wrote that does not depend on timing."""
    jsonl = [_no_latency(json.loads(line)) for line in _lines(out / "events.jsonl")]
    records = {p.name: _no_latency(json.loads(p.read_text())) for p in out.glob("articles/*")}
    failures = [json.loads(line) for line in _lines(out / "failures.jsonl")]
    with sqlite3.connect(out / "run.db") as db:
        tables = {
            "events": db.execute("SELECT * FROM events ORDER BY event_id").fetchall(),
            "evidence": db.execute("SELECT * FROM evidence ORDER BY event_id, position").fetchall(),
            "articles": db.execute(
                "SELECT article_id, text_length, events, quotes, quotes_found FROM articles "
                "ORDER BY article_id"
            ).fetchall(),
        }
    return {
        "events.jsonl": jsonl,
        "events.csv": (out / "events.csv").read_text(),
        "events_acled.csv": (out / "events_acled.csv").read_text(),
        "failures.jsonl": failures,
        "articles": records,
        "sqlite": tables,
    }


def _asked(server: OpenAIServer) -> Counter[str]:
    """Requests per article id."""
    found: Counter[str] = Counter()
    for request in server.requests:
        for message in request["body"]["messages"]:
            for line in str(message.get("content") or "").splitlines():
                if line.startswith("article_id: "):
                    found[line.split(": ", 1)[1]] += 1
    return found


def test_fake_backend_on_two_nodes_writes_what_the_local_engine_writes(
    cluster: str, tmp_path: Path
) -> None:
    articles = _write_articles(tmp_path / "articles")
    fake = ["--backend", "fake"]
    assert _local(_extract_args(articles, tmp_path / "local", fake)) == 1  # bad + empty
    ray = ["--engine", "ray", "--ray-address", cluster, "--workers", "2"]
    code, stderr = _finish(_cli(_extract_args(articles, tmp_path / "ray", fake, *ray)))
    assert code == 1, stderr  # the empty file is a failure, as with the local engine
    assert _outputs(tmp_path / "ray") == _outputs(tmp_path / "local")
    assert "extracted 13" in stderr


def test_more_workers_than_the_cluster_holds_is_a_usage_error(cluster: str, tmp_path: Path) -> None:
    articles = _write_articles(tmp_path / "articles")
    ray = ["--engine", "ray", "--ray-address", cluster, "--workers", "3"]
    code, stderr = _finish(_cli(_extract_args(articles, tmp_path / "ray", ["-b", "fake"], *ray)))
    assert code == 2, stderr
    assert "the Ray cluster has 2 CPUs; 3 workers x 1 CPUs" in stderr


def test_openai_backend_on_two_nodes_matches_the_local_engine_and_resumes_from_cache(
    cluster: str, tmp_path: Path
) -> None:
    articles = _write_articles(tmp_path / "articles")
    with OpenAIServer(answer_text=_answer()) as server:
        openai = ["--backend", "openai", "--base-url", server.url, "--model", "any"]
        assert _local(_extract_args(articles, tmp_path / "local", openai)) == 1
        asked_local = _asked(server)
        ray = ["--engine", "ray", "--ray-address", cluster, "--workers", "2", "-j", "2"]
        code, stderr = _finish(_cli(_extract_args(articles, tmp_path / "ray", openai, *ray)))
        assert code == 1, stderr
        assert _asked(server) - asked_local == asked_local  # the same requests again
        local, distributed = _outputs(tmp_path / "local"), _outputs(tmp_path / "ray")
        assert distributed == local
        assert len(local["events.jsonl"]) == 12
        assert {f["kind"] for f in local["failures.jsonl"]} == {"invalid_output", "input"}
        assert _logged_calls(tmp_path / "ray") == _logged_calls(tmp_path / "local")
        before = server.hits
        code, stderr = _finish(_cli(_extract_args(articles, tmp_path / "ray", openai, *ray)))
        assert code == 1, stderr
        assert server.hits - before == asked_local["bad"]  # only the failed article, again
        assert _asked(server)["bad"] == 3 * asked_local["bad"]


def _logged_calls(out: Path) -> list[tuple[Any, ...]]:
    """The call log the driver kept (`calls.db`), without times."""
    with sqlite3.connect(out / "calls.db") as db:
        return db.execute(
            "SELECT article_id, attempt, call, slot, ok, error, response FROM calls "
            "ORDER BY article_id, attempt, call"
        ).fetchall()


def _worker_pids() -> list[int]:
    """Processes of live extraction workers (Ray titles them `ray::ExtractionWorker...`)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if title.startswith(b"ray::ExtractionWorker"):
                pids.append(int(entry.name))
    return pids


def test_a_worker_killed_mid_run_loses_nothing_and_only_its_article_is_asked_again(
    cluster: str, tmp_path: Path
) -> None:
    articles = _write_articles(tmp_path / "articles")
    with OpenAIServer(answer_text=_answer(delay_s=0.3)) as server:
        openai = ["--backend", "openai", "--base-url", server.url, "--model", "any"]
        ray = ["--engine", "ray", "--ray-address", cluster, "--workers", "2"]
        child = _cli(_extract_args(articles, tmp_path / "ray", openai, *ray))
        deadline = time.monotonic() + 60
        while server.hits < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        pids = _worker_pids()
        assert len(pids) == 2, pids
        asked_before_kill = set(_asked(server))
        os.kill(pids[0], signal.SIGKILL)
        code, stderr = _finish(child)
        assert code == 1, stderr
        asked = _asked(server)
        written = {p.stem for p in (tmp_path / "ray" / "articles").glob("*.json")}
        assert written == set(IDS)  # nothing lost
        code, stderr = _finish(_cli(_extract_args(articles, tmp_path / "ray", openai, *ray)))
        assert code == 1, stderr
        rerun = _asked(server) - asked
        assert set(rerun) == {"bad"}  # the failed article only; it takes `rerun["bad"]` asks
        once = Counter({**dict.fromkeys(IDS, 1), "bad": rerun["bad"]})
        again = asked - once
        assert len(again) <= 1 and set(again) <= asked_before_kill, asked  # one was in flight


def test_a_driver_killed_mid_run_is_resumed_without_asking_for_finished_articles(
    cluster: str, tmp_path: Path
) -> None:
    articles = _write_articles(tmp_path / "articles")
    with OpenAIServer(answer_text=_answer(delay_s=0.3)) as server:
        openai = ["--backend", "openai", "--base-url", server.url, "--model", "any"]
        ray = ["--engine", "ray", "--ray-address", cluster, "--workers", "2"]
        child = _cli(_extract_args(articles, tmp_path / "ray", openai, *ray))
        finished = tmp_path / "ray" / "articles"
        deadline = time.monotonic() + 60
        while len(list(finished.glob("*.json"))) < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.communicate(timeout=30)
        done = {p.stem for p in finished.glob("*.json")}
        assert len(done) >= 4
        asked = _asked(server)
        code, stderr = _finish(_cli(_extract_args(articles, tmp_path / "ray", openai, *ray)))
        assert code == 1, stderr
        again = _asked(server) - asked
        assert not set(again) & done, again
        assert {p.stem for p in finished.glob("*.json")} == set(IDS)


def test_sigterm_stops_a_ray_batch_keeping_what_finished_and_its_workers(
    cluster: str, tmp_path: Path
) -> None:
    articles = _write_articles(tmp_path / "articles")
    with OpenAIServer(answer_text=_answer(delay_s=0.3)) as server:
        openai = ["--backend", "openai", "--base-url", server.url, "--model", "any"]
        ray = ["--engine", "ray", "--ray-address", cluster, "--workers", "2"]
        child = _cli(_extract_args(articles, tmp_path / "ray", openai, *ray))
        finished = tmp_path / "ray" / "articles"
        deadline = time.monotonic() + 60
        while len(list(finished.glob("*.json"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        child.send_signal(signal.SIGTERM)
        code, stderr = _finish(child)
        assert code == 143, stderr
        written = {p.stem for p in finished.glob("*.json")}
        assert 3 <= len(written) < len(IDS) + 1
        jsonl = _lines(tmp_path / "ray" / "events.jsonl")
        assert {json.loads(line)["article_id"] for line in jsonl} == written
        deadline = time.monotonic() + 30
        while _worker_pids() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _worker_pids() == []  # the batch's workers are gone with it


def test_without_an_address_the_api_starts_a_ray_instance_itself(tmp_path: Path) -> None:
    articles = _write_articles(tmp_path / "articles")
    script = (
        "import sys, pathlib, extractor\n"
        "r = extractor.extract(pathlib.Path(sys.argv[1]), backend='fake', out_dir=sys.argv[2], "
        "cache_dir=sys.argv[3], engine='ray', workers=2, concurrency=2)\n"
        "print(len(r.records), len(r.failures))\n"
    )
    out = tmp_path / "ray"
    command = [sys.executable, "-c", script, str(articles), str(out), str(tmp_path / "cache")]
    done = subprocess.run(
        command, env=_env(), capture_output=True, text=True, timeout=RUN_TIMEOUT_S
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["13", "1"]
    assert {p.stem for p in (out / "articles").glob("*.json")} == {*IDS, "bad"}


def test_without_ray_installed_engine_ray_fails_with_the_install_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    articles = _write_articles(tmp_path / "articles")
    args = ["extract", str(articles), "--backend", "fake", "--engine", "ray"]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "pip install 'extractor[ray]'" in result.output
    assert not (tmp_path / "out").exists()


def test_without_ray_installed_the_api_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import extractor
    from extractor.core.errors import ConfigError

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"pip install 'extractor\[ray\]'"):
        extractor.extract("Two rockets hit Camp Larch.", backend="fake", engine="ray")


def test_a_worker_starts_from_the_cache_entries_the_driver_sends(tmp_path: Path) -> None:
    """No Ray here: the probe and the worker class in this process. A long article whose
    last chunk failed before: the probe finds the other chunks, the worker asks only for
    the missing one, and the driver stores the entry it sends back."""
    from extractor.backends.fake import FakeBackend
    from extractor.cache import ResultCache
    from extractor.core.errors import InvalidModelOutput
    from extractor.core.records import ExtractionRecord
    from extractor.engines.cache_probe import CacheProbe
    from extractor.engines.ray_worker import ExtractionWorker
    from extractor.inputs import read_inputs
    from extractor.prompts import load_prompt
    from extractor.runner import CachedRunner, RunnerConfig
    from tests.test_chunking_api import TOWER, long_article

    article = read_inputs({"long": long_article()}).articles[0]
    config, prompt = RunnerConfig(), load_prompt("extract")

    def last_chunk_fails(request: Any) -> Any:
        if TOWER in request.text:
            raise InvalidModelOutput("no", attempts=1)
        return FakeBackend().extract(request).events

    with ResultCache(tmp_path / "cache") as cache:
        first = FakeBackend(respond=last_chunk_fails, context_tokens=5000)
        failed = CachedRunner(first, cache, config=config).extract_article(article)
        assert failed.kind == "invalid_output" and len(first.calls) >= 2  # type: ignore[union-attr]
        found = CacheProbe(first.info, cache, prompt, config).probe(article)
        assert isinstance(found, dict) and len(found) == len(first.calls) - 1
        worker = ExtractionWorker(lambda: FakeBackend(context_tokens=5000), prompt, config)
        done = worker.extract(article, found, log_calls=True)
        assert [call.text for call in worker.backend.calls] == [first.calls[-1].text]  # type: ignore[attr-defined]
        assert isinstance(done.outcome, ExtractionRecord)
        assert done.outcome.provenance.chunks == len(first.calls)
        assert len(done.cache_writes) == 1 and done.calls is not None
        assert [kept[1] for kept in done.calls.records] == ["long"]
        for key, value in done.cache_writes.items():
            cache.set(key, value)
        again = CacheProbe(first.info, cache, prompt, config).probe(article)
        assert isinstance(again, ExtractionRecord) and again.provenance.cache_hit
        assert again.events == done.outcome.events


def test_each_local_model_worker_runs_on_the_cpus_it_reserves() -> None:
    from extractor.engines import RayOptions, backend_factory

    two = backend_factory("local", {"model": None}, RayOptions(worker_cpus=2.0))
    assert two.keywords == {"n_threads": 2}  # type: ignore[attr-defined]
    given = backend_factory("local", {"n_threads": 3}, RayOptions(worker_cpus=2.0))
    assert given.keywords == {"n_threads": 3}  # type: ignore[attr-defined]
    http = backend_factory("openai", {"model": "m", "timeout": None}, RayOptions(worker_cpus=2))
    assert http.keywords == {"model": "m"}  # type: ignore[attr-defined]
