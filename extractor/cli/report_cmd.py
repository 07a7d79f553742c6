"""`extractor report`: one self-contained HTML page of predictions, with the gold diff."""

from __future__ import annotations

from pathlib import Path

import typer

from extractor.cli.app import app, exit_on_error
from extractor.report.build import build_report_page, write_report


@app.command("report")
@exit_on_error
def report_command(
    pred: Path = typer.Option(
        ...,
        "--pred",
        help="Predictions: the --out folder of `extractor extract` (its events.jsonl), a "
        ".jsonl file, or a directory of <article_id>.json files.",
    ),
    gold: Path | None = typer.Option(
        None,
        "--gold",
        help="Gold directory (<article_id>.json + articles/): adds matched/missed/spurious "
        "events and field mismatches.",
    ),
    articles: Path | None = typer.Option(
        None,
        "--articles",
        help="Article texts, as `extractor extract` reads them (.txt, .jsonl or .csv files, "
        "or a folder of them); default: <gold>/articles.",
    ),
    out: Path = typer.Option(Path("report.html"), "--out", help="The HTML file to write."),
) -> None:
    """Write an HTML page: each article with its evidence highlighted and linked to event cards.

    One file with inline CSS/JS that works offline; with --gold, events are marked
    matched / missed / spurious and field mismatches are flagged.
    """
    path = write_report(build_report_page(pred, gold, articles), out)
    typer.echo(str(path))
