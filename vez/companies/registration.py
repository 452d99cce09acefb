"""Step 2 of a company's registration: the representative's unactivated login and its place in the company as
the administrator, in the caller's one transaction; the household's letter and activation
(`vez.identity.signup`, `vez.identity.activation`)."""

from __future__ import annotations

from sqlalchemy import delete

from vez import audit
from vez.companies.identification import administrator
from vez.extensions import db
from vez.identity.activation import ACTIVATION_LETTER, send_activation_letter
from vez.identity.signup import NewLogin, new_login, spend_proofs
from vez.models import CompanyMember, CompanyRole, Contract, User


def unactivated_administrator(company_id: int) -> User | None:
    """A registration of the company never activated (the next one replaces it, as on the household side)."""
    return administrator(company_id, activated=False)


def release_unactivated(contract: Contract, *, ip: str | None) -> None:
    replaced = unactivated_administrator(contract.company_id)
    if replaced is not None:
        audit.record(
            "registration.replaced", ip=ip, target=replaced, company_id=contract.company_id, contract=contract.number
        )
        db.session.execute(delete(CompanyMember).where(CompanyMember.user_id == replaced.id))
        db.session.delete(replaced)
        db.session.flush()


def create_company_registration(
    contract: Contract, data: NewLogin, *, full_name: str, position: str, ip: str | None
) -> User:
    """The unactivated login, the company's administrator, and the activation letter naming the company."""
    release_unactivated(contract, ip=ip)
    user = new_login(data)
    db.session.add(
        CompanyMember(
            company_id=contract.company_id,
            user_id=user.id,
            role=CompanyRole.admin,
            full_name=full_name,
            position=position,
        )
    )
    spend_proofs(contract.id, subject="c")
    audit.record(
        "registration.created",
        actor_id=user.id,
        ip=ip,
        target=user,
        company_id=contract.company_id,
        contract=contract.number,
    )
    send_activation_letter(user, kind=ACTIVATION_LETTER, company=contract.company)
    return user
