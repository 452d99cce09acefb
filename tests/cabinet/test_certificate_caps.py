"""docs/security.md, "Per-login caps": at most CERTIFICATES_PER_DAY certificates of no debt a login requests in
24 hours, counted under the login's row lock."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select, update

from tests import parallel
from tests.parallel import logged_in_clients, together
from vez.extensions import db as _db
from vez.models import Certificate, utcnow

NUMBER = "529471247"
TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
any_app = parallel.any_app  # the fixture: the suite's database and PostgreSQL


def _no_debt_login(app) -> None:
    parallel.one_login_with_one_account(app, number=NUMBER, balance=0)


def _token(client, lang: str = "") -> str:
    return TOKEN.search(client.get(f"/cabinet/accounts/{NUMBER}{lang}").get_data(as_text=True)).group(1)


def _issue(client, token: str, lang: str = ""):
    return client.post(f"/cabinet/accounts/{NUMBER}/certificates{lang}", data={"csrf_token": token})


def certificates() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count(Certificate.id)))


def test_review17c_the_next_certificate_past_the_cap_is_refused_on_the_account_page(app):
    _no_debt_login(app)
    [client] = logged_in_clients(app, 1)
    cap = app.config["CERTIFICATES_PER_DAY"]
    token = _token(client)
    for _ in range(cap):
        assert _issue(client, token).status_code == 303
    refused = _issue(client, token)
    assert refused.status_code == 303 and refused.location.endswith(f"/cabinet/accounts/{NUMBER}")
    page = client.get(refused.location).get_data(as_text=True)
    assert f"Добовий ліміт довідок ({cap}) вичерпано. Спробуйте завтра." in page
    english = _issue(client, _token(client, "?lang=en"), "?lang=en")
    page = client.get(english.location + "?lang=en").get_data(as_text=True)
    assert f"The daily limit of certificates ({cap}) is used up. Try again tomorrow." in page
    assert certificates() == cap


def test_review17c_certificates_older_than_a_day_do_not_count(app):
    _no_debt_login(app)
    [client] = logged_in_clients(app, 1)
    cap = app.config["CERTIFICATES_PER_DAY"]
    token = _token(client)
    for _ in range(cap):
        assert _issue(client, token).status_code == 303
    _db.session.execute(update(Certificate).values(issued_at=utcnow() - timedelta(days=1, seconds=1)))
    _db.session.commit()
    assert _issue(client, token).location.endswith(".pdf")
    assert certificates() == cap + 1


def test_review17c_parallel_certificates_of_one_login_never_pass_the_cap(any_app):
    _no_debt_login(any_app)
    cap = any_app.config["CERTIFICATES_PER_DAY"]
    clients = logged_in_clients(any_app, cap + 4)
    tokens = [_token(client) for client in clients]

    def send(client, token):
        return lambda: _issue(client, token).location.endswith(".pdf")

    issued = together([send(c, t) for c, t in zip(clients, tokens, strict=True)])
    with any_app.app_context():
        made = _db.session.scalar(select(func.count(Certificate.id)))
    assert sorted(issued) == [False] * 4 + [True] * cap
    assert made == cap
