"""Login and logout (docs/security.md A and D)."""

import re

from tests.conftest import PASSWORD, csrf_token, https_client


def test_login_opens_the_cabinet(client, auth, make_user, make_account):
    make_user("ivan", accounts=[make_account(balance=12345)])
    response = auth.login()
    assert response.status_code == 303
    assert response.headers["Location"] == "/cabinet"
    page = client.get("/cabinet").get_data(as_text=True)
    assert "529471247" in page
    assert "123,45" in page


def test_wrong_password_and_unknown_login_answer_the_same(client, auth, make_user):
    make_user("ivan")
    wrong = auth.login("ivan", "not the password at all")
    unknown = auth.login("nobody", "not the password at all")
    assert wrong.status_code == unknown.status_code == 422

    def strip(response):
        return re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", response.get_data(as_text=True))

    assert strip(wrong).replace("ivan", "").replace("nobody", "") == strip(unknown).replace("ivan", "").replace(
        "nobody", ""
    )


def test_logout_is_a_post_and_ends_copied_cookies(client, auth, make_user, app):
    make_user("ivan")
    auth.login()
    stolen = client.get_cookie("__Host-session").value
    assert client.get("/logout").status_code == 405
    assert auth.logout().status_code == 303
    thief = https_client(app)
    thief.set_cookie("__Host-session", stolen, domain="localhost")
    assert thief.get("/cabinet").status_code == 302


def test_login_without_csrf_token_is_refused(client, make_user):
    make_user("ivan")
    response = client.post("/login", data={"login": "ivan", "password": PASSWORD})
    assert response.status_code == 400


def test_htmx_header_token_is_accepted(client, make_user):
    make_user("ivan")
    token = csrf_token(client)
    response = client.post("/login", data={"login": "ivan", "password": PASSWORD}, headers={"X-CSRFToken": token})
    assert response.status_code == 303
