"""The production topology, live (issue 11): `scripts/cluster` on free ports, a bounded load through nginx, one
app host killed with SIGKILL mid-run, then PostgreSQL stopped for a few seconds. About 1-2 minutes.

Figures (requests, failures, p99 through nginx with a host killed, the cluster's start time) go to
<cluster folder>/figures.json and one summary line is printed; the folder (logs, figures) is kept in /tmp.
"""

from __future__ import annotations

import email
import http.client
import http.cookiejar
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from email import policy
from pathlib import Path

import pytest

from bench.server import free_port
from tests.conftest import PASSWORD
from vez.identity.totp import TOTP

pytestmark = pytest.mark.live
ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "cluster"
ADMIN_SECRET = "JBSWY3DPEHPK3PXP"
CUT = -1  # the status logged for an answer that began and was cut off
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')
LOAD_SECONDS, KILL_AFTER, THREADS = 24, 8, 4


def needs(binary: str, found: bool) -> None:
    if not found:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{binary} is missing under CI")
        pytest.skip(f"{binary} not installed (apt-get install nginx postgresql redis-server)")


# ---- an HTTP client as a browser on 127.0.0.1 -----------------------------------------------------------


class LoopbackPolicy(http.cookiejar.DefaultCookiePolicy):
    """Chromium sends Secure cookies to http://127.0.0.1; Python's cookie jar does not. The app's cookies stay
    __Host- and Secure: this jar treats loopback as a secure origin, as browsers do."""

    def return_ok_secure(self, cookie, request):
        return urllib.parse.urlsplit(request.get_full_url()).hostname == "127.0.0.1" or super().return_ok_secure(
            cookie, request
        )


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 303 is an answer to look at


class Answer:
    def __init__(self, status: int, headers, body: bytes, seconds: float):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def csrf(self) -> str:
        match = CSRF.search(self.text)
        assert match, self.text[:500]
        return match.group(1) or match.group(2)


class Browser:
    def __init__(self, base: str, log: list | None = None, phase=lambda: "before"):
        self.base, self.log, self.phase = base, log, phase
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar(LoopbackPolicy())), NoRedirect()
        )

    def request(self, method: str, path: str, data=None, headers=None, timeout: float = 30) -> Answer:
        body = None
        headers = dict(headers or {})
        if isinstance(data, dict):
            body = urllib.parse.urlencode(data).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif data is not None:
            body = data
        request = urllib.request.Request(self.base + path, data=body, method=method, headers=headers)
        phase, started = self.phase(), time.monotonic()
        try:
            with self.opener.open(request, timeout=timeout) as response:
                answer = Answer(response.status, response.headers, response.read(), 0)
        except urllib.error.HTTPError as error:
            answer = Answer(error.code, error.headers, error.read(), 0)
            error.close()
        except OSError as error:  # no answer at all
            answer = Answer(0, {}, str(error).encode(), 0)
        except http.client.IncompleteRead as error:  # the answer began and was cut: its host died while sending it
            answer = Answer(CUT, {}, str(error).encode(), 0)
        answer.seconds = time.monotonic() - started
        if self.log is not None:
            self.log.append((method, path.split("?")[0], answer.status, answer.seconds, phase))
        return answer

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, data, **kw) -> Answer:
        return self.request("POST", path, data, **kw)

    def login(self, login: str, password: str) -> Answer:
        page = self.get("/login")
        return self.post("/login", {"login": login, "password": password, "csrf_token": page.csrf()})


