"""Prompt templates, shipped as package data: installed as `extractor._prompts`.

Each folder holds one prompt's `*.txt` parts; `extractor.prompts` loads them through
`importlib.resources`. This file only makes the folder a regular package, which
setuptools' editable installs need to map it (pyproject.toml, [tool.setuptools]).
"""
