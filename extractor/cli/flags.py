"""Show on/off options as flags in `--help`, not as options taking a `<bool>` value.

Typer 0.29 labels every option with its type, so `--no-cache` read `--no-cache <bool>`
although it takes no value (and rejects one). An empty metavar hides the label; this sets
it on every boolean option of every registered command, so a new command needs nothing.
"""

from __future__ import annotations

import inspect

import typer
from typer.models import OptionInfo


def show_flags_as_flags(app: typer.Typer) -> None:
    """Give every boolean option of `app`'s commands (and sub-apps') an empty metavar."""
    callbacks = [command.callback for command in app.registered_commands]
    if app.registered_callback is not None:
        callbacks.append(app.registered_callback.callback)
    for callback in callbacks:
        if callback is None:
            continue
        for parameter in inspect.signature(callback).parameters.values():
            option = parameter.default
            is_flag = isinstance(option, OptionInfo) and isinstance(option.default, bool)
            if is_flag and option.metavar is None:
                option.metavar = ""
    for group in app.registered_groups:
        if group.typer_instance is not None:
            show_flags_as_flags(group.typer_instance)