def multipart(fields: dict[str, str], name: str, filename: str, content: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
        "Content-Type: text/csv\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


# ---- the cluster -------------------------------------------------------------------------------------


class Inbox:
    def __init__(self):
        self.recipients: list[str] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        email.message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
        with self.lock:
            self.recipients.extend(envelope.rcpt_tos)
        return "250 OK"

    def count(self, recipient: str) -> int:
        with self.lock:
            return self.recipients.count(recipient)


@pytest.fixture
def cluster():
    if os.environ.get("VEZ_TEST_BACKEND") == "postgres":
        pytest.skip("the cluster brings its own PostgreSQL: run once, in the SQLite run of the suite")
    needs("nginx", bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists()))
    needs("postgresql", bool(list(Path("/usr/lib/postgresql").glob("*/bin/initdb"))))
    needs("redis-server", bool(shutil.which("redis-server")))
    from aiosmtpd.controller import Controller

    inbox, smtp_port = Inbox(), free_port()
    smtp = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    folder = Path(tempfile.mkdtemp(prefix="vez-cluster-test-"))
    folder.chmod(0o755)  # PostgreSQL runs as postgres
    port, pg_port, redis_port = free_port(), free_port(), free_port()
    app_ports = [free_port(), free_port()]
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VEZ_")},
        "CLUSTER_DIR": str(folder),
        "PORT": str(port),
        "CLUSTER_PG_PORT": str(pg_port),
        "CLUSTER_REDIS_PORT": str(redis_port),
        "CLUSTER_APP_PORTS": ",".join(map(str, app_ports)),
        "VEZ_MAIL_SERVER": "127.0.0.1",
        "VEZ_MAIL_PORT": str(smtp_port),
        # A short period, so several pass during the run with two scheduler candidates.
        "VEZ_JOBS_SCHEDULE": json.dumps({"outbox": {"job": "vez.mail.send_due_job", "every": 5}}),
        "VEZ_JOBS_RETRY_INTERVALS": "[1, 2, 4]",
        # Every request comes from 127.0.0.1: the per-address limits would stop the load, not test anything.
        "VEZ_LETTER_LIMIT_PER_ADDRESS": '"1000 per hour"',
        "VEZ_REGISTRATION_CHECK_LIMIT_PER_ADDRESS": '"5000 per hour"',
        "VEZ_IDENTIFY_LIMIT_PER_ADDRESS": '"1000 per hour"',
        "VEZ_LOGIN_LIMIT_PER_ADDRESS": '"1000 per 10 minutes"',
    }

    def run(*args, timeout=240):
        return subprocess.run(
            [sys.executable, str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=timeout
        )

    handle = {"folder": folder, "base": f"http://127.0.0.1:{port}", "env": env, "run": run, "inbox": inbox}
    handle["db"] = f"postgresql+psycopg://vez@127.0.0.1:{pg_port}/vez?connect_timeout=3"
    try:
        started = run("start")
        assert started.returncode == 0, started.stdout + started.stderr
        handle["start_output"] = started.stdout
        yield handle
    finally:
        run("stop", timeout=120)
        smtp.stop()
        for heavy in ("pg", "redis", "nginx", "instance", "imports"):
            target = folder / heavy
            shutil.rmtree(target.resolve() if target.is_symlink() else target, ignore_errors=True)


def sql(handle, query: str, **params):
    from sqlalchemy import create_engine, text

    engine = create_engine(handle["db"])
    try:
        with engine.connect() as conn:
            return conn.execute(text(query), params).all()
    finally:
        engine.dispose()


def demo_accounts(handle) -> list[dict]:
    env = {**handle["env"], "VEZ_SQLALCHEMY_DATABASE_URI": handle["db"]}
    out = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "vez", "demo-data", "--json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    return json.loads(out[out.index("[") :])


# ---- the flows -----------------------------------------------------------------------------------------


def register(browser: Browser, account: dict, subdivisions: dict[str, str], n: int) -> str | None:
    """Step 1 and step 2 as a browser posts them; the login's email when the answer was the success page."""
    page = browser.get("/registration")
    step1 = browser.post(
        "/registration",
        {
            "subdivision": subdivisions[account["subdivision_name"]],
            "number": account["number"],
            "amount": account["last_payment"],
            "surname": account["holder_surname"].split()[0],
            "csrf_token": page.csrf(),
        },
    )
    if step1.status != 303:
        return None
    form = browser.get("/registration/account")
    address = f"cluster{n}-{uuid.uuid4().hex[:6]}@example.com"
    fields = {
        "login": f"cluster{n}x{uuid.uuid4().hex[:4]}",
        "phone": f"+38 (050) 1{n // 10000 % 10}{n // 1000 % 10}-{n // 100 % 10}{n // 10 % 10}-{n % 10}7",
        "password": PASSWORD,
        "confirm": PASSWORD,
        "email": address,
        "agreement": "accept",
        "csrf_token": form.csrf(),
    }
    step2 = browser.post("/registration/account", fields)
    return address if step2.status == 303 and "/registration/sent" in step2.headers.get("Location", "") else None


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]*)"', html).group(1)


