"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests, scriptable per article.

It serves `POST /v1/chat/completions` both for tool-call requests (answers with
`tool_calls`) and for `response_format`/JSON requests (answers in `message.content`),
with `usage`. Each request is answered by the next scripted `Reply` for its article id
(parsed from the `article_id: ...` line of the user message), else by the next one of the
global script, else with a valid answer from `answer` (default: no events), or from
`answer_text` (a function of the article id and the article text the request carried).

Given `context_tokens`, it acts like a server with that context: a request whose messages
and schema (counted by `count_tokens`, by default the extractor's own estimate) exceed it
is answered HTTP 400 `context_length_exceeded` with OpenAI's wording. Every request's count
is recorded (`requests[i]["tokens"]`). `usage` is 100 prompt and 20 completion tokens per
answer, or, given `counted_usage=True`, that count and the answer's (as a server that
reports what it really processed).

    with OpenAIServer() as server:
        server.script("a1", Reply.rate_limit(retry_after=0), Reply.ok())
        ... base_url=server.url ...
        assert server.hits == 2
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from extractor.chunking import estimate_tokens

_ARTICLE_ID = re.compile(r"^article_id: (\S+)$", re.MULTILINE)
_ARTICLE_TEXT = re.compile(r"^<article>\n(.*)\n</article>$", re.MULTILINE | re.DOTALL)

Answer = Callable[[str], dict[str, Any]]
TextAnswer = Callable[[str, str], dict[str, Any]]


class ReplyKind(StrEnum):
    """What the server does with one request."""

    OK = "ok"
    RATE_LIMIT = "rate_limit"
    SERVER_ERROR = "server_error"
    HANG = "hang"
    MALFORMED_JSON = "malformed_json"
    SCHEMA_VIOLATION = "schema_violation"


@dataclass(frozen=True)
class Reply:
    """One scripted reply; `payload` overrides the valid answer for `OK`."""

    kind: ReplyKind = ReplyKind.OK
    retry_after: float | None = None
    payload: dict[str, Any] | None = None

    @classmethod
    def ok(cls, payload: dict[str, Any] | None = None) -> Reply:
        return cls(ReplyKind.OK, payload=payload)

    @classmethod
    def rate_limit(cls, retry_after: float | None = 0) -> Reply:
        return cls(ReplyKind.RATE_LIMIT, retry_after=retry_after)

    @classmethod
    def server_error(cls) -> Reply:
        return cls(ReplyKind.SERVER_ERROR)

    @classmethod
    def hang(cls) -> Reply:
        return cls(ReplyKind.HANG)

    @classmethod
    def malformed_json(cls) -> Reply:
        return cls(ReplyKind.MALFORMED_JSON)

    @classmethod
    def schema_violation(cls) -> Reply:
        return cls(ReplyKind.SCHEMA_VIOLATION)


def empty_answer(article_id: str) -> dict[str, Any]:
    """A valid ArticleEvents with no events."""
    return {"article_id": article_id, "events": []}


def request_tokens(body: dict[str, Any], count: Callable[[str], int]) -> int:
    """Tokens of a chat request as a server counts them: messages plus tools or schema."""
    parts = [str(m.get("content") or "") for m in body.get("messages", [])]
    parts += [json.dumps(body[k]) for k in ("tools", "response_format") if k in body]
    return sum(count(part) for part in parts)


