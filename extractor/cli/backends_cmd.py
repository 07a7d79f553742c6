"""`extractor backends`: what `extract` can run: backends, strategies, catalogue models.

Backends come from the registry (built-ins and installed plug-ins alike), each with the
strategy it uses by default and the `-o key=value` options it takes; strategies from
`extractor.strategies`; models from the local catalogue (`extractor model list` says
which are installed). `--json` prints the same as one object.
"""

from __future__ import annotations

import json
from typing import Any

import typer

from extractor.backends.options import model_options
from extractor.backends.registry import DEFAULT_BACKEND, available_backends
from extractor.cli.app import app, exit_on_error
from extractor.core.errors import ExtractorError
from extractor.models import CATALOGUE, DEFAULT_MODEL
from extractor.strategies import DEFAULT_STRATEGY, STRATEGIES

STRATEGY_SUMMARIES: dict[str, str] = {
    "sentence": "per-sentence mentions grouped into incidents by rule, one fields call per "
    "incident, then the pipeline's rules",
    "staged": "sentence triage, a grouping call, one fields call per incident, then the rules",
    "oneshot": "one bounded, evidence-first call for the whole article, then the rules",
    "single-call": "one call per article with the extract prompt and the ArticleEvents schema",
}
"""One line per strategy (the table in `extractor.strategies`' docstring)."""


def _backends() -> list[dict[str, Any]]:
    rows = []
    for name, target in sorted(available_backends().items()):
        try:
            options = {
                key: {"type": o.type.__name__, "help": o.help}
                for key, o in model_options(name).items()
            }
            problem = None
        except ExtractorError as exc:  # a plug-in whose dependencies are missing
            options, problem = {}, str(exc)
        rows.append(
            {
                "name": name,
                "target": target if isinstance(target, str) else repr(target),
                "default": name == DEFAULT_BACKEND,
                "default_strategy": DEFAULT_STRATEGY.get(name),
                "options": options,
                "problem": problem,
            }
        )
    return rows


def _listing() -> dict[str, Any]:
    return {
        "backends": _backends(),
        "strategies": [
            {"name": name, "summary": STRATEGY_SUMMARIES.get(name, "")} for name in STRATEGIES
        ],
        "models": [
            {"name": spec.name, "title": spec.title, "default": spec.name == DEFAULT_MODEL}
            for spec in CATALOGUE.values()
        ],
    }


def _print(listing: dict[str, Any]) -> None:
    typer.echo(f"backends (-b NAME; default {DEFAULT_BACKEND}):")
    for row in listing["backends"]:
        strategy = (
            f"  default strategy {row['default_strategy']}" if row["default_strategy"] else ""
        )
        typer.echo(f"  {row['name']:<8} {row['target']}{strategy}")
        for key, option in row["options"].items():
            typer.echo(f"           -o {key}={option['type'].upper()}  {option['help']}")
        if row["problem"]:
            typer.echo(f"           (cannot be loaded: {row['problem']})")
    typer.echo("strategies (-s NAME):")
    for row in listing["strategies"]:
        typer.echo(f"  {row['name']:<12} {row['summary']}")
    typer.echo("catalogue models (-m NAME with the local backend; `extractor model list`):")
    for row in listing["models"]:
        default = " (default)" if row["default"] else ""
        typer.echo(f"  {row['name']}{default}  {row['title']}")


@app.command("backends")
@exit_on_error
def backends_command(
    as_json: bool = typer.Option(False, "--json", metavar="", help="print the listing as JSON"),
) -> None:
    """List the backends, strategies and catalogue models `extract` can use."""
    listing = _listing()
    if as_json:
        typer.echo(json.dumps(listing, indent=2))
    else:
        _print(listing)
