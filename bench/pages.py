"""Page weight of `/` (first and repeat visit) and throughput/p99 of pages against a bare Flask app."""

from __future__ import annotations

import http.client
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

from bench.server import gunicorn, recycles, server_description

ENCODING = "br, gzip"


# One browser: every request of the bench (the login's, wrk's, on every server) names the same User-Agent. Flask-Login's
# session protection ties a session to its address and User-Agent: a session logged in by urllib's "Python-urllib"
# and then used by wrk (which sends none) was marked not fresh by every request, so each answer re-signed the
# cookie and sent it again, a cost no browser meets (finding of 2026-12-06, docs/performance.md).
USER_AGENT = "vez-bench/1 (wrk)"


def fetch(base: str, path: str, headers: dict | None = None) -> tuple[int, bytes, dict, int]:
    """(status, body, headers, bytes on the wire: status line + headers + body)."""
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=10)
    conn.request("GET", path, headers={"Accept-Encoding": ENCODING, "User-Agent": USER_AGENT, **(headers or {})})
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


def wrk(url: str, seconds: int = 3, connections: int = 32, cookie: str | None = None) -> dict:
    """One wrk run (-t2, --latency): req/s, p50/p99 in ms, non-2xx/3xx answers and socket errors.

    `--timeout 10s`: wrk leaves an answer slower than its timeout (2 s by default) out of the latency figures and
    only counts it as a "timeout"; with 10 s such an answer is in the p99 it belongs to."""
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency", url]
    cmd[1:1] = ["-H", f"User-Agent: {USER_AGENT}"]
    if cookie:
        cmd[1:1] = ["-H", f"Cookie: {cookie}"]
    started = time.time()
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    finished = time.time()

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", out).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50_ms": ms("50%"),
        "p99_ms": ms("99%"),
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(int(n) for n in errors.groups()) if errors else 0,
        "started": started,
        "finished": finished,
    }


def demo_session_cookie(base: str) -> str:
    """Log in as `demo` over plain http (the bench server is told not to demand HTTPS referers)."""
    import http.cookiejar
    import urllib.request

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.addheaders = [("User-Agent", USER_AGENT)]
    html = opener.open(base + "/login").read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    # The session cookie is Secure: the jar will not send it over http, so carry it by hand.
    cookie = "; ".join(f"{c.name}={c.value}" for c in jar)
    data = urllib.parse.urlencode({"login": "demo", "password": "demo12345", "csrf_token": token}).encode()
    request = urllib.request.Request(base + "/login", data=data, headers={"Cookie": cookie, "User-Agent": USER_AGENT})

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


# Issue 16's budgets: req/s as a share of the bare Flask app's in the same run, and p99 at both connection counts.
PAGES = (
    ("/", 0.5, False),
    ("/login", 0.5, False),
    ("/registration", 0.5, False),
    ("/cabinet", 0.3, True),
    ("account", 0.15, True),
    ("bill", 0.2, True),
)
P99_BUDGET_MS = 50
SCALE_TOLERANCE = 0.2  # the big database's req/s within ± 20 % of the small one's
CONNECTIONS = (16, 32)
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
ROUND_SECONDS = int(os.environ.get("BENCH_ROUND_SECONDS", 3))
WARMUP_SECONDS = 2


def page_urls(base: str, cookie: str) -> dict:
    """The demo login's first account page (linked from /cabinet) and its newest bill (linked from either)."""
    headers = {"Cookie": cookie, "Accept-Encoding": "identity"}
    status, cabinet, _, _ = fetch(base, "/cabinet", headers)
    assert status == 200, f"/cabinet answered {status}: is the demo login logged in?"
    account = re.search(rb'href="(/cabinet/accounts/\d+)"', cabinet).group(1).decode()
    status, page, _, _ = fetch(base, account, headers)
    assert status == 200, f"{account} answered {status}"
    bills = set(re.findall(rb'href="(' + re.escape(account.encode()) + rb'/bills/\d{4}-\d{2})"', cabinet + page))
    assert bills, f"no bill is linked from /cabinet or {account}"
    bill = max(b.decode() for b in bills)  # YYYY-MM: the newest sorts last
    status, _, _, _ = fetch(base, bill, headers)
    assert status == 200, f"{bill} answered {status}"
    return {**{path: path for path in ("/", "/login", "/registration", "/cabinet")}, "account": account, "bill": bill}


def _median(values: list[float]) -> float:
    return statistics.median(values)


