"""A contract's documents (docs/companies.md, "Documents"): the monthly invoice (рахунок на оплату), the monthly
acceptance act (акт приймання-передавання) and the reconciliation act (акт звірки) for any period.

A document is issued once: `issue` draws its facts from the ledger, freezes them as JSON (`content`, every
figure any rendering shows) with their SHA-256, numbers it and stores it; asked again for the same contract,
kind and period it returns the stored one, so the HTML and PDF are the same whenever they are drawn. Numbers:

- invoice `Р-<contract number>-<YYYYMM>`, act `А-<contract number>-<YYYYMM>` (one per contract and month);
- reconciliation `З-<contract number>-<n>`, n counting the contract's reconciliation acts from 1.

(`<contract number>` is the contract's id instead when the number would pass the column's 40 characters.)

The ledger's dates: a month's charge is booked on the month's last day (the date of its act); a payment on the
day it was paid. So a reconciliation's closing balance at `to` is the charges booked up to `to` less the
payments paid up to `to`, and at any day after the last of them it is the contract's `balance`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from vez import nbu_qr
from vez.billing import next_month, period_uk
from vez.cabinet.documents import Supplier
from vez.extensions import db
from vez.models import (
    CompanyCharge,
    CompanyDocument,
    CompanyPayment,
    Contract,
    DocumentKind,
    MeteringPoint,
    PaymentStatus,
    Service,
)

PREFIX = {DocumentKind.invoice: "Р", DocumentKind.act: "А", DocumentKind.reconciliation: "З"}
NUMBER_LENGTH = 40  # CompanyDocument.number
ISSUE_TRIES = 5  # a reconciliation's n taken by a concurrent request: count again


class NoCharges(LookupError):
    """An invoice or an act of a month the contract has no charges for."""


@dataclass(frozen=True)
class PeriodProblem:
    """Why a reconciliation period cannot be drawn: `field` is "from" or "to", `reason` one of the keys of
    `PERIOD_REASONS` (the web side words them)."""

    field: str
    reason: str


PERIOD_REASONS = ("order", "future", "before_contract")


def month_end(month: date) -> date:
    return next_month(month) - timedelta(days=1)


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def canonical(content: dict) -> bytes:
    """The bytes `content_sha256` is taken of (and a detached signature will sign)."""
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def sha256(content: dict) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def monthly_number(contract: Contract, kind: DocumentKind, month: date) -> str:
    number = f"{PREFIX[kind]}-{contract.number}-{month:%Y%m}"
    return number if len(number) <= NUMBER_LENGTH else f"{PREFIX[kind]}-{contract.id}-{month:%Y%m}"


def _reconciliation_number(contract: Contract, n: int) -> str:
    number = f"{PREFIX[DocumentKind.reconciliation]}-{contract.number}-{n}"
    return number if len(number) <= NUMBER_LENGTH else f"{PREFIX[DocumentKind.reconciliation]}-{contract.id}-{n}"


# ---- the facts ------------------------------------------------------------------------------------


def supplier() -> dict:
    """The supplier's requisites, as the household bill takes them (vez.cabinet.documents.Supplier)."""
    short_name = current_app.config.get("SUPPLIER_SHORT_NAME")
    requisites = asdict(Supplier.from_config())
    return {**requisites, "short_name": short_name or requisites["name"]}


def _parties(contract: Contract) -> dict:
    company = contract.company
    return {
        "supplier": supplier(),
        "buyer": {"name": company.name, "code": company.code, "kind": company.kind.value, "address": company.address},
        "contract": {
            "number": contract.number,
            "service": contract.service.value,
            "starts_on": contract.starts_on.isoformat(),
            "payment_form": contract.payment_form.value,
        },
    }


def charge_months(contract_id: int) -> list[date]:
    """The months the contract has charges for, newest first."""
    return list(
        db.session.scalars(
            select(CompanyCharge.month)
            .where(CompanyCharge.contract_id == contract_id)
            .group_by(CompanyCharge.month)
            .order_by(CompanyCharge.month.desc())
        )
    )


def _lines(contract_id: int, month: date) -> list[dict]:
    rows = db.session.execute(
        select(CompanyCharge, MeteringPoint)
        .join(MeteringPoint, MeteringPoint.id == CompanyCharge.point_id)
        .where(CompanyCharge.contract_id == contract_id, CompanyCharge.month == month)
        .order_by(MeteringPoint.eic)
    ).all()
    return [
        {
            "eic": point.eic,
            "address": point.address,
            "meter_number": point.meter_number,
            "reading_start": None if charge.reading_start is None else str(charge.reading_start),
            "reading_end": None if charge.reading_end is None else str(charge.reading_end),
            "volume": str(charge.volume),
            "unit": charge.unit,
            "tariff": str(charge.tariff),
            "amount": charge.amount,
        }
        for charge, point in rows
    ]


