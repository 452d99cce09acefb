"""The testers' pseudo-locale (?lang=pseudo): every interface text comes from the catalog, transformed.

Every public and logged-in page is rendered in it, and every visible text (text nodes, and the attributes a
person reads or hears: alt, title, placeholder, aria-label, a button's value) must be interface text from the
catalog (accented, in ⟦ ⟧) or data by rule: the database's own values, numbers and amounts, and dates and
the currency code as English prints them. Anything else is a text that escaped gettext.
"""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.registration.conftest import Registration
from vez import pseudo
from vez.demo import create_demo_data
from vez.extensions import db
from vez.models import (
    Bill,
    Certificate,
    Letter,
    Payment,
    PaymentSource,
    PaymentStatus,
    PersonalAccount,
    Subdivision,
    User,
)

READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")
ENGLISH_FORMATS = re.compile(
    r"\b(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|AM|PM|UAH)\b"
)
LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)
INNERMOST = re.compile(r"⟦[^⟦⟧]*⟧")
# Names of languages stand in their own language in every locale (the profile's choice of language).
LANGUAGE_NAMES = ("Українська", "English")


class VisibleText(HTMLParser):
    """The texts of a page a person sees or hears, each with the tag it stands in."""

    SILENT = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []  # (tag, in another language by its lang attribute)
        self.texts: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        foreign = self._foreign() or attributes.get("lang", pseudo.LANGUAGE_TAG) != pseudo.LANGUAGE_TAG
        if not foreign:
            self.texts += [(f"{tag}@{name}", attributes[name] or "") for name in READ_ATTRIBUTES if name in attributes]
            if tag == "input" and attributes.get("type") in ("submit", "button", "reset"):
                self.texts.append((f"{tag}@value", attributes.get("value") or ""))
        if tag not in ("input", "img", "br", "meta", "link", "hr", "source", "wbr"):
            self.stack.append((tag, foreign))

    def handle_endtag(self, tag):
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data):
        tag = self.stack[-1][0] if self.stack else ""
        if tag not in self.SILENT and not self._foreign():
            self.texts.append((tag, data))

    def _foreign(self) -> bool:
        return bool(self.stack) and self.stack[-1][1]


def data_values(app) -> set[str]:
    """What the database and the configuration (the supplier's requisites and brand) hold, shown as they are."""
    values = set()
    for key, value in app.config.items():
        if key.startswith(("SUPPLIER_", "BRAND_")) and value:
            values |= {str(v) for v in value.values()} if isinstance(value, dict) else {str(value)}
    for account in db.session.scalars(select(PersonalAccount)):
        values |= {account.number, account.holder_name, account.address, account.meter_number or ""}
    for sub in db.session.scalars(select(Subdivision)):
        values |= {sub.name_uk, sub.name_en}
    for user in db.session.scalars(select(User)):
        values |= {user.login, user.email, user.phone or ""}
    values |= {p.reference for p in db.session.scalars(select(Payment)) if p.reference}
    values |= {p.gateway_payment_id for p in db.session.scalars(select(Payment)) if p.gateway_payment_id}
    values |= {b.number for b in db.session.scalars(select(Bill))}
    values |= {c.code for c in db.session.scalars(select(Certificate))}
    return {value for value in values if value}


def unwrapped(html: str, data: set[str]) -> list[str]:
    """The visible texts that are neither catalog texts nor data by rule."""
    parser = VisibleText()
    parser.feed(html)
    found = []
    for where, text in parser.texts:
        rest = text
        while INNERMOST.search(rest):  # whole messages, a message inside a message first
            rest = INNERMOST.sub(" ", rest)
        rest = re.sub(r"^[^⟦]*⟧|⟦[^⟧]*$", " ", rest)  # the ends of a message that tags cut into pieces
        rest = " ".join(word for word in rest.split() if not set(word) & pseudo.ACCENTED_LETTERS)  # its middle
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        rest = ENGLISH_FORMATS.sub(" ", rest)
        for name in LANGUAGE_NAMES:
            rest = rest.replace(name, " ")
        if LETTERS.search(rest):
            found.append(f"{where}: {text.strip()!r}")
    return found


@pytest.fixture
def demo(app, client):
    create_demo_data(accounts=6)
    db.session.commit()
    client.set_cookie("lang", pseudo.CODE, domain="localhost")
    return client


def login(client, name="demo", password="demo12345"):
    token = csrf_token(client, "/login")
    response = client.post("/login", data={"login": name, "password": password, "csrf_token": token})
    assert response.status_code == 303


