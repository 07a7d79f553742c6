"""`extractor eval`: score predictions against the hand-labelled gold set."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from extractor.cli.app import app, exit_on_error
from extractor.incidents.evaluation import has_incident_gold, incident_lines, score_paths
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
    When the gold folder has incidents.json (events of different articles that are one
    incident), the cross-article merger is scored too (pairwise and B-cubed F1, under
    `incidents` in --json).
    """
    result = evaluate_paths(pred, gold)
    incidents = score_paths(pred, gold) if has_incident_gold(gold) else None
    if as_json:
        payload = result.to_dict()
        if incidents is not None:
            payload["incidents"] = incidents
        typer.echo(json.dumps(payload, indent=2))
    else:
        render_eval(result, Console(highlight=False))
        if incidents is not None:
            typer.echo(incident_lines(incidents))
