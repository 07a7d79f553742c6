"""The on-disk result cache: validated backend answers keyed by everything that shapes them.

The key is a sha256 over a canonical JSON of the backend name, base URL, model, mode,
generation parameters, prompt version, schema hash and version, article id and article
text. Change any of them and the article is extracted again; change none and a re-run
makes no backend call. Values are JSON strings (not pickles): readable, and safe to load.
Only validated results are stored, so a failure is retried on the next run.

A cache that cannot be used never costs the results of a run: a cache directory that is a
file (or cannot be created) is a `ConfigError` before any work; a corrupt `cache.db`, met
when opening or later, is moved aside (`cache.db.corrupt-<time>`) with a notice and the
run goes on with an empty cache; any other database error switches the cache off for the
rest of the run, with a notice. Notices go to `on_notice`, else to the `extractor` logger.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import diskcache
import platformdirs

from extractor.backends.base import BackendInfo
from extractor.core.errors import ConfigError
from extractor.core.schema import SCHEMA_VERSION, schema_hash

CACHE_ENV_VAR = "EXTRACTOR_CACHE_DIR"
DB_NAME = "cache.db"  # diskcache's database file
CORRUPT_SQLITE_CODES = frozenset({11, 26})  # SQLITE_CORRUPT, SQLITE_NOTADB
logger = logging.getLogger("extractor")


def default_cache_dir() -> Path:
    """`$EXTRACTOR_CACHE_DIR`, else the user cache dir (e.g. ~/.cache/extractor/results)."""
    override = os.environ.get(CACHE_ENV_VAR)
    if override:
        return Path(override)
    return Path(platformdirs.user_cache_dir("extractor")) / "results"


def cache_key(
    info: BackendInfo,
    prompt_version: str,
    article_id: str,
    text: str,
    published: str | None = None,
) -> str:
    """The cache key of one backend answer for one (chunk of an) article.

    `published` (the input's published date) enters only for a backend whose answers use it
    (`BackendInfo.uses_published_date`); every other key is unchanged by metadata.
    """
    material: dict[str, object] = {
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
    if published is not None and info.uses_published_date:
        material["published"] = published
    canonical = json.dumps(material, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def check_cache_dir(directory: Path) -> None:
    """`ConfigError` when `directory` (or the nearest existing folder above it) is a file."""
    for candidate in (directory, *directory.parents):
        if candidate.exists():
            if candidate.is_dir():
                return
            what = "it is a file" if candidate == directory else f"{candidate} is a file"
            raise ConfigError(
                f"result cache directory {directory} cannot be used: {what}, not a directory"
            )


def is_corrupt(exc: BaseException) -> bool:
    """True for SQLite's "file is not a database" and "database disk image is malformed"."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code in CORRUPT_SQLITE_CODES
    text = str(exc)
    return "malformed" in text or "not a database" in text


@dataclass(frozen=True)
class CacheStats:
    """What `extractor cache stats` prints."""

    directory: Path
    entries: int
    size_bytes: int


class ResultCache:
    """A diskcache-backed store of JSON values; `enabled=False` makes it a no-op."""

    def __init__(
        self,
        directory: Path | None = None,
        *,
        enabled: bool = True,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.directory = directory or default_cache_dir()
        self.enabled = enabled
        self.on_notice = on_notice
        self._lock = threading.Lock()
        self._cache: diskcache.Cache | None = self._open() if enabled else None

    def _open(self) -> diskcache.Cache | None:
        check_cache_dir(self.directory)
        try:
            return diskcache.Cache(str(self.directory))
        except sqlite3.DatabaseError as exc:
            if not is_corrupt(exc):
                raise ConfigError(
                    f"cannot open the result cache in {self.directory}: {exc}"
                ) from None
            moved = self._move_aside()
            self._notice(
                f"result cache {self.directory / DB_NAME} is corrupt ({exc}); moved it to "
                f"{moved} and started an empty cache"
            )
        except OSError as exc:
            raise ConfigError(
                f"cannot open the result cache directory {self.directory}: {exc.strerror or exc}"
            ) from None
        try:
            return diskcache.Cache(str(self.directory))
        except (sqlite3.Error, OSError) as exc:
            self._notice(
                f"result cache in {self.directory} cannot be opened ({exc}); running without it"
            )
            return None

    def _move_aside(self) -> Path:
        """Rename cache.db (and its journal files) to `cache.db.corrupt-<time>`."""
        target = self.directory / f"{DB_NAME}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}"
        for suffix in ("", "-wal", "-shm", "-journal"):
            source = self.directory / f"{DB_NAME}{suffix}"
            with contextlib.suppress(FileNotFoundError):
                os.replace(source, f"{target}{suffix}")
        return target

    def _failed(self, exc: Exception) -> None:
        """Switch the cache off after a database error (moving a corrupt one aside)."""
        with self._lock:
            cache, self._cache = self._cache, None
        if cache is None:
            return  # another thread already did
        with contextlib.suppress(Exception):
            cache.close()
        if is_corrupt(exc):
            moved = self._move_aside()
            self._notice(
                f"result cache {self.directory / DB_NAME} is corrupt ({exc}); moved it to "
                f"{moved}; running without the cache"
            )
        else:
            self._notice(f"result cache in {self.directory} failed ({exc}); running without it")

    def _notice(self, message: str) -> None:
        if self.on_notice is not None:
            self.on_notice(message)
        else:
            logger.warning("%s", message)

    def get(self, key: str) -> dict[str, Any] | None:
        """The stored value for `key`, or None (also when disabled or unreadable)."""
        cache = self._cache
        if cache is None:
            return None
        try:
            raw = cache.get(key)
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)
            return None
        if not isinstance(raw, str):
            return None
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: dict[str, Any]) -> None:
        """Store a JSON-serialisable value under `key` (no-op when disabled)."""
        cache = self._cache
        if cache is None:
            return
        try:
            cache.set(key, json.dumps(value, ensure_ascii=False, sort_keys=True))
        except (sqlite3.Error, OSError) as exc:
            self._failed(exc)

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
