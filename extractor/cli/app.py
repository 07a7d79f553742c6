"""The Typer application object and the shared error-to-exit-code wrapper."""

from __future__ import annotations

import functools
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

import extractor
from extractor.core.errors import ExtractorError, InputError
from extractor.redaction import redact

app = typer.Typer(
    name="extractor",
    help=(
        "Turn news articles into structured, verifiable event records (attacks on bases "
        "hosting U.S./coalition forces and the strikes made in response) with language "
        "models, and score them against hand-labelled gold."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)

err_console = Console(stderr=True, highlight=False, soft_wrap=True)

P = ParamSpec("P")
R = TypeVar("R")


def describe_os_error(exc: OSError) -> str:
    """`<file>: <reason>` for an OSError that escaped every narrower handler."""
    where = f"{exc.filename}: " if exc.filename is not None else ""
    return f"{where}{exc.strerror or exc}"


def exit_on_error(func: Callable[P, R]) -> Callable[P, R]:
    """Turn our own errors, and any OS error nothing else handled, into a one-line message
    on stderr (credentials redacted) and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (InputError, ExtractorError) as exc:
            message = str(exc)
        except OSError as exc:
            message = describe_os_error(exc)
        err_console.print(redact(f"error: {message}"), markup=False)
        raise typer.Exit(code=2)

    return wrapper


def installed_version() -> str:
    """The installed distribution's version, else the package's own `__version__`."""
    try:
        return version("extractor")
    except PackageNotFoundError:
        return extractor.__version__


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"extractor {installed_version()}")
        raise typer.Exit()


@app.callback()
def root(
    show_version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Extract, score and compare event records from news articles."""
