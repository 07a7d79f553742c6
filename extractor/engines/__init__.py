"""Engines: where a batch's articles are extracted.

    local   this process: `CachedRunner` with `--concurrency` threads (the default)
    ray     a Ray cluster (`extractor.engines.ray_runner`): each worker (a Ray actor) holds
            one backend and extracts whole articles; the driver keeps the cache, the call
            log and the outputs, and writes each result as it comes back

Ray is an optional extra (`pip install 'extractor[ray]'`), imported only when the ray
engine is chosen; without it, `require_ray` says what to install.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from extractor.backends.base import Backend
from extractor.backends.registry import get_backend
from extractor.core.errors import ConfigError

RAY_INSTALL = "pip install 'extractor[ray]'"

BackendFactory = Callable[[], Backend]
"""Builds the backend on a worker: it is pickled there, so it must hold no open client."""


class Engine(StrEnum):
    """Where the articles of a batch are extracted."""

    LOCAL = "local"
    RAY = "ray"


@dataclass(frozen=True)
class RayOptions:
    """How to reach the cluster and how many workers to run on it.

    `address`: a running cluster (`127.0.0.1:6379`, `ray://head:10001`, `auto`); None uses
    `$RAY_ADDRESS`, else starts a Ray instance on this machine for the batch. `workers`:
    actors to start (None: the cluster's CPUs divided by `worker_cpus`). `worker_cpus`: CPUs
    each worker reserves; the local backend runs its llama.cpp model on that many threads,
    so workers on one node do not oversubscribe its cores.
    """

    address: str | None = None
    workers: int | None = None
    worker_cpus: float = 1.0

    def __post_init__(self) -> None:
        if self.workers is not None and self.workers < 1:
            raise ConfigError("--workers must be at least 1")
        if self.worker_cpus <= 0:
            raise ConfigError("--worker-cpus must be more than 0")


def require_ray() -> Any:
    """The `ray` module, or a `ConfigError` with the install command when it is missing."""
    try:
        return importlib.import_module("ray")
    except ImportError:
        raise ConfigError(
            f"--engine ray needs Ray, which is not installed: {RAY_INSTALL}"
        ) from None


def backend_factory(name: str, options: dict[str, Any], ray: RayOptions) -> BackendFactory:
    """How a worker builds backend `name` with `options` (None values: not given).

    The local backend gets `n_threads` = the worker's CPUs unless given, so one llama.cpp
    model per worker uses what that worker reserved and no more.
    """
    given = {key: value for key, value in options.items() if value is not None}
    if name == "local" and "n_threads" not in given:
        given["n_threads"] = max(1, int(ray.worker_cpus))
    return functools.partial(get_backend, name, **given)


def object_factory(backend: Backend) -> BackendFactory:
    """A factory for a backend object given to the API: workers get a copy of it."""
    return functools.partial(_same, backend)


def _same(backend: Backend) -> Backend:
    return backend
