"""`extractor eval`: score predictions against the hand-labelled gold set."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from extractor.cli.app import app, exit_on_error
from extractor.predictions import evaluate_paths
from extractor.report.eval_table import render_eval


@app.command("eval")
@exit_on_error
def eval_command(
    pred: Path = typer.Option(
        ...,
        "--pred",
        help="Predictions: the --out folder of `extractor extract` (its events.jsonl), a "
        ".jsonl file, or a directory of <article_id>.json files.",
    ),
    gold: Path = typer.Option(
        ...,
        "--gold",
        help="Gold directory: <article_id>.json files and articles/<article_id>.txt.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object instead of tables."),
) -> None:
    """Score predicted events against gold: event P/R/F1, field accuracy, slot F1, grounding.

    Gold articles without a prediction count as predicting no events and are listed.
    """
    result = evaluate_paths(pred, gold)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        render_eval(result, Console(highlight=False))
