"""Any OpenAI-compatible chat endpoint (OpenAI, llama.cpp server, vLLM, Ollama).

Strategy (`extractor.strategies`): `single-call` (the default) is one instructor call per
article with the rendered `extract` prompt, described below. Any other strategy
(`sentence`, `staged`, `oneshot`) runs the pipeline over the HTTP client
(`extractor.clients.http_chat`), the schema sent as `json_object` + schema (llama.cpp's
servers; the default for a self-hosted base URL) or `json_schema` (OpenAI, vLLM, Ollama;
the default for api.openai.com, or `--mode json_schema`).

For `single-call`, the mode says how the schema reaches the model and how the answer comes back:

    tools        function calling (`tools` + `tool_choice`); default for api.openai.com
    json         `response_format={"type": "json_object"}` plus the schema in the prompt;
                 default for every other base URL, because llama.cpp's
                 `python -m llama_cpp.server` rejects `{"type": "json_schema"}` with HTTP 500
                 but accepts json_object (and vLLM and Ollama accept it too)
    json_schema  `response_format={"type": "json_schema", ...}` (OpenAI structured outputs)
    md_json      the answer as JSON in a markdown code block (servers with no JSON mode)

Answers that do not validate are re-asked by instructor itself (`max_reasks`, default 2).
Transport failures are mapped to our errors: timeouts, dropped connections, 429 and 5xx
become `TransientBackendError` (with the server's Retry-After), so the runner's retry policy
handles them; exhausted re-asks become `InvalidModelOutput` with attempts, the last raw
output and the tokens spent. The API key never appears in any message we raise, and no
credential in any log record of this process (`extractor.redaction`): not the key, not the
Authorization header a server echoes back, not a password in the base URL, which is also
stripped from what is recorded (`info.base_url`: provenance and cache keys).

Context: the backend declares the model's context size (`context_tokens`: given, else
`KNOWN_CONTEXT_TOKENS` by model name, else a conservative `DEFAULT_CONTEXT_TOKENS`) and
what the JSON Schema adds to every request, so the runner splits a long article into
requests that fit. A server's HTTP 400 (or 413) saying the context was exceeded becomes
`ContextLengthExceeded`, carrying the server's limit and count when it gives them: the
runner then splits that part smaller and asks again once, instead of failing the article.
"""

from __future__ import annotations

import copy
import email.utils
import functools
import json
import logging
import os
import re
import time
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Any, ClassVar
from urllib.parse import unquote, urlsplit

import instructor
import openai
from instructor.core import Hooks, IncompleteOutputException, InstructorRetryException
from pydantic import ConfigDict, ValidationError

from extractor.backends.base import BackendInfo, BackendResult, ExtractionRequest, Usage
from extractor.backends.options import ModelOption
from extractor.backends.strategy_run import resolve_strategy, run_strategy, strategy_params
from extractor.call_log import ModelCall, log_call, reports_calls
from extractor.chunking import estimate_tokens
from extractor.clients.http_chat import HttpChat, SchemaVia
from extractor.core.errors import (
    BackendUnavailable,
    ConfigError,
    ContextLengthExceeded,
    EndpointUnreachable,
    ExtractorError,
    InvalidModelOutput,
    TransientBackendError,
)
from extractor.core.schema import ArticleEvents, schema_hash
from extractor.redaction import install_log_redaction, register_secret, strip_url_credentials
from extractor.redaction import redact as redact_credentials
from extractor.strategies import DEFAULT_STRATEGY, Strategy

# instructor logs every failed attempt at ERROR level; we report failures ourselves.
logging.getLogger("instructor").addHandler(logging.NullHandler())

OPENAI_BASE_URL = "https://api.openai.com/v1"
DEFAULT_MODEL = "gpt-4o-mini"
DUMMY_API_KEY = "not-needed"
DEFAULT_TIMEOUT_S = 120.0
DEFAULT_MAX_REASKS = 2
DEFAULT_CONTEXT_TOKENS = 8192
"""Context assumed for a model not in `KNOWN_CONTEXT_TOKENS`: small enough for most
self-hosted servers (llama.cpp's and Ollama's defaults are smaller still: pass
`--context-tokens`, or let a 400 from the server re-split the article)."""

