"""Start gunicorn servers for the benchmarks (loopback only, stopped by the caller)."""

from __future__ import annotations

import datetime
import json
import os
import socket
import subprocess
import sys
import tempfile
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
    # Each server's error log at info level (worker boots and recycles: see recycles()), in a temporary folder or
    # in BENCH_GUNICORN_LOG=<folder>, kept there to look into a run.
    log_dir = os.environ.get("BENCH_GUNICORN_LOG")
    folder = Path(log_dir or tempfile.mkdtemp(prefix="vez-bench-log-"))
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / f"{app.split(':')[0]}-{port}.log"
    output = open(log, "wb")  # noqa: SIM115 (closed below)
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
            "info",
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
    LOGS[base] = log
    try:
        wait_for(base + probe)
        yield base
    finally:
        proc.terminate()
        proc.wait(15)
        output.close()
        del LOGS[base]
        if not log_dir:
            log.unlink()
            folder.rmdir()


LOGS: dict[str, Path] = {}  # a running server's error log, by its base URL


def recycles(base: str, since: float, until: float) -> int:
    """Workers of the server at `base` that exited between two time.time() moments (max_requests recycling)."""
    count = 0
    for line in LOGS[base].read_text(errors="replace").splitlines():
        if "Worker exiting" not in line:
            continue
        try:
            at = datetime.datetime.fromisoformat(json.loads(line)["time"]).timestamp()
        except (ValueError, KeyError):
            continue  # VEZ_LOG_FORMAT=text: not counted
        count += since <= at <= until
    return count
