"""Two logins with their accounts, charges, payments and bills: `ivan` (the one logged in) and `petro`."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from vez.billing import generate_bills
from vez.ledger import recompute_balances
from vez.models import Payment, PaymentSource, PaymentStatus, Service


@pytest.fixture
def pay(db):
    def make(
        account,
        amount: int,
        paid_at: datetime,
        *,
        source=PaymentSource.bank,
        status=PaymentStatus.paid,
        reference: str | None = None,
    ) -> Payment:
        payment = Payment(
            account=account,
            amount=amount,
            paid_at=paid_at,
            source=source,
            status=status,
            reference=reference or f"{source.value}-{account.number}-{paid_at:%Y%m%d%H%M%S}-{amount}",
        )
        db.session.add(payment)
        db.session.commit()
        return payment

    return make


@pytest.fixture
def ivan(db, make_account, make_charge, make_user, pay):
    """Electricity 529471247 owing 432.00 (a payment of 100.00 in transit); gas 912345678 overpaid 140.26."""
    power = make_account("529471247")
    gas = make_account("912345678", service=Service.gas, holder_name="Петренко Марія Іванівна")
    make_charge(power, date(2026, 8, 1), 43200, volume="100", tariff="4.32", reading_start="1000", reading_end="1100")
    make_charge(power, date(2026, 9, 1), 51840, volume="120", tariff="4.32", reading_start="1100", reading_end="1220")
    make_charge(power, date(2026, 10, 1), 43200, volume="100", tariff="4.32")
    make_charge(power, date(2025, 10, 1), 38016, volume="88", tariff="4.32")
    pay(power, 38016, datetime(2025, 11, 5, 10))
    pay(power, 43200, datetime(2026, 9, 10, 9, 30))
    pay(power, 51840, datetime(2026, 10, 12, 14), source=PaymentSource.online)
    pay(power, 10000, datetime(2026, 10, 30, 18), source=PaymentSource.online, status=PaymentStatus.pending)
    make_charge(gas, date(2026, 9, 1), 15974, volume="20", tariff="7.987")
    pay(gas, 30000, datetime(2026, 9, 15, 11), source=PaymentSource.post)
    for month in (date(2025, 10, 1), date(2026, 8, 1), date(2026, 9, 1), date(2026, 10, 1)):
        generate_bills(month)
    recompute_balances()
    db.session.commit()
    user = make_user("ivan", accounts=[power, gas])
    db.session.refresh(power)
    db.session.refresh(gas)
    return user, power, gas


@pytest.fixture
def petro(db, make_account, make_charge, make_user, pay):
    """Another login's account, with a bill, a payment and a certificate of its own."""
    from vez.models import Certificate

    account = make_account("531111111", holder_name="Бондар Петро Петрович", address="м. Ковель, вул. Миру, 1")
    make_charge(account, date(2026, 10, 1), 20000)
    payment = pay(account, 30000, datetime(2026, 10, 20, 10))
    online = pay(account, 5000, datetime(2026, 10, 25, 10), source=PaymentSource.online, status=PaymentStatus.pending)
    generate_bills(date(2026, 10, 1))
    recompute_balances()
    certificate = Certificate(code="PETROCODE234", account=account, issued_on=date(2026, 11, 1), balance=-10000)
    db.session.add(certificate)
    db.session.commit()
    user = make_user("petro", accounts=[account], email="petro@example.com")
    return user, account, payment, online, certificate


@pytest.fixture
def logged_in(client, auth, ivan):
    response = auth.login()
    assert response.status_code == 303
    return client
