"""A second personal account inside the cabinet: the same identification and limits, attached to this login."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD
from vez.models import AuditEvent, UserAccount


@pytest.fixture
def logged_in(auth, make_user, make_account):
    electricity = make_account("529471247", last_payment=123456)
    user = make_user("ivan", accounts=[electricity])
    auth.login("ivan", PASSWORD)
    return user


def test_adding_needs_a_login(client):
    response = client.get("/cabinet/accounts/add")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_gas_account_is_attached_to_the_current_login(reg, logged_in, make_account, db):
    gas = make_account("912345678", last_payment=45678)
    page = reg.client.get("/cabinet/accounts/add").get_data(as_text=True)
    assert "Додати особовий рахунок" in page and "Платежів ще не було" in page
    response = reg.identify(gas, "456.78", path="/cabinet/accounts/add")
    assert response.status_code == 303 and response.headers["Location"] == "/cabinet"
    db.session.expire_all()
    assert db.session.scalar(select(UserAccount.user_id).where(UserAccount.account_id == gas.id)) == logged_in.id
    assert "912345678" in reg.client.get("/cabinet").get_data(as_text=True)
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cabinet.account_added"))


def test_an_account_is_added_with_the_amount_as_the_cabinet_prints_it(reg, logged_in, make_account):
    gas = make_account("912345678", last_payment=132192)
    response = reg.identify(gas, "1\u00a0321,92\u00a0₴", path="/cabinet/accounts/add")
    assert response.status_code == 303 and response.headers["Location"] == "/cabinet"


def test_adding_gets_the_same_advice_and_the_same_limits(reg, logged_in, make_account):
    gas = make_account("912345678", last_payment=45678)
    wrong = reg.identify(gas, "456.77", path="/cabinet/accounts/add")
    assert wrong.status_code == 422 and "невірну СУМУ" in wrong.get_data(as_text=True)
    for i in range(4):
        reg.identify(gas, "1.00", path="/cabinet/accounts/add", ip=f"10.6.0.{i}")
    locked = reg.identify(gas, "456.78", path="/cabinet/accounts/add")
    assert "призупинено" in locked.get_data(as_text=True)


def test_an_account_held_by_another_login_is_not_taken(reg, logged_in, make_account, make_user):
    other = make_account("529471248", last_payment=10000)
    make_user("olena", accounts=[other])
    response = reg.identify(other, "100.00", path="/cabinet/accounts/add")
    assert response.status_code == 422 and "вже зареєстровано" in response.get_data(as_text=True)


def test_an_account_already_in_this_cabinet_says_so(reg, logged_in):
    account = logged_in.accounts[0]
    response = reg.identify(account, "1234.56", path="/cabinet/accounts/add")
    assert "уже є у Вашому кабінеті" in response.get_data(as_text=True)


def test_an_unactivated_registration_of_the_account_is_replaced(reg, logged_in, make_account, make_user, db):
    gas = make_account("912345678", last_payment=45678)
    make_user("pending", activated=False, accounts=[gas])
    assert reg.identify(gas, "456.78", path="/cabinet/accounts/add").status_code == 303
    assert reg.user("pending") is None
