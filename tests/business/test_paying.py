"""Paying under a contract online (docs/companies.md, "Paying"): one order per contract through the gateway
interface; the household callback's company hook credits the contract exactly once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, https_client
from tests.parallel import together
from tests.payments.conftest import hidden, sandbox_callback
from vez.extensions import db as _db
from vez.models import (
    AuditEvent,
    CompanyPayment,
    CompanyPaymentEntry,
    CompanyPaymentSource,
    CompanyRole,
    Contract,
    PaymentStatus,
)
from vez.payments import settle

KEY = re.compile(r'name="key" type="hidden" value="([^"]+)"')


def place_order(client, contract_id: int, amount: str = "100.00", **headers) -> CompanyPayment:
    path = f"/company/contracts/{contract_id}/pay"
    html = client.get(path).get_data(as_text=True)
    key = KEY.search(html).group(1)
    response = client.post(path, data={"amount": amount, "key": key, "csrf_token": csrf_token(client, path)}, **headers)
    assert response.status_code in (303, 204), response.get_data(as_text=True)
    return _db.session.scalar(select(CompanyPayment).where(CompanyPayment.idempotency_key == key))


def balance(contract_id: int) -> int:
    _db.session.expire_all()
    return _db.session.get(Contract, contract_id).balance


def credits(payment_id: int) -> int:
    return _db.session.scalar(
        select(func.count(CompanyPaymentEntry.id)).where(
            CompanyPaymentEntry.payment_id == payment_id, CompanyPaymentEntry.kind == "credit"
        )
    )


def actions() -> list[str]:
    return list(_db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_the_pay_form_proposes_the_debt_and_makes_one_created_order(app, client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    html = client.get(f"/company/contracts/{contract.id}/pay").get_data(as_text=True)
    assert 'value="8035.20"' in html  # the debt (October's charges)
    payment = place_order(client, contract.id, "250,50")
    assert (payment.amount, payment.status, payment.source) == (
        25050,
        PaymentStatus.created,
        CompanyPaymentSource.online,
    )
    assert payment.reference.startswith("vez-c-") and payment.user_id == acme.admin.id
    event = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.payment_created"))
    assert event.company_id == acme.company.id
    checkout = client.get(f"/company/payments/{payment.id}/checkout").get_data(as_text=True)
    assert 'action="/payments/sandbox/checkout"' in checkout and payment.reference in checkout


def test_a_bad_amount_is_shown_next_to_the_field_and_kept(client, auth, acme):
    auth.login("acme_admin")
    path = f"/company/contracts/{acme.contracts[0].id}/pay"
    html = client.get(path).get_data(as_text=True)
    key = KEY.search(html).group(1)
    response = client.post(path, data={"amount": "12,3,4", "key": key, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in page and 'value="12,3,4"' in page
    assert _db.session.scalar(select(func.count(CompanyPayment.id)).where(CompanyPayment.idempotency_key == key)) == 0


def test_the_same_form_sent_twice_makes_one_order(client, auth, acme):
    auth.login("acme_admin")
    path = f"/company/contracts/{acme.contracts[0].id}/pay"
    key = KEY.search(client.get(path).get_data(as_text=True)).group(1)
    data = {"amount": "100.00", "key": key, "csrf_token": csrf_token(client, path)}
    assert client.post(path, data=data).status_code == 303
    assert client.post(path, data=data).status_code == 303
    assert _db.session.scalar(select(func.count(CompanyPayment.id)).where(CompanyPayment.idempotency_key == key)) == 1


def test_the_sandbox_bank_pays_and_the_callback_credits_the_contract_once(app, client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    before = contract.balance
    payment = place_order(client, contract.id, "100.00")
    checkout = client.get(f"/company/payments/{payment.id}/checkout").get_data(as_text=True)
    fields = {name: hidden(checkout, name) for name in ("data", "signature", "csrf_token")}
    assert client.post("/payments/sandbox/checkout", data=fields).status_code == 200
    back = client.post("/payments/sandbox/decide", data={**fields, "decision": "pay"})
    assert back.status_code == 303 and back.headers["Location"] == f"/company/payments/{payment.id}/return"
    shown = client.get(back.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert 'data-status="paid"' in shown and "1234/25-E" in shown
    assert balance(contract.id) == before - 10_000
    assert credits(payment.id) == 1
    # the same callback again (a replay): nothing more
    assert client.post("/payments/callback/sandbox", data=sandbox_callback(app, payment)).status_code == 200
    assert balance(contract.id) == before - 10_000 and credits(payment.id) == 1
    assert actions().count("company.payment_received") == 1 and "payment.callback_repeated" in actions()
    received = _db.session.scalar(select(AuditEvent).where(AuditEvent.action == "company.payment_received"))
    assert received.company_id == acme.company.id


def test_eight_identical_callbacks_at_once_credit_once(app, client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    before = contract.balance
    payment = place_order(client, contract.id, "100.00")
    form = sandbox_callback(app, payment)
    clients = [https_client(app) for _ in range(8)]
    statuses = together([lambda c=c: c.post("/payments/callback/sandbox", data=form).status_code for c in clients])
    assert statuses == [200] * 8
    assert balance(contract.id) == before - 10_000
    assert credits(payment.id) == 1
    assert actions().count("company.payment_received") == 1


def test_a_declined_payment_credits_nothing_and_offers_to_try_again(app, client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    before = contract.balance
    payment = place_order(client, contract.id, "100.00")
    assert client.post("/payments/callback/sandbox", data=sandbox_callback(app, payment, "failure")).status_code == 200
    html = client.get(f"/company/payments/{payment.id}").get_data(as_text=True)
    assert 'data-status="declined"' in html and f"/company/contracts/{contract.id}/pay?amount=100.00" in html
    assert balance(contract.id) == before and credits(payment.id) == 0


def test_a_cancelled_order_shows_cancelled_not_in_transit(client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    payment = place_order(client, contract.id)
    path = f"/company/payments/{payment.id}"
    response = client.post(f"{path}/cancel", data={"csrf_token": csrf_token(client, path)})
    assert response.status_code == 303
    html = client.get(path).get_data(as_text=True)
    assert 'data-status="cancelled"' in html and 'data-status="pending"' not in html and "hx-trigger" not in html
    assert "company.payment_cancelled" in actions()
    contract_page = client.get(f"/company/contracts/{contract.id}").get_data(as_text=True)
    assert "скасовано" in contract_page and "в дорозі" not in contract_page


def test_a_pending_order_polls_and_a_paid_one_answers_286(app, client, auth, acme):
    auth.login("acme_admin")
    payment = place_order(client, acme.contracts[0].id)
    client.post("/payments/callback/sandbox", data=sandbox_callback(app, payment, "processing"))
    path = f"/company/payments/{payment.id}"
    assert 'hx-trigger="every 2s"' in client.get(path).get_data(as_text=True)
    assert client.get(path, headers={"HX-Request": "true"}).status_code == 204
    client.post("/payments/callback/sandbox", data=sandbox_callback(app, payment))
    final = client.get(path, headers={"HX-Request": "true"})
    assert final.status_code == 286 and 'data-status="paid"' in final.get_data(as_text=True)


def test_reconcile_expires_a_company_order_the_gateway_never_saw(app, client, auth, acme):
    auth.login("acme_admin")
    payment = place_order(client, acme.contracts[0].id)
    ttl = timedelta(seconds=app.config["PAYMENT_PENDING_TTL_SECONDS"] + 60)
    with app.app_context():
        counts = settle.reconcile(now=payment.created_at + ttl)
    assert counts["expired"] == 1
    _db.session.expire_all()
    assert _db.session.get(CompanyPayment, payment.id).status is PaymentStatus.expired


def test_a_viewer_may_not_pay(client, auth, acme, member):
    member(acme.company, "olha", CompanyRole.viewer)
    auth.login("olha")
    path = f"/company/contracts/{acme.contracts[0].id}/pay"
    assert client.get(path).status_code == 403
    assert (
        client.post(path, data={"amount": "100", "key": "x" * 32, "csrf_token": csrf_token(client, "/")}).status_code
        == 403
    )


def test_an_accountant_may_pay(client, auth, acme, member):
    member(acme.company, "maria", CompanyRole.accountant)
    auth.login("maria")
    assert place_order(client, acme.contracts[0].id).user_id is not None


def test_another_companys_contract_and_order_answer_404(app, client, auth, acme, rival):
    auth.login("rival_admin")
    theirs = place_order(client, rival.contracts[0].id)
    auth.logout()
    auth.login("acme_admin")
    assert client.get(f"/company/contracts/{rival.contracts[0].id}/pay").status_code == 404
    for path in ("", "/checkout", "/return"):
        assert client.get(f"/company/payments/{theirs.id}{path}").status_code == 404
    token = csrf_token(client, "/company/cabinet")
    assert client.post(f"/company/payments/{theirs.id}/cancel", data={"csrf_token": token}).status_code == 404


def test_unfinished_company_orders_count_under_the_logins_cap(app, client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    for _ in range(app.config["PAYMENT_PENDING_ORDERS_MAX"]):
        place_order(client, contract.id)
    path = f"/company/contracts/{contract.id}/pay"
    key = KEY.search(client.get(path).get_data(as_text=True)).group(1)
    response = client.post(path, data={"amount": "100.00", "key": key, "csrf_token": csrf_token(client, path)})
    assert response.status_code == 429
    assert "Досягнуто" in response.get_data(as_text=True) or "ліміт" in response.get_data(as_text=True).lower()
    assert _db.session.scalar(select(func.count(CompanyPayment.id)).where(CompanyPayment.idempotency_key == key)) == 0


def test_the_refusal_at_the_cap_reaches_an_htmx_form_as_422(app, client, auth, acme):
    auth.login("acme_admin")
    contract = acme.contracts[0]
    for _ in range(app.config["PAYMENT_PENDING_ORDERS_MAX"]):
        place_order(client, contract.id)
    path = f"/company/contracts/{contract.id}/pay"
    key = KEY.search(client.get(path).get_data(as_text=True)).group(1)
    data = {"amount": "100.00", "key": key, "csrf_token": csrf_token(client, path)}
    response = client.post(path, data=data, headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "Досягнуто ліміту незавершених онлайн-оплат" in response.get_data(as_text=True)


def test_a_crash_mid_credit_leaves_nothing_and_the_redelivery_credits_once(app, client, auth, acme, monkeypatch):
    from vez.companies import paying

    auth.login("acme_admin")
    contract = acme.contracts[0]
    before = contract.balance
    payment = place_order(client, contract.id)
    form = sandbox_callback(app, payment)

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died here")

    monkeypatch.setattr(paying, "recompute_contract_balances", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 answer, as in production
    assert https_client(app).post("/payments/callback/sandbox", data=form).status_code == 500
    _db.session.expire_all()
    assert _db.session.get(CompanyPayment, payment.id).status is PaymentStatus.created
    assert credits(payment.id) == 0 and balance(contract.id) == before
    monkeypatch.undo()
    assert https_client(app).post("/payments/callback/sandbox", data=form).status_code == 200
    assert credits(payment.id) == 1 and balance(contract.id) == before - 10_000


@pytest.mark.postgres
def test_eight_identical_callbacks_at_once_credit_once_on_postgresql(worker_id):
    """The row lock where it exists: three orders, each hammered by eight callbacks released together."""
    from datetime import date
    from decimal import Decimal

    from tests.business.conftest import eic
    from tests.conftest import postgres_app
    from vez.models import (
        BranchKind,
        Company,
        CompanyCharge,
        CompanyKind,
        MeteringPoint,
        PaymentForm,
        Service,
        Subdivision,
    )

    with postgres_app(f"company_pay_{worker_id}", "prove one credit of a company order") as pg_app:
        sub = Subdivision(
            code="108",
            service=Service.electricity,
            name_uk="Любешівська",
            name_en="Liubeshiv",
            kind=BranchKind.district,
        )
        company = Company(code="32855961", kind=CompanyKind.legal, name="ТОВ Тест", address="Луцьк")
        _db.session.add_all([sub, company])
        _db.session.flush()
        contract = Contract(
            company_id=company.id,
            number="PG-1",
            service=Service.electricity,
            subdivision=sub,
            starts_on=date(2025, 1, 1),
            payment_form=PaymentForm.actual,
        )
        _db.session.add(contract)
        _db.session.flush()
        point = MeteringPoint(contract_id=contract.id, eic=eic(1), address="Луцьк")
        _db.session.add(point)
        _db.session.flush()
        _db.session.add(
            CompanyCharge(
                point_id=point.id,
                contract_id=contract.id,
                month=date(2026, 10, 1),
                volume=Decimal(1000),
                unit="kWh",
                tariff=Decimal("0.5"),
                amount=50_000,
            )
        )
        payments = [
            CompanyPayment(
                contract_id=contract.id,
                amount=10_000,
                source=CompanyPaymentSource.online,
                status=PaymentStatus.pending,
                reference=f"vez-c-pg-{i}",
                provider="sandbox",
            )
            for i in range(3)
        ]
        _db.session.add_all(payments)
        _db.session.commit()
        for payment in payments:
            form = sandbox_callback(pg_app, payment)
            clients = [https_client(pg_app) for _ in range(8)]
            calls = [lambda c=c, f=form: c.post("/payments/callback/sandbox", data=f).status_code for c in clients]
            assert together(calls) == [200] * 8
        assert balance(contract.id) == 50_000 - 30_000
        assert _db.session.scalar(select(func.count(CompanyPaymentEntry.id))) == 3
        assert {p.status for p in _db.session.scalars(select(CompanyPayment))} == {PaymentStatus.paid}
