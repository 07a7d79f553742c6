"""The retry policy for transient backend failures, on tenacity.

Only `TransientBackendError` (timeouts, dropped connections, 429, 5xx) is retried here, with
exponential backoff plus jitter, bounded both in attempts and in total time, and never
sooner than a server's `Retry-After`. Invalid model output is a different failure: the
backend re-asks the model itself (instructor's `max_retries`) and the runner does not
retry it again. When attempts run out, `TransientExhausted` carries the attempts made and
the tokens spent.

A call may be given a `threading.Event`: once it is set (the batch was interrupted), no
new attempt starts, a backoff wait ends at once, and `Cancelled` is raised instead.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_before_delay,
)

from extractor.core.errors import (
    EndpointUnreachable,
    ExtractorError,
    TransientBackendError,
    TransientExhausted,
    UnreachableExhausted,
)

T = TypeVar("T")


class Cancelled(ExtractorError):
    """The batch was stopped (Ctrl-C, SIGTERM, a fatal error): no further attempt is made."""


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one backend call. Tests use tiny waits."""

    max_attempts: int = 5
    max_total_s: float = 120.0
    initial_wait_s: float = 1.0
    max_wait_s: float = 30.0
    jitter_s: float = 1.0
    max_retry_after_s: float = 60.0

    def wait_seconds(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        backoff = min(self.max_wait_s, self.initial_wait_s * 2 ** (attempt - 1))
        backoff += random.uniform(0, self.jitter_s)  # jitter, not crypto
        if retry_after is not None:
            backoff = max(backoff, min(retry_after, self.max_retry_after_s))
        return backoff


NO_RETRY = RetryPolicy(max_attempts=1)


@dataclass
class RetryOutcome:
    """What one retried call cost: attempts made and tokens spent by failed attempts."""

    attempts: int = 0
    failed_tokens: int = 0


def call_with_retries(
    func: Callable[[], T],
    policy: RetryPolicy,
    outcome: RetryOutcome | None = None,
    cancel: threading.Event | None = None,
) -> T:
    """Call `func`, retrying `TransientBackendError` under `policy`.

    `outcome`, when given, is updated with the attempts made (also on failure). Raises
    `TransientExhausted` when attempts or time run out; other errors pass through at once.
    Once `cancel` is set, raises `Cancelled` instead of starting or waiting for an attempt.
    """
    record = outcome if outcome is not None else RetryOutcome()
    stop = cancel if cancel is not None else threading.Event()

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        retry_after = exc.retry_after if isinstance(exc, TransientBackendError) else None
        return policy.wait_seconds(state.attempt_number, retry_after)

    def pause(seconds: float) -> None:
        stop.wait(seconds)  # a backoff ends as soon as the batch is stopped

    def attempt() -> T:
        if stop.is_set():
            raise Cancelled("the batch was stopped before this attempt")
        record.attempts += 1
        try:
            return func()
        except TransientBackendError as exc:
            record.failed_tokens += exc.tokens
            raise

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_total_s),
        wait=wait,
        sleep=pause,
        retry=retry_if_exception(
            lambda exc: isinstance(exc, TransientBackendError) and not stop.is_set()
        ),
        reraise=True,
    )
    try:
        return retrying(attempt)
    except TransientBackendError as exc:
        if stop.is_set():
            raise Cancelled(f"the batch was stopped after: {exc}") from exc
        exhausted = (
            UnreachableExhausted if isinstance(exc, EndpointUnreachable) else TransientExhausted
        )
        raise exhausted(
            f"gave up after {record.attempts} attempt(s): {exc}",
            attempts=record.attempts,
            tokens=record.failed_tokens,
        ) from exc
