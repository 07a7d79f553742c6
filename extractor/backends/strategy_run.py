"""Run a strategy over a model client for one `ExtractionRequest`: what backends share.

A backend is a model client plus a strategy (`extractor.strategies`); this turns the
runner's request into the strategy's `ArticleTask` and the strategy's answer and call log
into a `BackendResult`, and says which cache-key parameters the strategy adds.
"""

from __future__ import annotations

import time
from typing import Any

from extractor.backends.base import BackendResult, ExtractionRequest, Usage
from extractor.call_log import logged_chat
from extractor.clients.base import ChatModel
from extractor.core.errors import ConfigError
from extractor.prompts import load_prompt
from extractor.strategies import ArticleTask, Strategy, get_strategy, pipeline_version


def resolve_strategy(
    backend: str, strategy: str | None, variant: str | None, default: str
) -> Strategy:
    """The strategy a backend was asked for; `variant` is the older name of the option."""
    if strategy is not None and variant is not None and strategy != variant:
        raise ConfigError(
            f"backend {backend!r}: give --strategy only (--variant is its older name), "
            f"got strategy {strategy!r} and variant {variant!r}"
        )
    return get_strategy(strategy or variant or default)


def strategy_params(strategy: Strategy) -> dict[str, Any]:
    """Cache-key parameters of `strategy`: its name, its prompts' versions, its rules' code."""
    params: dict[str, Any] = {"strategy": strategy.name}
    if strategy.prompts:
        params["prompt_versions"] = {name: load_prompt(name).version for name in strategy.prompts}
    if strategy.uses_pipeline:
        params["pipeline_version"] = pipeline_version()
    return params


def run_strategy(strategy: Strategy, chat: ChatModel, request: ExtractionRequest) -> BackendResult:
    """Extract `request` with `strategy` over `chat`; usage sums every model call, and each
    call goes to the call log when this attempt is logged (`extractor.call_log`)."""
    started = time.perf_counter()
    task = ArticleTask(
        article_id=request.article_id,
        text=request.text,
        system_prompt=request.system_prompt,
        user_prompt=request.user_prompt,
        published=request.metadata.published_date if request.metadata else None,
    )
    events, log = strategy.run(logged_chat(chat), task)
    return BackendResult(
        events=events,
        usage=Usage(log.prompt_tokens, log.completion_tokens),
        raw_output="\n".join(log.raw),
        extra={
            "strategy": strategy.name,
            "calls": log.calls,
            "wall_s": round(time.perf_counter() - started, 3),
        },
    )
