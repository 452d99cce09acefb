"""The PDFs of a contract's documents (the shipped DejaVu fonts, vez.pdf), and the wording both they and the
pages use for a document's frozen facts. Everything drawn comes from `CompanyDocument.content`; the PDF's
creation date is the issue day, so the same document in the same language is the same bytes again."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from flask import current_app, url_for
from flask_babel import gettext as _

from vez import i18n
from vez.companies.documents import qr_url
from vez.models import CompanyDocument
from vez.money import format_money
from vez.pdf import FAMILY, Document

# ---- wording shared with the pages (the `doc` helpers in templates) ------------------------------


def service_label(value: str) -> str:
    return _("Electricity") if value == "electricity" else _("Natural gas")


def unit_label(value: str) -> str:
    return _("kWh") if value == "kWh" else _("m³")


def code_label(kind: str) -> str:
    return _("EDRPOU code") if kind == "legal" else _("RNOKPP")


def payment_form_label(value: str) -> str:
    return {
        "prepayment": _("Prepayment"),
        "planned": _("Planned payments"),
        "actual": _("By actual consumption"),
    }.get(value, value)


def act_title(service: str) -> str:
    if service == "electricity":
        return _("Acceptance act of electricity")
    return _("Acceptance act of natural gas")


def qty(text: str | None) -> str:
    return "—" if text is None else i18n.number(Decimal(text))


def on(text: str) -> str:
    """An ISO date of the content in the interface language."""
    return i18n.day(date.fromisoformat(text))


def month_of(text: str) -> str:
    return i18n.month(date.fromisoformat(text + "-01"))


def back(contract) -> str | None:
    """The contract's page (part of the cabinet), else the cabinet, else None while neither is registered."""
    for endpoint, values in (("company.contract", {"contract_id": contract.id}), ("company.cabinet", {})):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, **values)
    return None


def helpers() -> dict:
    return {
        "back": back,
        "service": service_label,
        "unit": unit_label,
        "code_label": code_label,
        "payment_form": payment_form_label,
        "act_title": act_title,
        "qty": qty,
        "on": on,
        "month": month_of,
        "entry": entry_text,
        "closing": closing_text,
    }


# ---- drawing ----------------------------------------------------------------------------------------


def _document(document: CompanyDocument, title: str) -> Document:
    s = document.content["supplier"]
    doc = Document(title=title, author=s["name"])
    doc.set_creation_date(datetime.combine(document.issued_on, datetime.min.time(), tzinfo=UTC))
    label = _("Document No. %(number)s", number=document.number)
    doc.footer_text = f"{s['name']} · {s['phone']} · {label}"
    return doc


def _parties(doc: Document, c: dict) -> None:
    s, b, k = c["supplier"], c["buyer"], c["contract"]
    doc.supplier(s["name"], s["edrpou"], s["address"], s["iban"], s["bank"])
    doc.subheading(_("Buyer"))
    doc.pairs([(_("Name"), b["name"]), (code_label(b["kind"]), b["code"]), (_("Address"), b["address"])])
    doc.ln(2)
    doc.pairs(
        [
            (_("Contract"), _("No. %(number)s of %(date)s", number=k["number"], date=on(k["starts_on"]))),
            (_("Service"), service_label(k["service"])),
        ]
    )
    doc.ln(3)


