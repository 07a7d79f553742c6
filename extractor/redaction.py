"""Keep credentials out of everything we print, log, store or raise.

Two layers. Known secrets (the API key a backend was built with) are registered once and
replaced wherever they appear. Patterns catch what was never registered: the values of
`Authorization`, `api-key` and similar headers, `Bearer` tokens, OpenAI-style `sk-...`
keys, credentials in URLs (`https://user:pass@host`) and key-like query parameters.

    register_secret(api_key)
    redact("HTTP 401: Authorization: Bearer sk-...")   # 'HTTP 401: Authorization: [redacted]'
    strip_url_credentials("http://u:p@host/v1?api-key=k")  # 'http://host/v1'

`install_log_redaction()` applies `redact` to every log record (message, traceback, stack)
as it is created, so a debug log of an HTTP client (`OPENAI_LOG=debug`) prints no key.
"""

from __future__ import annotations

import logging
import re
import threading
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
MIN_SECRET_LENGTH = 6
"""Shorter values are not treated as secrets: replacing them would garble ordinary text."""

_SECRET_QUERY_NAMES = re.compile(
    r"^(api[-_]?key|key|token|access[-_]?token|secret|password|passwd|sig|signature)$",
    re.IGNORECASE,
)
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # header-like "Authorization: Bearer X", "'api-key': 'X'", "x-api-key=X"
    (
        re.compile(
            r"""(?i)\b((?:proxy-)?authorization|(?:x-)?api[-_]?key|openai[-_]api[-_]key)"""
            r"""(["']?\s*[:=]\s*["']?)(?:(bearer|basic|token)\s+)?+(?!\[redacted\])[^\s"',;}\]&#]+"""
        ),
        rf"\1\2{REDACTED}",
    ),
    (re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"), rf"\1 {REDACTED}"),
    (re.compile(r"\bsk-[A-Za-z0-9_-]{8,}"), REDACTED),
    # credentials in a URL: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@]+@"), rf"\1{REDACTED}@"),
    (
        re.compile(
            r"(?i)([?&](?:api[-_]?key|key|token|access[-_]?token|secret|password|sig)=)"
            r"[^&\s#\"']+"
        ),
        rf"\1{REDACTED}",
    ),
)

_lock = threading.Lock()
_secrets: set[str] = set()
_installed = False


def register_secret(value: str | None) -> None:
    """Redact `value` (an API key, a password) from now on, wherever it appears."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """`text` with every registered secret and every credential-looking value replaced."""
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for secret in secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def strip_url_credentials(url: str | None) -> str | None:
    """The URL without `user:password@` and without key-like query parameters.

    What is recorded (provenance, cache keys, messages) is the endpoint, never a credential.
    """
    if not url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:  # not a URL we can parse: redact what looks like a credential
        return redact(url)
    netloc = parts.netloc.rpartition("@")[2]
    query = urlencode(
        [
            (name, value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
            if not _SECRET_QUERY_NAMES.match(name)
        ]
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redacting_factory(previous: Any) -> Any:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed log call: leave it to logging to report
            return record
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return record

    factory.redacts = True  # type: ignore[attr-defined]
    return factory


def install_log_redaction() -> None:
    """Redact every log record of this process as it is made (idempotent)."""
    global _installed
    with _lock:
        if _installed:
            return
        previous = logging.getLogRecordFactory()
        if not getattr(previous, "redacts", False):
            logging.setLogRecordFactory(_redacting_factory(previous))
        _installed = True
