"""docs/security.md 9: limits hold across gunicorn workers with Redis storage (live, bounded)."""

import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bench.server import free_port, wait_for
from vez import create_app
from vez.extensions import db

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]


def test_9_forty_tries_against_five_per_minute_across_four_workers(tmp_path, redis_url):
    url = f"sqlite:///{tmp_path / 'live.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()
    from vez.identity.passwords import hash_password
    from vez.models import User, utcnow

    with app.app_context():
        db.session.add(
            User(
                login="ivan",
                login_key="ivan",
                email="i@example.com",
                email_key="i@example.com",
                phone="+380501234567",
                password_hash=hash_password("x" * 20),
                activated_at=utcnow(),
            )
        )
        db.session.commit()
    port = free_port()
    env = {
        **os.environ,
        "VEZ_SQLALCHEMY_DATABASE_URI": url,
        "VEZ_RATELIMIT_STORAGE_URI": redis_url,
        "VEZ_LOGIN_LIMIT_PER_LOGIN": "5 per minute",
        "VEZ_WTF_CSRF_ENABLED": "false",
        "VEZ_SECRET_KEY": "live-test-secret-key-0123456789abcdef",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-w",
            "4",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "vez:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"http://127.0.0.1:{port}/healthz")
        passed = 0
        body = urllib.parse.urlencode({"login": "ivan", "password": "wrong password"}).encode()
        for _ in range(40):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/login", data=body, timeout=10).close()
            except urllib.error.HTTPError as error:
                error.close()
                if error.code != 429:
                    passed += 1
        assert passed == 5
        banner = urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5).headers.get("Server", "")
        assert not any(ch.isdigit() for ch in banner)
    finally:
        server.terminate()
        server.wait(10)
