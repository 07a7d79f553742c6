"""The on-disk result cache: validated backend answers keyed by everything that shapes them.

The key is a sha256 over a canonical JSON of the backend name, base URL, model, mode,
generation parameters, prompt version, schema hash and version, article id and article
text. Change any of them and the article is extracted again; change none and a re-run
makes no backend call. Values are JSON strings (not pickles): readable, and safe to load.
Only validated results are stored, so a failure is retried on the next run.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import diskcache
import platformdirs

from extractor.backends.base import BackendInfo
from extractor.core.schema import SCHEMA_VERSION, schema_hash

CACHE_ENV_VAR = "EXTRACTOR_CACHE_DIR"


def default_cache_dir() -> Path:
    """`$EXTRACTOR_CACHE_DIR`, else the user cache dir (e.g. ~/.cache/extractor/results)."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("extractor")) / "results"


def cache_key(info: BackendInfo, prompt_version: str, article_id: str, text: str) -> str:
    """The cache key of one backend answer for one (chunk of an) article."""
    material = {
        "backend": info.backend,
        "base_url": info.base_url,
        "model": info.model,
        "mode": info.mode,
        "params": info.params,
        "prompt_version": prompt_version,
        "schema_hash": schema_hash(),
        "schema_version": SCHEMA_VERSION,
        "article_id": article_id,
        "text": text,
    }
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    """What `extractor cache stats` prints."""

    directory: Path
    entries: int
    size_bytes: int


class ResultCache:
    """A diskcache-backed store of JSON values; `enabled=False` makes it a no-op."""

    def __init__(self, directory: Path | None = None, *, enabled: bool = True) -> None:
        self.directory = directory or default_cache_dir()
        self.enabled = enabled
        self._cache: diskcache.Cache | None = (
            diskcache.Cache(str(self.directory)) if enabled else None
        )

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value for `key`, or None (also when disabled or unreadable)."""
        if self._cache is None:
            return None
        raw = self._cache.get(key)
        if not isinstance(raw, str):
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Store a JSON-serialisable value under `key` (no-op when disabled)."""
        if self._cache is not None:
            self._cache.set(key, json.dumps(value, ensure_ascii=False, sort_keys=True))

    def stats(self) -> CacheStats:
        """Entry count and size on disk."""
        if self._cache is None:
            return CacheStats(self.directory, 0, 0)
        return CacheStats(self.directory, len(self._cache), int(self._cache.volume()))

    def clear(self) -> int:
        """Remove every entry; returns how many there were."""
        return int(self._cache.clear()) if self._cache is not None else 0

    def close(self) -> None:
        """Close the underlying database."""
        if self._cache is not None:
            self._cache.close()

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