KNOWN_CONTEXT_TOKENS: dict[str, int] = {
    "gpt-4o-mini": 128_000,
    "gpt-4o": 128_000,
    "gpt-4-turbo": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4": 8_192,
    "gpt-3.5-turbo": 16_385,
    "gpt-5": 400_000,
    "o1": 200_000,
    "o1-mini": 128_000,
    "o3": 200_000,
    "o4-mini": 200_000,
}
"""Context sizes (tokens, prompt plus answer) of known models, matched by the longest
name prefix ("gpt-4o-mini-2024-07-18" is gpt-4o-mini). From the providers' model pages."""

_SCHEMA_INSTRUCTIONS_TOKENS = 100  # instructor's words around the schema in json/md_json


@functools.cache
def _article_events_schema(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return ArticleEvents.model_json_schema(*args, **kwargs)


class ArticleEventsAnswer(ArticleEvents, instructor.OpenAISchema):
    """`ArticleEvents` as instructor's response model, prepared once.

    instructor 1.17 wraps a plain model with `create_model` and regenerates its JSON
    Schema on every call (about 5 ms of CPU); a model that already is an `OpenAISchema`
    is used as is, and its schema (identical to `ArticleEvents`') is computed once.
    """

    model_config = ConfigDict(title="ArticleEvents")

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The cached JSON Schema of `ArticleEvents` (a copy: callers may mutate it)."""
        return copy.deepcopy(_article_events_schema(*args, **kwargs))


class ApiMode(StrEnum):
    """How the schema is sent and the answer returned (see the module docstring)."""

    TOOLS = "tools"
    JSON = "json"
    JSON_SCHEMA = "json_schema"
    MD_JSON = "md_json"


INSTRUCTOR_MODES: dict[ApiMode, instructor.Mode] = {
    ApiMode.TOOLS: instructor.Mode.TOOLS,
    ApiMode.JSON: instructor.Mode.JSON,
    ApiMode.JSON_SCHEMA: instructor.Mode.JSON_SCHEMA,
    ApiMode.MD_JSON: instructor.Mode.MD_JSON,
}


def is_openai_url(base_url: str | None) -> bool:
    """True for OpenAI's own API (the default when no base URL is given)."""
    return base_url is None or "api.openai.com" in base_url


def default_mode(base_url: str | None) -> ApiMode:
    """`tools` for api.openai.com, `json` (json_object) for self-hosted servers."""
    return ApiMode.TOOLS if is_openai_url(base_url) else ApiMode.JSON


def _parse_mode(mode: str | None, base_url: str | None) -> ApiMode:
    if mode is None:
        return default_mode(base_url)
    try:
        return ApiMode(mode)
    except ValueError:
        known = ", ".join(m.value for m in ApiMode)
        raise ConfigError(
            f"unknown mode {mode!r} for the openai backend; use one of: {known}"
        ) from None


def _schema_via(strategy: Strategy, mode: str | None, base_url: str | None) -> SchemaVia:
    """How a pipeline strategy sends its schemas: `--mode json` or `json_schema`."""
    if mode is None:
        return SchemaVia.JSON_SCHEMA if is_openai_url(base_url) else SchemaVia.JSON_OBJECT
    chosen = _parse_mode(mode, base_url)
    if chosen is ApiMode.JSON:
        return SchemaVia.JSON_OBJECT
    if chosen is ApiMode.JSON_SCHEMA:
        return SchemaVia.JSON_SCHEMA
    raise ConfigError(
        f"strategy {strategy.name!r} sends a JSON Schema with every call: use --mode json "
        f"(llama.cpp servers) or --mode json_schema (OpenAI, vLLM, Ollama), not {mode!r}"
    )


def context_tokens_for(model: str) -> int:
    """The context size of `model`: the longest known name prefix, else the default."""
    name = model.rsplit("/", 1)[-1].casefold()  # "openai/gpt-4o-mini" as some proxies name it
    known = [prefix for prefix in KNOWN_CONTEXT_TOKENS if name.startswith(prefix)]
    return KNOWN_CONTEXT_TOKENS[max(known, key=len)] if known else DEFAULT_CONTEXT_TOKENS


@functools.cache
def schema_overhead_tokens() -> int:
    """Estimated tokens the response schema adds to each request (as a tool definition, a
    response format, or indented into the system message: the largest of these)."""
    schema = json.dumps(_article_events_schema(), indent=2)
    return estimate_tokens(schema) + _SCHEMA_INSTRUCTIONS_TOKENS


def redact(text: str, secrets: Sequence[str]) -> str:
    """Replace every secret (the API key) and every credential-looking value in `text`."""
    for secret in secrets:
        if secret and secret != DUMMY_API_KEY:
            text = text.replace(secret, "[redacted]")
    return redact_credentials(text)


def _completion_text(response: Any) -> str | None:
    """The raw answer of one chat completion: message content or tool-call arguments."""
    try:
        message = response.choices[0].message
    except (AttributeError, IndexError, TypeError):
        return None
    for call in getattr(message, "tool_calls", None) or []:
        return str(call.function.arguments)
    content = getattr(message, "content", None)
    return content if isinstance(content, str) else None


def _finish_reason(response: Any) -> str | None:
    try:
        reason = response.choices[0].finish_reason
    except (AttributeError, IndexError, TypeError):
        return None
    return str(reason) if reason is not None else None


def _one_line(exc: BaseException) -> str:
    """A short one-line reason: the first validation error, or the exception's first line."""
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        return f"{exc.error_count()} validation error(s); first: {where}: {first['msg']}"
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]


