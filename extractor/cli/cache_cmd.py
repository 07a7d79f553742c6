"""`extractor cache stats|clear`: inspect or empty the result cache."""

from __future__ import annotations

from pathlib import Path

import typer

from extractor.cache import ResultCache
from extractor.cli.app import app, exit_on_error

cache_app = typer.Typer(help="Inspect or empty the extraction result cache.", no_args_is_help=True)
app.add_typer(cache_app, name="cache")

CACHE_DIR_OPTION = typer.Option(None, help="cache directory (default: the user cache dir)")


@cache_app.command("stats")
@exit_on_error
def stats_command(cache_dir: Path | None = CACHE_DIR_OPTION) -> None:
    """Print the cache's entry count, size on disk and directory."""
    with ResultCache(cache_dir) as cache:
        stats = cache.stats()
    typer.echo(f"entries\t{stats.entries}")
    typer.echo(f"size\t{stats.size_bytes} bytes")
    typer.echo(f"dir\t{stats.directory}")


@cache_app.command("clear")
@exit_on_error
def clear_command(cache_dir: Path | None = CACHE_DIR_OPTION) -> None:
    """Remove every cached result (the next run calls the backend again)."""
    with ResultCache(cache_dir) as cache:
        removed = cache.clear()
    typer.echo(f"removed {removed} entries from {cache.directory}")
