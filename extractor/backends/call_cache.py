"""A per-call answer cache for the local model: replay model calls instead of repeating them.

The result cache (`extractor.cache`) stores whole articles and is keyed by the pipeline's
code, so any change to a deterministic rule re-runs every model call of every article
(about 27 minutes for the gold set on 2 cores). Calls are deterministic (greedy decoding),
so this cache stores each call's answer under everything that shapes it: the model file's
identity, the system and user text, the grammar's schema and the token limit. A re-run
after a rule change then costs no model time, and a prompt change re-runs only the calls
whose prompt changed. It is opt-in (`--call-cache DIR` or `$EXTRACTOR_LOCAL_CALL_CACHE`):
timings measured with it are not model timings.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

import diskcache

from extractor.clients.base import complete_many
from extractor.pipeline.chat import ChatModel, Completion

CALL_CACHE_ENV_VAR = "EXTRACTOR_LOCAL_CALL_CACHE"


def call_key(model_id: str, system: str, user: str, schema: dict[str, Any], max_tokens: int) -> str:
    """The cache key of one constrained call: sha256 over a canonical JSON of its inputs."""
    material = {
        "model": model_id,
        "system": system,
        "user": user,
        "schema": schema,
        "max_tokens": max_tokens,
    }
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class CachedChat:
    """A `ChatModel` that answers from `directory` when it can and records what it asks."""

    def __init__(self, inner: ChatModel, model_id: str, directory: Path) -> None:
        self.inner = inner
        self.model_id = model_id
        self.cache = diskcache.Cache(str(directory))
        self.hits = 0
        self.misses = 0

    def complete(
        self, system: str, user: str, schema: dict[str, Any], max_tokens: int, *, slot: str
    ) -> Completion:
        """The recorded answer to this exact call, else the inner model's (then recorded)."""
        key = call_key(self.model_id, system, user, schema, max_tokens)
        stored = self.cache.get(key)
        if isinstance(stored, str):
            self.hits += 1
            return Completion(**json.loads(stored))
        self.misses += 1
        completion = self.inner.complete(system, user, schema, max_tokens, slot=slot)
        if completion.finish_reason == "stop":
            self.cache.set(key, json.dumps(asdict(completion)))
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
        """Recorded answers where there are some; the others asked together, then recorded."""
        keys = [call_key(self.model_id, system, user, schema, max_tokens) for user in users]
        answers: list[Completion | None] = []
        for key in keys:
            stored = self.cache.get(key)
            answers.append(Completion(**json.loads(stored)) if isinstance(stored, str) else None)
        missing = [i for i, answer in enumerate(answers) if answer is None]
        self.hits += len(users) - len(missing)
        self.misses += len(missing)
        asked = [users[i] for i in missing]
        for i, completion in zip(
            missing,
            complete_many(self.inner, system, asked, schema, max_tokens, slot=slot),
            strict=True,
        ):
            answers[i] = completion
            if completion.finish_reason == "stop":
                self.cache.set(keys[i], json.dumps(asdict(completion)))
        return [answer for answer in answers if answer is not None]

    def close(self) -> None:
        """Close the cache's database."""
        self.cache.close()


def call_cache_dir(option: str | Path | None) -> Path | None:
    """The call cache directory chosen by the option, else by the environment, else None."""
    chosen = option or os.environ.get(CALL_CACHE_ENV_VAR)
    return Path(chosen) if chosen else None
