"""Registration of a company at /company/registration: the contract identified (vez.companies.identification,
the identity core's mechanism), then the representative's login; the letter and activation as for households.

Step 1's proof is carried to step 2 the household way (a signed token naming an `IdentificationProof` row,
bound to this session) and checked again at every answer of step 2; step 2 counts within the household's
step 2 limits, and the "letter sent" page, its resend and the activation are the household's own.
"""

from __future__ import annotations

from functools import partial

from flask import abort, current_app, render_template, request, session, url_for

from vez.companies import registration as company_signup
from vez.companies.access import memberships
from vez.companies.identification import active_administrator, identify_contract
from vez.company import bp
from vez.company.forms import EIC_PROBLEMS, CompanyAccountForm, CompanyIdentifyForm
from vez.extensions import db
from vez.htmx import render
from vez.identity import signup
from vez.identity.identification import IdentificationOutcome
from vez.models import Contract
from vez.pagecache import cached_page
from vez.registration import steps
from vez.registration.steps import (
    BINDING,
    back_to_step_one,
    extra_mode,
    hand_over,
    run_check,
    step_two,
)

IDENTIFICATION = "company_identification"  # the signed proof of step 1 (a contract), handed to step 2
CONTRACT = "c"  # the proof's subject: a contract (vez.identity.signup)


def _render_identify(form, result, status):
    body = render(
        "company/registration.html",
        "company/_registration_identify.html",
        form=form,
        result=result,
        extra_mode=extra_mode(form, page=True),
    )
    return body, status


@bp.get("/registration")
@cached_page
def registration():
    body, _status = _render_identify(CompanyIdentifyForm(), None, 200)
    return body


@bp.post("/registration")
def identify():
    form = CompanyIdentifyForm()

    def answer():
        amount, meter = form.last_payment()
        return identify_contract(
            form.parsed_code,
            form.contract.data,
            amount=amount,
            eic=form.parsed_eic,
            meter=meter,
            ip=request.remote_addr,
        )

    result, status = run_check(form, answer, second=(form.eic, str(EIC_PROBLEMS["empty"])))
    if result is not None and result.outcome is IdentificationOutcome.ok:
        return hand_over(IDENTIFICATION, result.contract.id, "company.account", subject=CONTRACT)
    return _render_identify(form, result, status)


@bp.post("/registration/extra")
def identify_extra():
    """The fields that depend on "No payments yet" (htmx swaps them as the box changes)."""
    form = CompanyIdentifyForm()
    return render_template("company/_registration_extra.html", form=form, extra_mode=extra_mode(form))


def _identified():
    """This session's unspent proof of step 1; a company that got an administrator meanwhile spends it."""
    proof = signup.identified_proof(session.get(IDENTIFICATION), session.get(BINDING), subject=CONTRACT)
    if proof is None:
        return None
    contract = db.session.get(Contract, proof.contract_id)
    if contract is None or active_administrator(contract.company_id) is not None:
        signup.spend_proofs(proof.contract_id, subject=CONTRACT)
        db.session.commit()
        return None
    return proof


def _account_form(contract: Contract) -> CompanyAccountForm:
    return CompanyAccountForm(
        account_number=contract.number, replaces=company_signup.unactivated_administrator(contract.company_id)
    )


def _step2_page(form, contract, status, *, wait: str | None = None):
    return render(
        "company/registration_account.html",
        "company/_registration_account_form.html",
        form=form,
        contract=contract,
        company=contract.company,
        wait=wait,
    ), status


@bp.route("/registration/account", methods=["GET", "POST"])
def account():
    proof = _identified()
    if proof is None:
        return back_to_step_one(IDENTIFICATION, "company.registration")
    contract = db.session.get(Contract, proof.contract_id)
    form = _account_form(contract)
    # An address in use gets the household answer; the owner's letter names no personal account.
    return step_two(
        proof,
        form,
        IDENTIFICATION,
        page=partial(_step2_page, form, contract),
        create=lambda data: company_signup.create_company_registration(
            contract,
            data,
            full_name=form.normalized["full_name"],
            position=form.normalized["position"],
            ip=request.remote_addr,
        ),
        subject_id=contract.id,
        subject=CONTRACT,
    )


@bp.post("/registration/account/check")
def check_field():
    """Inline validation of the field just left, within step 2's limits (as the household step 2)."""
    proof = _identified()
    if proof is None:
        abort(409)
    return steps.check_field(
        proof, CompanyAccountForm.FIELDS, lambda: _account_form(db.session.get(Contract, proof.contract_id))
    )


def landing(user) -> str | None:
    """Where a login lands after logging in, when not the household cabinet: the company cabinet for a login
    with companies but no personal accounts (once that page is there)."""
    if user.accounts or "company.cabinet" not in current_app.view_functions:
        return None
    return url_for("company.cabinet") if memberships(user.id) else None
