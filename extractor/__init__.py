"""extractor: turn news articles into structured, verifiable event records with language models.

    import extractor
    from pathlib import Path

    result = extractor.extract(["Two rockets hit Camp Larch on Sunday.", Path("articles/")],
                               backend="openai", model="gpt-4o-mini")
    result.articles      # [ArticleEvents], typed; result.failures: what failed and why
    extractor.evaluate(result, "gold").metrics

The names below are loaded on first use (`extractor.api` and the schema), so `import
extractor` stays cheap and never imports a backend's SDK (llama-cpp-python, openai,
instructor); see `extractor.api` for the API's contract.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from extractor.api import ExtractionResult, evaluate, extract, merge_incidents
    from extractor.core.errors import ExtractorError
    from extractor.core.records import ExtractionRecord, FailureRecord
    from extractor.core.schema import ArticleEvents, Event

__all__ = [
    "ArticleEvents",
    "Event",
    "ExtractionRecord",
    "ExtractionResult",
    "ExtractorError",
    "FailureRecord",
    "evaluate",
    "extract",
    "merge_incidents",
]

_HOMES = {
    "ArticleEvents": "extractor.core.schema",
    "Event": "extractor.core.schema",
    "ExtractionRecord": "extractor.core.records",
    "ExtractionResult": "extractor.api",
    "ExtractorError": "extractor.core.errors",
    "FailureRecord": "extractor.core.records",
    "evaluate": "extractor.api",
    "extract": "extractor.api",
    "merge_incidents": "extractor.api",
}


def __getattr__(name: str) -> Any:
    """Import an exported name's module the first time the name is used."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'extractor' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