def balance_at(contract_id: int, day: date) -> int:
    """The contract's balance at the end of `day`: charges booked up to it (months ending on or before it) less
    payments paid up to it. Kopiykas, + debt, - overpayment."""
    charged = db.session.scalar(
        select(func.coalesce(func.sum(CompanyCharge.amount), 0)).where(
            CompanyCharge.contract_id == contract_id, CompanyCharge.month < _first_month_after(day)
        )
    )
    paid = db.session.scalar(
        select(func.coalesce(func.sum(CompanyPayment.amount), 0)).where(
            CompanyPayment.contract_id == contract_id,
            CompanyPayment.status == PaymentStatus.paid,
            CompanyPayment.paid_at < _at(day + timedelta(days=1)),
        )
    )
    return int(charged or 0) - int(paid or 0)


def _first_month_after(day: date) -> date:
    """The first billing month whose charge is booked after `day` (a charge is booked on its month's last day)."""
    month = date(day.year, day.month, 1)
    return month if day < month_end(month) else next_month(month)


def _payments(contract_id: int, start: date, end: date) -> list[CompanyPayment]:
    return list(
        db.session.scalars(
            select(CompanyPayment)
            .where(
                CompanyPayment.contract_id == contract_id,
                CompanyPayment.status == PaymentStatus.paid,
                CompanyPayment.paid_at >= _at(start),
                CompanyPayment.paid_at < _at(end + timedelta(days=1)),
            )
            .order_by(CompanyPayment.paid_at, CompanyPayment.id)
        )
    )


def purpose(contract: Contract, invoice_number: str, month: date) -> str:
    """The payment purpose of an invoice (in Ukrainian in every interface language: banks read it)."""
    service = "електроенергію" if contract.service is Service.electricity else "природний газ"
    return (
        f"Оплата за {service} за {period_uk(month)} згідно з рахунком № {invoice_number}, договір № {contract.number}"
    )[: nbu_qr.MAX_PURPOSE]


def qr_url(content: dict) -> str:
    """The NBU payment QR code's URL of an invoice's content: the supplier's IBAN and EDRPOU, the amount due,
    the purpose."""
    s = content["supplier"]
    return nbu_qr.payment_url(
        name=s["short_name"], iban=s["iban"], amount=content["amount_due"], code=s["edrpou"], purpose=content["purpose"]
    )


def invoice_content(contract: Contract, month: date, number: str, issued_on: date) -> dict:
    lines = _lines(contract.id, month)
    if not lines:
        raise NoCharges(month)
    start, end = month, month_end(month)
    opening = balance_at(contract.id, start - timedelta(days=1))
    charged = sum(line["amount"] for line in lines)
    payments = _payments(contract.id, start, end)
    paid = sum(p.amount for p in payments)
    closing = opening + charged - paid
    return {
        **_parties(contract),
        "kind": DocumentKind.invoice.value,
        "number": number,
        "date": issued_on.isoformat(),
        "month": f"{month:%Y-%m}",
        "lines": lines,
        "charged": charged,
        "opening_balance": opening,
        "paid": paid,
        "closing_balance": closing,
        "amount_due": max(closing, 0),
        "purpose": purpose(contract, number, month),
    }


def act_content(contract: Contract, month: date, number: str, issued_on: date) -> dict:
    lines = _lines(contract.id, month)
    if not lines:
        raise NoCharges(month)
    return {
        **_parties(contract),
        "kind": DocumentKind.act.value,
        "number": number,
        "date": month_end(month).isoformat(),  # the act states the month's supply as of its last day
        "month": f"{month:%Y-%m}",
        "lines": lines,
        "volume": str(sum((Decimal(line["volume"]) for line in lines), Decimal(0))),
        "unit": lines[0]["unit"],
        "total": sum(line["amount"] for line in lines),
    }


def check_period(contract: Contract, start: date, end: date, today: date) -> PeriodProblem | None:
    """A reconciliation period's trouble, or None: `from` after `to`, a day in the future, a day before the
    contract's start."""
    if start < contract.starts_on:
        return PeriodProblem("from", "before_contract")
    if start > today:
        return PeriodProblem("from", "future")
    if end > today:
        return PeriodProblem("to", "future")
    if start > end:
        return PeriodProblem("to", "order")
    return None


