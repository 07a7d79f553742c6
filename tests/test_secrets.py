"""The API key never appears in any output, cache, log line or error message.

A real child (`python -m extractor.cli extract`, OPENAI_LOG=debug so the openai client
logs every request) talks to a loopback server that echoes the Authorization header, and
the base URL's password, back in its error bodies; stdout, stderr and every file written
are then searched for the key and the password. Plus table tests of the redaction rules."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.openai_server import _completion

API_KEY = "sk-proj-7Hq2Zx9LkW4vT1nR8sY3mB6cD0fG5jE-never-print"
URL_PASSWORD = "hunter2-url-secret-55Tq"


class EchoHandler(BaseHTTPRequestHandler):
    """Answers a1 with a 401 and a2 with a 400 whose bodies echo the request's credentials;
    answers every other article with a valid empty answer."""

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        user = body["messages"][-1]["content"]
        article_id = next(
            line.split(": ", 1)[1] for line in user.splitlines() if line.startswith("article_id")
        )
        echoed = {"Authorization": self.headers.get("Authorization"), "path": self.path}
        if article_id == "a1":
            reply = {"error": {"message": f"invalid credentials: {json.dumps(echoed)}"}}
            self._send(401, reply)
        elif article_id == "a2":
            reply = {
                "error": {"message": f"upstream said Authorization: {echoed['Authorization']}"}
            }
            self._send(400, reply)
        else:
            self._send(200, _completion(body, json.dumps({"article_id": article_id, "events": []})))

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-Echo-Authorization", str(self.headers.get("Authorization")))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def forms(secret: str) -> list[bytes]:
    """The secret as it could leak: raw, JSON-escaped, base64 (Basic auth)."""
    return [secret.encode(), json.dumps(secret).encode()[1:-1], base64.b64encode(secret.encode())]


def test_the_key_leaks_nowhere_with_debug_logging_and_an_echoing_server(
    echo_url: str, tmp_path: Path
) -> None:
    articles = tmp_path / "in"
    articles.mkdir()
    for article_id in ("a1", "a2", "a3"):
        (articles / f"{article_id}.txt").write_text(f"Article {article_id}: a quiet day.\n")
    base_url = echo_url.replace("http://", f"http://reader:{URL_PASSWORD}@")
    out, cache = tmp_path / "out", tmp_path / "cache"
    command = [
        sys.executable, "-m", "extractor.cli", "extract", str(articles), "--backend", "openai",
        "--base-url", base_url, "--model", "any", "--out", str(out), "--cache-dir", str(cache),
        "--timeout", "5",
    ]  # fmt: skip
    env = {**os.environ, "OPENAI_API_KEY": API_KEY, "OPENAI_LOG": "debug"}
    done = subprocess.run(command, env=env, capture_output=True, timeout=120, check=False)

    assert done.returncode == 1, done.stderr.decode()  # a1 and a2 failed, a3 was extracted
    assert b"HTTP Request: POST" in done.stderr  # the debug log did run
    lines = (out / "failures.jsonl").read_text().splitlines()
    failures = {f["article_id"]: f for f in map(json.loads, lines)}
    assert sorted(failures) == ["a1", "a2"]
    assert "invalid credentials" in failures["a1"]["message"]
    [record] = map(json.loads, (out / "events.jsonl").read_text().splitlines())
    assert record["provenance"]["base_url"] == echo_url  # the endpoint, without credentials
    places = {"stdout": done.stdout, "stderr": done.stderr}
    for path in [*out.rglob("*"), *cache.rglob("*")]:
        if path.is_file():
            places[str(path)] = path.read_bytes()
    for secret in (API_KEY, URL_PASSWORD):
        for form in forms(secret):
            leaks = [where for where, data in places.items() if form in data]
            assert leaks == [], f"{form!r} leaked into {leaks}"


REDACTIONS = {
    "registered key": ("call failed: " + API_KEY, "call failed: [redacted]"),
    "authorization header": ("Authorization: Bearer abcdef123456", "Authorization: [redacted]"),
    "header in a dict": ("{'authorization': 'Bearer zzzzzzzz'}", "{'authorization': '[redacted]'}"),
    "api-key header": ('"api-key": "0123456789abcdef"', '"api-key": "[redacted]"'),
    "bare bearer": ("sent bearer qwertyuiop123", "sent bearer [redacted]"),
    "openai-style key": ("key sk-abcdefghijkl0123", "key [redacted]"),
    "url credentials": ("POST http://u:pw@h:1/v1 failed", "POST http://[redacted]@h:1/v1 failed"),
    "key in a query": ("GET http://h/v1?api-key=abc&x=1", "GET http://h/v1?api-key=[redacted]&x=1"),
    "plain text": (
        "HTTP 500 from http://127.0.0.1:8080/v1",
        "HTTP 500 from http://127.0.0.1:8080/v1",
    ),
}


@pytest.mark.parametrize(("text", "expected"), REDACTIONS.values(), ids=list(REDACTIONS))
def test_redact(text: str, expected: str) -> None:
    from extractor.redaction import redact, register_secret

    register_secret(API_KEY)
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://user:pw@127.0.0.1:8080/v1", "http://127.0.0.1:8080/v1"),
        (
            "https://api.example.com/v1?api-key=k&deployment=d",
            "https://api.example.com/v1?deployment=d",
        ),
        ("https://api.openai.com/v1", "https://api.openai.com/v1"),
    ],
)
def test_base_url_is_recorded_without_credentials(
    url: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from extractor.backends.openai_compat import OpenAIBackend

    monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
    backend = OpenAIBackend(model="any", base_url=url)
    try:
        assert backend.info.base_url == expected
    finally:
        backend.close()
