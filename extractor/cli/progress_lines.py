"""Progress for a log, not a terminal: one plain line per finished article and a heartbeat.

When stderr is not a terminal (`nohup`, `| tee`, CI logs, `make run` piped), rich's bar
prints nothing until the end, and a local-model batch is silent for many minutes. There,
each finished article prints `[n/N] id ok (Ts, about M min left)`, and every 30 s without
one a line says the batch is still working, and on which article and stage its latest model
call was (`stage`, fed by the call log).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType

HEARTBEAT_SECONDS = 30.0


class ProgressLines:
    """Counts finished articles and prints plain lines through `say`."""

    def __init__(
        self, total: int, say: Callable[[str], None], heartbeat: float = HEARTBEAT_SECONDS
    ) -> None:
        self.total = total
        self.done = 0
        self._say = say
        self._heartbeat = heartbeat
        self._started = time.monotonic()
        self._last = self._started
        self._stop = threading.Event()
        self._stage = ""
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._beat, daemon=True)

    def finished(self, article_id: str, state: str) -> None:
        """One article is done: print its line with the time it took and an estimate."""
        with self._lock:
            now = time.monotonic()
            self.done += 1
            took, self._last = now - self._last, now
            left = self.total - self.done
            per_article = (now - self._started) / self.done
            eta = f", about {left * per_article / 60:.0f} min left" if left else ""
            self._say(f"[{self.done}/{self.total}] {article_id} {state} ({took:.0f} s{eta})")

    def stage(self, article_id: str, slot: str, call: int) -> None:
        """The latest model call: its article, its stage and its number within the article."""
        with self._lock:
            self._stage = f"; latest call: {article_id} {slot} (call {call})"

    def _beat(self) -> None:
        while not self._stop.wait(self._heartbeat):
            with self._lock:
                if time.monotonic() - self._last >= self._heartbeat:
                    elapsed = time.monotonic() - self._started
                    self._say(
                        f"still working: {self.done}/{self.total} articles done, "
                        f"{elapsed / 60:.1f} min elapsed{self._stage}"
                    )

    def __enter__(self) -> ProgressLines:
        self._say(f"extracting {self.total} article(s)")
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        self._thread.join(timeout=1)
