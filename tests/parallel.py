"""Parallel requests of one login, on the suite's database and on PostgreSQL (docs/security.md, "Per-login caps").

`any_app` is the suite's `app` (a SQLite file, or PostgreSQL with VEZ_TEST_BACKEND=postgres) and, when
VEZ_TEST_DATABASE_URL is set, an app on a PostgreSQL database of its own: the row lock is proven where it exists.
Import the fixture into a test module to use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from tests.conftest import PASSWORD, csrf_token, https_client, postgres_app
from vez.extensions import db as _db
from vez.identity.passwords import hash_password
from vez.models import BranchKind, PersonalAccount, Service, Subdivision, User, UserAccount, utcnow


@pytest.fixture(params=["suite", "postgres"])
def any_app(request, worker_id):
    if request.param == "suite":
        yield request.getfixturevalue("app")
        return
    with postgres_app(f"caps_{worker_id}", "prove the per-login caps") as app:
        yield app


def one_login_with_one_account(app, *, number: str = "529471247", balance: int = 0) -> None:
    """`ivan` (PASSWORD) holding one electricity account: the same data on whichever database `any_app` is."""
    with app.app_context():
        sub = Subdivision(
            code="108",
            service=Service.electricity,
            name_uk="Любешівська",
            name_en="Liubeshiv",
            kind=BranchKind.district,
        )
        account = PersonalAccount(
            number=number,
            service=Service.electricity,
            subdivision=sub,
            holder_name="Петренко Степан",
            address="Любешів",
            balance=balance,
        )
        user = User(
            login="ivan",
            email="ivan@example.com",
            email_key="ivan@example.com",
            phone="+380501234567",
            password_hash=hash_password(PASSWORD),
            activated_at=utcnow(),
        )
        _db.session.add_all([sub, account, user])
        _db.session.flush()
        _db.session.add(UserAccount(user_id=user.id, account_id=account.id))
        _db.session.commit()


def logged_in_clients(app, count: int, login: str = "ivan") -> list:
    """`count` browsers, each with a session of its own for the same login."""
    clients = []
    for _ in range(count):
        client = https_client(app)
        token = csrf_token(client)
        response = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
        assert response.status_code in (302, 303), response.status_code
        clients.append(client)
    return clients


def together(calls: list[Callable[[], int]]) -> list[int]:
    """Run the calls in threads released at the same moment; their results (HTTP statuses)."""
    barrier = threading.Barrier(len(calls))
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait(timeout=20)
            result = call()
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - reported below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == [], errors
    return results
