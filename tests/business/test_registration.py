"""A company's registration at /company/registration (docs/companies.md, "Registration"): step 1 identifies a
contract through the identity core (the household's advice, limits, audit and answer time), step 2 makes the
representative the company's first administrator; the household letter, activation and login."""

from __future__ import annotations

import re
import statistics
import time
from datetime import datetime, timedelta

import pytest
import time_machine
from sqlalchemy import func, select, update

from tests.business.conftest import ACME_CODE, FOP_CODE
from tests.conftest import PASSWORD, csrf_token, https_client
from tests.registration.conftest import errors
from tests.registration.test_mail import smtp  # noqa: F401  (the test SMTP server)
from vez.companies.ledger import last_payment
from vez.identity import limits
from vez.mail import send_pending
from vez.models import (
    AuditEvent,
    CompanyMember,
    CompanyPayment,
    CompanyPaymentSource,
    CompanyRole,
    IdentificationFailure,
    IdentificationProof,
    Letter,
    User,
    utcnow,
)

GOOD = {
    "login": "olena",
    "full_name": "  Ковальчук   Олена Петрівна ",
    "position": "головний бухгалтер",
    "phone": "+38 (050) 123-45-67",
    "password": PASSWORD,
    "confirm": PASSWORD,
    "email": "olena@acme.ua",
    "agreement": "accept",
}
OUTCOME = re.compile(r'<section class="alert outcome.*?</section>', re.S)
TOKEN = re.compile(
    r'value="[^"]+" name="csrf_token"|name="csrf_token" type="hidden" value="[^"]+"|"X-CSRFToken": "[^"]+"'
)


def hryvnias(kopiykas: int) -> str:
    return f"{kopiykas // 100}.{kopiykas % 100:02d}"


class CompanyRegistration:
    def __init__(self, client, db):
        self.client, self.db = client, db

    def identify(self, code=ACME_CODE, contract="1234/25-E", amount="", *, ip="10.0.0.1", headers=None, **extra):
        data = {
            "code": code,
            "contract": contract,
            "amount": amount,
            "csrf_token": csrf_token(self.client, "/company/registration"),
            **extra,
        }
        return self.client.post(
            "/company/registration", data=data, headers=headers or {}, environ_base={"REMOTE_ADDR": ip}
        )

    def step2(self, ip="10.0.0.1", headers=None, **fields):
        data = {**GOOD, **fields, "csrf_token": csrf_token(self.client, "/company/registration")}
        return self.client.post(
            "/company/registration/account", data=data, headers=headers or {}, environ_base={"REMOTE_ADDR": ip}
        )

    def letters(self, kind=None):
        self.db.session.expire_all()
        query = select(Letter).order_by(Letter.id)
        if kind:
            query = query.where(Letter.kind == kind)
        return list(self.db.session.scalars(query))

    def user(self, login="olena"):
        self.db.session.expire_all()
        return self.db.session.scalar(select(User).where(User.login_key == login))


@pytest.fixture
def creg(client, db):
    return CompanyRegistration(client, db)


@pytest.fixture
def company(db, acme):
    """ТОВ "Акме" with no login yet (the fixture's administrator removed): its first contract and last payment."""
    db.session.execute(CompanyMember.__table__.delete())
    _settle(db)
    contract = acme.contracts[0]
    acme.amount = hryvnias(last_payment(contract.id).amount)
    return acme


def _settle(db):
    """The payments were recorded when they were paid (the fixtures record them now: all would be recent)."""
    db.session.execute(update(CompanyPayment).values(created_at=CompanyPayment.paid_at))
    db.session.commit()


def _fresh_payment(db, contract, amount=10000):
    db.session.add(
        CompanyPayment(
            contract_id=contract.id,
            amount=amount,
            paid_at=utcnow() - timedelta(days=2),
            source=CompanyPaymentSource.bank,
            reference=f"fresh-{contract.id}-{amount}",
        )
    )
    db.session.commit()
    return hryvnias(amount)


def _strip(response) -> str:
    return TOKEN.sub("", OUTCOME.sub("", response.get_data(as_text=True)))


# ---- step 1 ---------------------------------------------------------------------------------------------------


