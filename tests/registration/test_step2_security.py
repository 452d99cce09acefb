"""docs/security.md, "Step 2 and letters" and "Recent payments": step 2
answers without telling, letters are limited, step 1's proof is single use, a recent payment alone does not
identify."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from limits import parse
from sqlalchemy import func, select

from tests.conftest import https_client
from tests.registration.conftest import GOOD, errors
from vez.models import AuditEvent, IdentificationFailure, Payment, PaymentSource, User, utcnow

OUTCOME = re.compile(r'<section class="alert outcome.*?</section>', re.S)


def allowed(app, key: str) -> int:
    return parse(app.config[key]).amount


def check(reg, field="login", value="ivan", ip="10.0.0.1"):
    data = {**GOOD, field: value, "csrf_token": reg.token()}
    return reg.client.post(
        "/registration/account/check",
        data=data,
        headers={"HX-Request": "true", "HX-Trigger-Name": field},
        environ_base={"REMOTE_ADDR": ip},
    )


def session_values(client) -> dict:
    with client.session_transaction() as session:
        return {k: session[k] for k in ("identification", "identification_binding")}


def client_with(app, values: dict):
    other = https_client(app)
    other.get("/registration")
    with other.session_transaction() as session:
        session.update(values)
    return other


# ---- finding 4: step 2 answers without telling ---------------------------------------------------------


def test_4_inline_checks_are_limited_per_identification(app, reg, account, make_user):
    """The taken/free answer used to come without a limit: after REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION
    checks the field is no longer judged (no "taken", no "free")."""
    make_user("ivan")
    app.config["REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION"] = "5 per 30 minutes"  # fewer requests to make
    assert reg.identify(account).status_code == 303
    for _ in range(allowed(app, "REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION")):
        assert check(reg).status_code == 422
    paused = check(reg)
    body = paused.get_data(as_text=True)
    assert paused.status_code == 200 and "зайнято" not in body and "вільний" not in body
    assert "Забагато перевірок" in body and body.lstrip().startswith('<div class="feedback" id="login-feedback"')


def test_4_a_new_identification_or_session_does_not_reset_the_address(app, reg, account, make_user):
    """Per session and per address too: identifying one's own account again gives no fresh probes."""
    make_user("ivan")
    app.config["REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION"] = "2 per 30 minutes"
    app.config["REGISTRATION_CHECK_LIMIT_PER_SESSION"] = "3 per hour"
    app.config["REGISTRATION_CHECK_LIMIT_PER_ADDRESS"] = "5 per hour"
    assert reg.identify(account).status_code == 303
    assert [check(reg).status_code for _ in range(3)] == [422, 422, 200]
    assert reg.identify(account).status_code == 303  # a fresh proof, the same session
    assert [check(reg).status_code for _ in range(2)] == [422, 200]
    fresh = type(reg)(https_client(app), reg.db)  # a new session, the same address
    assert fresh.identify(account).status_code == 303
    assert [check(fresh).status_code for _ in range(3)] == [422, 422, 200]
    other_address = type(reg)(https_client(app), reg.db)
    assert other_address.identify(account, ip="10.0.0.2").status_code == 303
    assert check(other_address, ip="10.0.0.2").status_code == 422


def test_4_step2_posts_count_too_and_over_the_limit_say_only_wait(app, reg, account, make_user):
    make_user("ivan")
    app.config["REGISTRATION_CHECK_LIMIT_PER_IDENTIFICATION"] = "2 per 30 minutes"
    assert reg.identify(account).status_code == 303
    for _ in range(2):
        assert any("зайнято" in e for e in errors(reg.step2(login="ivan")))
    refused = reg.step2(login="ivan")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429 and "зайнято" not in page and "Забагато перевірок цієї форми" in page
    assert 'value="ivan"' in page  # what was typed stays
    assert reg.step2(login="ivan", headers={"HX-Request": "true"}).status_code == 422  # htmx swaps it


