"""Eval-harness fixtures: the real gold set, two fake backends of known quality
(`fake-good` answers gold itself, `fake-bad` only each article's first gold event) and a
suite file in a temporary folder that compares them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from extractor.backends.base import ExtractionRequest
from extractor.backends.fake import FakeBackend
from extractor.backends.registry import register_backend, unregister_backend
from extractor.core.schema import ArticleEvents
from extractor.predictions import GoldSet, load_gold

REPO = Path(__file__).resolve().parents[2]
GOLD_DIR = REPO / "gold"


@pytest.fixture(scope="session")
def gold() -> GoldSet:
    """The five hand-labelled gold articles."""
    return load_gold(GOLD_DIR)


def first_event_only(record: ArticleEvents) -> ArticleEvents:
    """A weaker prediction: only the first gold event of the article."""
    return ArticleEvents(article_id=record.article_id, events=record.events[:1])


@dataclass
class FakeFleet:
    """The fake backends built so far (by registry name), to count their calls."""

    built: dict[str, list[FakeBackend]] = field(default_factory=dict)

    def calls(self, name: str | None = None) -> int:
        """Backend calls made by all fakes (or by those registered as `name`)."""
        names = [name] if name else list(self.built)
        return sum(len(b.calls) for n in names for b in self.built.get(n, []))


@pytest.fixture
def fakes(gold: GoldSet) -> Iterator[FakeFleet]:
    """Register `fake-good` and `fake-bad`; each build is kept in the fleet."""
    fleet = FakeFleet()
    answers: dict[str, Callable[[ArticleEvents], ArticleEvents]] = {
        "fake-good": lambda record: record,
        "fake-bad": first_event_only,
    }

    def factory(name: str) -> Callable[..., FakeBackend]:
        def build(model: str = "fake", **_: Any) -> FakeBackend:
            def respond(request: ExtractionRequest) -> ArticleEvents:
                return answers[name](gold.records[request.article_id])

            backend = FakeBackend(model=f"{name}:{model}", respond=respond)
            fleet.built.setdefault(name, []).append(backend)
            return backend

        return build

    for name in answers:
        register_backend(name, factory(name))
    yield fleet
    for name in answers:
        unregister_backend(name)


SUITE_TEMPLATE = """
[suite]
name = "{name}"
gold = "{gold}"
baseline = "baseline.json"
recorded = "recorded"
results = "results"

[bootstrap]
resamples = 200
seed = 7

[thresholds]
min_event_f1_main = {min_f1}
min_slot_micro_f1 = 0.5
min_grounding_rate = 0.9
max_drop = 0.05

[[backends]]
label = "good"
backend = "fake-good"
model = "m1"
gate = true
price = {{ input_per_1m = 1.0, output_per_1m = 2.0 }}

[[backends]]
label = "bad"
backend = "fake-bad"
model = "m2"
"""


@pytest.fixture
def write_suite(tmp_path: Path) -> Callable[..., Path]:
    """`write_suite(extra="...", min_f1=0.5)` writes a suite comparing good and bad fakes."""

    def write(name: str = "fakes", min_f1: float = 0.5, extra: str = "") -> Path:
        folder = tmp_path / "evals"
        folder.mkdir(exist_ok=True)
        path = folder / f"{name}.toml"
        text = SUITE_TEMPLATE.format(name=name, gold=GOLD_DIR.as_posix(), min_f1=min_f1)
        path.write_text(text + extra, encoding="utf-8")
        return path

    return write
