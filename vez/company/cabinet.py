"""The company cabinet at /company/cabinet: balance, contracts and points, charges by month and point, payments,
the 12-month chart per point, CSV export (docs/companies.md, "The company cabinet")."""

from __future__ import annotations

from flask import Response, current_app, g, render_template
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required

from vez import i18n
from vez.cabinet.chart import chart
from vez.cabinet.documents import Supplier
from vez.cabinet.export import RECORD_HEADERS, SheetWriter
from vez.companies import access, queries
from vez.companies.access import Can
from vez.companies.ledger import company_balance
from vez.company import bp
from vez.company.access import contract_or_404, current_member, member_required
from vez.models import CompanyPaymentSource, Contract


@bp.route("/no-company")
@login_required
def no_company():
    """A login that belongs to no company: where to register one, and the way back to the household cabinet."""
    can_register = "company.registration" in current_app.view_functions  # part of the registration's blueprint
    return render_template("company/no_company.html", member=current_member(), can_register=can_register)


@bp.route("/cabinet")
@member_required()
def cabinet():
    member = current_member()
    return render_template(
        "company/cabinet.html",
        member=member,
        balance=company_balance(member.company_id),
        cards=queries.contracts_of(member.company_id),
    )


@bp.route("/contracts/<id:contract_id>")
@login_required
def contract(contract_id: int):
    contract, member = contract_or_404(contract_id)
    g.company_member = member  # the company bar names the contract's company, whichever is chosen
    history = queries.history(contract, i18n.today())
    charts = [(h.point, chart(h.start, h.charges)) for h in history.points]
    return render_template(
        "company/contract.html",
        contract=contract,
        member=member,
        history=history,
        charts=charts,
        months=history.month_keys,
        supplier=Supplier.from_config(),
        can_pay=access.can(member, Can.pay),
        volume_total=queries.volume_total,
    )


@bp.route("/contracts/<id:contract_id>/export.csv")
@login_required
def contract_export(contract_id: int):
    contract, _member = contract_or_404(contract_id)
    response = Response(contract_csv(contract, str(get_locale())), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="vez-{_safe(contract.number)}.csv"'
    return response


def _safe(number: str) -> str:
    """A contract number as a file name: its slashes and anything odd become hyphens."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in number)


def contract_csv(contract: Contract, language: str) -> str:
    """A contract's charges per point and month and its payments, as vez.cabinet.export writes a household
    account's: the same spreadsheet conventions, the same cell guard, the same names of units and states."""
    sheet = SheetWriter(language)
    sources = {CompanyPaymentSource.bank: _("bank"), CompanyPaymentSource.online: _("online")}
    sheet.row((_("Record"), _("Contract"), _("EIC code"), *RECORD_HEADERS, _("Payment purpose")))
    points = {p.id: p.eic for p in queries.points_of(contract)}
    charges = sorted(queries.all_charges(contract), key=lambda c: (c.month, points.get(c.point_id, "")))
    for c in charges:  # the oldest month first, as the household file; a month's points by EIC
        sheet.row((_("charge"), contract.number, points.get(c.point_id, ""), *sheet.charge(c), ""))
    for p in reversed(queries.all_payments(contract)):
        sheet.row((_("payment"), contract.number, "", *sheet.payment(p, sources[p.source]), p.purpose or ""))
    return sheet.text()
