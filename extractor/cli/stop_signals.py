"""Ctrl-C and SIGTERM for a command that runs a batch: stop cleanly once, at once twice.

The first SIGINT or SIGTERM sets `stop`. Once `defer()` was called (the batch has
started: it checks the event between results and abandons the calls in flight) that is
all, so the batch writes what finished and the command reports and exits; before that
(reading inputs, building the backend) the signal raises `KeyboardInterrupt` to leave
whatever was blocking. A second signal exits the process at once with 128 + its number,
after one line on stderr and without a traceback.

    signals = StopSignals()
    with signals.installed():
        prepare()                      # a signal here raises KeyboardInterrupt
        signals.defer()
        run_batch(stop=signals.stop)   # a signal here sets signals.stop
        if signals.signum is not None:
            raise SystemExit(signals.exit_code)
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType

HANDLED = (signal.SIGINT, signal.SIGTERM)
NAMES = {signal.SIGINT: "interrupted (SIGINT)", signal.SIGTERM: "terminated (SIGTERM)"}


class StopSignals:
    """The first stop signal received, and the event a batch watches."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.signum: int | None = None
        self._deferring = False

    @property
    def exit_code(self) -> int:
        """128 + the signal's number: 130 for SIGINT, 143 for SIGTERM."""
        return 128 + (self.signum or signal.SIGINT)

    @property
    def description(self) -> str:
        """`interrupted (SIGINT)` or `terminated (SIGTERM)`."""
        return NAMES.get(signal.Signals(self.signum or signal.SIGINT), "stopped")

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.signum is not None:
            with contextlib.suppress(OSError):
                os.write(2, f"\n{signal.Signals(signum).name} again: exiting now\n".encode())
            os._exit(128 + signum)
        self.signum = signum
        self.stop.set()
        if not self._deferring:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def installed(self) -> Iterator[StopSignals]:
        """Handle SIGINT and SIGTERM inside the block (main thread only), then restore."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {signum: signal.signal(signum, self._handle) for signum in HANDLED}
        try:
            yield self
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def defer(self) -> None:
        """From now on, a first signal only sets `stop` (the running code checks it)."""
        self._deferring = True

    def noticed(self) -> None:
        """Count a KeyboardInterrupt that was not ours (raised before we installed) as SIGINT."""
        if self.signum is None:
            self.signum = signal.SIGINT
            self.stop.set()
