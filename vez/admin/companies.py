"""The panel's business side (docs/admin.md, "The business side"; docs/companies.md, "Staff"): companies, their
contracts, metering points, people, pending invitations and documents, read-only for every staff member, and a
company's page with its contracts' identification locks, which staff lift as they do a household account's.

The views are the household ones' kind (vez.admin.views.StaffModelView): the same roles, the same filters and
search, the same refusals. Nothing here is edited or deleted: a company's data comes from the billing system's
import, its people manage themselves in the company cabinet, and a document once issued never changes. No view
shows an invitation's link nonce (it opens the invitation) or a document's frozen content or signature bytes.
"""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select

from vez import labels
from vez.admin.forms import ReasonForm
from vez.admin.views import StaffModelView, _money, ip
from vez.companies.ledger import company_balance
from vez.extensions import db
from vez.identity.limits import contract_failures, contract_locked, unlock_contract
from vez.models import AuditEvent, User, utcnow
from vez.models.company import (
    Company,
    CompanyDocument,
    CompanyInvitation,
    CompanyKind,
    CompanyMember,
    CompanyRole,
    Contract,
    DocumentKind,
    MeteringPoint,
    PaymentForm,
)
from vez.money import format_money

CATEGORY = _l("Companies")

# The business side's words (vez.labels' tables, where the lead may move them): only those not there already.
for _enum, _words in {
    CompanyKind: {CompanyKind.legal: _l("Legal entity"), CompanyKind.sole_trader: _l("Sole trader (FOP)")},
    PaymentForm: {
        PaymentForm.prepayment: _l("Prepayment"),
        PaymentForm.planned: _l("Planned payments"),
        PaymentForm.actual: _l("Actual consumption"),
    },
    CompanyRole: {
        CompanyRole.admin: _l("Company administrator"),
        CompanyRole.accountant: _l("Accountant"),
        CompanyRole.viewer: _l("Viewer"),
    },
    DocumentKind: {
        DocumentKind.invoice: _l("Invoice"),
        DocumentKind.act: _l("Acceptance act"),
        DocumentKind.reconciliation: _l("Reconciliation act"),
    },
}.items():
    labels.ENUMS.setdefault(_enum, _words)
for _table, _word in {
    "companies": _l("Company"),
    "contracts": _l("Contract"),
    "metering_points": _l("Metering point"),
    "company_members": _l("Company member"),
    "company_invitations": _l("Invitation"),
    "company_documents": _l("Company document"),
}.items():
    labels.OBJECTS.setdefault(_table, _word)

GAS_PRESSURES = {"low": _l("low"), "medium": _l("medium"), "high": _l("high")}


def point_level(point: MeteringPoint) -> str:
    """An electricity point's voltage class or a gas point's pressure, in words."""
    if point.voltage_class:
        return _("Voltage class %(cls)s", cls=point.voltage_class)
    if point.gas_pressure:
        return _("%(pressure)s pressure", pressure=GAS_PRESSURES.get(point.gas_pressure, point.gas_pressure))
    return ""


def _contracts_count(view, context, model, name) -> int:
    return db.session.scalar(select(func.count(Contract.id)).where(Contract.company_id == model.id)) or 0


def _company_balance(view, context, model, name) -> str:
    return format_money(company_balance(model.id))


def _period(view, context, model, name) -> str:
    if model.period_start.day == 1 and model.kind is not DocumentKind.reconciliation:
        return f"{model.period_start:%Y-%m}"
    return f"{model.period_start:%Y-%m-%d} – {model.period_end:%Y-%m-%d}"


def _level(view, context, model, name) -> str:
    return point_level(model)


def _link(endpoint: str, path: str):
    """A column formatter: the related row's value as a link to its own page (a contract to its company, ...)."""
    attribute, column = path.split(".")

    def formatter(view, context, model, name):
        related = getattr(model, attribute)
        return Markup('<a href="{}">{}</a>').format(
            url_for(f"{endpoint}.details_view", id=related.id), getattr(related, column)
        )

    return formatter