def measure(hello: str, servers: dict, urls: dict, cookies: dict) -> dict:
    """For each page and connection count, ROUNDS rounds of hello, then the page on each database, in turn.

    A round's ratio is the page's req/s over hello's in the same round; a line's ratio is the median of its rounds'
    (the machine's speed drifts by 2× over minutes: only neighbouring runs are compared). Its p99 is the median
    of its rounds' p99 (the worst round is kept too). The big database against the small one is paired the same
    way: big req/s over small req/s of the same round."""
    results: dict = {label: {} for label in servers}
    scale: dict = {}
    for page, budget, logged_in in PAGES:
        for connections in CONNECTIONS:
            rounds = []
            for _ in range(ROUNDS):
                if logged_in:  # a browser sends the cookie the server last set: a fresh login each round
                    cookies = {label: demo_session_cookie(base) for label, base in servers.items()}
                one = {"hello": wrk(hello + "/", ROUND_SECONDS, connections)}
                for label, base in servers.items():
                    cookie = cookies[label] if logged_in else None
                    one[label] = wrk(base + urls[label][page], ROUND_SECONDS, connections, cookie)
                for label, base in (("hello", hello), *servers.items()):
                    one[label]["recycled_workers"] = recycles(base, one[label]["started"], one[label]["finished"] + 1)
                rounds.append(one)
            for label in servers:
                ratios = [r[label]["rps"] / r["hello"]["rps"] for r in rounds]
                p99s = [r[label]["p99_ms"] for r in rounds]
                errors = sum(r[label]["non_2xx"] + r[label]["socket_errors"] for r in rounds)
                recycled = sum(r[label]["recycled_workers"] for r in rounds)
                line = {
                    "path": urls[label][page],
                    "rps": _median([r[label]["rps"] for r in rounds]),
                    "hello_rps": _median([r["hello"]["rps"] for r in rounds]),
                    "ratio": _median(ratios),
                    "budget": budget,
                    "p99_ms": _median(p99s),
                    "p99_worst_ms": max(p99s),
                    "p99_budget_ms": P99_BUDGET_MS,
                    "errors": errors,
                    "recycled_workers": recycled,
                    "rounds": [
                        {"hello": r["hello"], "page": r[label], "ratio": q} for r, q in zip(rounds, ratios, strict=True)
                    ],
                }
                line["pass"] = line["ratio"] >= budget and line["p99_ms"] <= P99_BUDGET_MS and errors == 0
                results[label].setdefault(page, {})[str(connections)] = line
            if "small" in servers and "big" in servers:
                pairs = [r["big"]["rps"] / r["small"]["rps"] for r in rounds]
                ratio = _median(pairs)
                scale.setdefault(page, {})[str(connections)] = {
                    "ratio": ratio,
                    "rounds": pairs,
                    "p99_small_ms": results["small"][page][str(connections)]["p99_ms"],
                    "p99_big_ms": results["big"][page][str(connections)]["p99_ms"],
                    "pass": abs(ratio - 1) <= SCALE_TOLERANCE,
                }
    return {"lines": results, "scale": scale}


def run() -> dict:
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    from bench import databases

    labels = [label for label in os.environ.get("BENCH_DBS", "small,big").split(",") if label]
    tmp = Path(tempfile.mkdtemp(prefix="vez-bench-"))
    load = {"start": os.getloadavg()}
    try:
        dbs = {label: databases.prepared(label, tmp) for label in labels}
        with ExitStack() as stack:
            hello = stack.enter_context(gunicorn("bench.hello:app"))
            servers = {
                label: stack.enter_context(gunicorn("vez:create_app()", databases.server_env(path)))
                for label, (path, _) in dbs.items()
            }
            weight = page_weight(servers[labels[0]])
            cookies = {label: demo_session_cookie(base) for label, base in servers.items()}
            urls = {label: page_urls(base, cookies[label]) for label, base in servers.items()}
            # Every worker renders every page before anything is measured (templates compiled, caches filled).
            wrk(hello + "/", WARMUP_SECONDS, 32)
            for page, _, logged_in in PAGES:
                for label, base in servers.items():
                    wrk(base + urls[label][page], WARMUP_SECONDS, 32, cookies[label] if logged_in else None)
            measured = measure(hello, servers, urls, cookies)
            load["end"] = os.getloadavg()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return {
        "weight": weight,
        "databases": {label: meta for label, (_, meta) in dbs.items()},
        "settings": {
            "rounds": ROUNDS,
            "round_seconds": ROUND_SECONDS,
            "warmup_seconds": WARMUP_SECONDS,
            "connections": list(CONNECTIONS),
            "wrk": "-t2 --latency",
            "server": server_description(),
        },
        "load_average": load,  # the machine's 1/5/15-minute load: other work running skews every figure
        **measured,
    }
