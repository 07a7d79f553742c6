"""`extractor incidents`: merge the events of many articles into incidents with their sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from extractor.api import merge_incidents
from extractor.cli.app import app, exit_on_error


@app.command("incidents")
@exit_on_error
def incidents_command(
    outputs: list[Path] = typer.Argument(
        ...,
        help="Extraction output folders (`extractor extract --out`), or folders of "
        "<article_id>.json records.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write incidents.jsonl and incidents.csv into this folder."
    ),
    metadata: list[Path] = typer.Option(
        [],
        "--metadata",
        help="JSON file: article id -> {outlet, url, published}, for records without a "
        "source (e.g. gold/dev/articles/metadata.json); repeatable.",
    ),
    sqlite: Path | None = typer.Option(
        None,
        "--sqlite",
        help="Also write the tables incidents, incident_members and incident_conflicts "
        "into this SQLite file.",
    ),
    gold: Path | None = typer.Option(
        None,
        "--gold",
        help="A gold folder with incidents.json: also print the clustering scores (pairwise "
        "and B-cubed, merger and baseline) of these events as JSON.",
    ),
    html: Path | None = typer.Option(
        None,
        "--html",
        help="Also write an HTML page: one card per incident, its sources side by side, "
        "disagreements highlighted.",
    ),
    explain: bool = typer.Option(
        False,
        "--explain",
        help="Print, for every pair of events joined or nearly joined, why it was joined "
        "or kept apart.",
    ),
) -> None:
    """Merge events across articles into incidents: one row per incident, with its member
    events (article, outlet, URL, evidence offsets), reconciled fields and disagreements.

    Prints one line per incident (and, with --explain, the pairwise reasons first).
    """
    if explain:
        from extractor.incidents import explain as explain_pairs
        from extractor.incidents.store import load_reports, read_metadata_files

        sources = read_metadata_files(metadata)
        for line in explain_pairs(load_reports(outputs, sources)):
            typer.echo(line)
    incidents = merge_incidents(outputs, out_dir=out, metadata=metadata, sqlite=sqlite)
    for incident in incidents:
        event = incident.event
        disputed = ", ".join(c.field for c in incident.conflicts)
        typer.echo(
            f"{incident.incident_id}  {event.event_type.value:6} {event.date or '?':10} "
            f"{event.location}  sources={incident.n_sources}"
            + (f"  disputed: {disputed}" if disputed else "")
        )
    if html is not None:
        from extractor.outputs import atomic_write_text
        from extractor.report.incidents_page import render_incidents

        atomic_write_text(html, render_incidents(incidents))
    merged = sum(1 for i in incidents if i.n_sources > 1)
    typer.echo(f"{len(incidents)} incidents, {merged} told by more than one article", err=True)
    if gold is not None:
        typer.echo(json.dumps(_scores(outputs, metadata, gold), indent=2))


def _scores(outputs: list[Path], metadata: list[Path], gold: Path) -> dict[str, Any]:
    from extractor.incidents.evaluation import gold_with_parent, score_incidents
    from extractor.incidents.store import load_reports, read_metadata_files

    sources = read_metadata_files(metadata)
    return score_incidents(load_reports(outputs, sources), gold_with_parent(gold))
