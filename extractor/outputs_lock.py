"""One writer at a time for the combined files of an output directory.

Any number of processes may extract into the same `--out`: each writes its per-article
records on its own, and takes this lock only while it rebuilds events.jsonl, events.csv
and failures.jsonl from every record in the folder. Rebuilds therefore happen one after
the other, each from a folder that only grew since the last, so the combined files never
lose a record another process wrote: both runs land completely.

The lock is `flock` on `<out>/.extractor.lock`, which holds the holder's pid (for the
message when a holder takes too long). The kernel releases it when its holder dies, so a
lock file left by a killed process is simply taken over. The holder removes the file when
it is done; a waiter checks that the file it locked is still the one at the path, so a
removal between its open and its lock cannot let two holders in.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path
from types import TracebackType

from extractor.outputs import OutputError, describe_os_error

try:
    import fcntl
except ImportError:  # not POSIX: no cross-process lock (one writer per folder, please)
    fcntl = None  # type: ignore[assignment]

LOCK_NAME = ".extractor.lock"
DEFAULT_WAIT_S = 60.0
POLL_S = 0.02


def _holder(path: Path) -> str:
    """`pid N` of the lock's holder, as far as its file says."""
    with contextlib.suppress(OSError, ValueError):
        return f"pid {int(path.read_text(encoding='ascii').strip())}"
    return "an unknown process"


class DirectoryLock:
    """`with DirectoryLock(out_dir): ...` runs the block as the folder's only rebuilder."""

    def __init__(self, directory: Path, wait_s: float = DEFAULT_WAIT_S) -> None:
        self.path = directory / LOCK_NAME
        self.wait_s = wait_s
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock, waiting up to `wait_s`; `OutputError` when it cannot be had."""
        if fcntl is None:
            return
        deadline = time.monotonic() + self.wait_s
        while True:
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
            except OSError as exc:
                raise OutputError(f"cannot create {self.path}: {describe_os_error(exc)}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() > deadline:
                    raise OutputError(
                        f"{self.path.parent}: {_holder(self.path)} has been rebuilding its "
                        f"combined files for over {self.wait_s:.0f} s; is it stuck?"
                    ) from None
                time.sleep(POLL_S)
                continue
            if self._is_current(fd):
                break
            os.close(fd)  # removed by its last holder after we opened it: open it again
        with contextlib.suppress(OSError):  # the pid only helps a waiter's message
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        self._fd = fd

    def _is_current(self, fd: int) -> bool:
        try:
            here, there = os.fstat(fd), os.stat(self.path)
        except FileNotFoundError:
            return False
        return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)

    def release(self) -> None:
        """Remove the lock file and let the next process in."""
        if self._fd is None:
            return
        fd, self._fd = self._fd, None
        with contextlib.suppress(OSError):
            self.path.unlink()
        os.close(fd)  # closing releases the flock

    def __enter__(self) -> DirectoryLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()
