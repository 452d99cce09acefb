"""Where a page's time goes, in-process: `python -m bench.profile [PATH ...]` (docs/performance.md).

A demo database in a temporary folder, the Flask test client logged in as `demo` over https, each page
requested 20 times to warm up, then timed over 200 requests and profiled (cProfile) over 100. It prints
ms/request, SQL statements per request and the top functions by cumulative time. `--no-profile` only times.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def demo_env(tmp: Path) -> dict:
    return {
        "VEZ_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'profile.sqlite3'}",
        "VEZ_SECRET_KEY": "profile-secret-key-0123456789-abcdefghij",
        "VEZ_MAIL_SEND_INLINE": "false",
    }


def demo_database(tmp: Path) -> None:
    env = {**os.environ, **demo_env(tmp)}
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "vez"]
    subprocess.run(flask + ["db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run(flask + ["demo-data"], env=env, check=True, capture_output=True)


def demo_app(tmp: Path):
    demo_database(tmp)
    os.environ.update(demo_env(tmp))
    from vez import create_app

    return create_app()


def login(app):
    client = app.test_client()
    base = {"base_url": "https://localhost"}
    html = client.get("/login", **base).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    answer = client.post(
        "/login",
        data={"login": "demo", "password": "demo12345", "csrf_token": token},
        headers={"Referer": "https://localhost/login"},
        **base,
    )
    assert answer.status_code in (302, 303), answer.status_code
    return client


def pages(app, client) -> list[str]:
    html = client.get("/cabinet", base_url="https://localhost").get_data(as_text=True)
    account = re.search(r'href="(/cabinet/accounts/[^"/]+)"', html).group(1)
    page = client.get(account, base_url="https://localhost").get_data(as_text=True)
    bill = re.search(r'href="(/cabinet/accounts/[^"/]+/bills/\d{4}-\d{2})"', page)
    return ["/", "/registration", "/cabinet", account] + ([bill.group(1)] if bill else [])


def statements(app, client, path: str) -> int:
    from sqlalchemy import event

    from vez.extensions import db

    seen: list[str] = []

    def count(*args):
        seen.append(args[2])

    with app.app_context():
        engine = db.engine
    replays = app.extensions["vez.replay"]  # statements read again on the driver's cursor (vez.replay)
    replayed = replays.count
    event.listen(engine, "before_cursor_execute", count)
    try:
        client.get(path, base_url="https://localhost")
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen) + replays.count - replayed


def main(argv: list[str]) -> int:
    profile = "--no-profile" not in argv
    wanted = [a for a in argv if a.startswith("/")]
    tmp = Path(tempfile.mkdtemp(prefix="vez-profile-"))
    app = demo_app(tmp)
    client = login(app)
    for path in wanted or pages(app, client):
        get = lambda path=path: client.get(path, base_url="https://localhost")  # noqa: E731
        status = get().status_code
        for _ in range(20):
            get()
        started = time.perf_counter()
        for _ in range(200):
            get()
        ms = (time.perf_counter() - started) * 1000 / 200
        print(f"== {path}  {status}  {ms:.2f} ms/request  {statements(app, client, path)} SQL statements")
        if profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(100):
                get()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(int(os.environ.get("PROFILE_TOP", 45)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
