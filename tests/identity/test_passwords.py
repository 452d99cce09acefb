"""docs/security.md A: passwords and login."""

import re
import statistics
import time

import pytest
import time_machine

from tests.conftest import PASSWORD, csrf_token, https_client
from vez.config import Config
from vez.identity.passwords import hash_password, password_problem

PROD_ARGON2 = {k: getattr(Config, k) for k in ("ARGON2_TIME_COST", "ARGON2_MEMORY_COST", "ARGON2_PARALLELISM")}


MIXED_64 = ("Стара Вижівка 🌻 mixed ünïcödé, spaces ✓ — зірка " * 2)[:64]


@pytest.mark.parametrize(
    "password, problem",
    [
        ("rivergarden", "short"),  # 11 characters
        ("водоспадсинь", None),  # 12 letters only
        (MIXED_64, None),  # 64 mixed Unicode, spaces and emoji
        ("x" * 129, "long"),
    ],
)
def test_1_length_rule(app, password, problem):
    """docs/security.md 1: 11 refused, 12 letters accepted, 64 mixed Unicode accepted, 129 refused."""
    assert password_problem(password) == problem


def test_1_the_examples_have_the_lengths_they_claim():
    assert (len("rivergarden"), len("водоспадсинь"), len(MIXED_64)) == (11, 12, 64)


def test_2_passwords_are_never_truncated(client, auth, make_user):
    """docs/security.md 2: a 71-character password does not open with its first 70."""
    long_password = ("довгий пароль з багатьох слів " * 3)[:70] + "Z"
    assert len(long_password) == 71
    make_user("ivan", password=long_password)
    assert auth.login("ivan", long_password[:70]).status_code == 422
    assert auth.login("ivan", long_password).status_code == 303


@pytest.mark.parametrize(
    "password", ["12345678abcd", "qwerty123456", "йцукенгшщзхї", "password1234", "Волиньелектрозбут"]
)
def test_3_common_passwords_are_refused(app, password):
    """docs/security.md 3: common passwords refused."""
    assert password_problem(password) in ("common", "personal")


def test_3_the_login_and_the_account_number_are_refused(app):
    assert password_problem("ivan.petrenko1", login="Ivan.Petrenko1") == "personal"
    assert password_problem("529471247000", account_numbers=("529471247000",)) == "personal"


def test_3_the_common_list_holds_at_least_3000_entries(app):
    from vez.identity.passwords import common_passwords

    assert len(common_passwords()) >= 3000


def test_4_hash_names_argon2id_and_its_parameters(app):
    """docs/security.md 4: the stored hash names the configured method and parameters."""
    app.config.update(PROD_ARGON2)
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_4_old_parameters_are_rehashed_at_the_next_login(app, db, auth, make_user):
    user = make_user("ivan")  # hashed with the light test parameters
    assert "m=1024,t=1" in user.password_hash
    app.config.update(PROD_ARGON2)
    assert auth.login().status_code == 303
    db.session.refresh(user)
    assert user.password_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def _strip(response):
    html = response.get_data(as_text=True)
    return re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]+"', "", html)


def test_5_unknown_login_and_wrong_password_answer_alike(app, make_user):
    """docs/security.md 5: same status, same body (less the CSRF token), same cookie names."""
    make_user("ivan")
    answers = []
    for login in ("ivan", "nobody"):
        client = https_client(app)
        token = csrf_token(client)
        response = client.post("/login", data={"login": login, "password": "wrong password here", "csrf_token": token})
        answers.append(
            (
                response.status_code,
                _strip(response),
                sorted(c.split("=")[0] for c in response.headers.getlist("Set-Cookie")),
            )
        )
    assert answers[0] == answers[1]


