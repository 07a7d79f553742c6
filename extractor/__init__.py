"""extractor: turn news articles into structured, verifiable event records with language models."""

__version__ = "0.1.0"
