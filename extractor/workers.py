"""A small pool of daemon worker threads for the runner.

`concurrent.futures.ThreadPoolExecutor` joins its threads when the interpreter exits, so a
batch stopped by Ctrl-C or SIGTERM would still wait, maybe for minutes, for a request that
hangs. These workers are daemon threads: a stopped batch stops waiting for them, writes
what finished and exits; an abandoned request dies with the process (its connection is
closed, so the server sees the client go), and its answer, if it ever comes, is dropped.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[Future[Any], Callable[[], Any]] | None


class DaemonPool:
    """Runs submitted calls on at most `size` daemon threads, started as needed."""

    def __init__(self, size: int, name: str = "extractor-worker") -> None:
        self.size = size
        self.name = name
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, func: Callable[[], T]) -> Future[T]:
        """Queue `func`; its future resolves with its result or exception."""
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is shut down")
            self._jobs.put((future, func))
            if len(self._threads) < self.size:
                thread = threading.Thread(
                    target=self._work, name=f"{self.name}-{len(self._threads) + 1}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        return future

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, func = job
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = func()
            except BaseException as exc:  # the future carries it to the caller
                future.set_exception(exc)
            else:
                future.set_result(result)

    def shutdown(self, wait: bool = True) -> None:
        """Cancel queued calls and let the threads end; `wait` joins them, else they are
        left to finish (or to die with the process)."""
        with self._lock:
            self._closed = True
            while True:
                try:
                    job = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if job is not None:
                    job[0].cancel()
            for _ in self._threads:
                self._jobs.put(None)
        if wait:
            for thread in self._threads:
                thread.join()
