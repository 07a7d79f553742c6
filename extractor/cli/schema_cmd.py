"""`extractor schema`: print the JSON Schema of the event contract."""

from __future__ import annotations

import json

import typer

from extractor.cli.app import app
from extractor.core.schema import json_schema


@app.command("schema")
def schema_command() -> None:
    """Print the JSON Schema of ArticleEvents (the event contract in ../shared/SCHEMA.md)."""
    typer.echo(json.dumps(json_schema(), indent=2))
