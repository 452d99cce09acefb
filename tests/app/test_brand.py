"""The brand is configuration: another supplier's names, logo, colour and phone, with no template edited."""

from __future__ import annotations

import pytest

from tests.conftest import https_client
from vez import create_app
from vez.brand import contrast, phone_href
from vez.extensions import db
from vez.identity.recovery import request_password_reset
from vez.mail import queue_letter
from vez.models import Letter

LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><rect width="1" height="1"/></svg>'


@pytest.fixture
def other_supplier(tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_bytes(LOGO)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'brand.sqlite3'}",
            "BRAND_NAME": {"uk": "РІВНЕЕНЕРГОЗБУТ", "en": "RIVNEENERHOZBUT"},
            "BRAND_SHORT_NAME": {"uk": "РЕЗ", "en": "REZ"},
            "BRAND_LOGO": str(logo),
            "BRAND_COLOR": "#5a2d82",
            "SUPPLIER_NAME": "ТОВ «Рівнеенергозбут»",
            "SUPPLIER_PHONE": "0 800 500 123",
            "SUPPLIER_SITE_URL": "https://rez.example.ua/",
        }
    )
    with app.app_context():
        db.create_all()
        yield app


def test_pages_carry_the_configured_names_phone_site_and_logo(other_supplier):
    client = https_client(other_supplier)
    page = client.get("/login").get_data(as_text=True)
    assert "РІВНЕЕНЕРГОЗБУТ" in page and "· РЕЗ</title>" in page
    assert "ТОВ «Рівнеенергозбут»" in page and 'href="tel:0800500123"' in page and "0 800 500 123" in page
    assert 'href="https://rez.example.ua/"' in page
    assert "ВОЛИНЬЕЛЕКТРОЗБУТ" not in page and "Волиньелектрозбут" not in page and "ВЕЗ" not in page
    english = client.get("/login?lang=en").get_data(as_text=True)
    assert "RIVNEENERHOZBUT" in english and "· REZ</title>" in english


def test_the_colour_and_the_logo_are_served_under_urls_that_change_with_them(other_supplier):
    client = https_client(other_supplier)
    page = client.get("/").get_data(as_text=True)
    css_url = page.split('rel="stylesheet" href="')[2].split('"')[0]
    assert css_url.startswith("/brand.css?v=")
    css = client.get(css_url)
    assert css.mimetype == "text/css" and "--brand:#5a2d82" in css.get_data(as_text=True)
    assert "immutable" in css.headers["Cache-Control"]
    logo_url = page.split('class="brand"')[1].split('src="')[1].split('"')[0]
    logo = client.get(logo_url)
    assert logo.status_code == 200 and logo.mimetype == "image/svg+xml" and logo.data == LOGO
    other_supplier.config["BRAND_COLOR"] = "#0b5394"
    with other_supplier.app_context():
        from vez.brand import _version

        assert _version() not in css_url


def test_the_default_brand_is_the_volyn_supplier(app, client):
    page = client.get("/").get_data(as_text=True)
    assert "ВОЛИНЬЕЛЕКТРОЗБУТ" in page and 'href="tel:0800300521"' in page and "/static/img/logo." in page


def test_letters_carry_the_brand_name_and_colour(other_supplier):
    with other_supplier.test_request_context():
        letter = queue_letter(
            "test",
            to="ivan@example.com",
            subject="s",
            template="welcome",
            language="uk",
            user=type("U", (), {"login": "ivan", "email": "ivan@example.com"})(),
        )
    assert "РІВНЕЕНЕРГОЗБУТ" in letter.body_html and "background:#5a2d82" in letter.body_html
    assert "РІВНЕЕНЕРГОЗБУТ" in letter.body_text and "ВОЛИНЬ" not in letter.body_html + letter.body_text


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("BRAND_COLOR", "#ffbf47", "contrast of 1.6"),
        ("BRAND_COLOR", "blue", "#rrggbb"),
        ("BRAND_INK_COLOR", "#999999", "4.5:1"),
        ("BRAND_LOGO", "/nonexistent/logo.svg", "is not a file"),
        ("BRAND_LOGO", "/etc/passwd", ".svg, .png or .webp"),
    ],
)
def test_a_brand_that_would_be_unreadable_or_broken_is_refused_at_start(setting, value, message):
    with pytest.raises(RuntimeError, match=message.replace(".", r"\.").replace("#", "#")):
        create_app({"TESTING": True, setting: value})


def test_contrast_follows_wcag():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#0b5394", "#ffffff"), 1) >= 4.5
    assert phone_href("0 800 300 521") == "tel:0800300521" and phone_href("+380 (332) 12-34-56") == "tel:+380332123456"


def test_html_letters_put_the_main_link_in_a_button_and_write_it_out_wrapping(app, make_user):
    user = make_user(login="ivan", email="ivan@example.com")
    with app.test_request_context():
        request_password_reset("ivan", "ivan@example.com", ip="127.0.0.1")
        db.session.commit()
    letter = db.session.scalars(db.select(Letter).where(Letter.kind == "reset")).one()
    html = letter.body_html
    link = "https://cabinet.test/recovery/password/"
    assert html.count(link) == 3  # the button's href, the written-out address's href and its text
    assert "display:inline-block" in html and "word-break:break-all" in html and 'role="presentation"' in html
    assert "<style" not in html  # mail clients drop it: every style is inline
    assert link in letter.body_text and "<" not in letter.body_text  # the text part stays plain
    assert user.login in html


def test_the_development_outbox_shows_both_parts_of_a_letter(tmp_path):
    app = create_app({"TESTING": True, "DEBUG": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'o.sqlite3'}"})
    app.debug = True
    with app.app_context():
        db.create_all()
        db.session.add(
            Letter(
                kind="t",
                recipient="a@example.com",
                subject="Тема",
                body_text="plain part",
                body_html='<p style="color:red">html part</p>',
            )
        )
        db.session.commit()
        letter_id = db.session.scalars(db.select(Letter.id)).one()
    client = https_client(app)
    page = client.get(f"/dev/mail/{letter_id}").get_data(as_text=True)
    assert "plain part" in page and f'src="/dev/mail/{letter_id}/html"' in page and "<iframe" in page
    framed = client.get(f"/dev/mail/{letter_id}/html")
    assert framed.get_data(as_text=True) == '<p style="color:red">html part</p>'
    policy = framed.headers["Content-Security-Policy"]
    assert "style-src 'unsafe-inline'" in policy and "sandbox" in policy and "script-src" not in policy
    assert "default-src 'none'" in policy and framed.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"
