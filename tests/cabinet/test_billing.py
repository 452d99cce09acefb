"""Monthly bills: the numbers, carry-over, empty months, idempotency, the command and the e-bill letters."""

from datetime import date

from sqlalchemy import func, select

from vez.models import Bill, Letter


def bill(db, account, month):
    return db.session.scalar(select(Bill).where(Bill.account_id == account.id, Bill.month == month))


def test_bill_carries_the_opening_balance_charges_and_received_payments(db, ivan):
    _user, power, _gas = ivan
    october = bill(db, power, date(2026, 10, 1))
    assert (october.opening_balance, october.charged, october.paid, october.closing_balance) == (
        51840,
        43200,
        51840,
        43200,
    )
    assert october.amount_due == 43200
    assert october.due_date == date(2026, 11, 20)
    assert october.number == "529471247-202610"


def test_payment_in_transit_is_not_counted_as_paid(db, ivan):
    _user, power, _gas = ivan
    assert bill(db, power, date(2026, 10, 1)).paid == 51840  # the pending 100.00 is left out
    assert power.balance == 43200


def test_overpayment_carries_over_into_a_month_without_charges(db, ivan):
    _user, _power, gas = ivan
    september = bill(db, gas, date(2026, 9, 1))
    assert september.closing_balance == -14026 and september.amount_due == 0
    october = bill(db, gas, date(2026, 10, 1))
    assert (october.opening_balance, october.charged, october.paid, october.closing_balance) == (-14026, 0, 0, -14026)


def test_account_without_any_charge_yet_gets_no_bill(db, ivan):
    _user, _power, gas = ivan
    assert bill(db, gas, date(2026, 8, 1)) is None


def test_bills_command_is_idempotent(app, db, runner, ivan):
    _user, power, _gas = ivan
    first = runner.invoke(args=["bills", "generate", "--month", "2026-11"])
    assert first.exit_code == 0, first.output
    assert "2 bills made" in first.output
    count = db.session.scalar(select(func.count(Bill.id)))
    second = runner.invoke(args=["bills", "generate", "--month", "2026-11"])
    assert "0 bills made" in second.output
    assert db.session.scalar(select(func.count(Bill.id))) == count
    db.session.expire_all()
    november = bill(db, power, date(2026, 11, 1))
    assert november.opening_balance == 43200 and november.charged == 0 and november.paid == 0


def test_bills_command_refuses_a_malformed_month(runner):
    result = runner.invoke(args=["bills", "generate", "--month", "2026-13"])
    assert result.exit_code != 0 and "YYYY-MM" in result.output


def test_ebill_letter_goes_once_to_paperless_logins_only(app, db, runner, ivan, petro):
    user, _power, _gas = ivan
    user.paperless = True
    db.session.commit()
    runner.invoke(args=["bills", "generate", "--month", "2026-11"])
    runner.invoke(args=["bills", "generate", "--month", "2026-11"])
    letters = db.session.scalars(select(Letter).where(Letter.kind == "ebill")).all()
    assert sorted(letter.recipient for letter in letters) == ["ivan@example.com", "ivan@example.com"]
    power_letter = next(letter for letter in letters if "529471247" in letter.body_text)
    assert "432,00" in power_letter.body_text  # the amount due, in the recipient's language (uk)
    assert app.config["SUPPLIER_IBAN"] in power_letter.body_text
    assert "Оплата за електроенергію за листопад 2026, о/р 529471247" in power_letter.body_text
    assert "/cabinet/accounts/529471247/bills/2026-11.pdf" in power_letter.body_text
    assert "20" in power_letter.body_text and power_letter.body_html