def check(app, pages: dict[str, str]) -> None:
    assert [name for name, html in pages.items() if "⟦" not in html] == []  # every one a page of ours
    data = data_values(app)
    offenders = {name: unwrapped(html, data) for name, html in pages.items()}
    assert {name: found for name, found in offenders.items() if found} == {}


def test_the_pseudo_locale_sticks_and_marks_the_page_en_xa(client):
    first = client.get("/?lang=pseudo")
    assert "lang=pseudo" in first.headers["Set-Cookie"]
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en-XA">' in html and "⟦" in html
    assert 'hreflang="pseudo"' not in html and "?lang=pseudo" not in html  # never offered to consumers
    assert '<html lang="uk">' in client.get("/login?lang=uk").get_data(as_text=True)


def test_messages_keep_their_placeholders_tags_and_entities():
    assert pseudo.transform("Log in") == "⟦Ĺóĝ íñ one⟧"
    assert pseudo.transform("Bill from Mavka") == "⟦Bíĺĺ fŕóm Mávķá one two⟧"  # b, f, m, v: no accent in the fonts
    text = pseudo.transform('Bill No. %(number)s of %(date)s: <a href="%(url)s">pay</a>&nbsp;{name} %s %d%%')
    assert "%(number)s" in text and "%(date)s" in text and '<a href="%(url)s">' in text and "</a>" in text
    assert "&nbsp;" in text and "{name}" in text and "%s" in text and "%d%%" in text
    assert text.startswith("⟦") and text.endswith("⟧")


def test_the_accented_letters_print_in_the_pdfs_too():
    """The bills' DejaVu subset carries every accent (the brackets it lacks: docs/architecture.md)."""
    from pathlib import Path

    from fontTools.ttLib import TTFont

    fonts = sorted((Path(__file__).resolve().parents[2] / "vez" / "pdf" / "fonts").glob("*.ttf"))
    assert len(fonts) == 2
    for font in fonts:
        cmap = TTFont(font).getBestCmap()
        assert [letter for letter in pseudo.ACCENTS if ord(letter) not in cmap] == [], font.name


@pytest.mark.parametrize("text", ["Log in", "The amount of a payment is greater than zero.", "Pay", "No payments yet"])
def test_a_pseudo_message_is_about_a_third_longer(text):
    visible = len(pseudo.transform(text)) - 2  # the brackets aside
    assert len(text) * 1.3 <= visible <= len(text) * 1.35 + 6


