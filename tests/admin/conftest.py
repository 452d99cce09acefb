"""Staff logins through the real two-step login (password, then a TOTP code)."""

from __future__ import annotations

import pytest

from tests.conftest import PASSWORD, csrf_token
from vez.identity.totp import TOTP
from vez.models import Role

SECRET = "JBSWY3DPEHPK3PXP"


def totp_login(client, login: str, secret: str = SECRET, at_offset: int = 0):
    """Password, then the code; returns the answer to the code."""
    token = csrf_token(client)
    first = client.post("/login", data={"login": login, "password": PASSWORD, "csrf_token": token})
    assert first.status_code == 303 and first.headers["Location"] == "/login/code", first.status_code
    token = csrf_token(client, "/login/code")
    totp = TOTP(secret)
    import time

    code = totp.at(int(time.time()) + at_offset)
    return client.post("/login/code", data={"code": code, "csrf_token": token})


@pytest.fixture
def make_staff(make_user):
    def make(login: str = "olena", role: Role = Role.admin, secret: str | None = SECRET, **kw):
        return make_user(login, role=role, totp_secret=secret, **kw)

    return make


@pytest.fixture
def admin_client(client, make_staff):
    make_staff("olena", Role.admin)
    assert totp_login(client, "olena").status_code == 303
    return client


@pytest.fixture
def operator_client(app, make_staff):
    from tests.conftest import https_client

    make_staff("petro", Role.operator)
    c = https_client(app)
    assert totp_login(c, "petro").status_code == 303
    return c


@pytest.fixture(autouse=True)
def uploads_in_tmp(app, tmp_path):
    """Uploaded files wait in the test's own directory, not in instance/."""
    app.config["IMPORT_UPLOAD_DIR"] = str(tmp_path / "imports")