def test_the_page_shows_the_fields_in_both_languages(client):
    page = client.get("/company/registration").get_data(as_text=True)
    assert "Реєстрація компанії" in page and "ЄДРПОУ або РНОКПП" in page and "Номер договору" in page
    assert "Платежів ще не було" in page and "EIC-код точки обліку" in page
    english = client.get("/company/registration?lang=en").get_data(as_text=True)
    assert "Registration of a company" in english and "EDRPOU or RNOKPP" in english


def test_right_amount_leads_to_step_two(creg, company, db):
    response = creg.identify(amount=company.amount)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/company/registration/account")
    proof = db.session.scalar(select(IdentificationProof))
    assert proof.contract_id == company.contracts[0].id and proof.account_id is None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "identify.ok"))
    assert event.company_id == company.company.id


def test_the_contract_number_is_compared_without_spaces_and_case(creg, company):
    assert creg.identify(contract=" 1234 /25-e ", amount=company.amount).status_code == 303


def test_htmx_success_answers_with_hx_redirect(creg, company):
    response = creg.identify(amount=company.amount, headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response.headers["HX-Redirect"] == "/company/registration/account"


@pytest.mark.parametrize(("lang", "heading"), [("uk", "Договір НЕ ЗНАЙДЕНО"), ("en", "The contract was NOT FOUND")])
def test_unknown_contract_or_company_is_not_found(creg, client, company, lang, heading):
    client.get(f"/?lang={lang}")
    for kwargs in ({"contract": "9999/25-E"}, {"code": "14360570"}):
        response = creg.identify(amount=company.amount, **kwargs)
        assert response.status_code == 422
        assert heading in response.get_data(as_text=True)


def test_another_companys_contract_is_not_found_under_this_code(creg, company, rival):
    assert "Договір НЕ ЗНАЙДЕНО" in creg.identify(contract="7777/25-E", amount="1296.00").get_data(as_text=True)


@pytest.mark.parametrize(
    ("lang", "heading"),
    [("uk", "введено неправильну СУМУ останнього платежу"), ("en", "you entered a wrong AMOUNT of the last payment")],
)
def test_wrong_amount(creg, client, company, db, lang, heading):
    client.get(f"/?lang={lang}")
    response = creg.identify(amount="1.00")
    assert response.status_code == 422
    assert heading in response.get_data(as_text=True)
    failure = db.session.scalar(select(IdentificationFailure))
    assert failure.contract_id == company.contracts[0].id and failure.reason == "mismatch"
    assert limits.contract_failures(company.contracts[0].id) == 1


def test_code_problems_are_field_errors_before_any_lookup(creg, company, db):
    response = creg.identify(code="32855962", amount=company.amount)  # a wrong check digit
    assert response.status_code == 422
    assert "контрольна цифра" in " ".join(errors(response))
    assert db.session.scalar(select(func.count(IdentificationFailure.id))) == 0
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "identify.malformed"))
    assert creg.identify(code="1234", amount=company.amount).status_code == 422


def test_a_sole_trader_registers_by_rnokpp(creg, rival, db):
    _settle(db)
    db_amount = hryvnias(last_payment(rival.contracts[0].id).amount)
    rival_admin = rival.admin
    assert rival_admin is not None
    # rival has an activated administrator: registered; a ФОП's 10-digit code is accepted all the same
    response = creg.identify(code=FOP_CODE, contract="7777/25-E", amount=db_amount)
    assert response.status_code == 422
    assert "У компанії вже є адміністратор" in response.get_data(as_text=True)


def test_a_recent_payment_needs_a_points_eic(creg, company, db):
    amount = _fresh_payment(db, company.contracts[0])
    needed = creg.identify(amount=amount)
    assert needed.status_code == 422
    assert "Вкажіть також EIC-код точки обліку" in needed.get_data(as_text=True)
    assert limits.contract_failures(company.contracts[0].id) == 0  # nothing compared, nothing counted
    wrong = creg.identify(amount=amount, eic=company.points[2].eic)  # a point of the other contract
    assert wrong.status_code == 422
    assert "суму останнього платежу або EIC-код" in wrong.get_data(as_text=True)
    assert creg.identify(amount=amount, eic=company.points[1].eic.lower()).status_code == 303


def test_an_eic_with_a_wrong_check_character_is_a_field_error(creg, company):
    bad = company.points[0].eic[:-1] + ("A" if company.points[0].eic[-1] != "A" else "B")
    response = creg.identify(amount=company.amount, eic=bad)
    assert response.status_code == 422
    assert "контрольний символ" in " ".join(errors(response))


