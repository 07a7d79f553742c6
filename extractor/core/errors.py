"""One exception hierarchy for the whole package.

ExtractorError                  base: everything we raise on purpose
├── InputError                  bad user input (missing file, empty, binary, bad encoding,
│                               malformed JSON, schema-invalid record); CLI exit code 2
├── ConfigError                 bad configuration (unknown backend, missing model, bad suite)
├── BackendUnavailable          a backend cannot run here (no key, server down, runtime missing)
│   └── ContextLengthExceeded   the server says a request is longer than the model's context
├── TransientBackendError       one backend call failed in a retryable way (timeout, 429, 5xx)
├── InvalidModelOutput          the answer did not validate after the backend's re-asks
└── ExtractionFailed            attempts ran out for one article; carries attempts,
    ├── TransientExhausted      the last raw output and tokens spent
    └── InvalidOutputExhausted
"""

from __future__ import annotations


class ExtractorError(Exception):
    """Base class of every error this package raises on purpose."""


class InputError(ExtractorError):
    """Bad input from the user: the message names the file and the problem in one line."""


class ConfigError(ExtractorError):
    """Bad configuration: unknown backend name, missing model file, malformed suite."""


class BackendUnavailable(ExtractorError):
    """A backend cannot run here; the message says how to make it available."""


class ContextLengthExceeded(BackendUnavailable):
    """The server refused a request as longer than the model's context (an HTTP 400).

    Not retried as it is: the runner splits the text smaller and asks again once. `limit`
    and `requested` are the server's token counts, when its message gives them.
    """

    def __init__(
        self, message: str, *, limit: int | None = None, requested: int | None = None
    ) -> None:
        super().__init__(message)
        self.limit = limit
        self.requested = requested


class ExtractionFailed(ExtractorError):
    """Attempts ran out for one article."""

    kind = "failed"

    def __init__(
        self,
        message: str,
        *,
        attempts: int = 0,
        last_output: str | None = None,
        tokens: int = 0,
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
        self.tokens = tokens


class TransientExhausted(ExtractionFailed):
    """Timeouts, connection errors, 429 or 5xx answers kept happening."""

    kind = "transient"


class UnreachableExhausted(TransientExhausted):
    """The endpoint could not be reached at all (connection refused, no route, DNS)."""

    kind = "unreachable"


class InvalidOutputExhausted(ExtractionFailed):
    """The model kept returning output that does not validate against the schema."""

    kind = "invalid_output"


class TransientBackendError(ExtractorError):
    """A backend call failed in a way worth retrying (timeout, connection, 429, 5xx).

    Raised by backends, caught by the runner's retry policy; `retry_after` (seconds) is
    honoured when the server sent one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None, tokens: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.tokens = tokens


class EndpointUnreachable(TransientBackendError):
    """No connection to the endpoint at all: retried like any transient error, and a batch
    stops after a few articles in a row fail this way (`extractor.endpoint_watch`)."""


class InvalidModelOutput(ExtractorError):
    """The model's answer did not validate even after the backend's re-asks."""

    def __init__(
        self, message: str, *, attempts: int = 0, last_output: str | None = None, tokens: int = 0
    ) -> None:
        super().__init__(message)
        self.attempts = attempts
        self.last_output = last_output
        self.tokens = tokens