@pytest.mark.parametrize("activated", [True, False], ids=["activated", "pending"])
def test_4_an_email_in_use_gets_the_same_sent_page_and_its_owner_a_letter(reg, account, make_user, db, activated):
    """The address is accepted on screen; its owner hears of the try (with the recovery link); no login is made."""
    owner = make_user("olena", email="Olena@ukr.net", activated=activated, language="en")
    reg.register(account, email="olena@UKR.net")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == 1 and reg.user("petro") is None
    tried_page = reg.client.get("/registration/sent").get_data(as_text=True)
    assert "olena@ukr.net" in tried_page and 'href="https://mail.ukr.net/"' in tried_page
    [letter] = reg.letters()
    assert letter.kind == "registration_attempt" and letter.recipient == "Olena@ukr.net"
    assert letter.user_id == owner.id and letter.subject == "Someone tried to register with your email address"
    assert "https://cabinet.test/recovery/password" in letter.body_text
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration.email_in_use"))
    # The page a real registration gets is the same but for the address.
    real = type(reg)(https_client(reg.client.application), db)
    real.register(account, email="petro@ukr.net")
    real_page = real.client.get("/registration/sent").get_data(as_text=True)
    token = re.compile(r'name="csrf_token" value="[^"]+"|"X-CSRFToken": "[^"]+"')
    assert token.sub("", real_page).replace("petro@ukr.net", "E") == token.sub("", tried_page).replace(
        "olena@ukr.net", "E"
    )
    # "Send again" mails the owner again, within the same limits.
    reg.client.post("/registration/sent", data={"csrf_token": reg.token("/registration/sent")})
    assert [x.kind for x in reg.letters() if x.recipient == "Olena@ukr.net"] == ["registration_attempt"] * 2


# ---- finding 7: letters limited per login, recipient and address ------------------------------------------


def test_7_repeated_registrations_mail_one_address_at_most_the_recipient_limit(app, reg, account):
    app.config["LETTER_LIMIT_PER_RECIPIENT"] = "3 per hour"  # fewer registrations to make
    per_recipient = allowed(app, "LETTER_LIMIT_PER_RECIPIENT")
    for _ in range(per_recipient):
        reg.register(account)
    assert reg.identify(account).status_code == 303
    refused = reg.step2()
    assert refused.status_code == 429 and "Будь ласка, зачекайте годину" in refused.get_data(as_text=True)
    assert len(reg.letters("activation")) == per_recipient


def test_7_letters_from_one_address_are_limited_whatever_the_recipient(app, reg, account, make_user):
    app.config["LETTER_LIMIT_PER_ADDRESS"] = "2 per hour"
    make_user("olena", email="olena@ukr.net")
    reg.register(account, email="a@ukr.net")
    reg.register(account, email="olena@ukr.net")  # the "someone tried" letter counts too
    assert reg.identify(account).status_code == 303
    assert reg.step2(email="c@ukr.net").status_code == 429
    assert len(reg.letters()) == 2
    assert reg.identify(account, ip="10.0.0.2").status_code == 303
    assert reg.step2(email="c@ukr.net", ip="10.0.0.2").status_code == 303


def test_7_resend_counts_against_the_recipient_limit(app, reg, account):
    app.config["LETTER_LIMIT_PER_RECIPIENT"] = "2 per hour"
    reg.register(account)
    for _ in range(2):
        reg.client.post("/registration/sent", data={"csrf_token": reg.token("/registration/sent")})
    assert len(reg.letters("activation_again")) == 1


# ---- finding 9: the step-1 proof is single use ------------------------------------------------------------


def test_9_a_copied_proof_is_dead_once_the_account_is_registered_and_activated(app, reg, account):
    assert reg.identify(account).status_code == 303
    copied = session_values(reg.client)
    assert reg.step2().status_code == 303
    thief = client_with(app, copied)
    assert thief.get("/registration/account").status_code == 303  # back to step 1
    reg.client.post(reg.activation_path(), data={"csrf_token": reg.token()})
    assert thief.get("/registration/account").status_code == 303


def test_9_an_earlier_proof_of_the_same_account_dies_with_the_registration(app, reg, account):
    assert reg.identify(account).status_code == 303
    earlier = session_values(reg.client)
    assert reg.identify(account).status_code == 303  # step 1 again in the same session: a new proof
    assert reg.step2().status_code == 303
    assert client_with(app, earlier).get("/registration/account").status_code == 303


def test_9_step2_checks_already_registered_at_submit(app, reg, account, make_user, db):
    assert reg.identify(account).status_code == 303
    make_user("olena", accounts=[account])  # activated meanwhile, by someone else
    response = reg.step2()
    assert response.status_code == 303 and response.headers["Location"] == "/registration"
    assert reg.user("petro") is None and reg.letters() == []


# ---- finding 16: a recent last payment does not identify alone ---------------------------------------------


@pytest.fixture
def recent(make_account, db):
    """An account whose last payment came 2 days ago: someone may have chosen it at a bank."""
    return make_account("529471250", last_payment=100, paid_at=utcnow() - timedelta(days=2))


def test_16_a_recent_last_payment_asks_for_the_surname_too(reg, recent):
    asked = reg.identify(recent, "1.00")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 422 and "Введіть також прізвище власника особового рахунку" in page
    assert 'value="1.00"' in page and any("прізвище" in e for e in errors(asked))  # typed values kept
    assert reg.identify(recent, "1.00", surname="ПЕТРЕНКО ").status_code == 303


