"""The business side's limits under parallel requests against a live gunicorn (3 workers of 4 threads), on
SQLite and (VEZ_TEST_BACKEND=postgres) PostgreSQL: a contract's identification lock and a company's
invitations per day. One burst each from threads that wait at a barrier, then counted in the database."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD
from tests.live import live_servers
from vez.companies.codes import eic_check_character
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import (
    BranchKind,
    Company,
    CompanyInvitation,
    CompanyKind,
    CompanyMember,
    CompanyPayment,
    CompanyPaymentSource,
    CompanyRole,
    Contract,
    IdentificationFailure,
    MeteringPoint,
    PaymentForm,
    Service,
    Subdivision,
    User,
    utcnow,
)

pytestmark = pytest.mark.live
CODE, CONTRACT, AMOUNT = "32855961", "L-1/26-E", "1234.56"  # the contract's right last payment


def seed() -> None:
    sub = Subdivision(code="101", service=Service.electricity, name_uk="Луцька", name_en="Lutsk", kind=BranchKind.city)
    company = Company(code=CODE, kind=CompanyKind.legal, name='ТОВ "Гонка"', address="м. Луцьк")
    db.session.add_all([sub, company])
    db.session.flush()
    contract = Contract(
        company_id=company.id,
        number=CONTRACT,
        service=Service.electricity,
        subdivision_id=sub.id,
        starts_on=date(2025, 1, 1),
        payment_form=PaymentForm.actual,
    )
    db.session.add(contract)
    db.session.flush()
    first15 = "62Z000000000001"
    db.session.add(MeteringPoint(contract_id=contract.id, eic=first15 + eic_check_character(first15), address="Луцьк"))
    paid = datetime(2025, 10, 10, 12)  # older than the window: the amount alone identifies
    db.session.add(
        CompanyPayment(
            contract_id=contract.id,
            amount=123456,
            paid_at=paid,
            created_at=paid,
            source=CompanyPaymentSource.bank,
            reference="race-bank-1",
        )
    )
    boss = User(
        login="boss",
        login_key="boss",
        email="boss@example.com",
        email_key="boss@example.com",
        phone="+380501234567",
        password_hash=hash_password(PASSWORD),
        activated_at=utcnow(),
    )
    db.session.add(boss)
    db.session.flush()
    db.session.add(
        CompanyMember(company_id=company.id, user_id=boss.id, role=CompanyRole.admin, full_name="Бос", position="")
    )
    db.session.commit()


@pytest.fixture
def live(request, tmp_path):
    yield from live_servers(request, tmp_path, seed)


def _identify(server, amount: str):
    return lambda: server.post("/company/registration", {"code": CODE, "contract": CONTRACT, "amount": amount})


def test_32_parallel_wrong_amounts_for_one_contract_judge_at_most_five_and_then_lock_it(live):
    server = live(IDENTIFY_LIMIT_PER_ADDRESS="1000 per hour", IDENTIFY_LIMIT_PER_ACCOUNT="5 per day")
    answers = server.burst([_identify(server, f"{i + 1}.00") for i in range(32)])
    assert {status for status, _, _ in answers} == {422}
    judged = server.count(
        select(func.count(IdentificationFailure.id)).where(IdentificationFailure.reason == "mismatch")
    )
    assert judged <= 5 and server.audited("identify.mismatch") == judged
    assert server.audited("identify.locked") == 32 - judged
    status, _, _ = _identify(server, AMOUNT)()
    assert status == 422 and server.audited("identify.ok") == 0, "the right amount must be refused once locked"
    print(f"identification per contract: 32 fired, {judged} judged")


def test_40_parallel_invitations_of_one_company_send_at_most_twenty(live):
    server = live(INVITATION_LIMIT_PER_COMPANY="20 per day")
    status, _, cookie = server.post("/login", {"login": "boss", "password": PASSWORD})
    assert status == 303 and cookie

    def invite(i: int):
        fields = {"email": f"person{i}@example.com", "role": "accountant", "note": ""}
        return lambda: server.post("/company/people/invite", fields, cookie=cookie)

    answers = server.burst([invite(i) for i in range(40)])
    sent = server.count(select(func.count(CompanyInvitation.id)))
    assert sent == 20, answers
    assert sorted(status for status, _, _ in answers) == [303] * 20 + [429] * 20
    assert server.audited("company.invited") == 20 and server.audited("company.invitation_limited") == 20
    print(f"invitations per company: 40 fired, {sent} sent")
