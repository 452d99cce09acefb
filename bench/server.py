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


WORKERS = 2


def _worker() -> tuple[str, list[str]]:
    # The same worker model for the bare app and ours, as deploy/gunicorn.conf.py runs production: threads keep
    # connections alive (sync workers close each one, and wrk then exhausts loopback ports in TIME_WAIT).
    worker = os.environ.get("BENCH_WORKER", "gthread")
    return worker, (["--threads", os.environ.get("BENCH_THREADS", "4")] if worker == "gthread" else [])


def server_description() -> str:
    worker, threads = _worker()
    return f"gunicorn -c deploy/gunicorn.conf.py -w {WORKERS} -k {worker} {' '.join(threads)}".strip()


@contextmanager
def gunicorn(app: str, env: dict | None = None, workers: int = WORKERS, probe: str = "/"):
    port = free_port()
    worker, threads = _worker()
    # BENCH_GUNICORN_LOG=<folder>: each server's error log there (info level), to look into a run.
    log_dir = os.environ.get("BENCH_GUNICORN_LOG")
    logs = ["--log-level", "info"] if log_dir else ["--log-level", "warning"]
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        output = open(Path(log_dir) / f"{app.split(':')[0]}-{port}.log", "wb")  # noqa: SIM115 (closed below)
    else:
        output = subprocess.DEVNULL
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
            *logs,
            "--backlog",
            "2048",
            app,
        ],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,  # the access log
        stderr=output,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + probe)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)
        if log_dir:
            output.close()