def test_no_payments_mode_identifies_by_a_points_eic_and_meter(creg, db, make_company, make_contract, make_point):
    new = make_company("14360570", name='ТОВ "Нова"')
    contract = make_contract(new, "5555/26-E")
    point = make_point(contract, 55, meter_number="55-555")
    ok = {"no_payments": "y", "eic": point.eic}
    assert creg.identify("14360570", "5555/26-E", meter="000", **ok).status_code == 422
    assert creg.identify("14360570", "5555/26-E", meter="55 555", **ok).status_code == 303


def test_no_payments_mode_needs_both_fields_and_a_contract_without_payments(creg, company):
    missing = creg.identify(no_payments="y")
    assert missing.status_code == 422 and len(errors(missing)) == 2
    point = company.points[0]
    response = creg.identify(no_payments="y", eic=point.eic, meter=point.meter_number)
    assert response.status_code == 422
    assert "EIC-код або номер лічильника не збігаються" in response.get_data(as_text=True)


def test_five_wrong_answers_lock_the_contract_for_a_day_and_staff_unlock(creg, company, db):
    contract = company.contracts[0]
    start = datetime(2026, 11, 20, 9, 0)
    with time_machine.travel(start, tick=False):
        for i in range(5):
            assert creg.identify(amount="1.00", ip=f"10.2.0.{i}").status_code == 422
        locked = creg.identify(amount=company.amount, ip="10.2.1.1")
        assert "Ідентифікацію за цим договором призупинено" in locked.get_data(as_text=True)
        assert limits.locked_contract_ids() == [contract.id]
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert creg.identify(amount=company.amount, ip="10.2.1.3").status_code == 303
    for i in range(5):
        creg.identify(amount="1.00", ip=f"10.3.0.{i}")
    assert limits.contract_locked(contract.id)
    limits.unlock_contract(contract.id)
    db.session.commit()
    assert creg.identify(amount=company.amount, ip="10.3.1.1").status_code == 303
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.company_id == company.company.id)))
    assert actions.count("identify.mismatch") == 10 and actions.count("identify.locked") == 1


def test_one_address_is_throttled_after_ten_failures_of_any_kind(creg, company):
    for i in range(10):
        assert creg.identify(contract=f"{i}/99", amount="1.00", ip="10.4.0.1").status_code == 422
    throttled = creg.identify(amount=company.amount, ip="10.4.0.1")
    assert throttled.status_code == 429
    assert "Забагато невдалих спроб" in throttled.get_data(as_text=True)
    assert creg.identify(amount=company.amount, ip="10.4.0.2").status_code == 303


def test_failures_differ_only_in_the_advice_and_take_the_same_time(app, creg, company, rival, db):
    """Unknown contract, wrong amount, a company with an administrator and a locked contract answer alike."""
    _settle(db)
    for i in range(5):
        creg.identify(contract="1235/25-E", amount="1.00", ip=f"10.9.0.{i}")
    app.config["IDENTIFY_ANSWER_SECONDS"] = 0.2
    cases = {
        "unknown": dict(code=ACME_CODE, contract="0000/00-E", amount="500.00"),
        "wrong": dict(code=ACME_CODE, contract="1234/25-E", amount="500.00"),
        "registered": dict(
            code=FOP_CODE, contract="7777/25-E", amount=hryvnias(last_payment(rival.contracts[0].id).amount)
        ),
        "locked": dict(code=ACME_CODE, contract="1235/25-E", amount="500.00"),
    }
    bodies, times = {}, {name: [] for name in cases}
    for round_ in range(4):
        for n, (name, case) in enumerate(cases.items()):
            started = time.perf_counter()
            response = creg.identify(ip=f"10.1.{round_}.{n}", **case)
            times[name].append(time.perf_counter() - started)
            assert response.status_code == 422, name
            body = _strip(response)
            for value in case.values():
                body = body.replace(f'value="{value}"', 'value="X"')
            bodies[name] = body
    assert len(set(bodies.values())) == 1, _first_difference(bodies)
    medians = [statistics.median(t) for t in times.values()]
    assert max(medians) < min(medians) * 1.25, times


def _first_difference(bodies: dict) -> str:
    first, *others = bodies.values()
    for other in others:
        for i, (a, b) in enumerate(zip(first, other, strict=False)):
            if a != b:
                return first[max(0, i - 80) : i + 80] + " | " + other[max(0, i - 80) : i + 80]
    return ""


