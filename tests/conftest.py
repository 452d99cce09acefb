"""Fixtures every test shares: the app on a fresh database, clients, factories and an auth helper.

The suite runs on SQLite by default; `VEZ_TEST_BACKEND=postgres` with `VEZ_TEST_DATABASE_URL` runs it on
PostgreSQL (a database per xdist worker, emptied between tests).
"""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import smtplib
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from bench.server import free_port
from vez import create_app
from vez.extensions import db as _db
from vez.extensions import limiter
from vez.identity.passwords import hash_password
from vez.models import (
    BranchKind,
    Charge,
    Payment,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    Role,
    Service,
    Subdivision,
    User,
    UserAccount,
    utcnow,
)

PG_URL = os.environ.get("VEZ_TEST_DATABASE_URL")
ON_POSTGRES = os.environ.get("VEZ_TEST_BACKEND") == "postgres"
PASSWORD = "лісова пісня волині"  # passes the policy; shared by the factories and the auth helper


def pg_database(suffix: str) -> str:
    """The URL of a PostgreSQL database of its own beside VEZ_TEST_DATABASE_URL's, created on first use."""
    url = make_url(PG_URL)
    name = f"{url.database}_{suffix}"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@contextmanager
def postgres_app(suffix: str, purpose: str):
    """An app on a PostgreSQL database of its own, whatever backend the suite runs on: a row lock is proven
    where it exists. Skipped without VEZ_TEST_DATABASE_URL, except under CI, where `purpose` must be proven."""
    if not PG_URL:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must {purpose} on PostgreSQL: set VEZ_TEST_DATABASE_URL (scripts/pg-throwaway start)")
        pytest.skip("PostgreSQL test: set VEZ_TEST_DATABASE_URL (scripts/pg-throwaway start)")
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": pg_database(suffix)})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        if limiter.enabled:  # on only when a test configures a Flask-Limiter limit (vez/__init__.py)
            limiter.reset()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


# Where a mail server of the machine listens; the tests' own servers (aiosmtpd) take a free port on 127.0.0.1.
MTA_PORTS = {25, 465, 587}


def is_test_smtp_server(host: str, port: int) -> bool:
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return loopback and port not in MTA_PORTS


@pytest.fixture(autouse=True)
def no_real_smtp(monkeypatch):
    """Fails a test that tries to reach a real SMTP server: only the tests' own servers on 127.0.0.1 are allowed.

    pytest.fail raises outside `except Exception`, so the mail code's own error handling cannot swallow it; an
    attempt from another thread (the browser tests' live server) fails the test at teardown.
    """
    attempts: list[str] = []
    connect = smtplib.SMTP.connect  # SMTP_SSL and LMTP connect through it too

    def guarded_connect(self, host="localhost", port=0, source_address=None):
        name, number = host, port
        if not number and host.count(":") == 1:  # smtplib's "host:port"
            name, _, number = host.partition(":")
        number = int(number or self.default_port)
        if not is_test_smtp_server(name, number):
            attempts.append(f"{name}:{number}")
            pytest.fail(f"a test tried to reach a real SMTP server at {name}:{number}", pytrace=False)
        return connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", guarded_connect)
    yield attempts
    if attempts:
        pytest.fail(f"a test tried to reach a real SMTP server: {', '.join(attempts)}", pytrace=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    if ON_POSTGRES:
        if not PG_URL:
            pytest.fail("VEZ_TEST_BACKEND=postgres needs VEZ_TEST_DATABASE_URL")
        return pg_database(worker_id)  # one per xdist worker
    return ""  # each test gets its own SQLite file


@pytest.fixture
def app(database_url, tmp_path):
    url = database_url or f"sqlite:///{tmp_path / 'test.sqlite3'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        if ON_POSTGRES:
            _db.drop_all()
        _db.create_all()
        if limiter.enabled:  # on only when a test configures a Flask-Limiter limit (vez/__init__.py)
            limiter.reset()
        yield app
        _db.session.remove()
        if ON_POSTGRES:
            _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    """A browser-like client over https (the session cookie is Secure and __Host-)."""
    return https_client(app)


class FreshContextClient(FlaskClient):
    """Each request runs in an app context of its own (its own `g` and database session), as in production.

    The test body keeps its own context and session: after a request changes something, call
    `db.session.refresh(obj)` (or `db.session.expire_all()`) to read the new state.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


def https_client(app):
    app.test_client_class = FreshContextClient
    client = app.test_client()
    client.environ_base["wsgi.url_scheme"] = "https"
    # Flask-WTF checks the Referer of HTTPS posts, as a browser sends it under our Referrer-Policy.
    client.environ_base["HTTP_REFERER"] = "https://localhost/"
    return client


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    """The CSRF token of the client's session, as a page would give it to a form."""
    html = client.get(path).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


class AuthActions:
    def __init__(self, client):
        self.client = client

    def login(self, login: str = "ivan", password: str = PASSWORD, **extra):
        token = csrf_token(self.client)
        return self.client.post("/login", data={"login": login, "password": password, "csrf_token": token, **extra})

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client):
    return AuthActions(client)


