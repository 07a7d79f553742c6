"""A loopback OpenAI-compatible chat-completions server for the benchmarks.

It answers every `POST /v1/chat/completions` with the canned events of the synthetic
article named in the request (see `benchmarks.common.synthetic`) after a fixed delay, in
the shape the request asked for: a forced tool call when the request carries `tools`,
otherwise the JSON object as message content. With `--fault-rate` it injects seeded faults:

    http429    429 with `Retry-After`            (transient: the runner retries)
    http500    500 with an error body            (transient)
    timeout    holds the request past the client's timeout, then drops it (transient)
    malformed  200 with truncated JSON           (invalid output: instructor re-asks)
    invalid    200 with JSON that breaks the schema (invalid output: re-ask)

Whether request number n for one article faults is decided by `Random(f"{seed}:{article}:{n}")`,
so a run is reproducible whatever the interleaving of concurrent requests. Every request
is logged as one JSON line (article, outcome, re-ask or not, times) so a benchmark can count
requests per article across runs. It binds to 127.0.0.1 only, serves each connection on its
own thread, and stops by itself after `--max-seconds` or `--max-requests`.

    python -m benchmarks.common.server --delay 0.2 --log /tmp/requests.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from benchmarks.common.synthetic import canned_events, find_article

FAULT_KINDS = ("http429", "http500", "timeout", "malformed", "invalid")


@dataclass
class ServerConfig:
    """How the server behaves; all times in seconds."""

    delay_s: float = 0.2
    fault_rate: float = 0.0
    fault_kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    retry_after_s: int = 1
    timeout_hold_s: float = 5.0
    max_seconds: float = 900.0
    max_requests: int = 200_000
    log_path: Path | None = None


@dataclass
class ServerState:
    """Counters shared by the handler threads."""

    config: ServerConfig
    lock: threading.Lock = field(default_factory=threading.Lock)
    per_article: dict[str, int] = field(default_factory=dict)
    requests: int = 0
    tag: str = "run1"
    log_file: Any = None

    def next_request(self, article_key: str) -> tuple[int, int]:
        """Count one request; return (total requests, this article's request number)."""
        with self.lock:
            self.requests += 1
            n = self.per_article.get(article_key, 0) + 1
            self.per_article[article_key] = n
            return self.requests, n

    def log(self, record: dict[str, Any]) -> None:
        """Append one JSON line to the request log (flushed at once)."""
        if self.log_file is None:
            return
        line = json.dumps(record, sort_keys=True)
        with self.lock:
            self.log_file.write(line + "\n")
            self.log_file.flush()

    def fault_for(self, article_key: str, n: int) -> str | None:
        """The fault to inject for request `n` of one article, or None."""
        config = self.config
        if config.fault_rate <= 0:
            return None
        rng = random.Random(f"{config.seed}:{article_key}:{n}")
        if rng.random() >= config.fault_rate:
            return None
        return rng.choice(config.fault_kinds)


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(part.get("text", "")) for part in content if isinstance(part, dict))
    return ""


def _identify(body: dict[str, Any]) -> tuple[int | None, str, bool]:
    """(synthetic index, article key for logs and faults, is a re-ask)."""
    messages = body.get("messages") or []
    users = [m for m in messages if m.get("role") == "user"]
    index, field_id = None, None
    for message in users:
        index, field_id = find_article(_message_text(message))
        if index is not None or field_id is not None:
            break
    reask = any(m.get("role") in ("assistant", "tool") for m in messages)
    key = f"{index:06d}" if index is not None else (field_id or "unknown")
    return index, key, reask


def _invalid_payload(payload: dict[str, Any]) -> dict[str, Any]:
    broken = json.loads(json.dumps(payload))
    if broken["events"]:
        broken["events"][0]["event_type"] = "explosion"
        broken["events"][0].pop("evidence", None)
    else:
        broken["events"] = [{"event_type": "explosion"}]
    return broken


