"""A contract's balance is its charges less its paid payments; a company's is the sum of its contracts'."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from vez.companies.access import Can, can, member_contract, memberships
from vez.companies.ledger import company_balance, last_payment
from vez.models import CompanyCharge, CompanyPayment, PaymentStatus


def test_contract_balance_is_its_charges_less_its_paid_payments(db, acme):
    for contract in acme.contracts:
        charged = db.session.scalar(
            select(func.sum(CompanyCharge.amount)).where(CompanyCharge.contract_id == contract.id)
        )
        paid = db.session.scalar(
            select(func.sum(CompanyPayment.amount)).where(
                CompanyPayment.contract_id == contract.id, CompanyPayment.status == PaymentStatus.paid
            )
        )
        assert contract.balance == charged - paid > 0
    assert company_balance(acme.company.id) == sum(contract.balance for contract in acme.contracts)


def test_only_octobers_charges_are_owed_and_the_last_payment_is_septembers(db, acme):
    october = db.session.scalar(
        select(func.sum(CompanyCharge.amount)).where(
            CompanyCharge.contract_id == acme.contracts[0].id, CompanyCharge.month == date(2026, 10, 1)
        )
    )
    assert acme.contracts[0].balance == october
    assert last_payment(acme.contracts[0].id).paid_at.date() == date(2026, 10, 10)


def test_a_login_finds_only_the_contracts_of_its_own_companies(db, acme, rival):
    assert member_contract(acme.admin.id, acme.contracts[0].id) is not None
    assert member_contract(acme.admin.id, rival.contracts[0].id) is None
    assert [m.company_id for m in memberships(rival.admin.id)] == [rival.company.id]


def test_roles_allow_what_the_table_says(db, acme):
    member = memberships(acme.admin.id)[0]
    assert all(can(member, capability) for capability in Can)
    assert not can(None, Can.view)
