"""docs/security.md 47: 50 users on the cabinet/partials/login mix under gunicorn (bounded), and worker growth.

`BENCH_LOAD_SECONDS` sets the run (default 60; the checklist's full run is 300, its soak 1800).
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.pages import demo_session_cookie
from bench.server import gunicorn

USERS = 50


def _rss_kb(pid: int) -> int:
    total = 0
    for child in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split():
        status = Path(f"/proc/{child}/status").read_text()
        total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    return total


def _gunicorn_pid(port: str) -> int:
    out = subprocess.run(["pgrep", "-f", f"gunicorn.*127.0.0.1:{port}"], capture_output=True, text=True).stdout
    return min(int(p) for p in out.split())


def _request(url: str, cookie: str | None = None, data: bytes | None = None, headers: dict | None = None):
    request = urllib.request.Request(
        url, data=data, headers={**({"Cookie": cookie} if cookie else {}), **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        error.close()
        return error.code


def run(seconds: int | None = None) -> dict:
    seconds = seconds or int(os.environ.get("BENCH_LOAD_SECONDS", 60))
    tmp = Path(tempfile.mkdtemp(prefix="vez-load-"))
    env = {
        "VEZ_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'load.sqlite3'}",
        "VEZ_WTF_CSRF_SSL_STRICT": "false",
        "VEZ_SECRET_KEY": "load-secret-key-0123456789-abcdefghijkl",
        "VEZ_MAIL_SEND_INLINE": "false",
        "VEZ_LOGIN_LIMIT_PER_ADDRESS": "100000 per minute",
        "VEZ_LOGIN_LIMIT_PER_LOGIN": "100000 per minute",
    }
    flask = [str(Path(__file__).resolve().parent.parent / ".venv/bin/flask"), "--app", "vez"]
    subprocess.run(flask + ["db", "upgrade"], env={**os.environ, **env}, check=True, capture_output=True)
    subprocess.run(flask + ["demo-data"], env={**os.environ, **env}, check=True, capture_output=True)
    timings: dict[str, list[float]] = {"cabinet": [], "partial": [], "login": []}
    errors = {"count": 0, "throttled": 0}
    lock = threading.Lock()
    with gunicorn("vez:create_app()", env) as base:
        port = base.rsplit(":", 1)[1]
        master = _gunicorn_pid(port)
        cookie = demo_session_cookie(base)
        deadline = time.monotonic() + seconds

        def user(n: int) -> None:
            # Each user's login attempts carry its own session and CSRF token, as a browser's would.
            with urllib.request.urlopen(base + "/login", timeout=30) as page:
                html = page.read().decode()
                own = "; ".join(c.split(";")[0] for c in page.headers.get_all("Set-Cookie"))
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            body = urllib.parse.urlencode({"login": f"user{n}", "password": "wrong password", "csrf_token": token})
            mix = [
                ("cabinet", base + "/cabinet", None, {}, cookie),
                ("partial", base + "/company", None, {"HX-Request": "true"}, cookie),
                ("login", base + "/login", body.encode(), {}, own),
            ]
            i = n
            while time.monotonic() < deadline:
                name, url, data, headers, jar = mix[i % 3]
                i += 1
                started = time.perf_counter()
                code = _request(url, jar, data, headers)
                elapsed = time.perf_counter() - started
                with lock:
                    timings[name].append(elapsed)
                    expected = {"login": (422,)}.get(name, (200,))
                    if code == 429:
                        errors["throttled"] += 1
                    elif code not in expected:
                        errors["count"] += 1

        threads = [threading.Thread(target=user, args=(n,)) for n in range(USERS)]
        for t in threads:
            t.start()
        # Growth is measured from a warmed-up baseline (a third into the run), not from the cold start.
        time.sleep(seconds / 3)
        rss_start = _rss_kb(master)
        for t in threads:
            t.join()
        rss_end = _rss_kb(master)
    total = sum(len(v) for v in timings.values())
    p99 = {k: round(statistics.quantiles(v, n=100)[98] * 1000, 1) for k, v in timings.items() if len(v) > 100}
    return {
        "seconds": seconds,
        "users": USERS,
        "requests": total,
        "errors": errors["count"],
        "error_rate_percent": round(100 * errors["count"] / max(total, 1), 3),
        "throttled_429": errors["throttled"],
        "p99_ms": p99,
        "workers_rss_kb_start": rss_start,
        "workers_rss_kb_end": rss_end,
        "workers_growth_percent": round(100 * (rss_end - rss_start) / max(rss_start, 1), 1),
    }