def test_6_unknown_login_and_wrong_password_take_the_same_time(app, make_user):
    """docs/security.md 6: medians of 15 tries each differ by under 25 % (a dummy hash for unknown logins)."""
    app.config.update(PROD_ARGON2)
    make_user("ivan")
    app.config["LOGIN_LIMIT_PER_LOGIN"] = app.config["LOGIN_LIMIT_PER_ADDRESS"] = "1000 per minute"
    client = https_client(app)
    token = csrf_token(client)

    def timed(login):
        start = time.perf_counter()
        client.post("/login", data={"login": login, "password": "wrong password here", "csrf_token": token})
        return time.perf_counter() - start

    timed("ivan"), timed("nobody")  # warm up (the dummy hash is made once)
    known, unknown = [], []
    for _ in range(15):
        known.append(timed("ivan"))
        unknown.append(timed("nobody"))
    a, b = statistics.median(known), statistics.median(unknown)
    assert abs(a - b) / max(a, b) < 0.25


def test_7_ten_wrong_passwords_from_ten_addresses_throttle_the_login(app, make_user):
    """docs/security.md 7: throttled, the right password too, until the window passes."""
    make_user("ivan")
    with time_machine.travel("2030-01-01 10:00", tick=False) as traveller:
        for i in range(10):
            client = https_client(app)
            client.environ_base["REMOTE_ADDR"] = f"10.0.0.{i + 1}"
            token = csrf_token(client)
            r = client.post("/login", data={"login": "ivan", "password": "wrong password", "csrf_token": token})
            assert r.status_code == 422
        client = https_client(app)
        client.environ_base["REMOTE_ADDR"] = "10.0.1.1"
        token = csrf_token(client)
        right = client.post("/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token})
        assert right.status_code == 429
        traveller.shift(16 * 60)
        right = client.post("/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token})
        assert right.status_code == 303


def test_8_thirty_logins_from_one_address_throttle_the_address(app, make_user):
    """docs/security.md 8: throttled from the 31st, with no "attempts left" detail."""
    make_user("ivan")
    client = https_client(app)
    with time_machine.travel("2030-01-01 10:00", tick=False):
        token = csrf_token(client)
        for i in range(30):
            r = client.post("/login", data={"login": f"user{i}", "password": "wrong password", "csrf_token": token})
            assert r.status_code == 422, i
        r = client.post("/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token})
        assert r.status_code == 429
        body = r.get_data(as_text=True).lower()
        assert "left" not in body and "залиш" not in body
        assert not any(h.lower().startswith("x-ratelimit") or h.lower() == "retry-after" for h in r.headers.keys())  # noqa: SIM118 (Headers iterate as pairs)


def test_10_a_spoofed_forwarded_for_does_not_reset_a_limit(app, make_user):
    """docs/security.md 10: without a configured proxy X-Forwarded-For is ignored."""
    client = https_client(app)
    with time_machine.travel("2030-01-01 10:00", tick=False):
        token = csrf_token(client)
        for i in range(30):
            client.post(
                "/login",
                data={"login": f"user{i}", "password": "wrong", "csrf_token": token},
                headers={"X-Forwarded-For": f"192.0.2.{i}"},
            )
        r = client.post(
            "/login",
            data={"login": "other", "password": "wrong", "csrf_token": token},
            headers={"X-Forwarded-For": "198.51.100.7"},
        )
        assert r.status_code == 429


def test_an_unactivated_login_cannot_enter_and_is_told_why(client, auth, make_user):
    make_user("ivan", activated=False)
    response = auth.login()
    assert response.status_code == 403
    html = response.get_data(as_text=True)
    assert "ще не активовано" in html
    assert "/registration/sent" in html
    assert client.get("/cabinet").status_code == 302


def test_a_locked_login_cannot_enter_and_is_told_to_call(client, auth, make_user):
    from vez.models import utcnow

    make_user("ivan", locked_at=utcnow())
    response = auth.login()
    assert response.status_code == 403
    assert "0 800 300 521" in response.get_data(as_text=True)


def test_login_is_found_regardless_of_case(auth, make_user):
    make_user("Ivan")
    assert auth.login("iVAN").status_code == 303


def test_failed_logins_are_audited(db, auth, make_user):
    from vez.models import AuditEvent

    make_user("ivan")
    auth.login("ivan", "wrong password")
    assert db.session.query(AuditEvent).filter_by(action="login.failed").count() == 1
