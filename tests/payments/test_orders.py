"""The payments domain takes plain values and changes the session; the view commits or rolls back."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.payments.conftest import audit_actions, place_order, post_callback, sandbox_callback, state
from vez.holdings import account_of
from vez.models import AuditEvent, Payment, PaymentEntry, PaymentStatus
from vez.payments import orders, settle

KEY = "k" * 32


def order(user, account, key=KEY, amount=10_000):
    return orders.create_order(
        user_id=user.id, account=account, amount=amount, key=key, provider="sandbox", ip="10.0.0.1"
    )


def test_one_key_is_one_order_and_the_callers_session_is_left_alone(app, db, make_account, make_user):
    account = make_account()
    user = make_user("ivan", accounts=[account])
    first = order(user, account)
    again = order(user, account, amount=99_999)  # the same form sent twice: the order it made
    assert again is first and again.amount == 10_000
    db.session.commit()
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert audit_actions() == ["payment.created"]


def test_another_logins_key_is_no_order_and_nothing_is_rolled_back(app, db, make_account, make_user):
    account, theirs = make_account(), make_account("529471248")
    owner, other = make_user("ivan", accounts=[account]), make_user("petro", accounts=[theirs])
    order(owner, account)
    db.session.commit()
    pending = AuditEvent(action="test.unrelated", data={})
    db.session.add(pending)  # the caller's own unflushed change
    assert order(other, theirs) is None
    assert order(owner, theirs) is None  # the same login, another account: not that form's order either
    assert pending in db.session  # create_order did not roll the caller's session back
    db.session.rollback()  # the view's choice, not the domain's


def test_the_holdings_query_answers_only_for_nine_ascii_digits(app, db, make_account, make_user):
    account = make_account()
    user = make_user("ivan", accounts=[account])
    stranger = make_user("petro")
    assert account_of(user.id, "529471247") is account
    assert account_of(stranger.id, "529471247") is None
    for odd in ("52947124", "5294712470", "５２９４７１２４７", "٥٢٩٤٧١٢٤٧", "52947124 ", None):
        assert account_of(user.id, odd) is None


def test_a_staff_reversal_and_the_gateways_reverse_once_between_them(app, client, payer, db, make_user):
    """The admin and the gateway call the same reversal: whichever comes second changes nothing."""
    _, account = payer
    payment = place_order(client)
    assert post_callback(client, "sandbox", sandbox_callback(app, payment)).status_code == 200
    assert state(payment, account) == (PaymentStatus.paid, 40_000)
    admin = make_user("admin")
    assert settle.reverse_by_staff(payment, "a bank's recall", actor_id=admin.id, ip="10.0.0.2") is True
    assert settle.reverse_by_staff(payment, "twice", actor_id=admin.id, ip="10.0.0.2") is False
    db.session.commit()
    assert post_callback(client, "sandbox", sandbox_callback(app, payment, status="reversed")).status_code == 200
    assert state(payment, account) == (PaymentStatus.reversed, 50_000)
    kinds = sorted(e.kind.value for e in db.session.scalars(select(PaymentEntry)))
    assert kinds == ["credit", "reversal"]
    assert "payment.reversed" not in audit_actions()
    assert audit_actions("admin.") == ["admin.payment_reversed"]


def test_a_callback_settlement_is_a_domain_outcome(app, client, payer):
    payment = place_order(client)
    form = sandbox_callback(app, payment)
    assert settle.handle_callback("sandbox", settle.FORM, form, None) is settle.Settled.credited
    assert settle.handle_callback("sandbox", settle.FORM, form, None) is settle.Settled.repeated
    assert settle.handle_callback("sandbox", "application/json", form, None) is settle.Settled.not_a_form
    assert settle.handle_callback("nobody", settle.FORM, form, None) is settle.Settled.unknown_provider
    assert settle.handle_callback("sandbox", settle.FORM, {**form, "signature": "x"}, None) is settle.Settled.rejected