class CallStats:
    """Per-call instructor hooks: tokens of every attempt, re-asks, the last raw answer;
    each attempt (messages, answer, parse error) goes to the call log (`extractor.call_log`)."""

    def __init__(self) -> None:
        self.usage = Usage()
        self.responses = 0
        self.parse_errors = 0
        self.last_output: str | None = None
        self._sent: list[dict[str, Any]] = []
        self._started = time.perf_counter()
        self._pending: ModelCall | None = None
        reports_calls()

    def hooks(self) -> Hooks:
        """Fresh hooks bound to this call (thread-safe: nothing shared between calls)."""
        hooks = Hooks()
        hooks.on("completion:kwargs", self.on_kwargs)
        hooks.on("completion:response", self.on_response)
        hooks.on("completion:error", self.on_completion_error)
        hooks.on("parse:error", self.on_parse_error)
        return hooks

    def on_kwargs(self, *args: Any, **kwargs: Any) -> None:
        """Note what one attempt sends (re-asks carry the earlier answer and its error)."""
        self._sent = list(kwargs.get("messages") or [])
        self._started = time.perf_counter()

    def on_response(self, response: Any) -> None:
        """Count one completion and its tokens."""
        self.responses += 1
        usage = getattr(response, "usage", None)
        tokens = Usage()
        if usage is not None:
            tokens = Usage(
                int(getattr(usage, "prompt_tokens", 0) or 0),
                int(getattr(usage, "completion_tokens", 0) or 0),
            )
            self.usage += tokens
        self.last_output = _completion_text(response)
        self._pending = ModelCall(
            messages=self._sent,
            slot="single-call",
            schema_hash=schema_hash(),
            response=self.last_output,
            prompt_tokens=tokens.prompt_tokens,
            completion_tokens=tokens.completion_tokens,
            latency_s=time.perf_counter() - self._started,
            finish_reason=_finish_reason(response),
        )

    def on_completion_error(self, error: Exception, **metadata: Any) -> None:
        """Log an attempt the endpoint did not answer (HTTP error, timeout)."""
        latency = time.perf_counter() - self._started
        log_call(
            ModelCall(
                self._sent, "single-call", schema_hash(), error=_one_line(error), latency_s=latency
            )
        )

    def on_parse_error(self, error: Exception, **metadata: Any) -> None:
        """Count one answer that failed validation (each one is re-asked or final)."""
        self.parse_errors += 1
        if self._pending is not None:
            self._pending.error = _one_line(error)
        self.finish()

    def finish(self) -> None:
        """Log the attempt answered last, if not yet logged (the valid answer)."""
        if self._pending is not None:
            log_call(self._pending)
            self._pending = None


def parse_retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return float(millis) / 1000
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


ErrorMapper = Callable[[Any, str, int], ExtractorError]


def _transient(exc: Any, message: str, tokens: int) -> ExtractorError:
    headers = getattr(getattr(exc, "response", None), "headers", None)
    return TransientBackendError(message, retry_after=parse_retry_after(headers), tokens=tokens)


def _unreachable(exc: Any, message: str, tokens: int) -> ExtractorError:
    request = getattr(exc, "request", None)
    url = (
        strip_url_credentials(str(request.url)) if request is not None else None
    ) or "the endpoint"
    return EndpointUnreachable(f"cannot reach {url}: {message}", tokens=tokens)


