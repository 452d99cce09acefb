"""Bills and certificates as documents: what they say (shared by the HTML page and the PDF) and the PDFs."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import gettext as _

from vez import nbu_qr
from vez.billing import days_overdue, purpose_line
from vez.cabinet import queries
from vez.extensions import db
from vez.i18n import day, moment, number, rule_day
from vez.i18n import month as billing_month
from vez.models import Bill, Certificate, Charge, Payment, PersonalAccount, Service
from vez.money import format_money
from vez.pdf import FAMILY, Document

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


@dataclass(frozen=True)
class Supplier:
    name: str
    edrpou: str
    iban: str
    bank: str
    address: str
    phone: str

    @classmethod
    def from_config(cls) -> Supplier:
        c = current_app.config
        return cls(
            c["SUPPLIER_NAME"],
            c["SUPPLIER_EDRPOU"],
            c["SUPPLIER_IBAN"],
            c["SUPPLIER_BANK"],
            c["SUPPLIER_ADDRESS"],
            c["SUPPLIER_PHONE"],
        )


@dataclass(frozen=True)
class BillView:
    bill: Bill
    account: PersonalAccount
    charge: Charge | None
    payments: list[Payment]
    supplier: Supplier
    purpose: str
    qr_url: str
    days_overdue: int = 0
    newest: bool = False  # no later bill of the account: the one the offline snapshot keeps

    @property
    def qr_image(self) -> str:
        return nbu_qr.svg_data_uri(self.qr_url)


def bill_view(account: PersonalAccount, month: date, today: date) -> BillView | None:
    found = queries.bill_month(account, month)
    if found is None:
        return None
    bill, charge, newest = found
    supplier = Supplier.from_config()
    purpose = purpose_line(account, month)
    qr_url = nbu_qr.payment_url(
        name=current_app.config.get("SUPPLIER_SHORT_NAME") or supplier.name,
        iban=supplier.iban,
        amount=bill.amount_due,
        code=supplier.edrpou,
        purpose=purpose,
    )
    overdue = days_overdue(bill, balance=account.balance, newest=newest, today=today)
    return BillView(
        bill,
        account,
        charge,
        queries.received_in(account, month),
        supplier,
        purpose,
        qr_url,
        overdue,
        newest,
    )


def _unit(charge: Charge) -> str:
    return _("kWh") if charge.unit == "kWh" else _("m³")


def service_name(account: PersonalAccount) -> str:
    return _("Electricity") if account.service is Service.electricity else _("Natural gas")


def bill_pdf(view: BillView) -> bytes:
    bill, account, s = view.bill, view.account, view.supplier
    doc = Document(title=_("Bill No. %(number)s", number=bill.number), author=s.name)
    doc.footer_text = f"{s.name} · {s.phone}"
    doc.heading(_("Bill No. %(number)s of %(date)s", number=bill.number, date=day(bill.issued_on)))
    doc.pairs(
        [
            (_("Period"), billing_month(bill.month)),
            (_("Service"), service_name(account)),
        ]
    )
    doc.ln(2)
    doc.supplier(s.name, s.edrpou, s.address, s.iban, s.bank)
    doc.subheading(_("Consumer"))
    doc.pairs(
        [
            (_("Personal account"), account.number),
            (_("Account holder"), account.holder_name),
            (_("Address"), account.address),
        ]
    )
    doc.ln(3)
    charge = view.charge
    with doc.table(
        col_widths=(30, 30, 30, 30, 30, 30),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        line_height=6,
        first_row_as_headings=True,
    ) as table:
        table.row([_("Meter"), _("Reading at start"), _("Reading at end"), _("Volume"), _("Tariff, UAH"), _("Amount")])
        if charge is not None:
            table.row(
                [
                    account.meter_number or "—",
                    number(charge.reading_start) or "—",
                    number(charge.reading_end) or "—",
                    f"{number(charge.volume)} {_unit(charge)}",
                    number(charge.tariff),
                    format_money(charge.amount),
                ]
            )
        else:
            table.row([account.meter_number or "—", "—", "—", "—", "—", format_money(0)])
    doc.ln(3)
    rows = [
        (_("Balance at the start of the month"), format_money(bill.opening_balance)),
        (_("Charged for the month"), format_money(bill.charged)),
        (_("Payments received"), format_money(bill.paid)),
        *[("    " + moment(payment.paid_at), format_money(payment.amount)) for payment in view.payments],
        (_("Balance at the end of the month"), format_money(bill.closing_balance)),
    ]
    doc.pairs(rows, label_width=80)
    doc.ln(2)
    doc.amount_due(format_money(bill.amount_due))
    doc.pairs([(_("Pay by"), day(bill.due_date)), (_("Payment purpose"), view.purpose)], label_width=80)
    doc.payment_qr(view.qr_url)
    doc.set_xy(doc.l_margin + 50, doc.get_y() + 2)
    doc.multi_cell(
        0,
        5,
        _("Pay without commission in the personal cabinet: %(url)s", url=current_app.config["EXTERNAL_URL"]),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    return doc.render()


# ---- certificates of no debt ---------------------------------------------------------------------


def can_certify(account: PersonalAccount) -> bool:
    """A certificate of no debt is offered only when the balance is not a debt."""
    return account.balance <= 0


def issue_certificate(account: PersonalAccount, user_id: int, today: date) -> Certificate:
    """Record a certificate with a fresh code; the caller commits."""
    if not can_certify(account):
        raise ValueError("the account has a debt")
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    certificate = Certificate(code=code, account=account, user_id=user_id, issued_on=today, balance=account.balance)
    db.session.add(certificate)
    return certificate


def pretty_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def certificate_pdf(certificate: Certificate, check_url: str) -> bytes:
    account, s = certificate.account, Supplier.from_config()
    doc = Document(title=_("Certificate of no debt"), author=s.name)
    doc.footer_text = f"{s.name} · {s.address} · {s.phone}"
    doc.set_font(FAMILY, "B", 11)
    doc.multi_cell(0, 5.5, s.name, new_x="LMARGIN", new_y="NEXT")
    doc.set_font(FAMILY, size=9)
    doc.multi_cell(0, 5, f"{_('EDRPOU code')} {s.edrpou} · {s.address}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(8)
    doc.heading(_("Certificate of no debt"), 16)
    doc.pairs(
        [
            (_("Date"), day(certificate.issued_on)),
            (_("Verification code"), pretty_code(certificate.code)),
        ]
    )
    doc.ln(4)
    doc.pairs(
        [
            (_("Service"), service_name(account)),
            (_("Personal account"), account.number),
            (_("Account holder"), account.holder_name),
            (_("Address"), account.address),
            (
                _("Balance"),
                _("overpayment %(amount)s", amount=format_money(-certificate.balance))
                if certificate.balance < 0
                else format_money(0),
            ),
        ]
    )
    doc.ln(6)
    doc.multi_cell(
        0,
        6,
        _(
            "This is to certify that on %(date)s the personal account No. %(number)s has no debt "
            "for %(service)s to %(supplier)s.",
            date=day(certificate.issued_on),
            number=account.number,
            service=service_name(account).lower(),
            supplier=s.name,
        ),
        align="L",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    doc.ln(4)
    doc.set_font(FAMILY, size=9)
    if account.service is Service.electricity:
        doc.multi_cell(
            0,
            5,
            _(
                "Debts for electricity from before %(cutoff)s are kept by the distribution system "
                "operator and are not covered by this certificate.",
                cutoff=rule_day(current_app.config["DSO_DEBT_CUTOFF"]),
            ),
            align="L",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    doc.ln(4)
    doc.multi_cell(
        0, 5, _("Check this certificate with its code at %(url)s", url=check_url), new_x="LMARGIN", new_y="NEXT"
    )
    return doc.render()
