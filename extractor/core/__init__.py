"""Core types shared by every layer: the event schema, errors and small value types.

This package imports nothing else of ours (enforced by import-linter in pyproject.toml).
"""