def _unavailable(exc: Any, message: str, tokens: int) -> ExtractorError:
    return BackendUnavailable(message)


_CONTEXT_EXCEEDED = re.compile(
    r"context[_ ]length|maximum context|context (?:size|window)|too many tokens|"
    r"prompt is too long|input is too long|exceed_context_size",
    re.IGNORECASE,
)
_CONTEXT_LIMIT = re.compile(r"(?:maximum context length is|context size of|\"n_ctx\":)\s*(\d+)")
_PROMPT_COUNTS = tuple(  # the prompt's tokens as the server counted them, surest first
    re.compile(pattern)
    for pattern in (
        r"(\d+) in the messages",
        r"resulted in (\d+) tokens",
        r"\"n_prompt_tokens\":\s*(\d+)",
        r"requested (\d+) tokens",
    )
)


def context_exceeded(exc: BaseException, message: str) -> ContextLengthExceeded | None:
    """`ContextLengthExceeded` when `exc` is a 400/413 saying the context was exceeded
    (OpenAI's `context_length_exceeded`, vLLM's and llama.cpp's wordings), else None."""
    status = getattr(exc, "status_code", None)
    if status not in (400, 413):
        return None
    body = getattr(exc, "body", None)
    text = f"{exc} {json.dumps(body, default=str) if body is not None else ''}"
    if status == 400 and not _CONTEXT_EXCEEDED.search(text):
        return None
    limit = _CONTEXT_LIMIT.search(text)
    counted = next((m for m in (p.search(text) for p in _PROMPT_COUNTS) if m), None)
    return ContextLengthExceeded(
        message,
        limit=int(limit.group(1)) if limit else None,
        requested=int(counted.group(1)) if counted else None,
    )


ERROR_MAP: dict[type[BaseException], ErrorMapper] = {
    openai.APITimeoutError: _transient,
    openai.APIConnectionError: _unreachable,
    openai.RateLimitError: _transient,
    openai.InternalServerError: _transient,
    openai.APIStatusError: _unavailable,
    openai.OpenAIError: _unavailable,
}


def map_openai_error(
    exc: BaseException, stats: CallStats, secrets: Sequence[str]
) -> ExtractorError:
    """Our error for an openai exception (most specific class wins), key redacted."""
    status = getattr(exc, "status_code", None)
    label = f"HTTP {status}" if status else type(exc).__name__
    message = redact(f"{label}: {exc}", secrets)
    exceeded = context_exceeded(exc, message)
    if exceeded is not None:
        return exceeded
    mapper = next((ERROR_MAP[cls] for cls in type(exc).__mro__ if cls in ERROR_MAP), _unavailable)
    return mapper(exc, message, stats.usage.total)


def _url_secrets(url: str | None) -> list[str]:
    """The password of `scheme://user:password@host` (as written and decoded), to redact."""
    try:
        password = urlsplit(url).password if url else None
    except ValueError:
        return []
    return [password, unquote(password)] if password else []


