"""Helpers for tests that run real server processes: a free port on the loopback, and a thread that pumps a
process's output into a queue so a test can wait for a line without blocking on the pipe."""
from __future__ import annotations

import queue
import socket
from typing import IO


def free_port() -> int:
    """A TCP port nothing listens on right now (the OS picks it; a server started next binds it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pump(stream: IO[str], sink: "queue.Queue[str]") -> None:
    """Every line of `stream` into `sink` until it closes (run in a daemon thread)."""
    for line in iter(stream.readline, ""):
        sink.put(line)
    stream.close()
