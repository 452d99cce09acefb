"""Page weight of `/` (first and repeat visit) and throughput/p99 of pages against a bare Flask app."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import tempfile
import urllib.parse
from pathlib import Path

from bench.server import gunicorn

ENCODING = "br, gzip"


def fetch(base: str, path: str, headers: dict | None = None) -> tuple[int, bytes, dict, int]:
    """(status, body, headers, bytes on the wire: status line + headers + body)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", path, headers={"Accept-Encoding": ENCODING, **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    head = sum(len(k) + len(v) + 4 for k, v in response.getheaders()) + 17
    conn.close()
    return response.status, body, dict(response.getheaders()), head + len(body)


def page_weight(base: str) -> dict:
    status, body, headers, wire = fetch(base, "/")
    assert status == 200, status
    html = body if headers.get("Content-Encoding") is None else None
    # The asset URLs come from the uncompressed page.
    _, plain, _, _ = fetch(base, "/", {"Accept-Encoding": "identity"})
    assets = sorted(set(re.findall(rb'(?:href|src)="(/static/[^"]+)"', plain)))
    first = wire
    for asset in assets:
        a_status, _, a_headers, a_wire = fetch(base, asset.decode())
        assert a_status == 200, asset
        assert "immutable" in a_headers.get("Cache-Control", ""), asset
        first += a_wire
    return {
        "first_visit_bytes": first,
        "repeat_visit_bytes": wire,
        "assets": [a.decode() for a in assets],
        "html_encoding": headers.get("Content-Encoding"),
        "_unused": html is None,
    }


def wrk(url: str, seconds: int = 8, connections: int = 32, cookie: str | None = None) -> dict:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    # A short run first, thrown away: the workers' first requests compile templates and open connections.
    subprocess.run([*cmd[:-3], "-d2s", url], capture_output=True, check=True)
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"rps": rps, "p99_ms": float(p99.group(1)) * scale, "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def demo_session_cookie(base: str) -> str:
    """Log in as `demo` over plain http (the bench server is told not to demand HTTPS referers)."""
    import http.cookiejar
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    # The session cookie is Secure: the jar will not send it over http, so carry it by hand.
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    data = urllib.parse.urlencode({"login": "demo", "password": "demo12345", "csrf_token": token}).encode()
    request = urllib.request.Request(base + "/login", data=data, headers={"Cookie": cookie})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    try:
        urllib.request.build_opener(NoRedirect).open(request)
    except urllib.error.HTTPError as answer:  # the 303 to /cabinet
        set_cookie = answer.headers.get_all("Set-Cookie")
        answer.close()
        return "; ".join(c.split(";")[0] for c in set_cookie if c.startswith("__Host-session"))
    raise RuntimeError("login did not redirect")


def run(seconds: int = 8) -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    tmp = Path(tempfile.mkdtemp(prefix="vez-bench-"))
    db_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    env = {
        "VEZ_SQLALCHEMY_DATABASE_URI": db_url,
        "VEZ_WTF_CSRF_SSL_STRICT": "false",
        "VEZ_SECRET_KEY": "bench-secret-key-0123456789-abcdefghij",
        "VEZ_MAIL_SEND_INLINE": "false",
    }
    flask = [str(Path(__file__).resolve().parent.parent / ".venv/bin/flask"), "--app", "vez"]
    import os

    subprocess.run(flask + ["db", "upgrade"], env={**os.environ, **env}, check=True, capture_output=True)
    subprocess.run(flask + ["demo-data"], env={**os.environ, **env}, check=True, capture_output=True)
    results: dict = {}
    with gunicorn("bench.hello:app") as hello:
        results["hello"] = wrk(hello + "/", seconds)
    with gunicorn("vez:create_app()", env) as vez:
        results["weight"] = page_weight(vez)
        cookie = demo_session_cookie(vez)
        for path in ("/", "/login", "/registration"):
            results[path] = wrk(vez + path, seconds)
        results["/cabinet"] = wrk(vez + "/cabinet", seconds, cookie=cookie)
    shutil.rmtree(tmp, ignore_errors=True)
    return results