def test_16_the_amount_alone_is_never_confirmed(reg, recent, db):
    """Without the surname a right and a wrong amount answer alike, and nothing locks the account."""
    right, wrong = reg.identify(recent, "1.00"), reg.identify(recent, "2.00")
    assert OUTCOME.search(right.get_data(as_text=True)).group() == OUTCOME.search(wrong.get_data(as_text=True)).group()
    assert (
        db.session.scalar(
            select(func.count(IdentificationFailure.id)).where(IdentificationFailure.account_id.is_not(None))
        )
        == 0
    )


def test_16_a_wrong_surname_counts_like_a_wrong_amount(app, reg, recent):
    for i in range(allowed(app, "IDENTIFY_LIMIT_PER_ACCOUNT")):
        wrong = reg.identify(recent, "1.00", surname="Іваненко", ip=f"10.7.0.{i}")
        assert wrong.status_code == 422
        assert "сума останнього платежу або прізвище не збігаються" in wrong.get_data(as_text=True)
    locked = reg.identify(recent, "1.00", surname="Петренко", ip="10.7.1.1")
    assert "призупинено" in locked.get_data(as_text=True)


def test_16_a_payment_recorded_recently_is_recent_whatever_its_date(reg, account, db):
    """A bank file imported late: the payment's own date is old, its arrival in our records is not."""
    days = reg.client.application.config["IDENTIFY_RECENT_PAYMENT_DAYS"] = 30
    old = utcnow() - timedelta(days=days + 5)
    db.session.add(Payment(account_id=account.id, amount=200, paid_at=old, created_at=old, source=PaymentSource.bank))
    db.session.commit()
    assert reg.identify(account, "2.00").status_code == 303  # paid and recorded long ago: the amount alone
    late = Payment(account_id=account.id, amount=300, paid_at=old + timedelta(days=2), source=PaymentSource.post)
    db.session.add(late)  # recorded now
    db.session.commit()
    assert "Введіть також прізвище" in reg.identify(account, "3.00").get_data(as_text=True)


def test_16_the_window_is_configurable(app, reg, recent):
    app.config["IDENTIFY_RECENT_PAYMENT_DAYS"] = 1
    assert reg.identify(recent, "1.00").status_code == 303


def test_16_adding_an_account_in_the_cabinet_asks_the_same(reg, recent, auth, make_user, make_account):
    make_user("ivan", accounts=[make_account("529471247", last_payment=123456)])
    auth.login("ivan")
    asked = reg.identify(recent, "1.00", path="/cabinet/accounts/add")
    assert asked.status_code == 422 and "Введіть також прізвище" in asked.get_data(as_text=True)
    assert reg.identify(recent, "1.00", surname="Петренко", path="/cabinet/accounts/add").status_code == 303


def test_16_the_surname_stands_beside_the_amount_with_and_without_javascript(client, recent):
    page = client.get("/registration").get_data(as_text=True)
    assert page.index('name="amount"') < page.index('name="surname"') < page.index('name="meter"')
    assert "Потрібне, якщо останній платіж було здійснено менше ніж 30 днів тому" in page


def test_16_demo_accounts_last_payments_are_older_than_the_window(tmp_path):
    """Tests and tools register with a demo account's last payment alone (README, "Demo logins"): paid and
    recorded before the window."""
    from vez import create_app
    from vez.demo import create_demo_data
    from vez.extensions import db
    from vez.ledger import last_payment
    from vez.models import PersonalAccount

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'demo.db'}"})
    with app.app_context():
        db.create_all()
        create_demo_data()
        db.session.commit()
        since = utcnow() - timedelta(days=app.config.get("IDENTIFY_RECENT_PAYMENT_DAYS", 30))
        lasts = [p for p in (last_payment(a.id) for a in db.session.scalars(select(PersonalAccount))) if p]
        assert lasts and all(p.paid_at < since and p.created_at < since for p in lasts)


def test_4_an_email_in_use_hashes_the_password_like_a_registration(reg, account, make_user, monkeypatch):
    """The answer takes as long either way: the Argon2 hash is what a registration spends its time on."""
    import vez.identity.signup as signup
    from tests.conftest import PASSWORD

    calls, real = [], signup.hash_password
    monkeypatch.setattr(signup, "hash_password", lambda password: calls.append(password) or real(password))
    make_user("olena", email="olena@ukr.net")
    reg.register(account, email="olena@ukr.net")
    reg.register(account, email="petro@ukr.net")
    assert calls == [PASSWORD, PASSWORD]
