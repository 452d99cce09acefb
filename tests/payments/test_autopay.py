"""Autopay with the sandbox: switching on saves a card, the job charges each bill once, a decline is told and
retried once, switching off deletes the token; the account page without JavaScript."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token
from tests.payments.autopay_helpers import (
    AUTOPAY_PAGE,
    NUMBER,
    add_bill,
    attempts,
    card_order,
    letters,
    saved_card,
    switch_on,
    through_sandbox,
)
from tests.payments.conftest import credits
from vez.models import AuditEvent, Autopay, Payment, PaymentChannel, PaymentStatus, PersonalAccount, SandboxPayment
from vez.payments import autopay

CHARGE_DAY = date(2026, 11, 2)


def balance(db, account) -> int:
    db.session.expire_all()
    return db.session.get(PersonalAccount, account.id).balance


def test_switching_on_saves_the_card_through_a_payment_credited_like_any(client, payer, db):
    user, account = payer
    response = switch_on(client, max_amount="1 200,50")
    order = card_order()
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/payments/{order.id}/checkout")
    assert order.amount == 50_000  # the amount due now
    row = db.session.scalar(select(Autopay))
    assert (row.max_amount, row.card_token, row.consent_version) == (120_050, None, autopay.CONSENT_VERSION)
    assert "Автоплатіж чекає на вашу картку." in client.get(f"/cabinet/accounts/{NUMBER}").get_data(as_text=True)

    assert through_sandbox(client, order).status_code == 303
    db.session.expire_all()
    row = db.session.scalar(select(Autopay))
    assert row.card_token.startswith("sandbox-card-") and row.card_mask == "424242******4242"
    assert db.session.get(Payment, order.id).status is PaymentStatus.paid and balance(db, account) == 0
    assert [letter.subject for letter in letters("autopay_on")] == ["Автоплатіж увімкнено"]
    page = client.get(f"/cabinet/accounts/{NUMBER}").get_data(as_text=True)
    assert "Автоплатіж увімкнено." in page and "424242******4242" in page and "1 200,50" in page.replace("\xa0", " ")
    assert row.card_token not in page


def test_without_a_debt_the_card_is_saved_by_the_smallest_payment(client, make_account, make_user, auth, db):
    account = make_account(balance=0)
    make_user("ivan", accounts=[account])
    auth.login()
    switch_on(client)
    assert card_order().amount == 100


def test_a_success_without_a_card_token_leaves_autopay_waiting(client, payer, app, db):
    from tests.payments.conftest import post_callback, sandbox_callback

    switch_on(client)
    order = card_order()
    assert post_callback(client, "sandbox", sandbox_callback(app, order)).status_code == 200
    db.session.expire_all()
    assert db.session.scalar(select(Autopay)).card_token is None
    assert db.session.get(Payment, order.id).status is PaymentStatus.paid


def test_a_token_on_an_ordinary_payment_switches_nothing_on(client, payer, app, db):
    from tests.payments.conftest import place_order, post_callback, sandbox_callback

    payment = place_order(client)
    form = sandbox_callback(app, payment, card_token="stray", sender_card_mask2="4242")
    assert post_callback(client, "sandbox", form).status_code == 200
    assert db.session.scalar(select(func.count(Autopay.id))) == 0


@pytest.mark.parametrize(
    "data, message",
    [
        ({"max_amount": "0,50", "consent": "y"}, "Найменша сума — 1,00"),
        ({"max_amount": "сто", "consent": "y"}, "Введіть суму в гривнях"),
        ({"max_amount": "100000,01", "consent": "y"}, "Найбільша сума"),
        ({"max_amount": "500"}, "Позначте згоду, щоб увімкнути автоплатіж."),
    ],
)
def test_a_wrong_cap_or_no_consent_answers_422_with_the_form(client, payer, db, data, message):
    page = client.get(AUTOPAY_PAGE).get_data(as_text=True)
    key = page.split('name="key" type="hidden" value="')[1].split('"')[0]
    response = client.post(AUTOPAY_PAGE, data={**data, "key": key, "csrf_token": csrf_token(client, AUTOPAY_PAGE)})
    text = response.get_data(as_text=True).replace("\xa0", " ")
    assert response.status_code == 422 and message.replace("\xa0", " ") in text, text[-3000:]
    assert db.session.scalar(select(func.count(Autopay.id))) == 0 and card_order() is None


def test_htmx_gets_the_section_back_on_a_failure_and_a_redirect_on_success(client, payer):
    response = switch_on(client, max_amount="x", **{"HX-Request": "true"})
    assert response.status_code == 422
    assert response.get_data(as_text=True).lstrip().startswith("{#") is False
    assert 'id="autopay"' in response.get_data(as_text=True) and "<html" not in response.get_data(as_text=True)
    response = switch_on(client, **{"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].endswith("/checkout")


def test_another_logins_account_has_no_autopay(client, payer, make_account, make_user, db):
    other = make_account("529471248")
    make_user("petro", accounts=[other])
    token = csrf_token(client, AUTOPAY_PAGE)
    assert client.get("/cabinet/accounts/529471248/autopay").status_code == 404
    assert client.post("/cabinet/accounts/529471248/autopay/off", data={"csrf_token": token}).status_code == 404


def test_switching_off_is_one_click_and_deletes_the_token(client, payer, db):
    user, account = payer
    saved_card(account, user)
    page = client.get(f"/cabinet/accounts/{NUMBER}").get_data(as_text=True)
    assert "Вимкнути автоплатіж" in page
    response = client.post(f"{AUTOPAY_PAGE}/off", data={"csrf_token": csrf_token(client, AUTOPAY_PAGE)})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/cabinet/accounts/{NUMBER}#autopay")
    assert db.session.scalar(select(func.count(Autopay.id))) == 0
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.action == "autopay.switched_off"))
    assert "Зберегти картку й увімкнути" in client.get(f"/cabinet/accounts/{NUMBER}").get_data(as_text=True)


def test_switching_off_needs_the_forms_csrf_token(client, payer, db):
    user, account = payer
    saved_card(account, user)
    assert client.post(f"{AUTOPAY_PAGE}/off", data={}).status_code == 400
    assert db.session.scalar(select(func.count(Autopay.id))) == 1


# ---- the job -----------------------------------------------------------------------------------------------


def test_the_job_charges_the_bill_once_credits_it_and_sends_the_receipt(app, payer, db):
    user, account = payer
    saved_card(account, user)
    bill = add_bill(account)
    assert "paid 1" in autopay.autopay_job(CHARGE_DAY.isoformat())
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("done 1")
    assert autopay.autopay_job((CHARGE_DAY + timedelta(days=5)).isoformat()).endswith("done 1")
    assert attempts(bill.id) == [(1, "paid", 50_000)]
    payment = db.session.scalar(select(Payment).where(Payment.channel == PaymentChannel.autopay))
    assert (payment.status, payment.bill_id, payment.amount) == (PaymentStatus.paid, bill.id, 50_000)
    assert balance(db, account) == 0 and credits(payment.id) == 1
    receipt = letters("payment_receipt")[0]
    assert "автоплатежем" in receipt.body_text
    book = db.session.scalar(select(SandboxPayment))
    assert (book.action, book.status, book.order_id) == ("paytoken", "success", payment.reference)


@pytest.mark.parametrize(
    "balance_now, cap, due, charged",
    [
        (50_000, 100_000, 50_000, 50_000),  # the bill's amount due
        (50_000, 30_000, 50_000, 30_000),  # capped by the consumer's maximum
        (20_000, 100_000, 50_000, 20_000),  # part paid since the bill: only what is still owed
        (80_000, 100_000, 50_000, 50_000),  # a newer charge since the bill: the bill only
    ],
)
def test_the_amount_is_the_bill_due_capped_by_the_balance_and_the_maximum(
    app, make_account, make_user, db, balance_now, cap, due, charged
):
    account = make_account(balance=balance_now)
    user = make_user("ivan", accounts=[account])
    saved_card(account, user, max_amount=cap)
    add_bill(account, due=due)
    autopay.autopay_job(CHARGE_DAY.isoformat())
    assert attempts() == [(1, "paid", charged)]


def test_a_bill_already_paid_is_skipped_and_recorded_once(app, make_account, make_user, db):
    account = make_account(balance=0)
    user = make_user("ivan", accounts=[account])
    saved_card(account, user)
    add_bill(account)
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("skipped 1")
    assert autopay.autopay_job((CHARGE_DAY + timedelta(days=1)).isoformat()).endswith("done 1")
    assert attempts() == [(1, "skipped", 0)]
    assert db.session.scalar(select(func.count(Payment.id)).where(Payment.channel == PaymentChannel.autopay)) == 0


@pytest.mark.parametrize(
    "day, result",
    [
        (date(2026, 11, 1), "not_today"),  # the bills job runs on day 1; autopay waits for AUTOPAY_DAY
        (date(2026, 11, 20), "paid"),  # until the due date
        (date(2026, 11, 21), "not_today"),  # after it, the consumer pays (and is reminded)
    ],
)
def test_a_bill_is_charged_from_autopay_day_until_its_due_date(app, payer, day, result):
    user, account = payer
    saved_card(account, user)
    add_bill(account)
    assert autopay.autopay_job(day.isoformat()).endswith(f"{result} 1")


def test_a_decline_is_told_retried_the_next_day_once_and_never_a_third_time(app, payer, db):
    user, account = payer
    saved_card(account, user, declines=True)
    bill = add_bill(account)
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("declined 1")
    [first] = letters("autopay_declined")
    assert (
        first.subject == "Автоплатіж: банк відхилив платіж"
        and "Ми спробуємо ще раз 3 лист. 2026" in first.body_text.replace("\xa0", " ")
    )
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("done 1")  # the same day: no retry yet
    assert autopay.autopay_job((CHARGE_DAY + timedelta(days=1)).isoformat()).endswith("declined 1")
    second = letters("autopay_declined")[1]
    assert "більше не спробуємо" in second.body_text and "до 20 лист. 2026" in second.body_text.replace("\xa0", " ")
    for later in range(2, 6):
        assert autopay.autopay_job((CHARGE_DAY + timedelta(days=later)).isoformat()).endswith("done 1")
    assert attempts(bill.id) == [(1, "declined", 50_000), (2, "declined", 50_000)]
    statuses = db.session.scalars(select(Payment.status).where(Payment.channel == PaymentChannel.autopay)).all()
    assert statuses == [PaymentStatus.declined, PaymentStatus.declined]
    assert balance(db, account) == 50_000 and len(letters("autopay_declined")) == 2


def test_a_switched_off_autopay_is_not_charged(app, client, payer, db):
    user, account = payer
    saved_card(account, user)
    add_bill(account)
    client.post(f"{AUTOPAY_PAGE}/off", data={"csrf_token": csrf_token(client, AUTOPAY_PAGE)})
    assert autopay.autopay_job(CHARGE_DAY.isoformat()) == f"autopay {CHARGE_DAY}: 0 accounts"
    assert attempts() == []


def test_a_crash_after_the_claim_charges_on_the_rerun_and_only_once(app, payer, db, monkeypatch):
    """The claim (attempt + order `created`) is committed, then the runner dies before the gateway hears of it."""
    user, account = payer
    saved_card(account, user)
    bill = add_bill(account)
    monkeypatch.setattr(autopay, "_charge", lambda attempt_id: (_ for _ in ()).throw(SystemExit("killed")))
    with pytest.raises(SystemExit):
        autopay.autopay_job(CHARGE_DAY.isoformat())
    monkeypatch.undo()
    assert attempts(bill.id) == [(1, None, 50_000)]
    assert db.session.scalar(select(Payment.status).where(Payment.channel == PaymentChannel.autopay)) is (
        PaymentStatus.created
    )
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("paid 1")
    assert attempts(bill.id) == [(1, "paid", 50_000)] and balance(db, account) == 0
    assert db.session.scalar(select(func.count(SandboxPayment.id))) == 1


def test_a_crash_during_the_charge_asks_the_gateway_instead_of_charging_again(app, payer, db, monkeypatch):
    """Sent (`pending`), then no answer: a rerun leaves it alone while it may be in flight, then asks the status."""
    from vez.payments.providers.sandbox import SandboxProvider

    user, account = payer
    saved_card(account, user)
    add_bill(account)
    asked: list[str] = []
    real = SandboxProvider.pay_by_token

    def dies_after_sending(self, order, token):
        real(self, order, token)
        raise OSError("connection reset")

    monkeypatch.setattr(SandboxProvider, "pay_by_token", dies_after_sending)
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("unreachable 1")
    monkeypatch.setattr(SandboxProvider, "pay_by_token", lambda *a: pytest.fail("charged twice"))
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("in_flight 1")

    payment = db.session.scalar(select(Payment).where(Payment.channel == PaymentChannel.autopay))

    def status(self, order_id):
        asked.append(order_id)
        from vez.payments.providers import GatewayOutcome, GatewayResult

        return GatewayResult(order_id, GatewayOutcome.success, "success", amount=50_000, currency="UAH")

    monkeypatch.setattr(SandboxProvider, "query_status", status)
    db.session.execute(
        Payment.__table__.update().values(created_at=payment.created_at - timedelta(hours=2))
    )  # time travel past the TTL
    db.session.commit()
    assert autopay.autopay_job(CHARGE_DAY.isoformat()).endswith("paid 1")
    assert asked == [payment.reference] and attempts() == [(1, "paid", 50_000)] and balance(db, account) == 0


def test_covers_says_whether_a_saved_card_will_pay_the_bill(app, payer, db):
    user, account = payer
    assert not autopay.covers(account.id)
    saved_card(account, user, max_amount=30_000)
    assert autopay.covers(account.id) and autopay.covers(account.id, 30_000) and not autopay.covers(account.id, 30_001)


def test_the_command_runs_the_job_for_a_date(app, runner, payer):
    user, account = payer
    saved_card(account, user)
    add_bill(account)
    result = runner.invoke(args=["payments", "autopay", "--date", "2026-11-02"])
    assert result.exit_code == 0 and "autopay 2026-11-02: 1 accounts: paid 1.\n" in result.output
    assert runner.invoke(args=["payments", "autopay", "--date", "2.11.2026"]).exit_code == 2


def test_the_english_page_and_letters(client, payer, db):
    user, account = payer
    db.session.get(type(user), user.id).language = "en"
    db.session.commit()
    page = client.get(f"/cabinet/accounts/{NUMBER}?lang=en").get_data(as_text=True)
    assert "Save the card and switch on" in page and "I agree to autopay on these terms" in page
    saved_card(account, user, declines=True)
    add_bill(account)
    autopay.autopay_job(CHARGE_DAY.isoformat())
    assert letters("autopay_declined")[0].subject == "Autopay: the bank declined the payment"