def test_without_javascript_every_field_stands_and_htmx_swaps_the_right_ones(client, company):
    page = client.get("/company/registration").get_data(as_text=True)
    assert 'name="amount"' in page and 'name="eic"' in page and 'name="meter"' in page
    token = csrf_token(client, "/company/registration")
    headers = {"HX-Request": "true"}
    no_payments = client.post(
        "/company/registration/extra", data={"no_payments": "y", "csrf_token": token}, headers=headers
    ).get_data(as_text=True)
    assert 'name="amount"' not in no_payments and 'name="eic"' in no_payments and 'name="meter"' in no_payments
    amount = client.post("/company/registration/extra", data={"csrf_token": token}, headers=headers)
    assert 'name="meter"' not in amount.get_data(as_text=True)


def test_a_failed_try_keeps_what_was_typed_and_htmx_gets_the_partial(creg, company):
    response = creg.identify(amount="1.00", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="identify">') and "<html" not in html
    assert 'value="1234/25-E"' in html and 'value="1.00"' in html


# ---- step 2 ---------------------------------------------------------------------------------------------------


def test_step_two_without_step_one_goes_back(client):
    response = client.get("/company/registration/account")
    assert response.status_code == 303 and response.headers["Location"].endswith("/company/registration")


def test_step_two_names_the_company_and_validates_every_field(creg, company):
    creg.identify(amount=company.amount)
    page = creg.client.get("/company/registration/account").get_data(as_text=True)
    assert 'ТОВ "Акме"' in page or "ТОВ &#34;Акме&#34;" in page
    assert "договір № 1234/25-E" in page and "Прізвище, ім’я, по батькові" in page and "Посада" in page
    response = creg.step2(login="", full_name=" ", position="", phone="123", password="short", email="x", agreement="")
    assert response.status_code == 422
    assert len(errors(response)) == 8
    summary = re.search(r'<div class="error-summary".*?</div>', response.get_data(as_text=True), re.S).group(0)
    assert [m for m in re.findall(r'href="#(\w+)"', summary)][:4] == ["login", "full_name", "position", "phone"]
    assert creg.user("olena") is None
    html = response.get_data(as_text=True)
    assert 'value="123"' in html and 'value="short"' not in html  # typed kept, passwords never sent back


def test_inline_check_of_a_field(creg, company, make_user):
    make_user("taken")
    creg.identify(amount=company.amount)
    token = csrf_token(creg.client, "/company/registration")
    response = creg.client.post(
        "/company/registration/account/check",
        data={**GOOD, "login": "taken", "csrf_token": token},
        headers={"HX-Request": "true", "HX-Trigger-Name": "login"},
    )
    assert response.status_code == 422 and "Цей логін уже зайнято" in response.get_data(as_text=True)
    position = creg.client.post(
        "/company/registration/account/check",
        data={**GOOD, "position": "", "csrf_token": token},
        headers={"HX-Request": "true", "HX-Trigger-Name": "position"},
    )
    assert position.status_code == 422


def test_registration_makes_the_first_administrator_and_the_letter_names_the_company(creg, company, db):
    creg.identify(amount=company.amount)
    response = creg.step2()
    assert response.status_code == 303, errors(response)
    assert response.headers["Location"].endswith("/registration/sent")
    user = creg.user()
    assert user.activated_at is None and user.accounts == []
    member = db.session.scalar(select(CompanyMember).where(CompanyMember.user_id == user.id))
    assert member.company_id == company.company.id and member.role is CompanyRole.admin
    assert member.full_name == "Ковальчук Олена Петрівна" and member.position == "головний бухгалтер"
    (letter,) = creg.letters("activation")
    assert letter.recipient == "olena@acme.ua"
    assert 'ТОВ "Акме"' in letter.body_text and ACME_CODE in letter.body_text
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "registration.created"))
    assert event.company_id == company.company.id
    sent = creg.client.get("/registration/sent").get_data(as_text=True)
    assert "olena@acme.ua" in sent and 'href="/company/registration"' in sent  # "repeat the registration"
    # the proof is spent: step 2 cannot be posted again
    assert creg.client.get("/company/registration/account").status_code == 303


