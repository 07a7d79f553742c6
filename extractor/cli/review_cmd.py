"""`extractor review`: accept, correct, reject and add events in the browser; save gold."""

from __future__ import annotations

import getpass
import socket
from pathlib import Path

import typer

from extractor.cli.app import app, exit_on_error
from extractor.core.errors import InputError


def _default_reviewer() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "reviewer"


def _check_port(host: str, port: int) -> None:
    """One line instead of uvicorn's log when the port is taken."""
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise InputError(f"{host}:{port}: {exc.strerror or exc}; pass another --port") from None


@app.command("review")
@exit_on_error
def review_command(
    out: Path = typer.Argument(
        ...,
        help="What to review: the --out folder of `extractor extract`, a .jsonl file, a "
        "directory of <article_id>.json files, or the SQLite file of `extract --sqlite`.",
    ),
    gold: Path | None = typer.Option(
        None,
        "--gold",
        help="Gold directory to write (<article_id>.json + articles/, reviews/ beside them); "
        "default: OUT/gold.",
    ),
    articles: Path | None = typer.Option(
        None,
        "--articles",
        help="Article texts, as `extractor extract` read them (.txt, .jsonl or .csv files, "
        "or a folder of them); default: <gold>/articles.",
    ),
    port: int = typer.Option(8765, "--port", min=1, max=65535, help="Port on 127.0.0.1."),
    reviewer: str | None = typer.Option(
        None, "--reviewer", help="Name recorded with each saved gold file; default: $USER."
    ),
) -> None:
    """Review a run in the browser (127.0.0.1 only) and save what you accept as gold.

    The article is shown with each event's evidence highlighted; every field of every event
    is editable. Drafts are saved on every change; "Save gold" writes GOLD/<id>.json in the
    gold/ format, which `extractor eval --gold GOLD` reads.
    """
    try:
        from extractor.review_app import DEFAULT_HOST, ReviewStore, create_app
    except ImportError as exc:  # starlette / uvicorn are the `review` extra
        raise InputError(f"{exc}: pip install 'extractor[review]'") from None
    try:
        import uvicorn
    except ImportError:
        raise InputError("uvicorn is not installed: pip install 'extractor[review]'") from None
    gold_dir = gold if gold is not None else (out if out.is_dir() else out.parent) / "gold"
    store = ReviewStore.open(out, gold_dir, articles, reviewer or _default_reviewer())
    _check_port(DEFAULT_HOST, port)
    typer.echo(f"Reviewing {len(store.predictions)} article(s) of {out}; gold goes to {gold_dir}")
    typer.echo(f"Open http://{DEFAULT_HOST}:{port}/ (Ctrl+C to stop)")
    uvicorn.run(create_app(store), host=DEFAULT_HOST, port=port, log_level="warning")
