"""The call log: every model call of a run, as sent and as answered, in a SQLite file.

What the model said is otherwise thrown away once an answer validates or the attempts run
out; the log keeps it, including the invalid answers, so `extractor logs` can show why an
article failed. One row per model call (table `calls`): the messages sent, the schema's
hash, the raw answer, whether it parsed (else the error), tokens, latency, the runner's
attempt and the call's index within it, the strategy's stage (`slot`), the article and the
run (table `runs`). Credentials never reach the file: every text passes through
`extractor.redaction.redact`, and the base URL is stored without user, password or keys.

How calls reach the log without threading it through every signature: the runner wraps
each backend attempt in `logged_extract`, which sets a context (`contextvars`, so one per
worker thread) naming the log, the article and the attempt. Backends report calls with
`log_call`: the pipeline strategies through `logged_chat` (a `ChatModel` that records
each `complete`), the openai backend's instructor path from its hooks. A backend that
reports nothing (the fake, a plug-in) still gets one row per attempt, from its
`BackendResult.raw_output` or the `InvalidModelOutput.last_output` it raised; one that
reports (`reports_calls`) and made no call gets none. Reading: `extractor.call_log_queries`.

    with CallLogStore(Path("out/calls.db"), RunInfo.of(backend.info)) as log:
        runner = CachedRunner(backend, call_log=log)
"""

from __future__ import annotations

import contextvars
import datetime as dt
import errno
import hashlib
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Protocol

import sqlite_utils

from extractor.clients.base import ChatModel, Completion, complete_many
from extractor.core.errors import ConfigError, InvalidModelOutput
from extractor.redaction import redact, strip_url_credentials

CALL_LOG_FILE = "calls.db"
"""The log's file name inside the output folder (`extract`'s default location)."""


