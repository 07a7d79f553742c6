"""A loopback proxy in front of `python -m llama_cpp.server` that fixes decoding and counts tokens.

Peers that speak HTTP cannot all set llama.cpp's sampling options (LangExtract's OpenAI
provider sends no `repeat_penalty`, and llama.cpp's default of 1.1 is what made the 1.5B
loop), so the proxy fills in the decoding our own pipeline uses, `temperature=0` and
`repeat_penalty=1.0`, where a request does not set them, and records every response's
`usage` so all peers' tokens are counted the same way. It binds to 127.0.0.1, forwards
one request at a time (llama.cpp serves one anyway) and stops after `--max-seconds`.

    python -m benchmarks.peers.proxy --upstream http://127.0.0.1:8001 --log usage.jsonl
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DECODING_DEFAULTS: dict[str, Any] = {"temperature": 0.0, "repeat_penalty": 1.0}


class ProxyHandler(BaseHTTPRequestHandler):
    """Forwards to the upstream server; `/bench/tag/<name>` labels later log lines."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        """No per-request stderr line."""

    def _reply(self, status: int, data: bytes, content_type: str = "application/json") -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _forward(self, method: str, body: bytes | None) -> tuple[int, bytes, str]:
        request = urllib.request.Request(
            self.server.upstream + self.path,
            data=body,
            method=method,
            headers={"Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.server.timeout_s) as response:
                return response.status, response.read(), response.headers.get_content_type()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), "application/json"
        except (urllib.error.URLError, TimeoutError) as exc:
            message = json.dumps({"error": {"message": f"proxy: upstream failed: {exc}"}})
            return 502, message.encode(), "application/json"

    def do_GET(self) -> None:
        """Tag control, else forward (model list, health)."""
        if self.path.startswith("/bench/tag/"):
            self.server.tag = self.path.rsplit("/", 1)[-1]
            self._reply(200, json.dumps({"tag": self.server.tag}).encode())
            return
        status, data, content_type = self._forward("GET", None)
        self._reply(status, data, content_type)

    def do_POST(self) -> None:
        """Fill in decoding defaults, forward, log usage."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            body = None
        if isinstance(body, dict) and self.path.endswith("/chat/completions"):
            for key, value in DECODING_DEFAULTS.items():
                if body.get(key) is None:
                    body[key] = value
            raw = json.dumps(body).encode()
        started = time.time()
        with self.server.lock:  # llama.cpp serves one request at a time anyway
            status, data, content_type = self._forward("POST", raw)
        record: dict[str, Any] = {
            "tag": self.server.tag,
            "path": self.path,
            "status": status,
            "t0": round(started, 3),
            "t1": round(time.time(), 3),
        }
        try:
            answer = json.loads(data)
            usage = answer.get("usage") or {}
            record.update(
                prompt_tokens=usage.get("prompt_tokens", 0),
                completion_tokens=usage.get("completion_tokens", 0),
                finish_reason=(answer.get("choices") or [{}])[0].get("finish_reason"),
            )
        except (json.JSONDecodeError, AttributeError):
            pass
        self.server.write_log(record)
        self._reply(status, data, content_type)


class ProxyServer(ThreadingHTTPServer):
    """Holds the upstream URL, the usage log and the current tag."""

    daemon_threads = True

    def __init__(self, port: int, upstream: str, log: Path, timeout_s: float) -> None:
        super().__init__(("127.0.0.1", port), ProxyHandler)
        self.upstream = upstream.rstrip("/")
        self.timeout_s = timeout_s
        self.tag = "default"
        self.lock = threading.Lock()
        self._log_lock = threading.Lock()
        self._log = log.open("a", encoding="utf-8")

    def write_log(self, record: dict[str, Any]) -> None:
        """Append one usage line."""
        with self._log_lock:
            self._log.write(json.dumps(record) + "\n")
            self._log.flush()


def main(argv: list[str] | None = None) -> int:
    """Serve until `--max-seconds` pass."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peers.proxy",
        description="Loopback proxy to llama_cpp.server: temperature 0 and repeat_penalty 1.0 "
        "unless set, and a JSONL log of every response's token usage.",
    )
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:8001")
    parser.add_argument("--port", type=int, default=0, help="port (0: pick a free one)")
    parser.add_argument("--log", type=Path, required=True, help="JSONL usage log")
    parser.add_argument("--timeout", type=float, default=900.0, help="upstream timeout (s)")
    parser.add_argument("--max-seconds", type=float, default=6 * 3600, help="stop after this")
    args = parser.parse_args(argv)
    server = ProxyServer(args.port, args.upstream, args.log, args.timeout)
    timer = threading.Timer(args.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    print(f"listening http://127.0.0.1:{server.server_address[1]}/v1", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