def pay(browser: Browser, number: str) -> int | None:
    """Pay 1.00 through the sandbox gateway; the order's id when the bank's answer led to its result page."""
    page = browser.get(f"/cabinet/accounts/{number}/pay")
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', page.text)
    if page.status != 200 or not key:
        return None
    order = browser.post(
        f"/cabinet/accounts/{number}/pay", {"amount": "1.00", "key": key.group(1), "csrf_token": page.csrf()}
    )
    if order.status != 303:
        return None
    checkout = browser.get(order.headers["Location"])
    if checkout.status != 200:
        return None
    fields = {name: hidden(checkout.text, name) for name in ("data", "signature", "csrf_token")}
    if browser.post("/payments/sandbox/checkout", fields).status != 200:
        return None
    decided = browser.post("/payments/sandbox/decide", {**fields, "decision": "pay"})
    location = decided.headers.get("Location", "") if decided.status == 303 else ""
    found = re.fullmatch(r"/payments/(\d+)/return", location)  # the gateway's result_url: the return route
    return int(found.group(1)) if found else None


def admin_upload(base: str, number: str) -> tuple[int, str]:
    """The panel's CSV import, as staff do it: password, TOTP code, the import page; (run id, upstream)."""
    staff = Browser(base)
    assert staff.login("admin", "admin12345").status == 303
    code = staff.get("/login/code")
    assert staff.post("/login/code", {"code": TOTP(ADMIN_SECRET).now(), "csrf_token": code.csrf()}).status == 303
    page = staff.get("/admin/import/")
    assert page.status == 200
    rows = "".join(f"{number},2026-{month:02d},100,kWh,4.32,432.00,,\n" for month in range(1, 11)).encode()
    body, ctype = multipart(
        {"csrf_token": page.csrf(), "kind": "charges"},
        "file",
        "charges.csv",
        b"number,month,volume,unit,tariff,amount,reading_start,reading_end\n" + rows,
    )
    answer = staff.request("POST", "/admin/import/", body, {"Content-Type": ctype})
    assert answer.status == 303, answer.text[:500]
    return int(answer.headers["Location"].rstrip("/").split("/")[-1]), answer.headers["X-Upstream"]


def p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, what
        time.sleep(0.5)


# ---- the test ------------------------------------------------------------------------------------------


