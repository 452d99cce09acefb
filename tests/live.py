"""A live gunicorn (3 workers of 4 threads) on a database of its own, and bursts of parallel posts against it.

Used by the live race tests (tests/identity/test_live_races.py, tests/business/test_live_races.py): each starts
the server on a fresh database (an SQLite file, or with `VEZ_TEST_BACKEND=postgres` a PostgreSQL database beside
the suite's), seeds it, fires one burst from threads that wait at a barrier, then counts in the database.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import func, select

from bench.server import free_port, wait_for
from tests.conftest import ON_POSTGRES, pg_database
from vez import create_app
from vez.extensions import db
from vez.models import AuditEvent

ROOT = Path(__file__).resolve().parents[1]


class Live:
    """A gunicorn serving the app on its own database; `app` reads that database from the test."""

    def __init__(self, url: str, port: int):
        self.url, self.port = url, port
        self.app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})

    def post(self, path: str, fields: dict, cookie: str | None = None) -> tuple[int, str | None, str | None]:
        """(status, Location, the session cookie set) of one POST; redirects are not followed."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie
        try:
            conn.request("POST", path, body=urllib.parse.urlencode(fields), headers=headers)
            response = conn.getresponse()
            response.read()
            set_cookie = next(
                (v.split(";")[0] for k, v in response.getheaders() if k.lower() == "set-cookie" and "session" in v),
                None,
            )
            return response.status, response.getheader("Location"), set_cookie
        finally:
            conn.close()

    def get(self, path: str, headers: dict | None = None) -> tuple[int, str | None, str | None]:
        """(status, Retry-After, ETag) of one GET."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request("GET", path, headers=headers or {})
            response = conn.getresponse()
            response.read()
            return response.status, response.getheader("Retry-After"), response.getheader("ETag")
        finally:
            conn.close()

    def burst(self, calls: list) -> list[tuple[int, str | None, str | None]]:
        """Run every call at once: each thread waits at a barrier, then posts."""
        barrier = threading.Barrier(len(calls))

        def run(call):
            barrier.wait(30)
            return call()

        with ThreadPoolExecutor(max_workers=len(calls)) as pool:
            return list(pool.map(run, calls))

    def count(self, statement) -> int:
        with self.app.app_context():
            value = db.session.scalar(statement) or 0
            db.session.remove()
            return value

    def audited(self, action: str) -> int:
        return self.count(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def live_servers(request, tmp_path, seed: Callable[[], None]):
    """A fixture's body: yields start(**config) → a Live on a fresh database that `seed` filled; stops them all."""
    servers = []

    def start(**config) -> Live:
        if ON_POSTGRES:
            url = pg_database(f"race_{request.node.name[5:30]}".lower())
        else:
            url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
        live = Live(url, free_port())
        with live.app.app_context():
            db.drop_all()
            db.create_all()
            seed()
            db.session.remove()
            db.engine.dispose()
        env = {
            **os.environ,
            "VEZ_SQLALCHEMY_DATABASE_URI": url,
            "VEZ_WTF_CSRF_ENABLED": "false",
            "VEZ_SECRET_KEY": "live-test-secret-key-0123456789abcdef",
            "VEZ_IDENTIFY_ANSWER_SECONDS": "0",
            **{f"VEZ_{key}": value for key, value in config.items()},
        }
        env.pop("VEZ_RATELIMIT_STORAGE_URI", None)
        command = [sys.executable, "-m", "gunicorn", "-w", "3", "--threads", "4", "-k", "gthread"]
        command += ["-b", f"127.0.0.1:{live.port}", "--log-level", "warning", "vez:create_app()"]
        server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        servers.append((server, live))
        wait_for(f"http://127.0.0.1:{live.port}/healthz")
        return live

    yield start
    for server, live in servers:
        server.terminate()
        server.wait(15)
        with live.app.app_context():
            if ON_POSTGRES:
                db.drop_all()
            db.engine.dispose()