def test_numbers_and_dates_are_english_and_database_data_stays_as_it_is(demo):
    login(demo)
    account = db.session.scalar(select(PersonalAccount).order_by(PersonalAccount.id))
    html = demo.get(f"/cabinet/accounts/{account.number}").get_data(as_text=True)
    assert "UAH" in html and "₴" not in html  # English money
    assert re.search(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{1,2}, 20\d\d", html)
    assert account.address in html and account.number in html


def test_every_public_page_is_all_catalog_text(demo, app):
    reg = Registration(demo, db)
    account = db.session.scalar(select(PersonalAccount).order_by(PersonalAccount.id.desc()))  # held by no login
    pages = {path: demo.get(path).get_data(as_text=True) for path in ("/", "/company", "/registration", "/login")}
    pages |= {path: demo.get(path).get_data(as_text=True) for path in ("/recovery/password", "/recovery/login")}
    pages["404"] = demo.get("/no-such-page").get_data(as_text=True)
    pages["405"] = demo.get("/logout").get_data(as_text=True)
    pages["400 (no CSRF token)"] = demo.post("/login", data={"login": "x"}).get_data(as_text=True)
    pages["login failed"] = demo.post(
        "/login", data={"login": "demo", "password": "wrong one", "csrf_token": csrf_token(demo)}
    ).get_data(as_text=True)
    pages["step 1 form errors"] = reg.identify(account, "1 32 1,92").get_data(as_text=True)
    pages["step 1 not found"] = reg.identify(account, "1.00", number="529999999").get_data(as_text=True)
    pages["step 1 wrong amount"] = reg.identify(account, "0.01").get_data(as_text=True)
    pages["step 1 no payments"] = reg.identify(account, "", no_payments="y").get_data(as_text=True)
    last = db.session.scalar(
        select(Payment.amount).where(Payment.account_id == account.id).order_by(Payment.paid_at.desc())
    )
    assert reg.identify(account, f"{last // 100}.{last % 100:02d}", surname=account.holder_surname).status_code == 303
    pages["step 2"] = demo.get("/registration/account").get_data(as_text=True)
    pages["step 2 errors"] = reg.step2(password="short", confirm="other", email="not-an-email").get_data(as_text=True)
    assert reg.step2(login="tester", email="tester@example.com").status_code == 303
    pages["confirmation"] = demo.get("/registration/sent").get_data(as_text=True)
    letter = reg.letters("activation")[-1]
    assert "⟦" not in letter.body_text + letter.subject  # a letter is in its recipient's language, never pseudo
    activation = re.search(r"https?://[^/\s]+(/activate/\S+)", letter.body_text).group(1)
    pages["activation"] = demo.get(activation).get_data(as_text=True)
    done = demo.post(activation, data={"csrf_token": csrf_token(demo, activation)})
    pages["activation done"] = demo.get(done.headers["Location"]).get_data(as_text=True)
    pages["password recovery sent"] = demo.post(
        "/recovery/password",
        data={
            "pw-login": "tester",
            "pw-email": "tester@example.com",
            "csrf_token": csrf_token(demo, "/recovery/password"),
        },
        follow_redirects=True,
    ).get_data(as_text=True)
    reset = db.session.scalar(select(Letter).where(Letter.kind == "reset").order_by(Letter.id.desc()))
    reset_path = re.search(r"https?://[^/\s]+(/recovery/\S+)", reset.body_text).group(1)
    pages["new password"] = demo.get(reset_path).get_data(as_text=True)
    pages["new password errors"] = demo.post(
        reset_path, data={"password": "short", "confirm": "x", "csrf_token": csrf_token(demo, reset_path)}
    ).get_data(as_text=True)
    certificate = Certificate(code="TESTCODE2345", account=account, issued_on=datetime(2026, 11, 1), balance=0)
    db.session.add(certificate)
    db.session.commit()
    pages["certificate check"] = demo.get("/cabinet/certificates/check?code=TEST-CODE-2345").get_data(as_text=True)
    pages["certificate unknown"] = demo.get("/cabinet/certificates/check?code=AAAA-BBBB-CCCC").get_data(as_text=True)
    check(app, pages)


def test_every_logged_in_page_is_all_catalog_text(demo, app):
    login(demo)
    user = db.session.scalar(select(User).where(User.login == "demo"))
    numbers = sorted(account.number for account in user.accounts)
    assert len(numbers) == 2  # electricity and gas
    pages = {"cabinet": demo.get("/cabinet").get_data(as_text=True)}
    for number in numbers:
        account_page = demo.get(f"/cabinet/accounts/{number}").get_data(as_text=True)
        pages[f"account {number}"] = account_page
        for month in dict.fromkeys(re.findall(rf"/cabinet/accounts/{number}/bills/(\d{{4}}-\d\d)\"", account_page)):
            pages[f"bill {number} {month}"] = demo.get(f"/cabinet/accounts/{number}/bills/{month}").get_data(
                as_text=True
            )
            break
        pages[f"pay {number}"] = demo.get(f"/cabinet/accounts/{number}/pay").get_data(as_text=True)
    pages["profile"] = demo.get("/cabinet/profile").get_data(as_text=True)
    pages["add account"] = demo.get("/cabinet/accounts/add").get_data(as_text=True)
    number = numbers[0]
    pay_page = pages[f"pay {number}"]
    key = re.search(r'name="key" type="hidden" value="([^"]+)"', pay_page).group(1)
    token = csrf_token(demo, f"/cabinet/accounts/{number}/pay")
    pages["pay errors"] = demo.post(
        f"/cabinet/accounts/{number}/pay", data={"amount": "1 32 1,92", "key": key, "csrf_token": token}
    ).get_data(as_text=True)
    placed = demo.post(f"/cabinet/accounts/{number}/pay", data={"amount": "100,00", "key": key, "csrf_token": token})
    assert placed.status_code == 303
    payment = db.session.scalar(select(Payment).where(Payment.idempotency_key == key))
    pages["payment pending"] = demo.get(f"/payments/{payment.id}").get_data(as_text=True)
    pages["checkout"] = demo.get(f"/payments/{payment.id}/checkout").get_data(as_text=True)
    payment.status, payment.source = PaymentStatus.paid, PaymentSource.online
    db.session.commit()
    pages["payment received"] = demo.get(f"/payments/{payment.id}").get_data(as_text=True)
    pages["receipt"] = demo.get(f"/payments/{payment.id}/receipt").get_data(as_text=True)
    pages["404 logged in"] = demo.get("/cabinet/accounts/000000000").get_data(as_text=True)
    check(app, pages)