def test_the_cluster_loses_nothing_when_a_host_dies_and_the_database_stops(cluster):
    base, folder = cluster["base"], cluster["folder"]
    start_seconds = json.loads((folder / "started.json").read_text())["seconds"]
    readyz = Browser(base).get("/readyz").status != 404  # wt-state's route; asserted when it exists
    accounts = demo_accounts(cluster)
    first = Browser(base)
    home = first.get("/")
    assert "Локальна демонстрація" in home.text  # LOCAL_DEMO says so on every page
    request_id = home.headers["X-Request-ID"]  # nginx's $request_id, taken and given back by the app
    subdivisions = {
        name.strip(): value
        for value, name in re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', first.get("/registration").text)
    }
    to_register = [a for a in accounts if a["last_payment"]][4:]

    log: list[tuple] = []
    state = {"phase": "before"}
    stop = threading.Event()
    registered: list[tuple[str, str]] = []  # (email, phase)
    paid: list[int] = []
    errors: list[str] = []

    def reader(k: int) -> None:
        browser = Browser(base, log, lambda: state["phase"])
        assert browser.login("demo", "demo12345").status == 303
        cabinet = browser.get("/cabinet").text
        numbers = sorted(set(re.findall(r"/cabinet/accounts/(\d+)", cabinet)))
        account = browser.get(f"/cabinet/accounts/{numbers[0]}").text
        pdfs = re.findall(r'href="(/cabinet/accounts/\d+/bills/[\d-]+\.pdf)"', account)
        while not stop.is_set():
            for path in ("/registration", "/", "/cabinet", f"/cabinet/accounts/{numbers[k % len(numbers)]}", *pdfs[:1]):
                browser.get(path)

    def writer() -> None:
        browser = Browser(base, log, lambda: state["phase"])
        assert browser.login("demo", "demo12345").status == 303
        numbers = sorted(set(re.findall(r"/cabinet/accounts/(\d+)", browser.get("/cabinet").text)))
        n = 0
        while not stop.is_set() and n < len(to_register):
            try:
                payment = pay(browser, numbers[n % len(numbers)])
                if payment:
                    paid.append(payment)
                    browser.get(f"/payments/{payment}")
                visitor = Browser(base, log, lambda: state["phase"])
                address = register(visitor, to_register[n], subdivisions, n)
                if address:
                    registered.append((address, state["phase"]))
            except Exception as error:  # noqa: BLE001 - reported below, the load goes on
                errors.append(repr(error))
            n += 1

    threads = [threading.Thread(target=reader, args=(k,)) for k in range(THREADS)] + [threading.Thread(target=writer)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(KILL_AFTER / 2)
    run_id, upstream = admin_upload(base, accounts[0]["number"])
    # At least one registration and one payment answered before the kill (the machine may be slow).
    wait_until(lambda: registered and paid, 60, "no registration or payment before the kill")
    time.sleep(max(0.0, KILL_AFTER - (time.monotonic() - began)))
    before_kill = [address for address, _ in registered]
    victim = "web1" if upstream.endswith(f":{cluster['env']['CLUSTER_APP_PORTS'].split(',')[0]}") else "web2"
    os.killpg(int((folder / f"{victim}.pid").read_text()), signal.SIGKILL)
    killed_at = time.monotonic()
    state["phase"] = "after"
    wait_until(lambda: any(phase == "after" for _, phase in registered), 60, "no registration after the kill")
    time.sleep(max(0.0, LOAD_SECONDS - KILL_AFTER - (time.monotonic() - killed_at)))
    stop.set()
    for thread in threads:
        thread.join(60)
    load_seconds = time.monotonic() - began

    assert f"id={request_id}" in (folder / "nginx-access.log").read_text()
    gets = [entry for entry in log if entry[0] == "GET"]
    # nginx resends a GET the dead host did not answer; one whose answer it had begun to relay when the host was
    # killed cannot be resent (the browser shows the cut page and the person reloads): at most one per reader,
    # each begun before the kill.
    cut = [entry for entry in gets if entry[2] == CUT]
    assert len(cut) <= THREADS and all(entry[4] == "before" for entry in cut), cut
    failed_gets = [entry for entry in gets if not 200 <= entry[2] < 400 and entry[2] != CUT]
    failures = [entry for entry in log if entry[2] == 0 or entry[2] >= 500]  # no answer, or the server's fault
    assert not errors, errors[:3]
    assert not failed_gets, failed_gets[:10]  # nginx retried every one the dead host could not answer
    assert before_kill and [a for a, phase in registered if phase == "after"], registered
    assert len(paid) >= 2

    # Every success that was answered is in the database; every letter queued before the kill sent once.
    emails = {row[0] for row in sql(cluster, "SELECT email FROM users WHERE email LIKE 'cluster%'")}
    assert {address for address, _ in registered} <= emails
    received = {row[0] for row in sql(cluster, "SELECT id FROM payments WHERE status = 'paid'")}
    assert set(paid) <= received
    for address in before_kill:
        wait_until(lambda a=address: cluster["inbox"].count(a) >= 1, 30, f"no letter to {address}")
    time.sleep(6)  # another outbox period: a second copy would have come by now
    assert [cluster["inbox"].count(address) for address in before_kill] == [1] * len(before_kill)

    # The import whose upload the killed host took was finished by a worker.
    def import_status():
        status = sql(cluster, "SELECT status FROM import_runs WHERE id = :id", id=run_id)[0][0]
        return status if status in ("done", "rejected", "failed") else None

    assert wait_until(import_status, 60, "the import did not finish") == "done"

    # The scheduler: each 5-second period of the outbox sweep claimed once, with two candidates running.
    runs = sql(cluster, "SELECT period, count(*) FROM scheduled_runs WHERE name = 'outbox' GROUP BY period")
    assert len(runs) >= 3 and all(count == 1 for _, count in runs)
    assert all((folder / f"scheduler{i}.pid").exists() for i in (1, 2))

    # `make cluster` again brings back the killed host, and only it.
    back = cluster["run"]("start")
    assert back.returncode == 0, back.stdout + back.stderr
    assert json.loads((folder / "started.json").read_text())["started"] == [victim]
    hosts = {name: (folder / f"{name}.pid").read_text() for name in ("web1", "web2", "worker1", "worker2")}

    # PostgreSQL stops for a few seconds: quick 503s, nothing queued lost, all back without a restart.
    late, probe = Browser(base), Browser(base)
    assert probe.login("demo", "demo12345").status == 303
    address = register(late, to_register[-1], subdivisions, 99999)
    assert address
    pg = folder / "pg" / "data"
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    stop_pg = [str(pg_ctl), "-D", str(pg), "-m", "fast", "-w", "stop"]
    subprocess.run(["runuser", "-u", "postgres", "--", *stop_pg] if os.geteuid() == 0 else stop_pg, check=True)
    # The cabinet reads the database on every request (the public pages may come from the shared cache).
    outage = [probe.get("/cabinet", timeout=10) for _ in range(3)]
    assert [a.status for a in outage] == [503] * 3 and max(a.seconds for a in outage) < 5
    assert "Сервіс тимчасово недоступний" in outage[0].text
    if readyz:
        assert probe.get("/readyz").status == 503
    time.sleep(3)
    again = cluster["run"]("start")
    assert again.returncode == 0, again.stdout + again.stderr
    assert json.loads((folder / "started.json").read_text())["started"] == ["postgres"]
    assert hosts == {name: (folder / f"{name}.pid").read_text() for name in hosts}  # none was restarted
    wait_until(lambda: probe.get("/cabinet").status == 200, 20, "pages did not come back")
    if readyz:
        assert probe.get("/readyz").status == 200
    wait_until(lambda: cluster["inbox"].count(address) == 1, 40, "the letter queued before the outage was lost")

    figures = {
        "cluster_start_seconds": start_seconds,
        "load_seconds": round(load_seconds, 1),
        "requests": len(log),
        "gets": len(gets),
        "failures": len(failures),
        "failed_posts": [entry[:3] for entry in failures if entry[0] == "POST"],
        "answered_4xx": len([entry for entry in log if 400 <= entry[2] < 500]),  # a form's 422, not a failure
        "p99_ms": round(p99([entry[3] for entry in log]) * 1000, 1),
        "p99_ms_after_kill": round(p99([entry[3] for entry in log if entry[4] == "after"]) * 1000, 1),
        "payments": len(paid),
        "registrations": len(registered),
        "scheduler_periods": len(runs),
        "outage_503_max_ms": round(max(a.seconds for a in outage) * 1000, 1),
        "readyz": readyz,
    }
    (folder / "figures.json").write_text(json.dumps(figures, indent=2))
    print(
        f"\nlive cluster: {figures['requests']} requests, {figures['failures']} failed, p99 {figures['p99_ms']} ms "
        f"({figures['p99_ms_after_kill']} ms after the kill), start {start_seconds} s; {folder / 'figures.json'}"
    )
