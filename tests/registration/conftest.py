"""Helpers of the registration tests: step 1 and step 2 as a browser would post them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, csrf_token
from vez.models import Letter, User

NUMBER = "529471247"
AMOUNT = 123456  # kopiykas: 1234.56
GOOD = {
    "login": "petro",
    "phone": "+38 (050) 123-45-67",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "email": "petro@ukr.net",
    "agreement": "accept",
}


@pytest.fixture
def account(make_account):
    return make_account(NUMBER, last_payment=AMOUNT)


class Registration:
    def __init__(self, client, db):
        self.client, self.db = client, db

    def token(self, path="/registration"):
        return csrf_token(self.client, path)

    def identify(
        self,
        account=None,
        amount="1234.56",
        *,
        number=None,
        subdivision=None,
        ip="10.0.0.1",
        headers=None,
        path="/registration",
        **extra,
    ):
        data = {
            "subdivision": subdivision if subdivision is not None else (account.subdivision_id if account else 0),
            "number": number if number is not None else (account.number if account else ""),
            "amount": amount,
            "csrf_token": self.token(path if path != "/registration" else "/registration"),
            **extra,
        }
        return self.client.post(path, data=data, headers=headers or {}, environ_base={"REMOTE_ADDR": ip})

    def step2(self, ip="10.0.0.1", headers=None, **fields):
        data = {**GOOD, **fields, "csrf_token": self.token("/registration")}
        return self.client.post(
            "/registration/account", data=data, headers=headers or {}, environ_base={"REMOTE_ADDR": ip}
        )

    def register(self, account, **fields):
        assert self.identify(account).status_code == 303
        response = self.step2(**fields)
        assert response.status_code == 303, errors(response)
        return response

    def letters(self, kind=None):
        self.db.session.expire_all()
        query = select(Letter).order_by(Letter.id)
        if kind:
            query = query.where(Letter.kind == kind)
        return list(self.db.session.scalars(query))

    def activation_path(self, letter=None):
        letter = letter or self.letters("activation")[-1]
        return re.search(r"https://cabinet\.test(/activate/\S+)", letter.body_text).group(1)

    def user(self, login="petro"):
        self.db.session.expire_all()
        return self.db.session.scalar(select(User).where(User.login_key == login))


def errors(response) -> list[str]:
    return re.findall(r'class="error"[^>]*>([^<]*)<', response.get_data(as_text=True))


@pytest.fixture
def reg(client, db):
    return Registration(client, db)
