"""The per-token limit under a burst against a live gunicorn (3 workers of 4 threads; SQLite, and PostgreSQL with
VEZ_TEST_BACKEND=postgres): 100 requests at once with one token, exactly API_LIMIT_PER_TOKEN of them answered."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD
from tests.live import live_servers
from vez.extensions import db
from vez.identity import api_tokens
from vez.identity.passwords import hash_password
from vez.models import BranchKind, PersonalAccount, Service, Subdivision, User, UserAccount, utcnow

pytestmark = pytest.mark.live
SECRETS: dict[str, str] = {}


def seed() -> None:
    sub = Subdivision(code="101", service=Service.electricity, name_uk="Луцька", name_en="Lutsk", kind=BranchKind.city)
    account = PersonalAccount(
        number="529471247", subdivision=sub, service=Service.electricity, holder_name="Бондар Петро", address="Луцьк"
    )
    user = User(
        login="poller",
        login_key="poller",
        email="poller@example.com",
        email_key="poller@example.com",
        phone="+380501234567",
        password_hash=hash_password(PASSWORD),
        activated_at=utcnow(),
    )
    db.session.add_all([sub, account, user])
    db.session.flush()
    db.session.add(UserAccount(user_id=user.id, account_id=account.id))
    made = api_tokens.create(user, "Home Assistant", 30, account_ids=None, ip=None)
    SECRETS["token"] = made.secret
    db.session.commit()


@pytest.fixture
def live(request, tmp_path):
    yield from live_servers(request, tmp_path, seed)


def test_100_parallel_requests_with_one_token_answer_exactly_60_and_refuse_40(live):
    server = live(API_LIMIT_PER_TOKEN="60 per minute")
    headers = {"Authorization": f"Bearer {SECRETS['token']}"}
    answers = server.burst([lambda: server.get("/api/v1/accounts", headers) for _ in range(100)])
    statuses = sorted(status for status, _, _ in answers)
    assert statuses == [200] * 60 + [429] * 40, statuses
    assert all(retry and int(retry) >= 1 for status, retry, _ in answers if status == 429)
    print(f"api per token: 100 fired, {statuses.count(200)} answered")