# ---- factories -------------------------------------------------------------------------------


@pytest.fixture
def make_subdivision(db):
    made: dict[str, Subdivision] = {}

    def make(code: str = "108", service: Service = Service.electricity, **kw) -> Subdivision:
        if code in made:
            return made[code]
        defaults = dict(
            name_uk="Любешівська філія" if service is Service.electricity else "ПРИРОДНИЙ ГАЗ",
            name_en="Liubeshiv branch" if service is Service.electricity else "NATURAL GAS",
            kind=BranchKind.district if service is Service.electricity else BranchKind.gas,
        )
        sub = Subdivision(code=code, service=service, **{**defaults, **kw})
        db.session.add(sub)
        db.session.commit()
        made[code] = sub
        return sub

    return make


@pytest.fixture
def make_account(db, make_subdivision):
    def make(
        number: str = "529471247",
        *,
        service: Service | None = None,
        subdivision=None,
        holder_name: str = "Петренко Степан Іванович",
        address: str = "смт Любешів, вул. Волі, 5",
        meter_number: str = "12345678",
        balance: int = 0,
        last_payment: int | None = None,
        paid_at: datetime | None = None,
    ) -> PersonalAccount:
        service = service or (Service.gas if number.startswith("9") else Service.electricity)
        subdivision = subdivision or make_subdivision("900" if service is Service.gas else "108", service)
        account = PersonalAccount(
            number=number,
            service=service,
            subdivision=subdivision,
            holder_name=holder_name,
            address=address,
            meter_number=meter_number,
            balance=balance,
        )
        db.session.add(account)
        if last_payment is not None:
            paid_at = paid_at or datetime(2026, 10, 10, 12, 0)
            db.session.add(
                Payment(
                    account=account,
                    amount=last_payment,
                    paid_at=paid_at,
                    created_at=paid_at,  # recorded back then: older than IDENTIFY_RECENT_PAYMENT_DAYS
                    source=PaymentSource.bank,
                    status=PaymentStatus.paid,
                    reference=f"bank-{number}-1",
                )
            )
        db.session.commit()
        return account

    return make


@pytest.fixture
def make_charge(db):
    def make(account, month: date, amount: int, volume="100", tariff="4.32", **kw) -> Charge:
        charge = Charge(
            account=account, month=month, amount=amount, volume=volume, tariff=tariff, unit=account.service.unit, **kw
        )
        db.session.add(charge)
        db.session.commit()
        return charge

    return make


@pytest.fixture
def make_user(db):
    def make(
        login: str = "ivan",
        *,
        password: str = PASSWORD,
        email: str | None = None,
        phone: str = "+380501234567",
        activated: bool = True,
        role: Role = Role.consumer,
        accounts=(),
        **kw,
    ) -> User:
        email = email or f"{login}@example.com"
        user = User(
            login=login,
            login_key=login.casefold(),
            email=email,
            email_key=email.casefold(),
            phone=phone,
            password_hash=hash_password(password),
            role=role,
            activated_at=utcnow() if activated else None,
            **kw,
        )
        db.session.add(user)
        db.session.flush()
        for account in accounts:
            db.session.add(UserAccount(user_id=user.id, account_id=account.id))
        db.session.commit()
        return user

    return make


# ---- a redis-server of the test's own (the shared page cache, the readiness check, jobs on RQ, limits) ----------


@dataclass
class RedisServer:
    url: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(5)


@pytest.fixture
def redis_server(tmp_path):
    server = shutil.which("redis-server")
    if not server:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is missing under CI")
        pytest.skip("redis-server not installed (apt-get install redis-server)")
    port = free_port()
    args = ["--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]
    process = subprocess.Popen([server, *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.05)
    running = RedisServer(f"redis://127.0.0.1:{port}/0", process)
    yield running
    running.stop()


@pytest.fixture
def redis_url(redis_server) -> str:
    """The server's address without a database number (callers add their own)."""
    return redis_server.url.removesuffix("/0")
