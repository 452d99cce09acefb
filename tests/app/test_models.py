"""The domain model's constraints."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy.exc import IntegrityError

from vez.models import Charge, PersonalAccount


def test_login_is_unique_regardless_of_case(db, make_user):
    make_user("Ivan")
    with pytest.raises(IntegrityError):
        make_user("iVAN", email="other@example.com")


def test_cyrillic_logins_are_unique_regardless_of_case(db, make_user):
    make_user("Іван")
    with pytest.raises(IntegrityError):
        make_user("іван", email="other@example.com")


def test_email_is_unique(db, make_user):
    make_user("one", email="same@example.com")
    with pytest.raises(IntegrityError):
        make_user("two", email="same@example.com")


def test_account_number_is_unique(db, make_account):
    make_account("529471247")
    with pytest.raises(IntegrityError):
        make_account("529471247")


def test_one_charge_per_account_and_month(db, make_account, make_charge):
    account = make_account()
    make_charge(account, date(2026, 9, 1), 43200)
    with pytest.raises(IntegrityError):
        make_charge(account, date(2026, 9, 1), 100)


def test_volumes_and_tariffs_are_exact_decimals(db, make_account, make_charge):
    account = make_account()
    make_charge(account, date(2026, 9, 1), 1234, volume=Decimal("123.457"), tariff="7.96")
    db.session.expire_all()
    charge = db.session.query(Charge).one()
    assert charge.volume == Decimal("123.457")
    assert charge.tariff == Decimal("7.960")
    assert isinstance(charge.amount, int)


def test_a_fourth_decimal_place_is_refused(db, make_account, make_charge):
    account = make_account()
    with pytest.raises(Exception, match="three decimal places"):
        make_charge(account, date(2026, 9, 1), 1, volume=Decimal("1.0001"))


def test_surname_is_the_first_word_of_the_holder_name(make_account):
    assert make_account(holder_name="Петренко Степан Іванович").holder_surname == "Петренко"


def test_an_account_keeps_its_balance_in_kopiykas(db, make_account):
    make_account(balance=-1230)
    assert db.session.query(PersonalAccount).one().balance == -1230