def test_a_letter_over_smtp_activation_and_login_land_in_the_company_cabinet(app, creg, company, db, smtp):  # noqa: F811
    creg.identify(amount=company.amount)
    assert creg.step2().status_code == 303
    assert send_pending() == (1, 0)
    ((recipients, message),) = smtp.messages
    assert recipients == ["olena@acme.ua"]
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert "Акме" in body
    link = re.search(r"https://cabinet\.test(/activate/\S+)", body).group(1)
    assert creg.client.post(link, data={"csrf_token": csrf_token(creg.client)}).status_code == 303
    assert creg.user().activated_at is not None
    response = creg.client.post(
        "/login", data={"login": "olena", "password": PASSWORD, "csrf_token": csrf_token(creg.client)}
    )
    assert response.status_code == 303
    landing = creg.client.get(response.headers["Location"])
    if "company.cabinet" in app.view_functions:
        assert landing.status_code in (302, 303)
        assert landing.headers["Location"].endswith("/company/cabinet")
    else:  # the company cabinet is not there (yet): the household cabinet stays the landing
        assert landing.status_code == 200


def test_a_second_administrator_is_refused_and_told_to_ask_for_an_invitation(creg, company, db, client):
    creg.identify(amount=company.amount)
    creg.step2()
    user = creg.user()
    user.activated_at = utcnow()
    db.session.commit()
    other = creg.identify(contract="1235/25-E", amount=hryvnias(last_payment(company.contracts[1].id).amount))
    assert other.status_code == 422
    html = other.get_data(as_text=True)
    assert "У компанії вже є адміністратор" in html and "запросити вас" in html
    client.get("/?lang=en")
    english = creg.identify(amount=company.amount).get_data(as_text=True)
    assert "The company already has an administrator" in english and "invite you" in english


def test_an_unactivated_registration_is_replaced_by_the_next(creg, company, db):
    creg.identify(amount=company.amount)
    creg.step2()
    first = creg.user()
    creg.identify(amount=company.amount)
    assert creg.step2(login="olena2", email="olena2@acme.ua").status_code == 303
    assert creg.user("olena") is None and first is not None
    members = list(db.session.scalars(select(CompanyMember)))
    assert [m.user_id for m in members] == [creg.user("olena2").id]


def test_an_email_in_use_gets_the_owner_a_letter_and_makes_no_login(creg, company, make_user):
    make_user("ivan", email="olena@acme.ua")
    creg.identify(amount=company.amount)
    response = creg.step2()
    assert response.status_code == 303 and response.headers["Location"].endswith("/registration/sent")
    assert creg.user("olena") is None
    assert [letter.kind for letter in creg.letters()] == ["registration_attempt"]


def test_step_two_in_english(creg, company, client):
    client.get("/?lang=en")
    creg.identify(amount=company.amount)
    page = creg.client.get("/company/registration/account").get_data(as_text=True)
    assert "Representative's account" in page and "Full name" in page and "Position" in page
    assert "I, A REPRESENTATIVE OF" in page


@pytest.fixture
def company_cabinet(app):
    """The company cabinet's endpoint (part of the business cabinet, maybe not built here): a stand-in if absent."""
    if "company.cabinet" not in app.view_functions:
        app.add_url_rule("/company/cabinet", "company.cabinet", lambda: "the company cabinet")
    return app


def test_a_company_only_login_lands_in_the_company_cabinet_and_a_household_login_does_not(
    company_cabinet, client, acme, make_account, make_user, member
):
    login = client.post("/login", data={"login": "acme_admin", "password": PASSWORD, "csrf_token": csrf_token(client)})
    landing = client.get(login.headers["Location"])
    assert landing.status_code == 302 and landing.headers["Location"].endswith("/company/cabinet")
    both = make_user("both", accounts=[make_account("529471299")])
    member(acme.company, "both", CompanyRole.viewer, user=both)
    other = https_client(company_cabinet)
    other.post("/login", data={"login": "both", "password": PASSWORD, "csrf_token": csrf_token(other)})
    assert other.get("/cabinet").status_code == 200  # a login with personal accounts stays in the household cabinet


def test_the_company_tabs_login_form_goes_to_the_company_cabinet(company_cabinet, client):
    html = client.get("/company").get_data(as_text=True)
    assert re.search(
        r'name="next" type="hidden" value="/company/cabinet"|value="/company/cabinet"[^>]*name="next"', html
    )
    assert 'value="/company/cabinet"' not in client.get("/").get_data(as_text=True)
