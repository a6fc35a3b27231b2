"""A real `redis-server` for the Redis backend tests: one per test process (xdist-safe: its own port and directory),
started on first use, stopped at exit. `make test` installs the Debian package (`make redis`); without the binary
or redis-py the Redis tests skip LOUDLY with the reason."""
from __future__ import annotations

import atexit
import shutil
import subprocess
import tempfile
import time
from typing import Any

import pytest
from tests.processes import free_port

_server: dict[str, Any] = {}
_next_db = [0]


def _start() -> str:
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if shutil.os.path.exists("/usr/bin/redis-server")
                                              else None)
    if binary is None:
        raise RuntimeError("redis-server is not installed (`make redis` installs the Debian package; needs root "
                           "and the Debian mirror)")
    try:
        import redis
    except ImportError as exc:
        raise RuntimeError(f"redis-py is not installed ({exc}); `make venv` installs it") from None
    directory = tempfile.mkdtemp(prefix="apitwin-redis-")
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", directory,
                                "--save", "", "--appendonly", "no", "--databases", "256"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    atexit.register(lambda: (process.kill(), process.wait(), shutil.rmtree(directory, ignore_errors=True)))
    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"redis-server did not start (exit status {process.poll()})") from None
            time.sleep(0.05)
    return f"redis://127.0.0.1:{port}"


def redis_url(request: Any = None) -> str:
    """A URL to an empty database of this process's redis-server (a fresh one per call); skips with the reason
    when there is none."""
    if "url" not in _server:
        try:
            _server["url"] = _start()
        except RuntimeError as exc:
            _server["url"] = None
            _server["why"] = str(exc)
    if _server["url"] is None:
        pytest.skip(f"Redis tests SKIPPED: {_server['why']}")
    _next_db[0] = _next_db[0] % 255 + 1
    url = f"{_server['url']}/{_next_db[0]}"
    import redis
    redis.Redis.from_url(url).flushdb()
    return url
