"""Backends by name: built-ins, entry points, lazy imports with install hints."""

from __future__ import annotations

import pytest

from extractor.backends.base import Backend
from extractor.backends.fake import FakeBackend
from extractor.backends.registry import (
    DEFAULT_BACKEND,
    available_backends,
    get_backend,
    register_backend,
    unregister_backend,
)
from extractor.core.errors import BackendUnavailable, ConfigError


def test_builtins_are_known_and_local_is_the_default() -> None:
    known = available_backends()
    assert {"local", "openai", "fake"} <= known.keys()
    assert DEFAULT_BACKEND == "local"


def test_get_backend_builds_by_name_with_options() -> None:
    backend = get_backend("fake", model="m1")
    assert isinstance(backend, FakeBackend) and isinstance(backend, Backend)
    assert backend.info.model == "m1"


def test_unknown_name_lists_known_backends() -> None:
    with pytest.raises(
        ConfigError, match=r"unknown backend 'nope'; known backends: .*fake.*openai"
    ):
        get_backend("nope")


def test_unknown_option_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="does not accept"):
        get_backend("fake", colour="blue")


def test_missing_module_fails_only_when_chosen_with_install_command() -> None:
    register_backend("heavy", "extractor_no_such_module.backend:Heavy")
    try:
        assert "heavy" in available_backends()
        with pytest.raises(BackendUnavailable, match="install it with: pip install"):
            get_backend("heavy")
    finally:
        unregister_backend("heavy")


def test_fixture_registers_the_prepared_fake(fake_backend: FakeBackend) -> None:
    assert get_backend("fake", model="ignored") is fake_backend