def _lines(doc: Document, c: dict) -> None:
    doc.set_font(FAMILY, size=8)
    with doc.table(
        col_widths=(40, 55, 25, 25, 20, 25),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        table.row([_("EIC code"), _("Address"), _("Meter"), _("Volume"), _("Tariff, UAH"), _("Amount")])
        for line in c["lines"]:
            table.row(
                [
                    line["eic"],
                    line["address"],
                    line["meter_number"] or "—",
                    f"{qty(line['volume'])} {unit_label(line['unit'])}",
                    qty(line["tariff"]),
                    format_money(line["amount"]),
                ]
            )
    doc.set_font(FAMILY, size=10)
    doc.ln(3)


def invoice(document: CompanyDocument) -> bytes:
    c = document.content
    doc = _document(document, _("Invoice No. %(number)s", number=document.number))
    doc.heading(_("Invoice No. %(number)s of %(date)s", number=document.number, date=on(c["date"])))
    doc.pairs([(_("Period"), month_of(c["month"]))])
    doc.ln(2)
    _parties(doc, c)
    _lines(doc, c)
    doc.pairs(
        [
            (_("Balance at the start of the month"), format_money(c["opening_balance"])),
            (_("Charged for the month"), format_money(c["charged"])),
            (_("Payments received"), format_money(c["paid"])),
            (_("Balance at the end of the month"), format_money(c["closing_balance"])),
        ],
        label_width=80,
    )
    doc.ln(2)
    doc.amount_due(format_money(c["amount_due"]))
    doc.pairs([(_("Payment purpose"), c["purpose"])], label_width=80)
    doc.payment_qr(qr_url(c))
    return doc.render()


def _signatures(doc: Document, c: dict) -> None:
    """Both parties' places: the representative's name, position, signature and date."""
    doc.ln(6)
    if doc.get_y() > 230:
        doc.add_page()
    y = doc.get_y()
    width = (doc.w - doc.l_margin - doc.r_margin - 10) / 2
    for column, (title, name) in enumerate(
        ((_("For the supplier"), c["supplier"]["name"]), (_("For the buyer"), c["buyer"]["name"]))
    ):
        x = doc.l_margin + column * (width + 10)
        doc.set_xy(x, y)
        doc.set_font(FAMILY, "B", 10)
        doc.multi_cell(width, 5, title, new_x="LEFT", new_y="NEXT")
        doc.set_font(FAMILY, size=9)
        doc.multi_cell(width, 5, name, new_x="LEFT", new_y="NEXT")
        for label in (_("Position"), _("Full name"), _("Signature"), _("Date")):
            doc.set_x(x)
            doc.cell(width, 8, f"{label}: ____________________", new_x="LEFT", new_y="NEXT")
    doc.set_font(FAMILY, size=10)


def act(document: CompanyDocument) -> bytes:
    c = document.content
    title = act_title(c["contract"]["service"])
    doc = _document(document, _("%(title)s No. %(number)s", title=title, number=document.number))
    doc.heading(_("%(title)s No. %(number)s of %(date)s", title=title, number=document.number, date=on(c["date"])))
    doc.pairs([(_("Period"), month_of(c["month"]))])
    doc.ln(2)
    _parties(doc, c)
    doc.multi_cell(
        0,
        5,
        _(
            "The supplier has delivered and the buyer has accepted in %(month)s under the contract the volumes "
            "below; the tariff and the amounts include VAT.",
            month=month_of(c["month"]),
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.ln(2)
    _lines(doc, c)
    doc.set_font(FAMILY, "B", 11)
    doc.cell(80, 7, _("Total"))
    doc.cell(
        0, 7, f"{qty(c['volume'])} {unit_label(c['unit'])} · {format_money(c['total'])}", new_x="LMARGIN", new_y="NEXT"
    )
    doc.set_font(FAMILY, size=10)
    _signatures(doc, c)
    return doc.render()


def reconciliation(document: CompanyDocument) -> bytes:
    c = document.content
    doc = _document(document, _("Reconciliation act No. %(number)s", number=document.number))
    doc.heading(_("Reconciliation act No. %(number)s of %(date)s", number=document.number, date=on(c["date"])))
    doc.pairs([(_("Period"), f"{on(c['from'])} – {on(c['to'])}")])
    doc.ln(2)
    _parties(doc, c)
    doc.multi_cell(0, 5, _("Debts are positive, overpayments negative."), new_x="LMARGIN", new_y="NEXT")
    doc.ln(2)
    with doc.table(
        col_widths=(28, 92, 30, 30),
        text_align=("LEFT", "LEFT", "RIGHT", "RIGHT"),
        line_height=5,
        first_row_as_headings=True,
    ) as table:
        table.row([_("Date"), _("Document"), _("Charged"), _("Paid")])
        table.row([on(c["from"]), _("Opening balance"), format_money(c["opening_balance"]), ""])
        for entry in c["entries"]:
            table.row(
                [
                    on(entry["date"]),
                    entry_text(entry),
                    format_money(entry["charged"]) if entry["charged"] else "",
                    format_money(entry["paid"]) if entry["paid"] else "",
                ]
            )
        table.row(["", _("Turnover for the period"), format_money(c["charged"]), format_money(c["paid"])])
        table.row([on(c["to"]), _("Closing balance"), format_money(c["closing_balance"]), ""])
    doc.ln(2)
    doc.multi_cell(0, 5, closing_text(c), new_x="LMARGIN", new_y="NEXT")
    _signatures(doc, c)
    return doc.render()


def entry_text(entry: dict) -> str:
    if entry["kind"] == "charge":
        return _(
            "%(month)s: act No. %(act)s, invoice No. %(invoice)s",
            month=month_of(entry["month"]),
            act=entry["act"],
            invoice=entry["invoice"],
        )
    return _("Payment, reference %(reference)s", reference=entry["reference"] or "—")


def closing_text(c: dict) -> str:
    amount = c["closing_balance"]
    if amount > 0:
        return _("On %(date)s the buyer owes the supplier %(amount)s.", date=on(c["to"]), amount=format_money(amount))
    if amount < 0:
        return _(
            "On %(date)s the buyer has overpaid the supplier %(amount)s.",
            date=on(c["to"]),
            amount=format_money(-amount),
        )
    return _("On %(date)s neither party owes the other.", date=on(c["to"]))
