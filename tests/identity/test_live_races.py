"""docs/security.md, "Race-free limits" (review findings 1, 3, 6): parallel requests against a live gunicorn.

Each test starts gunicorn with 3 workers of 4 threads on a database of its own (an SQLite file, or with
`VEZ_TEST_BACKEND=postgres` a PostgreSQL database beside the suite's), fires one burst of parallel posts from
threads that wait at a barrier, then counts in the database how many were judged: never more than the limit,
and the right answer after the burst is refused.
"""

from __future__ import annotations

from datetime import datetime

import pyotp
import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.live import Live, live_servers
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import (
    BranchKind,
    IdentificationFailure,
    Payment,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    Role,
    Service,
    Subdivision,
    User,
    utcnow,
)

pytestmark = pytest.mark.live
AMOUNT = "1234.56"  # the right last payment of every account below


@pytest.fixture
def live(request, tmp_path):
    """start(**config) → a Live on a fresh database with ivan, a staff login and three accounts."""
    yield from live_servers(request, tmp_path, seed)


SECRET = pyotp.random_base32()


def seed() -> None:
    sub = Subdivision(
        code="108", service=Service.electricity, name_uk="Любешівська", name_en="Liubeshiv", kind=BranchKind.district
    )
    db.session.add(sub)
    for number in ("529471247", "529471248", "529471249"):
        account = PersonalAccount(
            number=number,
            service=Service.electricity,
            subdivision=sub,
            holder_name="Петренко Степан Іванович",
            address="смт Любешів, вул. Волі, 5",
            meter_number="12345678",
            balance=0,
        )
        db.session.add(account)
        db.session.add(
            Payment(
                account=account,
                amount=123456,
                paid_at=datetime(2026, 10, 10, 12, 0),
                created_at=datetime(2026, 10, 10, 12, 0),  # older than the window: the amount alone identifies
                source=PaymentSource.bank,
                status=PaymentStatus.paid,
                reference=f"bank-{number}-1",
            )
        )
    password = hash_password(PASSWORD)
    for login, role in (("ivan", Role.consumer), ("olena", Role.operator)):
        db.session.add(
            User(
                login=login,
                login_key=login,
                email=f"{login}@example.com",
                email_key=f"{login}@example.com",
                phone="+380501234567",
                password_hash=password,
                role=role,
                activated_at=utcnow(),
                totp_secret=SECRET if role is Role.operator else None,
            )
        )
    db.session.commit()


def _sub_id(live: Live) -> int:
    return live.count(select(Subdivision.id))


def _identify(live: Live, sub: int, number: str, amount: str):
    return lambda: live.post("/registration", {"subdivision": sub, "number": number, "amount": amount})


def test_b12_32_parallel_wrong_amounts_judge_at_most_five_and_the_right_one_is_then_refused(live):
    """Finding 1: 32 wrong amounts for one account at once; at most IDENTIFY_LIMIT_PER_ACCOUNT are judged."""
    server = live(IDENTIFY_LIMIT_PER_ADDRESS="1000 per hour", IDENTIFY_LIMIT_PER_ACCOUNT="5 per day")
    sub = _sub_id(server)
    answers = server.burst([_identify(server, sub, "529471247", f"{i + 1}.00") for i in range(32)])
    assert {status for status, _, _ in answers} == {422}
    judged = server.count(
        select(func.count(IdentificationFailure.id)).where(IdentificationFailure.reason == "mismatch")
    )
    assert judged <= 5 and server.audited("identify.mismatch") == judged
    assert server.audited("identify.locked") == 32 - judged
    status, location, _ = _identify(server, sub, "529471247", AMOUNT)()
    assert status == 422 and server.audited("identify.ok") == 0, "the right amount must be refused once locked"
    print(f"identification per account: 32 fired, {judged} judged")


