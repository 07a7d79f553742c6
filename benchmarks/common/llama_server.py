"""A real llama.cpp HTTP server on 127.0.0.1 for one GGUF: `python -m llama_cpp.server`.

Started with the settings of the in-process `local` backend (threads, context, chat
format, seed 0, no logits for every token), so an HTTP strategy run can be compared with
the in-process one. Used by tests/test_llama_server.py and benchmarks/strategies.

    with llama_server(gguf, threads=2, n_ctx=8192, chat_format="chatml") as url:
        ...  # url ends in /v1
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def llama_server(
    gguf: Path,
    *,
    threads: int,
    n_ctx: int,
    chat_format: str | None,
    log: Path | None = None,
    python: str = sys.executable,
    start_timeout_s: float = 120.0,
    port: int | None = None,
) -> Iterator[str]:
    """Serve `gguf` until the block ends; yields the base URL (…/v1). Always stopped."""
    port = port or free_port()
    command = [
        python, "-m", "llama_cpp.server",
        "--model", str(gguf),
        "--host", "127.0.0.1", "--port", str(port),
        "--n_threads", str(threads), "--n_threads_batch", str(threads),
        "--n_ctx", str(n_ctx), "--logits_all", "false", "--seed", "0",
    ]  # fmt: skip
    if chat_format:
        command += ["--chat_format", chat_format]
    sink = log.open("w") if log is not None else subprocess.DEVNULL
    # Passive OpenMP waiting, as the in-process client sets it: spinning threads of two
    # model processes on one small machine slow each other down many times over.
    env = {**os.environ, "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY", "PASSIVE")}
    server = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + start_timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=5) as response:
                    response.read()
                break
            except OSError:
                if server.poll() is not None:
                    raise RuntimeError(
                        f"llama_cpp.server exited with {server.returncode}"
                        + (f"; see {log}" if log else "")
                    ) from None
                if time.monotonic() > deadline:
                    raise RuntimeError(f"llama_cpp.server not up in {start_timeout_s} s") from None
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if log is not None and hasattr(sink, "close"):
            sink.close()
