"""Extraction strategies: how an article becomes events, over any model client.

A strategy takes a `ChatModel` (`extractor.clients`) and one article and returns validated
`ArticleEvents` plus a `CallLog` of the calls it made. Which client answers (llama.cpp in
this process, a llama.cpp server, vLLM, Ollama, OpenAI) is the backend's business, so every
strategy runs over every client:

    sentence     per-sentence mentions, grouped into incidents by rule, then one bounded
                 fields call per incident and the pipeline's rules (the measured default)
    staged       sentence triage, grouping call, fields call per incident, rules
    oneshot      one bounded, evidence-first call for the whole article, then the rules
    single-call  one call per article with the `extract` prompt and the `ArticleEvents`
                 schema, no rules (what a plain instructor call does)

`DEFAULT_STRATEGY` says which one each built-in backend uses when none is named.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import extractor.pipeline
from extractor.clients.base import ChatModel
from extractor.core.errors import ConfigError
from extractor.core.schema import ArticleEvents
from extractor.pipeline import oneshot, staged
from extractor.pipeline.chat import CallLog, ask

SINGLE_CALL_MAX_TOKENS = 2500
"""Answer cap of `single-call` (the peers benchmark's plain instructor call uses the same)."""


@dataclass(frozen=True)
class ArticleTask:
    """One article as a strategy sees it.

    `system_prompt` and `user_prompt` are the runner's rendering of the suite's prompt
    (`extract` by default): `single-call` sends them; the pipeline strategies use their own
    `prompts/local_*`. `published` is the input's published date, if it gave one: the
    pipeline resolves relative dates against it when the text has no date line.
    """

    article_id: str
    text: str
    system_prompt: str = ""
    user_prompt: str = ""
    published: dt.date | None = None


StrategyRun = Callable[[ChatModel, ArticleTask], tuple[ArticleEvents, CallLog]]


@dataclass(frozen=True)
class Strategy:
    """A named way to extract an article, and what identifies its answers."""

    name: str
    run: StrategyRun
    prompts: tuple[str, ...]
    """Names of the `prompts/` it renders itself; their versions go into the cache key."""
    uses_pipeline: bool
    """Its rules are the pipeline's code: `pipeline_version()` goes into the cache key."""

    @property
    def uses_published_date(self) -> bool:
        """Whether its answers depend on the input's published date (the pipeline's do)."""
        return self.uses_pipeline


def _pipeline(run: Callable[..., tuple[ArticleEvents, CallLog]]) -> StrategyRun:
    def run_task(chat: ChatModel, task: ArticleTask) -> tuple[ArticleEvents, CallLog]:
        return run(chat, task.article_id, task.text, task.published)

    return run_task


def run_single_call(chat: ChatModel, task: ArticleTask) -> tuple[ArticleEvents, CallLog]:
    """One constrained call with the rendered prompt; the answer as the model wrote it."""
    log = CallLog()
    answer = ask(
        chat,
        log,
        ArticleEvents,
        task.system_prompt,
        task.user_prompt,
        max_tokens=SINGLE_CALL_MAX_TOKENS,
        slot="single-call",
    )
    return answer.model_copy(update={"article_id": task.article_id}), log


STRATEGIES: dict[str, Strategy] = {
    "sentence": Strategy(
        "sentence", _pipeline(staged.run_by_sentence), staged.SENTENCE_PROMPTS, True
    ),
    "staged": Strategy("staged", _pipeline(staged.run), staged.PROMPTS, True),
    "oneshot": Strategy("oneshot", _pipeline(oneshot.run), oneshot.PROMPTS, True),
    "single-call": Strategy("single-call", run_single_call, (), False),
}

DEFAULT_STRATEGY: dict[str, str] = {"local": "sentence", "openai": "single-call"}
"""The strategy each built-in backend uses when none is named (README: measured table)."""


def get_strategy(name: str) -> Strategy:
    """The strategy called `name`; `ConfigError` naming the known ones otherwise."""
    try:
        return STRATEGIES[name]
    except KeyError:
        known = ", ".join(STRATEGIES)
        raise ConfigError(f"unknown strategy {name!r}: choose one of {known}") from None


def pipeline_version() -> str:
    """Content hash of the pipeline's code: a change to a rule changes every cache key."""
    digest = hashlib.sha256()
    for path in sorted(Path(extractor.pipeline.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]
