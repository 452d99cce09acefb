"""docs/security.md, "Per-login caps": at most PAYMENT_PENDING_ORDERS_MAX unpaid online orders a login started
within PAYMENT_PENDING_TTL_SECONDS, counted under the login's row lock."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from tests import parallel
from tests.conftest import csrf_token
from tests.parallel import logged_in_clients, together
from tests.payments.conftest import KEY, place_order
from vez.extensions import db as _db
from vez.models import (
    Payment,
    PaymentStatus,
    utcnow,
)

NUMBER = "529471247"
any_app = parallel.any_app  # the fixture: the suite's database and PostgreSQL


def orders() -> int:
    _db.session.expire_all()
    return _db.session.scalar(select(func.count(Payment.id)))


def _form(client, lang: str = "") -> dict:
    html = client.get(f"/cabinet/accounts/{NUMBER}/pay{lang}").get_data(as_text=True)
    return {"amount": "100.00", "key": KEY.search(html).group(1), "csrf_token": csrf_token(client, "/cabinet")}


def test_review17c_the_next_order_past_the_cap_is_refused_with_a_message_in_both_languages(app, client, payer):
    cap = app.config["PAYMENT_PENDING_ORDERS_MAX"]
    for _ in range(cap):
        place_order(client)
    response = client.post(f"/cabinet/accounts/{NUMBER}/pay", data=_form(client))
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert f"Досягнуто ліміту незавершених онлайн-оплат ({cap})" in page
    minutes = app.config["PAYMENT_PENDING_TTL_SECONDS"] // 60
    assert f"через {minutes} хв" in page
    assert 'name="amount"' in page  # the pay page itself, to try again from
    english = client.post(f"/cabinet/accounts/{NUMBER}/pay?lang=en", data=_form(client, "?lang=en"))
    assert english.status_code == 429
    assert f"The limit of unfinished online payments ({cap}) is reached" in english.get_data(as_text=True)
    assert orders() == cap


def test_the_refusal_at_the_cap_reaches_an_htmx_form_as_422_which_htmx_swaps(app, client, payer):
    """As autopay's and several accounts' forms (htmx.wait_status): htmx swaps no 429, so the message would be lost."""
    for _ in range(app.config["PAYMENT_PENDING_ORDERS_MAX"]):
        place_order(client)
    response = client.post(f"/cabinet/accounts/{NUMBER}/pay", data=_form(client), headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Досягнуто ліміту незавершених онлайн-оплат" in response.get_data(as_text=True)
    assert orders() == app.config["PAYMENT_PENDING_ORDERS_MAX"]


def test_review17c_a_form_sent_again_at_the_cap_finds_its_order(app, client, payer):
    cap = app.config["PAYMENT_PENDING_ORDERS_MAX"]
    for _ in range(cap - 1):
        place_order(client)
    form = _form(client)
    assert client.post(f"/cabinet/accounts/{NUMBER}/pay", data=form).status_code == 303
    again = client.post(f"/cabinet/accounts/{NUMBER}/pay", data=form)
    assert again.status_code == 303
    assert orders() == cap


def test_review17c_only_unpaid_orders_within_the_reconcile_window_count(app, db, client, payer):
    cap = app.config["PAYMENT_PENDING_ORDERS_MAX"]
    made = [place_order(client) for _ in range(cap)]
    db.session.execute(update(Payment).where(Payment.id == made[0].id).values(status=PaymentStatus.paid))
    db.session.execute(
        update(Payment)
        .where(Payment.id == made[1].id)
        .values(created_at=utcnow() - timedelta(seconds=app.config["PAYMENT_PENDING_TTL_SECONDS"] + 1))
    )
    db.session.commit()
    place_order(client)
    place_order(client)
    assert client.post(f"/cabinet/accounts/{NUMBER}/pay", data=_form(client)).status_code == 429


def _payer(app) -> None:
    parallel.one_login_with_one_account(app, number=NUMBER, balance=50_000)


def test_review17c_parallel_orders_of_one_login_never_pass_the_cap(any_app):
    """Twice the cap, from as many sessions of the login, released together: exactly the cap is made."""
    _payer(any_app)
    cap = any_app.config["PAYMENT_PENDING_ORDERS_MAX"]
    clients = logged_in_clients(any_app, 2 * cap)
    forms = [_form(client) for client in clients]

    def send(client, form):
        return lambda: client.post(f"/cabinet/accounts/{NUMBER}/pay", data=form).status_code

    statuses = together([send(c, f) for c, f in zip(clients, forms, strict=True)])
    with any_app.app_context():
        made = _db.session.scalar(select(func.count(Payment.id)))
    assert sorted(statuses) == [303] * cap + [429] * cap
    assert made == cap
