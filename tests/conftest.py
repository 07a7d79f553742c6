"""Shared fixtures: an isolated result cache, a registered fake backend, the loopback
OpenAI-compatible server, and small builders for events and article files."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from extractor.backends.fake import FakeBackend
from extractor.backends.registry import register_backend, unregister_backend
from extractor.core.schema import Event
from tests.openai_server import OpenAIServer

REPO = Path(__file__).resolve().parents[1]
GOLD_ARTICLES = REPO / "gold" / "articles"


def build_event(**overrides: Any) -> Event:
    """A valid `Event`; override any field."""
    data: dict[str, Any] = {
        "event_type": "attack",
        "salience": "main",
        "date": None,
        "date_text": "Sunday",
        "location": "Camp Larch",
        "country": "Iraq",
        "admin1": None,
        "weapon_types": ["rocket"],
        "projectiles": 2,
        "intercepted": None,
        "perpetrator": None,
        "perpetrator_status": "unknown",
        "target": "Camp Larch",
        "killed": None,
        "injured": None,
        "damage": None,
        "summary": "Two rockets hit Camp Larch.",
        "evidence": ["Two rockets hit Camp Larch on Sunday."],
    }
    data.update(overrides)
    return Event.model_validate(data)


@pytest.fixture
def make_event() -> Callable[..., Event]:
    """`make_event(location=...)` builds a valid Event."""
    return build_event


@pytest.fixture(autouse=True)
def _isolated_cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never let a test read or fill the user's real result cache."""
    directory = tmp_path / "default-cache"
    monkeypatch.setenv("EXTRACTOR_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def fake_backend() -> Iterator[FakeBackend]:
    """A FakeBackend registered as `fake`, so `--backend fake` uses this very instance."""
    backend = FakeBackend()
    register_backend("fake", lambda **options: backend)
    yield backend
    unregister_backend("fake")


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """The loopback OpenAI-compatible server (answers: no events, unless scripted)."""
    with OpenAIServer(hang_s=3.0) as server:
        yield server


@pytest.fixture
def write_articles(tmp_path: Path) -> Callable[..., Path]:
    """`write_articles(a1="text", ...)` writes `<id>.txt` files into a fresh directory."""

    def write(directory: str = "articles", **texts: str) -> Path:
        folder = tmp_path / directory
        folder.mkdir(parents=True, exist_ok=True)
        for article_id, text in texts.items():
            (folder / f"{article_id}.txt").write_text(text, encoding="utf-8")
        return folder

    return write