def schema_digest(schema: dict[str, Any]) -> str:
    """Short content hash of a JSON Schema, as sent with a call."""
    text = json.dumps(schema, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def new_run_id() -> str:
    """A run id that sorts by time: UTC timestamp plus 6 random hex digits."""
    now = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    return f"{now}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class RunInfo:
    """The `runs` row: what ran (never a credential)."""

    run_id: str
    started: str
    backend: str
    model: str
    mode: str
    strategy: str | None = None
    base_url: str | None = None

    @classmethod
    def of(cls, info: Any, run_id: str | None = None) -> RunInfo:
        """The run of a backend (its `BackendInfo`), starting now."""
        strategy = info.params.get("strategy")
        return cls(
            run_id=run_id or new_run_id(),
            started=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            backend=info.backend,
            model=info.model,
            mode=info.mode,
            strategy=str(strategy) if strategy is not None else None,
            base_url=strip_url_credentials(info.base_url),
        )


@dataclass
class ModelCall:
    """One model call as a backend reports it: what was sent, what came back."""

    messages: list[dict[str, Any]]
    slot: str
    schema_hash: str | None = None
    response: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    finish_reason: str | None = None
    replayed: bool = False
    """Answered from a recorded call (the local backend's `--call-cache`), not by the model."""


class CallLogStore:
    """The SQLite file of one run's calls; safe to use from the runner's worker threads.

    Rows are committed as they come, so a run that is killed keeps the calls it made.
    `on_call(article_id, slot)` hears of each call once it is stored (the progress bar's
    current stage); it runs in the worker thread that made the call.
    """

    def __init__(
        self, path: Path, run: RunInfo, on_call: Callable[[str, str], None] | None = None
    ) -> None:
        self.path = path
        self.run = run
        self.on_call = on_call
        self._lock = threading.Lock()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            self._db = sqlite_utils.Database(self._conn)
            self._db.table("runs").insert(asdict(run), pk="run_id", replace=True)
            self._db.table("calls").create(CALL_COLUMNS, pk="id", if_not_exists=True)
            self._db.table("calls").create_index(["run_id", "article_id"], if_not_exists=True)
        except (OSError, sqlite3.Error) as exc:
            full = getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL
            reason = os.strerror(errno.ENOSPC) if full else str(exc)
            raise ConfigError(
                f"call log {path} cannot be used ({reason}): give another --log-db, or --no-log"
            ) from None

    def record(self, call: ModelCall, article_id: str, attempt: int, index: int) -> int:
        """Store one call (texts redacted); returns its row id."""
        row = {
            "run_id": self.run.run_id,
            "datetime_utc": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"),
            "article_id": article_id,
            "attempt": attempt,
            "call": index,
            "strategy": self.run.strategy,
            "slot": call.slot,
            "model": self.run.model,
            "schema_hash": call.schema_hash,
            "messages": redact(json.dumps(call.messages, ensure_ascii=False)),
            "response": redact(call.response) if call.response is not None else None,
            "ok": int(call.error is None),
            "error": redact(call.error) if call.error is not None else None,
            "prompt_tokens": call.prompt_tokens,
            "completion_tokens": call.completion_tokens,
            "latency_s": round(call.latency_s, 4),
            "finish_reason": call.finish_reason,
            "replayed": int(call.replayed),
        }
        with self._lock:
            table = self._db.table("calls")
            table.insert(row, alter=True)  # a log from an older version gains new columns
            row_id = int(table.last_rowid or 0)
        if self.on_call is not None:
            self.on_call(article_id, call.slot)
        return row_id

    def mark_failed(self, row_id: int, error: str) -> None:
        """Record that the answer of row `row_id` was rejected (it parsed, but did not validate)."""
        with self._lock:
            self._db.table("calls").update(row_id, {"ok": 0, "error": redact(error)})

    def close(self) -> None:
        """Close the file."""
        with self._lock:
            self._conn.close()

    def __enter__(self) -> CallLogStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


CALL_COLUMNS: dict[str, Any] = {
    "id": int,
    "run_id": str,
    "datetime_utc": str,
    "article_id": str,
    "attempt": int,
    "call": int,
    "strategy": str,
    "slot": str,
    "model": str,
    "schema_hash": str,
    "messages": str,
    "response": str,
    "ok": int,
    "error": str,
    "prompt_tokens": int,
    "completion_tokens": int,
    "latency_s": float,
    "finish_reason": str,
    "replayed": int,
}


@dataclass
class _Scope:
    """One backend attempt for one article: where its calls go."""

    store: CallLogStore
    article_id: str
    attempt: int
    rows: list[tuple[int, str | None]] = field(default_factory=list)  # (row id, response)
    reporting: bool = False  # the backend reports its calls (it may make none)

    def add(self, call: ModelCall) -> None:
        row_id = self.store.record(call, self.article_id, self.attempt, len(self.rows) + 1)
        self.rows.append((row_id, call.response))


_scope: contextvars.ContextVar[_Scope | None] = contextvars.ContextVar(
    "extractor_call_log", default=None
)


def log_call(call: ModelCall) -> None:
    """Record `call` in the log of the attempt running in this thread (none: nothing)."""
    scope = _scope.get()
    if scope is not None:
        scope.add(call)


def logging_active() -> bool:
    """Whether calls made in this thread now are logged."""
    return _scope.get() is not None


def reports_calls() -> None:
    """Say that this attempt's backend reports its calls with `log_call`, so none reported
    means none made (an article in which a pipeline finds nothing to ask about)."""
    scope = _scope.get()
    if scope is not None:
        scope.reporting = True


class _Extracts(Protocol):
    def extract(self, request: Any) -> Any: ...


def logged_extract(
    store: CallLogStore | None, backend: _Extracts, request: Any, attempt: int
) -> Any:
    """`backend.extract(request)`, its model calls logged in `store` (None: not logged).

    A backend that logged no call gets one row for the attempt; an `InvalidModelOutput`
    marks the logged call whose answer it quotes as failed (a pipeline stage's answer that
    parsed as JSON but did not validate).
    """
    if store is None:
        return backend.extract(request)
    scope = _Scope(store, request.article_id, attempt)
    token = _scope.set(scope)
    started = time.perf_counter()
    try:
        result = backend.extract(request)
    except Exception as exc:
        _log_failure(scope, request, exc, time.perf_counter() - started)
        raise
    finally:
        _scope.reset(token)
    if not scope.rows and not scope.reporting:
        usage = result.usage
        scope.add(
            ModelCall(
                messages=_messages(request.system_prompt, request.user_prompt),
                slot="backend",
                response=result.raw_output,
                prompt_tokens=usage.prompt_tokens,
                completion_tokens=usage.completion_tokens,
                latency_s=time.perf_counter() - started,
            )
        )
    return result


def _log_failure(scope: _Scope, request: Any, exc: Exception, latency_s: float) -> None:
    message = str(exc) or type(exc).__name__
    if isinstance(exc, InvalidModelOutput):
        quoted = [row for row, response in scope.rows if response == exc.last_output]
        if quoted:
            scope.store.mark_failed(quoted[-1], message)
            return
    if scope.rows or scope.reporting:
        return  # the failing call is logged with its own error, or there was none
    last_output = exc.last_output if isinstance(exc, InvalidModelOutput) else None
    scope.add(
        ModelCall(
            messages=_messages(request.system_prompt, request.user_prompt),
            slot="backend",
            response=last_output,
            error=message,
            prompt_tokens=int(getattr(exc, "tokens", 0) or 0),
            latency_s=latency_s,
        )
    )


def _messages(system: str, user: str) -> list[dict[str, Any]]:
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


class LoggedChat:
    """A `ChatModel` that reports each `complete` call to the active call log."""

    def __init__(self, inner: ChatModel) -> None:
        self.inner = inner

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """The inner model's answer; the call, or its error, logged."""
        call = ModelCall(_messages(system, user), slot=slot, schema_hash=schema_digest(schema))
        started = time.perf_counter()
        replays = getattr(self.inner, "hits", None)  # a `CachedChat` counts its replays
        try:
            completion = self.inner.complete(system, user, schema, max_tokens, slot=slot)
        except Exception as exc:
            call.error = f"{type(exc).__name__}: {exc}"
            call.latency_s = time.perf_counter() - started
            log_call(call)
            raise
        call.latency_s = time.perf_counter() - started
        call.response = completion.text
        call.prompt_tokens = completion.prompt_tokens
        call.completion_tokens = completion.completion_tokens
        call.finish_reason = completion.finish_reason
        call.error = _parse_error(completion)
        call.replayed = replays is not None and getattr(self.inner, "hits", None) != replays
        log_call(call)
        return completion

    def complete_many(
        self,
        system: str,
        users: list[str],
        schema: dict[str, Any],
        max_tokens: int,
        *,
        slot: str,
    ) -> list[Completion]:
        """The inner model's answers to independent calls (together if it can), each logged
        with an equal share of the time they took together."""
        digest = schema_digest(schema)
        calls = [
            ModelCall(_messages(system, user), slot=slot, schema_hash=digest) for user in users
        ]
        started = time.perf_counter()
        try:
            completions = complete_many(self.inner, system, users, schema, max_tokens, slot=slot)
        except Exception as exc:
            for call in calls:
                call.error = f"{type(exc).__name__}: {exc}"
                call.latency_s = (time.perf_counter() - started) / len(calls)
                log_call(call)
            raise
        share = (time.perf_counter() - started) / max(1, len(calls))
        for call, completion in zip(calls, completions, strict=True):
            call.latency_s = share
            call.response = completion.text
            call.prompt_tokens = completion.prompt_tokens
            call.completion_tokens = completion.completion_tokens
            call.finish_reason = completion.finish_reason
            call.error = _parse_error(completion)
            log_call(call)
        return completions


def _parse_error(completion: Completion) -> str | None:
    """Why an answer cannot be used as JSON, if it cannot (validation is the caller's)."""
    if completion.finish_reason == "length":
        return "the answer was cut off at max_tokens"
    try:
        json.loads(completion.text)
    except ValueError as exc:
        return f"not JSON: {exc}"
    return None


def logged_chat(chat: ChatModel) -> ChatModel:
    """`chat` wrapped to log its calls when this thread's attempt is logged, else itself."""
    if not logging_active():
        return chat
    reports_calls()
    return LoggedChat(chat)