def default_period(contract: Contract, today: date) -> tuple[date, date]:
    """The year so far: from 1 January (or the contract's start, if later) to today."""
    return max(date(today.year, 1, 1), contract.starts_on), today


def reconciliation_content(contract: Contract, start: date, end: date, number: str, issued_on: date) -> dict:
    opening = balance_at(contract.id, start - timedelta(days=1))
    entries: list[dict] = []
    months = db.session.execute(
        select(CompanyCharge.month, func.sum(CompanyCharge.amount))
        .where(
            CompanyCharge.contract_id == contract.id,
            CompanyCharge.month >= _first_month_after(start - timedelta(days=1)),
            CompanyCharge.month < _first_month_after(end),
        )
        .group_by(CompanyCharge.month)
        .order_by(CompanyCharge.month)
    ).all()
    for month, amount in months:
        entries.append(
            {
                "date": month_end(month).isoformat(),
                "kind": "charge",
                "month": f"{month:%Y-%m}",
                "invoice": monthly_number(contract, DocumentKind.invoice, month),
                "act": monthly_number(contract, DocumentKind.act, month),
                "charged": int(amount),
                "paid": 0,
            }
        )
    for payment in _payments(contract.id, start, end):
        entries.append(
            {
                "date": payment.paid_at.date().isoformat(),
                "kind": "payment",
                "reference": payment.reference,
                "source": payment.source.value,
                "charged": 0,
                "paid": payment.amount,
            }
        )
    # In date order; on one day a payment before the charge booked that evening.
    entries.sort(key=lambda entry: (entry["date"], entry["kind"] == "charge"))
    charged = sum(entry["charged"] for entry in entries)
    paid = sum(entry["paid"] for entry in entries)
    return {
        **_parties(contract),
        "kind": DocumentKind.reconciliation.value,
        "number": number,
        "date": issued_on.isoformat(),
        "from": start.isoformat(),
        "to": end.isoformat(),
        "opening_balance": opening,
        "entries": entries,
        "charged": charged,
        "paid": paid,
        "closing_balance": opening + charged - paid,
    }


# ---- issuing --------------------------------------------------------------------------------------


def find(contract_id: int, kind: DocumentKind, start: date, end: date) -> CompanyDocument | None:
    return db.session.scalar(
        select(CompanyDocument).where(
            CompanyDocument.contract_id == contract_id,
            CompanyDocument.kind == kind,
            CompanyDocument.period_start == start,
            CompanyDocument.period_end == end,
        )
    )


def _amount(kind: DocumentKind, content: dict) -> int:
    if kind is DocumentKind.invoice:
        return content["amount_due"]
    if kind is DocumentKind.act:
        return content["total"]
    return content["closing_balance"]


def issue(
    contract: Contract,
    kind: DocumentKind,
    start: date,
    end: date | None = None,
    *,
    user_id: int | None,
    today: date,
) -> tuple[CompanyDocument, bool]:
    """The document of the contract, kind and period, and whether it was issued now (False: it was already).

    An invoice or an act takes the month's first day as `start` (`end` is the month's last); NoCharges if the
    month has none. A reconciliation's period must have passed `check_period`. Two first requests at once: the
    unique (contract, kind, period) lets one insert win and the other finds its document. The caller commits
    (and audits when the document is new)."""
    if kind is not DocumentKind.reconciliation:
        start = date(start.year, start.month, 1)
        end = month_end(start)
    assert end is not None
    for _try in range(ISSUE_TRIES):
        found = find(contract.id, kind, start, end)
        if found is not None:
            return found, False
        if kind is DocumentKind.invoice:
            number = monthly_number(contract, kind, start)
            content = invoice_content(contract, start, number, today)
        elif kind is DocumentKind.act:
            number = monthly_number(contract, kind, start)
            content = act_content(contract, start, number, today)
        else:
            count = db.session.scalar(
                select(func.count())
                .select_from(CompanyDocument)
                .where(CompanyDocument.contract_id == contract.id, CompanyDocument.kind == kind)
            )
            number = _reconciliation_number(contract, int(count or 0) + 1)
            content = reconciliation_content(contract, start, end, number, today)
        document = CompanyDocument(
            contract_id=contract.id,
            kind=kind,
            number=number,
            period_start=start,
            period_end=end,
            issued_on=today,
            amount=_amount(kind, content),
            content=content,
            content_sha256=sha256(content),
            issued_by=user_id,
        )
        try:
            with db.session.begin_nested():
                db.session.add(document)
        except IntegrityError:
            continue  # another request issued it (or took the number) first: look again
        return document, True
    raise RuntimeError("could not issue the document: its number kept being taken")
