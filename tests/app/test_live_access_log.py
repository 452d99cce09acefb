"""docs/security.md, "Sessions bound to a second factor", access logs: the token of
/activate/<token> and /recovery/password/<token> never lands in gunicorn's access log, which is one JSON object
a request carrying the request id the app answered with (live: the project's deploy/gunicorn.conf.py, about 5 s)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.server import free_port, wait_for
from vez import create_app
from vez.extensions import db

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "eyJ1IjoxLCJmIjoiYWJjIn0.Z0secret-Token_123"
PROXY_ID = {"X-Request-ID": "proxy-id-7"}


def get(url: str, **headers) -> int:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def test_17_tokens_in_paths_are_redacted_from_the_gunicorn_access_log(tmp_path):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    port, access_log = free_port(), tmp_path / "access.log"
    env = {
        **os.environ,
        "VEZ_SQLALCHEMY_DATABASE_URI": url,
        "VEZ_SECRET_KEY": "live-test-secret-key-0123456789abcdef",
        "VEZ_BIND": f"127.0.0.1:{port}",
        "VEZ_WORKERS": "1",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "deploy/gunicorn.conf.py",
            "--access-logfile",
            str(access_log),
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{base}/healthz")
        assert get(f"{base}/activate/{TOKEN}") in (400, 404, 410)
        assert get(f"{base}/recovery/password/{TOKEN}?lang=en") in (400, 404, 410)
        assert get(f"{base}/healthz", Referer=f"https://cabinet.test/activate/{TOKEN}") == 200
        with urllib.request.urlopen(urllib.request.Request(f"{base}/?lang=en", headers=PROXY_ID), timeout=10) as page:
            assert page.headers["X-Request-ID"] == "proxy-id-7"
        with urllib.request.urlopen(f"{base}/healthz", timeout=10) as probe:
            own_id = probe.headers["X-Request-ID"]
    finally:
        server.terminate()
        server.wait(20)
    log = access_log.read_text()
    assert "GET /activate/[redacted] HTTP/1.1" in log
    assert "GET /recovery/password/[redacted]?lang=en HTTP/1.1" in log
    assert "/healthz" in log and '"https://cabinet.test/activate/[redacted]"' in log
    assert TOKEN not in log and TOKEN[:20] not in log
    lines = [json.loads(line) for line in log.splitlines()]
    assert {"time", "level", "logger", "message", "request_id", "status", "duration_ms", "method", "path"} <= set(
        lines[0]
    )
    [home] = [line for line in lines if line["request_id"] == "proxy-id-7"]
    assert home["status"] == 200 and home["method"] == "GET" and home["path"] == "/?lang=en"
    assert home["remote_addr"] == "127.0.0.1" and home["duration_ms"] > 0 and home["logger"] == "gunicorn.access"
    assert [line["path"] for line in lines if line["request_id"] == own_id] == ["/healthz"]
    assert any(line["path"] == "/recovery/password/[redacted]?lang=en" for line in lines)
