"""Local GGUF models: a pinned catalogue and verified assembly from PyPI part packages."""

from extractor.models.assemble import assemble, locate_parts, models_dir, resolve_model, verify
from extractor.models.catalogue import CATALOGUE, DEFAULT_MODEL, TEST_MODEL, ModelSpec, get_spec

__all__ = [
    "CATALOGUE",
    "DEFAULT_MODEL",
    "TEST_MODEL",
    "ModelSpec",
    "assemble",
    "get_spec",
    "locate_parts",
    "models_dir",
    "resolve_model",
    "verify",
]
