"""Step 1, "Ідентифікація споживача послуг": the form, its hints, every outcome and field message."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.registration.conftest import errors
from vez.models import AuditEvent, IdentificationFailure, Service


def english(client):
    client.set_cookie("lang", "en", domain="localhost")


def test_the_page_shows_the_guides_fields_and_hints(client, make_subdivision):
    make_subdivision("101", name_uk="Луцька міська філія")
    make_subdivision("900", Service.gas)
    page = client.get("/registration").get_data(as_text=True)
    assert "Ідентифікація споживача послуг" in page
    for text in (
        "Підрозділ постачальника",
        "Особовий рахунок",
        "Сума останнього платежу",
        "Платежів ще не було",
        "Без додаткових символів",
        "Формат суми: 0.00",
        "0 800 300 521",
        "Далі",
        "Набір символів має точно відповідати кодуванню",
    ):
        assert text in page, text
    # Electricity branches first, natural gas last.
    assert page.index("Луцька міська філія") < page.index("ПРИРОДНИЙ ГАЗ")
    assert 'href="https://elektro.volyn.ua/tsok/"' in page


def test_the_page_in_english(client, make_subdivision):
    make_subdivision()
    english(client)
    page = client.get("/registration").get_data(as_text=True)
    assert (
        "Identification of the consumer" in page and "No payments yet" in page and "Liubeshiv branch</option>" in page
    )


def test_right_amount_leads_to_step_two(reg, account):
    response = reg.identify(account, "1234.56")
    assert response.status_code == 303
    assert response.headers["Location"] == "/registration/account"


def test_htmx_success_answers_with_hx_redirect(reg, account):
    response = reg.identify(account, "1234.56", headers={"HX-Request": "true"})
    assert response.headers["HX-Redirect"] == "/registration/account"


@pytest.mark.parametrize(
    "lang, heading, advice",
    [
        ("uk", "Особового рахунка НЕ ЗНАЙДЕНО", "Перевірте правильність введеного номеру особового рахунку"),
        ("en", "The personal account was NOT FOUND", "Check the personal account number you entered"),
    ],
)
def test_unknown_account_gets_the_three_pieces_of_advice(reg, client, account, lang, heading, advice):
    client.set_cookie("lang", lang, domain="localhost")
    response = reg.identify(account, "1234.56", number="529471248")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert heading in page and advice in page
    assert page.count("<li>", page.index('id="outcome"'), page.index("</section>")) == 3
    assert "0 800 300 521" in page


@pytest.mark.parametrize(
    "lang, heading, advice",
    [
        ("uk", "Ви ввели невірну СУМУ останнього платежу", "спробуйте ввести суму без комісії"),
        ("en", "you entered a wrong AMOUNT of the last payment", "try entering the amount without the commission"),
    ],
)
def test_wrong_amount_gets_the_four_pieces_of_advice(reg, client, account, lang, heading, advice):
    client.set_cookie("lang", lang, domain="localhost")
    response = reg.identify(account, "1234.55")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert heading in page and advice in page
    assert page.count("<li>", page.index('id="outcome"'), page.index("</section>")) == 4
    assert "5–7" in page or "5-7" in page


def test_the_amount_must_equal_the_newest_payment(reg, account, db):
    from datetime import datetime

    from vez.models import Payment, PaymentSource

    db.session.add(
        Payment(
            account_id=account.id,
            amount=50000,
            paid_at=datetime(2026, 10, 20),
            created_at=datetime(2026, 10, 20),  # older than IDENTIFY_RECENT_PAYMENT_DAYS: the amount alone
            source=PaymentSource.post,
            reference="post-1",
        )
    )
    db.session.commit()
    assert reg.identify(account, "1234.56").status_code == 422
    assert reg.identify(account, "500").status_code == 303


def test_wrong_subdivision_is_not_found(reg, account, make_subdivision):
    other = make_subdivision("101", name_uk="Луцька міська філія")
    response = reg.identify(account, "1234.56", subdivision=other.id)
    assert "НЕ ЗНАЙДЕНО" in response.get_data(as_text=True)


def test_account_of_an_activated_login_is_told_to_log_in(reg, account, make_user):
    make_user("ivan", accounts=[account])
    response = reg.identify(account, "1234.56")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "вже зареєстровано" in page and 'href="/login"' in page and 'href="/recovery/password"' in page


@pytest.mark.parametrize(
    "number, message",
    [
        ("№529471247", 'Без додаткових символів ("№", "о/р" і т.д.)'),
        ("о/р 529471247", 'Без додаткових символів ("№", "о/р" і т.д.)'),
        ("52947124", "9 цифр"),
        ("5294712470", "9 цифр"),
        ("929471247", "починається з 5, зрідка з 3 або 4"),
        ("", "Введіть номер особового рахунку"),
    ],
)
def test_number_problems_get_their_own_message_before_any_lookup(reg, account, db, number, message):
    response = reg.identify(account, "1234.56", number=number)
    assert response.status_code == 422
    assert any(message in e for e in errors(response)), errors(response)
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "identify.not_found"))


def test_gas_numbers_start_with_nine(reg, make_account):
    gas = make_account("912345678", last_payment=10000)
    response = reg.identify(gas, "100", number="512345678")
    assert any("починається з 9" in e for e in errors(response))
    assert reg.identify(gas, "100").status_code == 303


def test_spaces_in_the_number_are_dropped(reg, account):
    assert reg.identify(account, "1234,56", number=" 529 471 247 ").status_code == 303


def test_choosing_no_subdivision_is_a_field_error(reg, account):
    response = reg.identify(account, "1234.56", subdivision=0)
    assert any("підрозділ" in e for e in errors(response))


def test_an_amount_is_required_unless_the_box_is_ticked(reg, account):
    response = reg.identify(account, "")
    assert any("Платежів ще не було" in e for e in errors(response))


def test_no_payments_path_identifies_by_surname_and_meter(reg, make_account):
    fresh = make_account("531234567", holder_name="Ковальчук Ганна Петрівна", meter_number="12 345678")
    response = reg.identify(fresh, "", no_payments="y", surname="  ковальчук ", meter="12345678")
    assert response.status_code == 303


def test_no_payments_path_requires_both_fields_and_matches_them(reg, make_account, db):
    fresh = make_account("531234567", holder_name="Ковальчук Ганна Петрівна", meter_number="12345678")
    response = reg.identify(fresh, "", no_payments="y", surname="", meter="")
    assert len(errors(response)) == 2
    response = reg.identify(fresh, "", no_payments="y", surname="Ковальчук", meter="12345679")
    assert response.status_code == 422
    assert "прізвище або номер лічильника" in response.get_data(as_text=True)
    assert db.session.scalar(select(IdentificationFailure).where(IdentificationFailure.account_id == fresh.id))


def test_no_payments_path_is_refused_for_an_account_that_has_payments(reg, account):
    response = reg.identify(account, "", no_payments="y", surname="Петренко", meter="12345678")
    assert response.status_code == 422


def test_without_javascript_every_field_stands_and_htmx_reveals_only_the_right_ones(client, account):
    page = client.get("/registration").get_data(as_text=True)
    assert 'name="amount"' in page and 'name="surname"' in page and 'name="meter"' in page
    from tests.conftest import csrf_token

    token = csrf_token(client, "/registration")
    ticked = client.post(
        "/registration/extra", data={"no_payments": "y", "csrf_token": token}, headers={"HX-Request": "true"}
    ).get_data(as_text=True)
    assert 'name="surname"' in ticked and 'name="meter"' in ticked and 'name="amount"' not in ticked
    plain = client.post("/registration/extra", data={"csrf_token": token}, headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    # The surname stands with the amount too: a recent last payment asks for it (docs/security.md).
    assert 'name="amount"' in plain and 'name="surname"' in plain and 'name="meter"' not in plain


def test_htmx_failure_answers_with_the_partial(reg, account):
    response = reg.identify(account, "1", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert page.lstrip().startswith('<div id="identify">') and "<html" not in page


def test_every_attempt_is_audited(reg, account, db):
    reg.identify(account, "1234.55")
    reg.identify(account, "1234.56", number="529471248")
    reg.identify(account, "12 34")
    reg.identify(account, "1234.56")
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["identify.mismatch", "identify.not_found", "identify.malformed", "identify.ok"]


def test_registered_locked_and_throttled_screens_in_english(reg, client, make_account, make_user, app):
    client.set_cookie("lang", "en", domain="localhost")
    held = make_account("529471247", last_payment=10000)
    make_user("ivan", accounts=[held])
    page = reg.identify(held, "100").get_data(as_text=True)
    assert "A login is already registered for this personal account" in page and "recover the password" in page
    locked = make_account("529471248", last_payment=10000)
    for i in range(5):
        reg.identify(locked, "1", ip=f"10.11.0.{i}")
    page = reg.identify(locked, "100", ip="10.11.1.1").get_data(as_text=True)
    assert "Identification of this personal account is paused" in page and "0 800 300 521" in page
    for _ in range(10):
        reg.identify(locked, "1", number="529471240", ip="10.11.2.2")
    page = reg.identify(held, "100", ip="10.11.2.2").get_data(as_text=True)
    assert "Too many identifications failed from your address" in page


def test_a_failed_try_keeps_what_was_typed(reg, account):
    page = reg.identify(account, "12,50").get_data(as_text=True)
    assert f'value="{account.number}"' in page and 'value="12,50"' in page
    assert (
        f'<option selected value="{account.subdivision_id}">' in page
        or f'value="{account.subdivision_id}" selected' in page
    )
