"""A contract's documents as pages and PDFs (docs/companies.md, "Documents"): the monthly invoice and acceptance
act, the reconciliation act for a period the user picks. Each is issued once (vez.companies.documents.issue)
and drawn from its frozen content, so a download again gives the same document."""

from __future__ import annotations

from datetime import date, datetime

from flask import Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField

from vez import audit, i18n, nbu_qr
from vez.companies import access, documents
from vez.companies.access import Can
from vez.company import bp
from vez.company import pdf as company_pdf
from vez.company.access import contract_or_404, member_required
from vez.extensions import db
from vez.htmx import is_partial_request
from vez.models import CompanyDocument, Contract, DocumentKind

PERIOD_MESSAGES = {
    "format": _l("Enter a date as YYYY-MM-DD, for example 2026-01-31."),
    "missing": _l("Enter a date."),
    "order": _l("The end of the period cannot be before its start."),
    "future": _l("The date cannot be in the future."),
}
BEFORE_CONTRACT = _l("The period cannot start before the contract did (%(date)s).")


class PeriodForm(FlaskForm):
    """The reconciliation act's period: a GET form (it changes nothing), so no CSRF token."""

    class Meta:
        csrf = False

    date_from = StringField(
        _l("From"), name="from", render_kw={"type": "date", "autocomplete": "off"}, id="reconciliation-from"
    )
    date_to = StringField(
        _l("To"), name="to", render_kw={"type": "date", "autocomplete": "off"}, id="reconciliation-to"
    )


@bp.app_context_processor
def document_helpers() -> dict:
    """`doc.*` in the document templates: the wording of a document's frozen facts, shared with the PDFs."""
    return {"doc": company_pdf.helpers(), "company_can": _can, "period_form": period_form}


def _can(member, capability: str) -> bool:
    return access.can(member, Can(capability))


def _pdf(data: bytes, filename: str) -> Response:
    response = Response(data, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    return response


def _issued(contract: Contract, kind: DocumentKind, start: date, end: date | None = None) -> CompanyDocument:
    """The document, issued now if it was not yet (audited and committed); 404 for a month without charges."""
    try:
        document, new = documents.issue(contract, kind, start, end, user_id=current_user.id, today=i18n.today())
    except documents.NoCharges:
        abort(404)
    if new:
        audit.record(
            f"company.document.{kind.value}",
            actor_id=current_user.id,
            ip=request.remote_addr,
            target=document,
            company_id=contract.company_id,
            number=document.number,
            contract=contract.number,
        )
        db.session.commit()
    return document


def _monthly(contract_id: int, month: date, kind: DocumentKind) -> tuple[Contract, CompanyDocument]:
    contract, _member = contract_or_404(contract_id, Can.documents)
    return contract, _issued(contract, kind, month)


def _filename(document: CompanyDocument) -> str:
    safe = "".join(
        ch if (ch.isascii() and ch.isalnum()) or ch in "-_" else "_" for ch in document.content["contract"]["number"]
    )
    tail = document.content.get("month") or f"{document.period_start:%Y%m%d}-{document.period_end:%Y%m%d}"
    return f"{document.kind.value}-{safe}-{tail}.pdf"


@bp.route("/contracts/<id:contract_id>/invoices/<month:month>")
@member_required(Can.documents)
def invoice(contract_id: int, month: date):
    contract, document = _monthly(contract_id, month, DocumentKind.invoice)
    qr_image = nbu_qr.svg_data_uri(documents.qr_url(document.content))
    return render_template(
        "company/invoice.html", contract=contract, document=document, c=document.content, qr_image=qr_image
    )


@bp.route("/contracts/<id:contract_id>/invoices/<month:month>.pdf")
@member_required(Can.documents)
def invoice_pdf(contract_id: int, month: date):
    _contract, document = _monthly(contract_id, month, DocumentKind.invoice)
    return _pdf(company_pdf.invoice(document), _filename(document))


@bp.route("/contracts/<id:contract_id>/acts/<month:month>")
@member_required(Can.documents)
def act(contract_id: int, month: date):
    contract, document = _monthly(contract_id, month, DocumentKind.act)
    return render_template("company/act.html", contract=contract, document=document, c=document.content)


@bp.route("/contracts/<id:contract_id>/acts/<month:month>.pdf")
@member_required(Can.documents)
def act_pdf(contract_id: int, month: date):
    _contract, document = _monthly(contract_id, month, DocumentKind.act)
    return _pdf(company_pdf.act(document), _filename(document))


def _day(field, problems: dict) -> date | None:
    text = (field.data or "").strip()
    if not text:
        problems[field] = PERIOD_MESSAGES["missing"]
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        problems[field] = PERIOD_MESSAGES["format"]
        return None


def period_form(contract: Contract) -> PeriodForm:
    """The period form filled with the default period (the year so far): for the contract page's partial."""
    start, end = documents.default_period(contract, i18n.today())
    return PeriodForm(formdata=None, date_from=start.isoformat(), date_to=end.isoformat())


def _reconciliation(contract_id: int) -> tuple[Contract, PeriodForm, CompanyDocument | None]:
    """The contract, the period form and, when the query names a valid period, its act; the form's fields carry
    the messages of a bad query (then there is no act)."""
    contract, _member = contract_or_404(contract_id, Can.documents)
    if "from" not in request.args and "to" not in request.args:
        return contract, period_form(contract), None
    form = PeriodForm(request.args)
    problems: dict = {}
    start, end = _day(form.date_from, problems), _day(form.date_to, problems)
    if start and end:
        problem = documents.check_period(contract, start, end, i18n.today())
        if problem is not None:
            field = form.date_from if problem.field == "from" else form.date_to
            if problem.reason == "before_contract":
                problems[field] = str(BEFORE_CONTRACT) % {"date": i18n.day(contract.starts_on)}
            else:
                problems[field] = PERIOD_MESSAGES[problem.reason]
    for field, message in problems.items():
        field.errors = [str(message)]
    if problems:
        return contract, form, None
    return contract, form, _issued(contract, DocumentKind.reconciliation, start, end)


@bp.route("/contracts/<id:contract_id>/reconciliation")
@member_required(Can.documents)
def reconciliation(contract_id: int):
    contract, form, document = _reconciliation(contract_id)
    status = 422 if any(field.errors for field in form) else 200
    template = "company/_reconciliation.html" if is_partial_request() else "company/reconciliation.html"
    context = {"contract": contract, "form": form, "document": document, "c": document.content if document else None}
    return render_template(template, **context), status


@bp.route("/contracts/<id:contract_id>/reconciliation.pdf")
@member_required(Can.documents)
def reconciliation_pdf(contract_id: int):
    """The act's PDF; a bad or missing period shows the form with its messages instead (never a 500)."""
    contract, form, document = _reconciliation(contract_id)
    if document is None:
        if not any(field.errors for field in form):
            form.date_from.errors = [str(PERIOD_MESSAGES["missing"])]
        context = {"contract": contract, "form": form, "document": None, "c": None}
        return render_template("company/reconciliation.html", **context), 422
    return _pdf(company_pdf.reconciliation(document), _filename(document))