class CompanyView(StaffModelView):
    column_list = ("code", "kind", "name", "address", "contracts_count", "balance")
    column_details_list = ("code", "kind", "name", "address", "contracts_count", "balance", "created_at")
    column_searchable_list = ("code", "name", "address")
    column_filters = ("kind", "created_at")
    column_default_sort = "name"
    column_formatters = {"contracts_count": _contracts_count, "balance": _company_balance}
    column_formatters_detail = column_formatters
    column_labels = {
        "code": _l("EDRPOU / RNOKPP"),
        "kind": _l("Kind"),
        "name": _l("Name"),
        "address": _l("Address"),
        "contracts_count": _l("Contracts"),
        "balance": _l("Balance"),
        "created_at": _l("Created"),
    }
    details_extra = "admin/_company_details.html"

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs.update(company_context(model))
        return super().render(template, **kwargs)

    @expose("/<id:company_id>/contracts/<id:contract_id>/unlock-identification", methods=["POST"])
    def unlock_identification(self, company_id: int, contract_id: int):
        """A company's identification lock, lifted as a household account's is (operators too), with a reason;
        audited as identify.unlocked in the company's own audit list."""
        contract = db.session.scalar(
            select(Contract).where(Contract.id == contract_id, Contract.company_id == company_id)
        )
        if contract is None:
            abort(404)
        form = ReasonForm()
        if not form.validate_on_submit():
            flash(_("Give the reason for unlocking."), "error")
        elif not contract_locked(contract.id) and not contract_failures(contract.id):
            flash(_("Nothing to do: the contract's identification is not locked."), "warning")
        else:
            unlock_contract(
                contract.id, actor_id=current_user.id, ip=ip(), company_id=company_id, reason=form.reason.data
            )
            db.session.commit()
            flash(_("The identification of contract %(number)s is unlocked.", number=contract.number), "success")
        return redirect(url_for(".details_view", id=company_id), code=303)


def company_context(company: Company) -> dict:
    """What the company's page shows beside its columns."""
    contracts = db.session.scalars(
        select(Contract).where(Contract.company_id == company.id).order_by(Contract.number)
    ).all()
    points = db.session.scalars(
        select(MeteringPoint)
        .where(MeteringPoint.contract_id.in_([c.id for c in contracts]))
        .order_by(MeteringPoint.eic)
    ).all()
    members = db.session.execute(
        select(CompanyMember, User)
        .join(User, User.id == CompanyMember.user_id)
        .where(CompanyMember.company_id == company.id)
        .order_by(CompanyMember.created_at)
    ).all()
    return {
        "contracts": [
            {
                "contract": contract,
                "points": [p for p in points if p.contract_id == contract.id],
                "failures": contract_failures(contract.id),
                "locked": contract_locked(contract.id),
            }
            for contract in contracts
        ],
        "company_balance": company_balance(company.id),
        "members": members,
        "invitations": pending_invitations(company.id),
        "documents": db.session.scalars(
            select(CompanyDocument)
            .join(Contract, Contract.id == CompanyDocument.contract_id)
            .where(Contract.company_id == company.id)
            .order_by(CompanyDocument.issued_on.desc(), CompanyDocument.id.desc())
            .limit(50)
        ).all(),
        "events": db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.company_id == company.id)
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
            .limit(50)
        ).all(),
        "unlock_form": ReasonForm(formdata=None),
        "point_level": point_level,
        "event_label": labels.event,
        "target_label": labels.target,
    }


def pending_invitations(company_id: int | None = None):
    query = select(CompanyInvitation).where(
        CompanyInvitation.accepted_at.is_(None),
        CompanyInvitation.revoked_at.is_(None),
        CompanyInvitation.expires_at > utcnow(),
    )
    if company_id is not None:
        query = query.where(CompanyInvitation.company_id == company_id)
    return db.session.scalars(query.order_by(CompanyInvitation.created_at.desc())).all()


class ContractView(StaffModelView):
    column_list = ("number", "company.name", "service", "subdivision.code", "payment_form", "balance")
    column_details_list = (
        "number",
        "company.code",
        "company.name",
        "service",
        "subdivision.code",
        "starts_on",
        "payment_form",
        "balance",
        "created_at",
    )
    column_searchable_list = ("number", "company.code", "company.name")
    column_filters = ("service", "payment_form", "subdivision.code", "balance", "starts_on")
    money_columns = ("balance",)
    column_default_sort = "number"
    column_formatters = {"balance": _money, "company.name": _link("companies", "company.name")}
    column_formatters_detail = column_formatters
    column_labels = {
        "number": _l("Contract"),
        "company.code": _l("EDRPOU / RNOKPP"),
        "company.name": _l("Company"),
        "service": _l("Service"),
        "subdivision.code": _l("Subdivision"),
        "starts_on": _l("Contract start"),
        "payment_form": _l("Payment form"),
        "balance": _l("Balance"),
        "created_at": _l("Created"),
    }