@dataclass
class _State:
    answer: Answer
    hang_s: float
    context_tokens: int | None = None
    count_tokens: Callable[[str], int] = estimate_tokens
    answer_text: TextAnswer | None = None
    counted_usage: bool = False
    per_article: dict[str, deque[Reply]] = field(default_factory=lambda: defaultdict(deque))
    sequence: deque[Reply] = field(default_factory=deque)
    requests: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_POST(self) -> None:
        state = self.server.state
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        article_id = _article_id(body)
        tokens = request_tokens(body, state.count_tokens)
        with state.lock:
            state.requests.append(
                {
                    "path": self.path,
                    "body": body,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "tokens": tokens,
                }
            )
            exceeded = state.context_tokens is not None and tokens > state.context_tokens
            queue = state.per_article.get(article_id)
            reply = Reply.ok()  # a request over the context takes no scripted reply
            if queue and not exceeded:
                reply = queue.popleft()
            elif state.sequence and not exceeded:
                reply = state.sequence.popleft()
        if not self.path.endswith("/chat/completions"):
            self._send(404, {"error": {"message": "not found"}})
            return
        if exceeded:
            self._send(400, _context_exceeded(state.context_tokens or 0, tokens))
            return
        with contextlib.suppress(OSError):  # the client gave up (timeout): nothing to say
            self._answer(reply, body, article_id)

    def _answer(self, reply: Reply, body: dict[str, Any], article_id: str) -> None:
        state = self.server.state
        if reply.kind is ReplyKind.RATE_LIMIT:
            headers = {} if reply.retry_after is None else {"Retry-After": str(reply.retry_after)}
            self._send(429, {"error": {"message": "slow down", "type": "rate_limit"}}, headers)
        elif reply.kind is ReplyKind.SERVER_ERROR:
            self._send(500, {"error": {"message": "boom", "type": "server_error"}})
        elif reply.kind is ReplyKind.HANG:
            state.stop.wait(state.hang_s)
            self._send(200, _completion(body, json.dumps(empty_answer(article_id)), state))
        elif reply.kind is ReplyKind.MALFORMED_JSON:
            malformed = '{"article_id": "' + article_id + '", "events": ['
            self._send(200, _completion(body, malformed, state))
        elif reply.kind is ReplyKind.SCHEMA_VIOLATION:
            bad = {"article_id": article_id, "events": [{"event_type": "picnic"}]}
            self._send(200, _completion(body, json.dumps(bad), state))
        else:
            try:
                payload = reply.payload or (
                    state.answer_text(article_id, article_text(body))
                    if state.answer_text is not None
                    else state.answer(article_id)
                )
            except Exception as exc:  # a broken test answer must not kill the connection
                self._send(500, {"error": {"message": f"answer failed: {exc!r}"}})
                return
            self._send(200, _completion(body, json.dumps(payload), state))

    def _send(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)


def article_text(body: dict[str, Any]) -> str:
    """The article text of a request: what its user message holds between the markers."""
    for message in body.get("messages", []):
        content = message.get("content")
        match = _ARTICLE_TEXT.search(content) if isinstance(content, str) else None
        if match:
            return match.group(1)
    return ""


def _context_exceeded(limit: int, tokens: int) -> dict[str, Any]:
    message = (
        f"This model's maximum context length is {limit} tokens. However, your messages "
        f"resulted in {tokens} tokens. Please reduce the length of the messages."
    )
    return {
        "error": {
            "message": message,
            "type": "invalid_request_error",
            "param": "messages",
            "code": "context_length_exceeded",
        }
    }


def _article_id(body: dict[str, Any]) -> str:
    for message in body.get("messages", []):
        content = message.get("content")
        match = _ARTICLE_ID.search(content) if isinstance(content, str) else None
        if match:
            return match.group(1)
    return "unknown"


def _completion(request: dict[str, Any], text: str, state: _State | None = None) -> dict[str, Any]:
    """A chat completion carrying `text` as a tool call (if tools were offered) or content;
    its usage counted (given a `state` that says so) or fixed."""
    usage = {"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120}
    if state is not None and state.counted_usage:
        prompt, completion = request_tokens(request, state.count_tokens), state.count_tokens(text)
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
    tools = request.get("tools") or []
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tools:
        name = tools[0]["function"]["name"]
        call = {"id": "call_1", "type": "function", "function": {"name": name, "arguments": text}}
        message = {"role": "assistant", "content": None, "tool_calls": [call]}
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": request.get("model", "test"),
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": usage,
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: _State) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


class OpenAIServer:
    """Context manager running the loopback server in a background thread."""

    def __init__(
        self,
        answer: Answer = empty_answer,
        hang_s: float = 5.0,
        context_tokens: int | None = None,
        count_tokens: Callable[[str], int] = estimate_tokens,
        answer_text: TextAnswer | None = None,
        counted_usage: bool = False,
    ) -> None:
        self._state = _State(
            answer, hang_s, context_tokens, count_tokens, answer_text, counted_usage
        )
        self._server = _Server(self._state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        """Base URL to give the OpenAI client, ending in /v1."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    @property
    def hits(self) -> int:
        """Requests received so far."""
        with self._state.lock:
            return len(self._state.requests)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request: path, JSON body and headers."""
        with self._state.lock:
            return list(self._state.requests)

    def script(self, article_id: str, *replies: Reply) -> None:
        """Queue replies for requests about one article."""
        with self._state.lock:
            self._state.per_article[article_id].extend(replies)

    def script_sequence(self, *replies: Reply) -> None:
        """Queue replies for the next requests whatever their article."""
        with self._state.lock:
            self._state.sequence.extend(replies)

    def start(self) -> OpenAIServer:
        """Start serving."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, release hanging handlers and close the socket."""
        self._state.stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
