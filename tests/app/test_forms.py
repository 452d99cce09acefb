"""Every form for screen readers and keyboards: its fields, its error summary, no browser validation (issue 12)."""

import pytest

from tests.conftest import csrf_token
from tests.forms import FormMarkup, form_problems

UNTOUCHED = ["/", "/login", "/registration", "/recovery/password", "/recovery/login"]


@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("path", UNTOUCHED)
def test_an_untouched_form_marks_no_field_invalid_and_names_only_ids_on_the_page(client, path, lang):
    html = client.get(f"{path}?lang={lang}").get_data(as_text=True)
    markup = FormMarkup(html)
    assert markup.controls() and markup.invalid() == []
    assert markup.summaries() == []
    assert form_problems(html) == []


FAILED = [
    ("/login", {"login": "", "password": ""}, "login-problem", ["login", "password"]),
    ("/login", {"login": "nobody", "password": "wrong password"}, "login-problem", ["login"]),
    ("/recovery/password", {"pw-login": "", "pw-email": ""}, "password-recovery-problem", ["pw-login", "pw-email"]),
    ("/recovery/login", {"lg-email": "not an email"}, "login-recovery-problem", ["lg-email"]),
]


@pytest.mark.parametrize(("path", "data", "summary", "targets"), FAILED)
def test_a_failed_form_leads_with_a_focused_summary_linking_each_field(client, path, data, summary, targets):
    prefix = next(iter(data)).partition("-")[0] + "-" if path.startswith("/recovery") else ""  # pw- and lg- forms
    response = client.post(path, data={**data, f"{prefix}csrf_token": csrf_token(client, path)})
    html = response.get_data(as_text=True)
    markup = FormMarkup(html)
    assert response.status_code == 422
    [box] = markup.summaries()
    assert box.attrs["id"] == summary and "Виникла проблема" in html
    assert markup.summary_links(box) == targets
    assert form_problems(html) == []


def test_a_field_error_is_linked_to_its_field_and_marks_only_that_field(client):
    html = client.post(
        "/recovery/password", data={"pw-login": "ivan", "pw-email": "", "pw-csrf_token": csrf_token(client)}
    ).get_data(as_text=True)
    markup = FormMarkup(html)
    assert markup.invalid() == ["pw-email"]
    [email] = [c for c in markup.controls() if c.attrs["id"] == "pw-email"]
    assert email.names("aria-describedby") == ["pw-email-error"]
    assert '<p id="pw-email-error" class="error">Введіть адресу ел.пошти.</p>' in html


def test_a_failed_login_sends_the_password_back_empty_and_says_so(client, make_user):
    make_user("ivan")
    html = client.post(
        "/login?lang=en", data={"login": "ivan", "password": "not the password", "csrf_token": csrf_token(client)}
    ).get_data(as_text=True)
    [password] = [c for c in FormMarkup(html).controls() if c.attrs["id"] == "password"]
    assert password.attrs["value"] == "" and "not the password" not in html
    assert password.names("aria-describedby") == ["password-again"]
    assert '<p id="password-again" class="again">Enter your password again' in html


def test_an_empty_password_is_asked_for_not_retyped(client):
    html = client.post("/login", data={"login": "ivan", "password": "", "csrf_token": csrf_token(client)}).get_data(
        as_text=True
    )
    assert "password-again" not in html and "Введіть пароль." in html


@pytest.mark.parametrize("path", ["/login", "/"])
def test_the_password_has_a_show_password_checkbox_that_posts_nothing(client, path):
    html = client.get(path).get_data(as_text=True)
    [box] = [e for e in FormMarkup(html).elements if e.attrs.get("data-reveals")]
    assert box.attrs["type"] == "checkbox" and "name" not in box.attrs
    assert box.attrs["aria-controls"] == "password"
    assert 'type="password"' in html  # the field itself stays a password field in the HTML


@pytest.mark.parametrize(
    ("path", "heading"),
    [("/login?lang=en", "<h1>Log in</h1>"), ("/login", "<h1>Вхід</h1>")],
)
def test_the_login_page_has_its_own_heading(client, path, heading):
    assert heading in client.get(path).get_data(as_text=True)


def test_the_home_page_keeps_the_panel_heading_as_its_only_h1(client):
    html = client.get("/").get_data(as_text=True)
    assert html.count("<h1") == 1 and "<h2>Вхід</h2>" in html
