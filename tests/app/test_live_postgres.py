"""docs/security.md 44: PostgreSQL connections die or the server stops; the app recovers without a restart, and
only /readyz (never /healthz) says the database is gone (live)."""

import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from werkzeug.serving import make_server

from bench.server import free_port
from vez import create_app
from vez.extensions import db

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
PG_SCRIPT = ROOT / "scripts" / "pg-throwaway"


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


@pytest.fixture
def own_postgres():
    if not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        if os.environ.get("CI") == "true":
            pytest.fail("PostgreSQL server binaries are missing under CI")
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    # Not under pytest's tmp_path: its parents are private to root and the server runs as postgres.
    parent = Path(tempfile.mkdtemp(prefix="vez-pg44-"))
    parent.chmod(0o755)
    folder, port = parent / "pg", str(free_port())
    url = subprocess.run([PG_SCRIPT, "start", folder, port], check=True, capture_output=True, text=True).stdout.strip()
    control = {
        "start": lambda: subprocess.run([PG_SCRIPT, "start", folder, port], check=True, capture_output=True),
        "stop": lambda: subprocess.run([PG_SCRIPT, "stop", folder], check=True, capture_output=True),
    }
    yield url + "?connect_timeout=3", control
    control["stop"]()
    shutil.rmtree(parent, ignore_errors=True)


def test_44_the_app_survives_killed_connections_and_a_database_restart(own_postgres):
    url, control = own_postgres
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        db.create_all()

    @app.route("/db-probe")
    def db_probe():  # any page that reads the database
        return str(db.session.scalar(text("SELECT count(*) FROM users")))

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        for _ in range(5):
            assert status(base + "/readyz") == 200
        killer = create_engine(url)
        with killer.connect() as conn:
            killed = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar()
        killer.dispose()
        assert killed >= 1
        assert [status(base + "/readyz") for _ in range(20)] == [200] * 20

        control["stop"]()
        started = time.monotonic()
        assert status(base + "/readyz") == 503
        assert time.monotonic() - started < 5
        assert status(base + "/healthz") == 200  # alive: a database outage restarts no host
        with pytest.raises(urllib.error.HTTPError) as page:
            urllib.request.urlopen(base + "/db-probe", timeout=10)
        assert page.value.code == 503
        assert "Сервіс тимчасово недоступний" in page.value.read().decode()
        page.value.close()

        control["start"]()
        deadline = time.monotonic() + 10
        while status(base + "/readyz") != 200:
            assert time.monotonic() < deadline, "the app did not reconnect"
            time.sleep(0.2)
    finally:
        server.shutdown()
        with app.app_context():
            db.engine.dispose()