def test_b13_32_parallel_failures_from_one_address_judge_at_most_ten_and_then_refuse(live):
    """Finding 1: one address, 32 answers at once for accounts that do not exist; then a right answer."""
    server = live(IDENTIFY_LIMIT_PER_ADDRESS="10 per hour")
    sub = _sub_id(server)
    answers = server.burst([_identify(server, sub, f"5{i:08d}", AMOUNT) for i in range(32)])
    judged = server.count(select(func.count(IdentificationFailure.id)))
    assert judged <= 10 and server.audited("identify.not_found") == judged
    assert sorted(status for status, _, _ in answers) == [422] * judged + [429] * (32 - judged)
    status, _, _ = _identify(server, sub, "529471248", AMOUNT)()
    assert status == 429 and server.audited("identify.ok") == 0
    print(f"identification per address: 32 fired, {judged} judged")


def _login(server: Live, login: str, password: str):
    return lambda: server.post("/login", {"login": login, "password": password})


def test_a7_40_parallel_wrong_passwords_judge_at_most_ten_and_the_right_one_is_then_refused(live):
    """Finding 3: 40 wrong passwords for one login at once; LOGIN_LIMIT_PER_LOGIN of them are checked."""
    server = live(LOGIN_LIMIT_PER_LOGIN="10 per 15 minutes", LOGIN_LIMIT_PER_ADDRESS="1000 per 10 minutes")
    answers = server.burst([_login(server, "ivan", f"wrong password {i}") for i in range(40)])
    judged = server.audited("login.failed")
    assert judged <= 10
    assert sorted(status for status, _, _ in answers) == [422] * judged + [429] * (40 - judged)
    status, _, _ = _login(server, "ivan", PASSWORD)()
    assert status == 429 and server.audited("login.ok") == 0
    print(f"login per login: 40 fired, {judged} judged")


def test_a8_40_parallel_logins_from_one_address_judge_at_most_ten_and_then_refuse(live):
    """Finding 3: 40 different logins from one address at once against LOGIN_LIMIT_PER_ADDRESS."""
    server = live(LOGIN_LIMIT_PER_ADDRESS="10 per 10 minutes")
    answers = server.burst([_login(server, f"user{i}", "wrong password") for i in range(40)])
    judged = server.audited("login.failed")
    assert judged <= 10
    assert sorted(status for status, _, _ in answers) == [422] * judged + [429] * (40 - judged)
    status, _, _ = _login(server, "ivan", PASSWORD)()
    assert status == 429 and server.audited("login.ok") == 0
    print(f"login per address: 40 fired, {judged} judged")


def test_31_one_totp_code_posted_eight_times_at_once_opens_one_session(live):
    """Finding 6: eight half-logged-in sessions of one staff login post the same right code at once."""
    server = live()
    cookies = []
    for _ in range(8):
        status, location, cookie = _login(server, "olena", PASSWORD)()
        assert status == 303 and location.endswith("/login/code") and cookie
        cookies.append(cookie)
    code = pyotp.TOTP(SECRET).now()
    answers = server.burst([lambda c=c: server.post("/login/code", {"code": code}, cookie=c) for c in cookies])
    opened = [status for status, _, _ in answers if status == 303]
    assert len(opened) == 1, answers
    assert server.audited("login.second_factor_ok") == 1
    print(f"TOTP single use: 8 fired, {len(opened)} session opened")


def test_d25_a_session_ended_in_one_worker_is_refused_at_once_by_every_worker_and_thread(live):
    """Each worker keeps its last reading of a login (vez.replay): after 48 parallel pages have filled every
    worker's copy, a logout answered by one of them ends the captured cookie for all 48 parallel requests that
    follow, whichever worker and thread takes each."""
    server = live()
    status, _, cookie = _login(server, "ivan", PASSWORD)()
    assert status == 303 and cookie
    page = lambda: server.get("/cabinet/profile", {"Cookie": cookie})  # noqa: E731
    assert [answer[0] for answer in server.burst([page] * 48)] == [200] * 48
    status, _, _ = server.post("/logout", {}, cookie)
    assert status in (302, 303)
    assert [answer[0] for answer in server.burst([page] * 48)] == [302] * 48
