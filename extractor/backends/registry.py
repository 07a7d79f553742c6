"""Backends by name: built-ins and third-party plug-ins register the same way.

A backend is named by a `"module:Class"` target. Built-ins are listed in `BUILTIN_BACKENDS`
(the same table pyproject.toml publishes under the `extractor.backends` entry-point group);
installed packages add theirs through that group. Modules are imported only when their
backend is chosen, so a missing heavy dependency (llama-cpp-python, a provider SDK) only
matters to the user who picks that backend, and the error says what to install.

    >>> backend = get_backend("openai", model="gpt-4o-mini")   # doctest: +SKIP
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from extractor.backends.base import Backend
from extractor.core.errors import BackendUnavailable, ConfigError

ENTRY_POINT_GROUP = "extractor.backends"
DEFAULT_BACKEND = "local"

BUILTIN_BACKENDS: dict[str, str] = {
    "local": "extractor.backends.local:LocalBackend",
    "openai": "extractor.backends.openai_compat:OpenAIBackend",
    "fake": "extractor.backends.fake:FakeBackend",
}

INSTALL_HINTS: dict[str, str] = {
    "local": "pip install -e '.[local]'  (then `make model` to fetch the model file)",
    "openai": "pip install -e .",
}

BackendFactory = Callable[..., Backend]

_overrides: dict[str, str | BackendFactory] = {}


def register_backend(name: str, target: str | BackendFactory) -> None:
    """Register (or replace) a backend by name: a `"module:Class"` string or a factory.

    Used by tests to put a prepared fake in place; plug-ins use the entry-point group.
    """
    _overrides[name] = target


def unregister_backend(name: str) -> None:
    """Undo `register_backend` for `name` (built-ins and entry points stay)."""
    _overrides.pop(name, None)


def _entry_point_targets() -> dict[str, str]:
    return {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}


def available_backends() -> dict[str, str | BackendFactory]:
    """Every known backend name and its target; later sources override earlier ones."""
    return {**BUILTIN_BACKENDS, **_entry_point_targets(), **_overrides}


def _load_target(name: str, target: str) -> BackendFactory:
    module_name, _, attribute = target.partition(":")
    hint = INSTALL_HINTS.get(name, "pip install the package that provides it")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise BackendUnavailable(
            f"backend {name!r} cannot be loaded ({exc.__class__.__name__}: {exc}); "
            f"install it with: {hint}"
        ) from exc
    try:
        factory: BackendFactory = getattr(module, attribute)
    except AttributeError:
        raise ConfigError(f"backend {name!r}: {module_name} has no {attribute!r}") from None
    return factory


def backend_factory(name: str) -> BackendFactory:
    """The class (or factory) registered as `name`, its module imported now.

    Raises `ConfigError` for an unknown name and `BackendUnavailable` when its module
    cannot be imported (with the install command).
    """
    known = available_backends()
    if name not in known:
        raise ConfigError(f"unknown backend {name!r}; known backends: {', '.join(sorted(known))}")
    target = known[name]
    return _load_target(name, target) if isinstance(target, str) else target


def get_backend(name: str, **options: Any) -> Backend:
    """Build the backend called `name` with keyword `options` (model, base_url, ...).

    Raises `ConfigError` for an unknown name (listing the known ones) or an option the
    backend does not take, and `BackendUnavailable` when its dependencies are missing.
    """
    factory = backend_factory(name)
    try:
        inspect.signature(factory).bind(**options)
    except TypeError as exc:
        raise ConfigError(f"backend {name!r} does not accept these options: {exc}") from None
    except ValueError:
        pass  # no introspectable signature: let the call decide
    return factory(**options)