class MeteringPointView(StaffModelView):
    column_list = ("eic", "contract.number", "address", "meter_number", "level")
    column_details_list = ("eic", "contract.number", "address", "meter_number", "level", "created_at")
    column_searchable_list = ("eic", "contract.number", "address", "meter_number")
    column_default_sort = "eic"
    column_formatters = {"level": _level, "contract.number": _link("contracts", "contract.number")}
    column_formatters_detail = column_formatters
    column_labels = {
        "eic": _l("EIC"),
        "contract.number": _l("Contract"),
        "address": _l("Address"),
        "meter_number": _l("Meter"),
        "level": _l("Voltage class or gas pressure"),
        "created_at": _l("Created"),
    }


class CompanyMemberView(StaffModelView):
    column_list = ("company.name", "user.login", "full_name", "position", "role", "created_at")
    column_details_list = column_list
    column_searchable_list = ("company.name", "company.code", "user.login", "full_name")
    column_filters = ("role", "created_at")
    column_default_sort = ("created_at", True)
    column_formatters = {
        "company.name": _link("companies", "company.name"),
        "user.login": _link("logins", "user.login"),
    }
    column_formatters_detail = column_formatters
    column_labels = {
        "company.name": _l("Company"),
        "company.code": _l("EDRPOU / RNOKPP"),
        "user.login": _l("Login"),
        "full_name": _l("Full name"),
        "position": _l("Position"),
        "role": _l("Role"),
        "created_at": _l("Added"),
    }


class CompanyInvitationView(StaffModelView):
    """The invitations still waiting: not accepted, not revoked, not expired. Never the link's nonce."""

    column_list = ("company.name", "email", "role", "created_at", "expires_at")
    column_details_list = column_list
    column_searchable_list = ("company.name", "company.code", "email")
    column_filters = ("role", "created_at", "expires_at")
    column_default_sort = ("created_at", True)
    column_formatters = {"company.name": _link("companies", "company.name")}
    column_formatters_detail = column_formatters
    column_labels = {
        "company.name": _l("Company"),
        "company.code": _l("EDRPOU / RNOKPP"),
        "email": _l("Email"),
        "role": _l("Role"),
        "created_at": _l("Invited"),
        "expires_at": _l("Valid until"),
    }

    def _pending(self, query):
        return query.filter(
            CompanyInvitation.accepted_at.is_(None),
            CompanyInvitation.revoked_at.is_(None),
            CompanyInvitation.expires_at > utcnow(),
        )

    def get_query(self):
        return self._pending(super().get_query())

    def get_count_query(self):
        return self._pending(super().get_count_query())

    def get_one(self, id):
        invitation = super().get_one(id)
        if invitation is None or invitation not in pending_invitations(invitation.company_id):
            return None
        return invitation


class CompanyDocumentView(StaffModelView):
    """Documents as issued: their number, period, amount and the SHA-256 of their frozen content."""

    column_list = ("number", "kind", "contract.number", "period", "issued_on", "amount", "content_sha256")
    column_details_list = column_list + ("created_at", "signature_format", "signed_at")
    column_searchable_list = ("number", "contract.number", "content_sha256")
    column_filters = ("kind", "issued_on", "amount")
    money_columns = ("amount",)
    column_default_sort = ("issued_on", True)
    column_formatters = {
        "amount": _money,
        "period": _period,
        "contract.number": _link("contracts", "contract.number"),
    }
    column_formatters_detail = column_formatters
    column_labels = {
        "number": _l("Document"),
        "kind": _l("Kind"),
        "contract.number": _l("Contract"),
        "period": _l("Period"),
        "issued_on": _l("Issued"),
        "amount": _l("Amount"),
        "content_sha256": _l("SHA-256"),
        "created_at": _l("Created"),
        "signature_format": _l("Signature"),
        "signed_at": _l("Signed"),
    }


def register(admin) -> None:
    """The "Companies" menu of the panel (vez.admin.init_admin)."""
    views = (
        (CompanyView, Company, _l("Companies"), "companies"),
        (ContractView, Contract, _l("Contracts"), "contracts"),
        (MeteringPointView, MeteringPoint, _l("Metering points"), "points"),
        (CompanyMemberView, CompanyMember, _l("People"), "company_people"),
        (CompanyInvitationView, CompanyInvitation, _l("Pending invitations"), "company_invitations"),
        (CompanyDocumentView, CompanyDocument, _l("Documents"), "company_documents"),
    )
    for view, model, name, endpoint in views:
        admin.add_view(view(model, db, name=name, endpoint=endpoint, url=endpoint.replace("_", "-"), category=CATEGORY))