def _completion(body: dict[str, Any], arguments: str) -> dict[str, Any]:
    """A chat.completion object carrying `arguments` as a tool call or as content."""
    tools = body.get("tools") or []
    message: dict[str, Any] = {"role": "assistant", "content": None}
    finish = "stop"
    if tools:
        name = tools[0].get("function", {}).get("name", "ArticleEvents")
        choice = body.get("tool_choice")
        if isinstance(choice, dict):
            name = choice.get("function", {}).get("name", name)
        message["tool_calls"] = [
            {
                "id": "call_bench",
                "type": "function",
                "function": {"name": name, "arguments": arguments},
            }
        ]
        finish = "tool_calls"
    else:
        message["content"] = arguments
    prompt_chars = sum(len(_message_text(m)) for m in body.get("messages") or [])
    prompt_tokens, completion_tokens = prompt_chars // 4, len(arguments) // 4
    return {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "bench"),
        "choices": [{"index": 0, "message": message, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class BenchHandler(BaseHTTPRequestHandler):
    """Serves chat completions, `/v1/models`, and `/bench/tag/<name>` (labels later log lines)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server: BenchHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default per-request stderr line; the JSON log has it all."""

    def _send(
        self, status: int, body: dict[str, Any] | str, headers: dict[str, str] | None = None
    ) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_GET(self) -> None:
        """Model list, health, and the run-tag control endpoint."""
        state = self.server.state
        if self.path.startswith("/bench/tag/"):
            with state.lock:
                state.tag = self.path.rsplit("/", 1)[-1]
            self._send(200, {"tag": state.tag})
        elif self.path.rstrip("/") in ("/v1/models", "/models"):
            self._send(200, {"object": "list", "data": [{"id": "bench", "object": "model"}]})
        else:
            self._send(200, {"ok": True, "requests": state.requests})

    def do_POST(self) -> None:
        """Answer one chat completion, maybe with an injected fault."""
        state = self.server.state
        t0 = time.time()
        length = int(self.headers.get("Content-Length") or 0)
        try:
            body = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._send(400, {"error": {"message": "request body is not JSON"}})
            return
        index, key, reask = _identify(body)
        total, n = state.next_request(key)
        fault = state.fault_for(key, n)
        if total >= state.config.max_requests:
            threading.Thread(target=self.server.shutdown, daemon=True).start()

        record = {"t0": round(t0, 4), "article": key, "n": n, "reask": reask, "tag": state.tag}
        outcome = self._answer(body, index, fault)
        record.update(outcome=outcome, t1=round(time.time(), 4))
        state.log(record)

    def _answer(self, body: dict[str, Any], index: int | None, fault: str | None) -> str:
        config = self.server.state.config
        if fault == "timeout":
            time.sleep(config.timeout_hold_s)
            self.close_connection = True
            self._send(504, {"error": {"message": "bench: held past the client timeout"}})
            return "timeout"
        time.sleep(config.delay_s)
        if fault == "http429":
            headers = {"Retry-After": str(config.retry_after_s)}
            self._send(429, {"error": {"message": "bench: rate limited"}}, headers)
            return "http429"
        if fault == "http500":
            self._send(500, {"error": {"message": "bench: internal error"}})
            return "http500"
        if index is None:
            self._send(400, {"error": {"message": "bench: no BENCH-nnnnnn marker in request"}})
            return "unknown_article"
        payload = canned_events(index)
        if fault == "invalid":
            arguments = json.dumps(_invalid_payload(payload))
        elif fault == "malformed":
            arguments = json.dumps(payload)[:80]
        else:
            arguments = json.dumps(payload)
        self._send(200, _completion(body, arguments))
        return fault or "ok"


class BenchHTTPServer(ThreadingHTTPServer):
    """Threaded HTTP server that carries the shared state."""

    daemon_threads = True
    request_queue_size = 256

    def __init__(self, state: ServerState, port: int = 0) -> None:
        super().__init__(("127.0.0.1", port), BenchHandler)
        self.state = state


def serve(config: ServerConfig, port: int = 0, ready: Any = None) -> None:
    """Run the server until `max_seconds` pass or `max_requests` are served."""
    state = ServerState(config)
    if config.log_path:
        state.log_file = config.log_path.open("a", encoding="utf-8")
    server = BenchHTTPServer(state, port)
    timer = threading.Timer(config.max_seconds, server.shutdown)
    timer.daemon = True
    timer.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    print(f"listening {url}", flush=True)
    if ready is not None:
        ready(url)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        timer.cancel()
        server.server_close()
        if state.log_file:
            state.log_file.close()


def build_parser() -> argparse.ArgumentParser:
    """Command-line options of the standalone server."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.common.server",
        description="Loopback OpenAI-compatible server answering canned events for "
        "synthetic benchmark articles, optionally with seeded faults.",
    )
    parser.add_argument("--port", type=int, default=0, help="port (0: pick a free one)")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds before each answer")
    parser.add_argument("--fault-rate", type=float, default=0.0, help="share of faulty answers")
    parser.add_argument("--faults", default=",".join(FAULT_KINDS), help="fault kinds to draw")
    parser.add_argument("--seed", type=int, default=0, help="fault seed")
    parser.add_argument("--retry-after", type=int, default=1, help="Retry-After seconds on 429")
    parser.add_argument("--timeout-hold", type=float, default=5.0, help="hold for a timeout")
    parser.add_argument("--max-seconds", type=float, default=900.0, help="stop after this")
    parser.add_argument("--max-requests", type=int, default=200_000, help="stop after this")
    parser.add_argument("--log", type=Path, default=None, help="JSONL request log")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse options and serve."""
    args = build_parser().parse_args(argv)
    kinds = tuple(k for k in args.faults.split(",") if k)
    unknown = set(kinds) - set(FAULT_KINDS)
    if unknown:
        print(f"unknown fault kinds: {sorted(unknown)}", file=sys.stderr)
        return 2
    serve(
        ServerConfig(
            delay_s=args.delay,
            fault_rate=args.fault_rate,
            fault_kinds=kinds,
            seed=args.seed,
            retry_after_s=args.retry_after,
            timeout_hold_s=args.timeout_hold,
            max_seconds=args.max_seconds,
            max_requests=args.max_requests,
            log_path=args.log,
        ),
        port=args.port,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
