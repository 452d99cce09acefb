"""The profile: phone, email, password, language and paperless bills (docs/security.md 28)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, https_client
from vez.identity.passwords import verify_password
from vez.models import AuditEvent, Letter

NEW_PASSWORD = "зелений човен на світязі"


def csrf(client) -> str:
    page = client.get("/cabinet/profile").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def post(client, path, **data):
    return client.post(path, data={"csrf_token": csrf(client), **data})


def second_browser(app, auth_login=True):
    other = https_client(app)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', other.get("/login").get_data(as_text=True))
    other.post("/login", data={"login": "ivan", "password": PASSWORD, "csrf_token": token.group(1)})
    assert other.get("/cabinet").status_code == 200
    return other


def letters(db, kind):
    return db.session.scalars(select(Letter).where(Letter.kind == kind)).all()


def test_profile_page_shows_the_forms_in_both_languages(logged_in):
    uk = logged_in.get("/cabinet/profile").get_data(as_text=True)
    assert "Поточний пароль" in uk and "Змінити пароль" in uk and "е-рахунок" in uk
    en = logged_in.get("/cabinet/profile?lang=en").get_data(as_text=True)
    assert "Current password" in en and "Change the password" in en


def test_D28_password_change_needs_the_current_one(app, db, logged_in, ivan):
    response = post(
        logged_in,
        "/cabinet/profile/password",
        **{
            "password-current_password": "not my password at all",
            "password-password": NEW_PASSWORD,
            "password-confirm": NEW_PASSWORD,
        },
    )
    assert response.status_code == 422
    assert "Поточний пароль невірний" in response.get_data(as_text=True)
    db.session.refresh(ivan[0])
    assert verify_password(ivan[0].password_hash, PASSWORD)[0]


def test_D28_password_change_ends_other_sessions_keeps_this_one_and_notifies(app, db, logged_in, ivan):
    other = second_browser(app)
    response = post(
        logged_in,
        "/cabinet/profile/password",
        **{"password-current_password": PASSWORD, "password-password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD},
    )
    assert response.status_code == 303
    assert logged_in.get("/cabinet").status_code == 200  # this browser stays in
    assert other.get("/cabinet").status_code == 302  # the other one is out
    db.session.refresh(ivan[0])
    assert verify_password(ivan[0].password_hash, NEW_PASSWORD)[0]
    notice = letters(db, "account-changed")
    assert [letter.recipient for letter in notice] == ["ivan@example.com"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.password_changed"))


def test_weak_new_password_is_refused_with_the_reason(logged_in):
    response = post(
        logged_in,
        "/cabinet/profile/password",
        **{
            "password-current_password": PASSWORD,
            "password-password": "qwerty123456",
            "password-confirm": "qwerty123456",
        },
    )
    assert response.status_code == 422
    assert "надто поширений" in response.get_data(as_text=True)


def test_D28_phone_change_needs_the_password_and_ends_other_sessions(app, db, logged_in, ivan):
    other = second_browser(app)
    refused = post(
        logged_in,
        "/cabinet/profile/phone",
        **{"phone-phone": "+38 067 123 45 67", "phone-current_password": "wrong password here"},
    )
    assert refused.status_code == 422
    response = post(
        logged_in, "/cabinet/profile/phone", **{"phone-phone": "+38 067 123 45 67", "phone-current_password": PASSWORD}
    )
    assert response.status_code == 303
    db.session.refresh(ivan[0])
    assert ivan[0].phone == "+380671234567"
    assert other.get("/cabinet").status_code == 302 and logged_in.get("/cabinet").status_code == 200
    assert len(letters(db, "account-changed")) == 1


@pytest.mark.parametrize("phone", ["+12025550123", "067 123 45 67", "+380001234567"])
def test_phone_follows_the_registration_rule(logged_in, phone):
    """One rule for User.phone (docs/registration.md, "Phone"): +38 and a valid Ukrainian number."""
    response = post(logged_in, "/cabinet/profile/phone", **{"phone-phone": phone, "phone-current_password": PASSWORD})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Номер повинен починатися з +38" in page or "Це недійсний український номер" in page


def test_a_landline_is_a_contact_phone_too(logged_in, ivan):
    response = post(
        logged_in,
        "/cabinet/profile/phone",
        **{"phone-phone": "+38 (0332) 72-35-00", "phone-current_password": PASSWORD},
    )
    assert response.status_code == 303
    assert ivan[0].phone == "+380332723500"


def test_D28_email_changes_only_after_the_letter_to_the_new_address(app, db, logged_in, ivan):
    other = second_browser(app)
    response = post(
        logged_in,
        "/cabinet/profile/email",
        **{"email-email": "new.ivan@example.com", "email-current_password": PASSWORD},
    )
    assert response.status_code == 303
    db.session.refresh(ivan[0])
    assert ivan[0].email == "ivan@example.com"  # not yet
    letter = letters(db, "email-change")[0]
    assert letter.recipient == "new.ivan@example.com"
    link = re.search(r"https://cabinet\.test(/cabinet/profile/email/\S+)", letter.body_text).group(1)
    page = logged_in.get(link)
    assert page.status_code == 200 and "new.ivan@example.com" in page.get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert logged_in.post(link, data={"csrf_token": token}).status_code == 303
    db.session.refresh(ivan[0])
    assert ivan[0].email == "new.ivan@example.com" and ivan[0].email_key == "new.ivan@example.com"
    notice = letters(db, "account-changed")
    assert [n.recipient for n in notice] == ["ivan@example.com"]  # the old address hears of it
    assert other.get("/cabinet").status_code == 302 and logged_in.get("/cabinet").status_code == 200
    assert logged_in.get(link).status_code == 404  # single use


def test_email_change_link_needs_the_current_password_first(db, logged_in):
    response = post(
        logged_in,
        "/cabinet/profile/email",
        **{"email-email": "new.ivan@example.com", "email-current_password": "wrong password here"},
    )
    assert response.status_code == 422 and letters(db, "email-change") == []


def test_email_taken_meanwhile_is_refused_at_confirmation(app, db, logged_in, ivan, make_user):
    post(
        logged_in, "/cabinet/profile/email", **{"email-email": "taken@example.com", "email-current_password": PASSWORD}
    )
    make_user("someone", email="taken@example.com")
    link = re.search(r"(/cabinet/profile/email/\S+)", letters(db, "email-change")[0].body_text).group(1)
    page = logged_in.get(link).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    logged_in.post(link, data={"csrf_token": token})
    db.session.refresh(ivan[0])
    assert ivan[0].email == "ivan@example.com"


def test_language_and_paperless_choice_are_saved(db, logged_in, ivan):
    response = post(logged_in, "/cabinet/profile/preferences", **{"prefs-language": "en", "prefs-paperless": "y"})
    assert response.status_code == 303
    db.session.refresh(ivan[0])
    assert ivan[0].language == "en" and ivan[0].paperless is True
    assert "Profile" in logged_in.get("/cabinet/profile").get_data(as_text=True)


def test_wrong_current_passwords_are_throttled(app, db, logged_in):
    limit = int(app.config["LOGIN_LIMIT_PER_LOGIN"].split()[0])
    for _ in range(limit):
        post(
            logged_in,
            "/cabinet/profile/phone",
            **{"phone-phone": "+380671234567", "phone-current_password": "wrong password here"},
        )
    response = post(
        logged_in, "/cabinet/profile/phone", **{"phone-phone": "+380671234567", "phone-current_password": PASSWORD}
    )
    assert response.status_code == 422 and "Забагато" in response.get_data(as_text=True)


def test_email_link_opened_while_logged_out_leads_through_the_login(app, db, client, auth, logged_in, ivan):
    post(
        logged_in,
        "/cabinet/profile/email",
        **{"email-email": "new.ivan@example.com", "email-current_password": PASSWORD},
    )
    link = re.search(r"(/cabinet/profile/email/\S+)", letters(db, "email-change")[0].body_text).group(1)
    fresh = https_client(app)
    response = fresh.get(link)
    assert response.status_code == 302 and "/login" in response.location and "next=" in response.location


def test_7_email_change_letters_are_limited_per_login(app, db, logged_in):
    """Every email-change post used to queue a letter; LETTER_LIMIT_PER_LOGIN, then the
    form says to wait and nothing is queued (docs/security.md, "Step 2 and letters")."""
    from limits import parse

    app.config["LETTER_LIMIT_PER_LOGIN"] = "3 per hour"
    allowed = parse(app.config["LETTER_LIMIT_PER_LOGIN"]).amount
    fields = {"email-current_password": PASSWORD}
    for i in range(allowed):
        assert (
            post(logged_in, "/cabinet/profile/email", **{"email-email": f"new{i}@example.com", **fields}).status_code
            == 303
        )
    refused = post(logged_in, "/cabinet/profile/email", **{"email-email": "one.more@example.com", **fields})
    assert refused.status_code == 429
    assert "Будь ласка, зачекайте годину" in refused.get_data(as_text=True)
    assert len(letters(db, "email-change")) == allowed
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "profile.email_change_refused"))


def test_7_email_change_letters_are_limited_per_recipient(app, db, logged_in):
    """Finding 7: one address gets at most LETTER_LIMIT_PER_RECIPIENT letters an hour, whoever asks."""
    from limits import parse

    app.config["LETTER_LIMIT_PER_LOGIN"] = "100 per hour"
    app.config["LETTER_LIMIT_PER_RECIPIENT"] = "2 per hour"
    allowed = parse(app.config["LETTER_LIMIT_PER_RECIPIENT"]).amount
    fields = {"email-email": "victim@example.com", "email-current_password": PASSWORD}
    for _ in range(allowed):
        assert post(logged_in, "/cabinet/profile/email", **fields).status_code == 303
    assert post(logged_in, "/cabinet/profile/email", **fields).status_code == 429
    assert len(letters(db, "email-change")) == allowed


def test_profile_forms_name_only_what_exists_and_a_failed_change_leads_with_its_summary(logged_in):
    from tests.forms import FormMarkup, form_problems

    untouched = logged_in.get("/cabinet/profile").get_data(as_text=True)
    assert form_problems(untouched) == [] and FormMarkup(untouched).invalid() == []
    response = post(
        logged_in,
        "/cabinet/profile/password",
        **{"password-current_password": "not my password at all", "password-password": "", "password-confirm": ""},
    )
    html = response.get_data(as_text=True)
    markup = FormMarkup(html)
    [summary] = markup.summaries()
    assert summary.attrs["id"] == "password-problem" and form_problems(html) == []
    assert markup.summary_links(summary) == ["password-password", "password-confirm"]
    assert 'id="password-current_password-again"' in html  # a typed password is asked again, never sent back
