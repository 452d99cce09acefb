"""Step 2, "Дані облікового запису": fields, inline checks, the agreement, one transaction, the sent page."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.registration.conftest import GOOD, errors
from vez.models import AuditEvent, Letter, LetterStatus, User, UserAccount


@pytest.fixture
def identified(reg, account):
    assert reg.identify(account).status_code == 303
    return reg


def test_the_page_shows_the_fields_the_agreement_with_the_number_and_the_hints(identified, account):
    page = identified.client.get("/registration/account").get_data(as_text=True)
    for text in (
        "Дані облікового запису",
        "Логін",
        "Телефонний номер",
        "Пароль",
        "Підтвердження паролю",
        "Електронна адреса",
        "Угода",
        "Я приймаю умови договору",
        "Я НЕ приймаю умови",
        "Створити обліковий запис",
        "Номер повинен починатися з +38",
        "фразу з трьох слів".lower()[:5],
        f"особового рахунку споживача послуги № {account.number}",
        'value="+38"',
    ):
        assert text.lower() in page.lower(), text
    assert "Від 12 до 128 символів" in page


def test_the_page_in_english(identified, client, account):
    client.set_cookie("lang", "en", domain="localhost")
    page = client.get("/registration/account").get_data(as_text=True)
    assert "Account data" in page and f"personal account of the service consumer No. {account.number}" in page
    assert "I do NOT accept the terms" in page and "Create the account" in page


def test_a_good_form_creates_an_unactivated_login_and_one_letter(identified, db):
    response = identified.step2()
    assert response.status_code == 303 and response.headers["Location"] == "/registration/sent"
    user = identified.user()
    assert user.activated_at is None and user.phone == "+380501234567" and user.email == "petro@ukr.net"
    assert user.password_hash.startswith("$argon2id$")
    assert [letter.kind for letter in identified.letters()] == ["activation"]
    letter = identified.letters()[0]
    assert (
        letter.subject == "Реєстрація" and letter.recipient == "petro@ukr.net" and letter.status is LetterStatus.pending
    )


def test_htmx_submit_answers_with_hx_redirect(identified):
    response = identified.step2(headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/registration/sent"


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("login", "", "Введіть логін"),
        ("login", "x" * 41, "Максимально — 40 символів"),
        ("login", "petro petro", "Лише латинські або кириличні літери, цифри, крапка, підкреслення та дефіс"),
        ("login", "petro<b>", "Лише латинські або кириличні літери, цифри"),
        ("phone", "+38", "Введіть контактний номер телефону"),
        ("phone", "0501234567", "Номер повинен починатися з +38"),
        ("phone", "+38050123456", "Номер повинен починатися з +38"),
        ("phone", "+380001234567", "Це недійсний український номер"),
        ("password", "", "Введіть пароль"),
        ("password", "коротке", "Пароль закороткий"),
        ("password", "x" * 129, "Пароль задовгий"),
        ("password", "qwerty123456", "надто поширений"),
        ("password", "529471247", "закороткий"),
        ("email", "", "Введіть адресу ел.пошти"),
        ("email", "not-an-address", "Це недійсна адреса"),
        ("email", "a@example.com\r\nBcc: evil@example.net", "Це недійсна адреса"),
        ("agreement", "decline", "Без прийняття умов договору"),
        ("agreement", "", "Оберіть, чи приймаєте"),
    ],
)
def test_each_field_error_has_its_message(identified, db, field, value, message):
    fields = {field: value}
    if field == "password":
        fields["confirm"] = value
    response = identified.step2(**fields)
    assert response.status_code == 422
    assert any(message in e for e in errors(response)), errors(response)
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_the_password_equal_to_the_login_or_the_account_number_is_refused(identified, make_account):
    response = identified.step2(
        login="petro-petrenko-volyn", password="petro-petrenko-volyn", confirm="petro-petrenko-volyn"
    )
    assert any("не може збігатися" in e for e in errors(response))


def test_confirmation_must_match(identified):
    response = identified.step2(confirm=PASSWORD + "!")
    assert any("Паролі не збігаються" in e for e in errors(response))


def test_messages_in_english(identified, client):
    client.set_cookie("lang", "en", domain="localhost")
    response = identified.step2(login="", phone="123", email="x", agreement="decline", password="short", confirm="")
    found = errors(response)
    for message in (
        "Enter a login.",
        "The number must start with +38",
        "This is not a valid email address.",
        "Without accepting the terms",
        "The password is too short",
        "Enter the password again.",
    ):
        assert any(message in e for e in found), (message, found)


def test_a_round_trip_keeps_what_was_typed_but_not_the_passwords(identified):
    page = identified.step2(login="", phone="+380671112233").get_data(as_text=True)
    assert 'value="+380671112233"' in page and 'value="petro@ukr.net"' in page
    assert PASSWORD not in page


def test_login_is_unique_regardless_of_case_and_an_email_in_use_is_not_said(identified, make_user):
    """A taken login is said (a person must pick another); an email address in use never is (docs/security.md,
    "Step 2 and letters": its owner gets a letter instead)."""
    make_user("Petro", email="Other@Example.com")
    response = identified.step2(login="PETRO", email="other@example.COM")
    found = errors(response)
    assert any("логін уже зайнято" in e for e in found) and len(found) == 1


def test_phone_and_email_are_normalized(identified):
    identified.step2(phone="+38 (067) 111-22-33", email="Petro@UKR.NET")
    user = identified.user()
    assert user.phone == "+380671112233" and user.email == "Petro@ukr.net"


@pytest.mark.parametrize(
    "field, value, status, text",
    [
        ("login", "petro", 200, "Цей логін вільний"),
        ("login", "ivan", 422, "Цей логін уже зайнято"),
        ("phone", "+38 050 123 45 67", 200, "✓"),
        ("phone", "+3805", 422, "Номер повинен починатися з +38"),
        ("email", "bad@", 422, "Це недійсна адреса"),
        ("confirm", "something else", 422, "Паролі не збігаються"),
    ],
)
def test_inline_check_answers_with_that_fields_feedback(identified, make_user, field, value, status, text):
    make_user("ivan")
    data = {**GOOD, field: value, "csrf_token": identified.token()}
    response = identified.client.post(
        "/registration/account/check", data=data, headers={"HX-Request": "true", "HX-Trigger-Name": field}
    )
    body = response.get_data(as_text=True)
    assert response.status_code == status
    assert body.lstrip().startswith(f'<div class="feedback" id="{field}-feedback"') and text in body


def test_inline_check_needs_an_identification(client):
    from tests.conftest import csrf_token

    response = client.post(
        "/registration/account/check",
        data={"csrf_token": csrf_token(client, "/registration")},
        headers={"HX-Request": "true", "HX-Trigger-Name": "login"},
    )
    assert response.status_code == 409


def test_a_failure_after_the_user_is_written_leaves_nothing_half_made(app, identified, db, monkeypatch):
    """One transaction: the login, its account and its letter are written together or not at all."""
    import vez.identity.activation as activation

    def broken(*args, **kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(activation, "queue_letter", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # the 500 page, as in production
    response = identified.step2()
    assert response.status_code == 500
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(UserAccount.id))) == 0
    assert db.session.scalar(select(func.count(Letter.id))) == 0


def test_registering_again_replaces_an_unactivated_registration(reg, account, db):
    reg.register(account)
    old_link = reg.activation_path()
    reg.register(account, login="petro2", email="petro2@gmail.com")
    db.session.expire_all()
    assert db.session.scalar(select(func.count(User.id))) == 1
    assert reg.user("petro") is None and reg.user("petro2") is not None
    page = reg.client.get(old_link)
    assert page.status_code == 410 and "вже недійсне" in page.get_data(as_text=True)
    assert reg.client.get(reg.activation_path()).status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration.replaced"))


def test_registering_again_may_reuse_the_replaced_login_and_email(reg, account):
    reg.register(account)
    reg.register(account)  # the same login and email as before: they belonged to the replaced registration
    assert reg.user("petro") is not None


def test_an_activated_registration_is_never_replaced(reg, account):
    reg.register(account)
    reg.client.post(reg.activation_path(), data={"csrf_token": reg.token()})
    response = reg.identify(account)
    assert response.status_code == 422 and "вже зареєстровано" in response.get_data(as_text=True)


def test_an_unactivated_login_older_than_its_link_gives_up_its_name(reg, account, make_account, make_user, db):
    from datetime import timedelta

    from vez.models import utcnow

    make_user("petro", email="petro@ukr.net", activated=False, created_at=utcnow() - timedelta(days=4))
    reg.register(account)
    assert reg.user("petro").accounts[0].number == account.number


def test_the_sent_page_names_the_address_its_webmail_and_the_advice(reg, account):
    reg.register(account)
    page = reg.client.get("/registration/sent").get_data(as_text=True)
    for text in (
        "Підтвердження адреси електронної пошти",
        "petro@ukr.net",
        'href="https://mail.ukr.net/"',
        "Зазвичай лист приходить протягом декількох хвилин",
        "«спамі»",
        "повторити реєстрацію",
    ):
        assert text in page, text


@pytest.mark.parametrize(
    "email, webmail",
    [
        ("a@gmail.com", "https://mail.google.com/"),
        ("a@i.ua", "https://mbox.i.ua/"),
        ("a@meta.ua", "https://webmail.meta.ua/"),
        ("a@outlook.com", "https://outlook.live.com/mail/"),
        ("a@proton.me", "https://mail.proton.me/"),
        ("a@icloud.com", "https://www.icloud.com/mail/"),
        ("a@yahoo.com", "https://mail.yahoo.com/"),
        ("a@volyn-firm.com.ua", None),
    ],
)
def test_webmail_table(email, webmail):
    from vez.identity.signup import webmail_for

    assert webmail_for(email) == webmail


def test_sent_without_a_pending_registration_goes_to_step_one(client):
    assert client.get("/registration/sent").headers["Location"] == "/registration"


def test_resend_is_limited_to_three_an_hour(reg, account, app):
    """B17 (resend part): three more letters an hour, then refused with a message."""
    reg.register(account)
    for _ in range(3):
        assert (
            reg.client.post("/registration/sent", data={"csrf_token": reg.token("/registration/sent")}).status_code
            == 303
        )
    page = reg.client.post(
        "/registration/sent", data={"csrf_token": reg.token("/registration/sent")}, follow_redirects=True
    )
    assert "Зачекайте годину" in page.get_data(as_text=True)
    assert len(reg.letters("activation_again")) == 3
    assert "disabled" in reg.client.get("/registration/sent").get_data(as_text=True)


def test_login_of_an_unactivated_registration_links_to_the_resend_page(reg, account, auth):
    """B16 (login part): a login not yet activated cannot enter; its letter can be resent."""
    reg.register(account)
    reg.client.cookie_jar.clear() if hasattr(reg.client, "cookie_jar") else None
    response = auth.login("petro", PASSWORD)
    assert response.status_code == 403 and 'href="/registration/sent"' in response.get_data(as_text=True)
    assert reg.client.get("/cabinet").status_code == 302
    page = reg.client.get("/registration/sent").get_data(as_text=True)
    assert "petro@ukr.net" in page