class OpenAIBackend:
    """Structured extraction through an OpenAI-compatible endpoint."""

    MODEL_OPTIONS: ClassVar[dict[str, ModelOption]] = {
        "temperature": ModelOption(float, "sampling temperature, single-call (default 0)"),
        "max_tokens": ModelOption(int, "answer cap per call, single-call"),
        "max_reasks": ModelOption(int, "re-asks after an invalid answer (default 2)"),
        "context_tokens": ModelOption(int, "the model's context; longer articles are split"),
        "timeout": ModelOption(float, "seconds per call (default 120)"),
    }

    def __init__(
        self,
        model: str | None = None,
        base_url: str | None = None,
        mode: str | None = None,
        timeout: float | None = None,
        max_reasks: int = DEFAULT_MAX_REASKS,
        temperature: float = 0.0,
        max_tokens: int | None = None,
        context_tokens: int | None = None,
        strategy: str | None = None,
        variant: str | None = None,
    ) -> None:
        self.strategy = resolve_strategy("openai", strategy, variant, DEFAULT_STRATEGY["openai"])
        if model is not None and not model.strip():
            raise ConfigError("the openai backend's model is empty: give a model name")
        if base_url is not None and not base_url.strip():
            raise ConfigError("the openai backend's base URL is empty: give one, or leave it out")
        if context_tokens is not None and context_tokens < 1:
            raise ConfigError(f"context_tokens must be a positive number, got {context_tokens}")
        install_log_redaction()
        api_key = os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if is_openai_url(base_url):
                raise BackendUnavailable(
                    "the openai backend needs OPENAI_API_KEY for api.openai.com "
                    "(or pass --base-url for a self-hosted server)"
                )
            api_key = DUMMY_API_KEY
        self._secrets = (api_key,)
        if api_key != DUMMY_API_KEY:
            register_secret(api_key)
        for secret in _url_secrets(base_url):
            register_secret(secret)
        self.api_mode = _parse_mode(mode, base_url)
        self.max_reasks = max_reasks
        self.temperature = temperature
        self.max_tokens = max_tokens
        self._client = openai.OpenAI(
            base_url=base_url or OPENAI_BASE_URL,
            api_key=api_key,
            timeout=timeout or DEFAULT_TIMEOUT_S,
            max_retries=0,
        )
        self._instructor = instructor.from_openai(
            self._client, mode=INSTRUCTOR_MODES[self.api_mode]
        )
        self._chat: HttpChat | None = None
        params: dict[str, Any] = {"temperature": temperature, "max_reasks": max_reasks}
        if max_tokens is not None:
            params["max_tokens"] = max_tokens
        api_mode = self.api_mode.value
        if self.strategy.name != "single-call":
            via = _schema_via(self.strategy, mode, base_url)
            self._chat = HttpChat(self._client, model or DEFAULT_MODEL, via)
            api_mode = via.value
            params = {"temperature": 0.0, **strategy_params(self.strategy)}
        else:
            params.update(strategy_params(self.strategy))
        self._info = BackendInfo(
            backend="openai",
            model=model or DEFAULT_MODEL,
            mode=api_mode,
            base_url=strip_url_credentials(base_url or OPENAI_BASE_URL),
            params=params,
            context_tokens=context_tokens or context_tokens_for(model or DEFAULT_MODEL),
            request_overhead_tokens=schema_overhead_tokens(),
            uses_published_date=self.strategy.uses_published_date,
        )

    @property
    def info(self) -> BackendInfo:
        """Backend, model, mode, base URL, generation parameters and context (never the key)."""
        return self._info

    def extract(self, request: ExtractionRequest) -> BackendResult:
        """The strategy over HTTP: one instructor call (`single-call`) or the pipeline."""
        if self._chat is not None:
            try:
                return run_strategy(self.strategy, self._chat, request)
            except openai.OpenAIError as exc:
                raise map_openai_error(exc, CallStats(), self._secrets) from None
        return self._single_call(request)

    def _single_call(self, request: ExtractionRequest) -> BackendResult:
        """One structured-output call, with instructor's validation re-asks."""
        stats = CallStats()
        kwargs: dict[str, Any] = {"temperature": self.temperature}
        if self.max_tokens is not None:
            kwargs["max_tokens"] = self.max_tokens
        try:
            events = self._instructor.chat.completions.create(
                model=self._info.model,
                response_model=ArticleEventsAnswer,
                messages=[
                    {"role": "system", "content": request.system_prompt},
                    {"role": "user", "content": request.user_prompt},
                ],
                max_retries=self.max_reasks,
                hooks=stats.hooks(),
                **kwargs,
            )
        except (InstructorRetryException, IncompleteOutputException) as exc:
            raise self._failure(exc, stats) from None
        except openai.OpenAIError as exc:
            raise map_openai_error(exc, stats, self._secrets) from None
        finally:
            stats.finish()
        return BackendResult(
            events=events,
            usage=stats.usage,
            reasks=stats.parse_errors,
            raw_output=stats.last_output,
            extra={"attempts": stats.responses},
        )

    def _failure(self, exc: Exception, stats: CallStats) -> Exception:
        cause = exc.__cause__
        if isinstance(cause, openai.OpenAIError):
            return map_openai_error(cause, stats, self._secrets)
        attempts = getattr(exc, "n_attempts", stats.responses)
        reason = _one_line(cause) if cause is not None else type(exc).__name__
        return InvalidModelOutput(
            redact(f"no valid answer after {attempts} attempt(s): {reason}", self._secrets),
            attempts=attempts,
            last_output=stats.last_output,
            tokens=stats.usage.total,
        )

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()
