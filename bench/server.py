"""Start gunicorn servers for the benchmarks (loopback only, stopped by the caller)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    raise TimeoutError(url)


@contextmanager
def gunicorn(app: str, env: dict | None = None, workers: int = 2, probe: str = "/"):
    port = free_port()
    # The same worker model for the bare app and ours, as deploy/gunicorn.conf.py runs production: threads keep
    # connections alive (sync workers close each one, and wrk then exhausts loopback ports in TIME_WAIT).
    worker = os.environ.get("BENCH_WORKER", "gthread")
    threads = ["--threads", os.environ.get("BENCH_THREADS", "4")] if worker == "gthread" else []
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "-w",
            str(workers),
            "-k",
            worker,
            *threads,
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--backlog",
            "2048",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + probe)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)
