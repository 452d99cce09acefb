"""The three CSV files of the billing system: their columns and how one row is checked.

A row parser is the hot loop of an import (a million rows a minute): plain regexes and integer
arithmetic, no Decimal and no ORM. It returns the tuple that goes into the staging table, or raises
BadRow with the reason. docs/import.md describes the formats for people.
"""

from __future__ import annotations

import functools
import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel import to_utc
from sqlalchemy import select

from vez.companies.codes import parse_company_code, parse_eic
from vez.extensions import db
from vez.models import Company, Contract, MeteringPoint, PersonalAccount, Service, Subdivision, utcnow
from vez.money import MoneyError, parse_kopiykas

# docs/security.md (import characters): ASCII digits only (`\d` took ٢ and ١٠, which int() reads as 2 and 10),
# every pattern used with fullmatch (never `$`, which lets a trailing newline through).
NUMBER = re.compile(r"[0-9]{9}", re.ASCII)
MONTH = re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])", re.ASCII)
DECIMAL3 = re.compile(r"([0-9]{1,12})(?:\.([0-9]{1,3}))?", re.ASCII)
PAID_AT = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[ T]([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?)?", re.ASCII)
FIRST_DIGITS = {Service.electricity.value: "345", Service.gas.value: "9"}
UNITS = {Service.electricity.value: "kWh", Service.gas.value: "m3"}
SERVICES = tuple(UNITS)

E_FIELDS = _l("%(found)d fields where %(expected)d are expected")
E_NO_ACCOUNT = _l("personal account %(number)s is not found")
E_NUMBER = _l("the account number must be 9 digits")
E_MONTH = _l("the month must be YYYY-MM")
E_DECIMAL = _l("%(field)s must be a number with at most three decimals")
E_MONEY = _l("%(field)s must be an amount with a dot and two decimals, like 1234.50")
E_POSITIVE = _l("%(field)s must be above zero")
E_UNIT = _l("the unit must be %(unit)s for this account")
E_DUP_CHARGE = _l("the same account and month as line %(line)d")
E_DUP_REF = _l("the same reference as line %(line)d")
E_DUP_NUMBER = _l("the same account number as line %(line)d")
E_REF_TAKEN = _l("the reference is already used by a different payment")
E_PAID_AT = _l("paid_at must be a date and time like 2026-10-31 14:05")
E_FUTURE = _l("the payment is dated in the future")
E_SOURCE = _l("the source must be bank or post")
E_EMPTY = _l("%(field)s is empty")
E_LONG = _l("%(field)s is longer than %(max)d characters")
E_SUBDIVISION = _l("subdivision %(code)s is not found")
E_SERVICE = _l("the service must be electricity or gas")
E_SUB_SERVICE = _l("subdivision %(code)s does not serve %(service)s")
E_PREFIX = _l("an account number of this service starts with %(digits)s")
E_SERVICE_CHANGE = _l("the account exists with another service")
E_CHARACTER = _l("%(field)s holds a control or invisible formatting character (%(code)s)")


class BadRow(Exception):
    def __init__(self, message: Any, **params: Any) -> None:
        super().__init__(message)
        self.message, self.params = message, params

    def reason(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


@functools.cache
def invisible() -> re.Pattern[str]:
    """Control (Cc) and format (Cf) characters, and the line and paragraph separators.

    docs/security.md (import characters): bidi overrides and isolates (U+202A–E, U+2066–9), marks (U+200E/F,
    U+061C), zero-width characters and the BOM make a name or a number read otherwise than it is stored.
    Taken from the running Python's Unicode tables, once, on the first import run.
    """
    chars, ranges = (
        [c for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) in ("Cc", "Cf", "Zl", "Zp")],
        [],
    )
    for c in chars:
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1][1] = c
        else:
            ranges.append([c, c])
    return re.compile("[" + "".join(f"\\U{a:08X}-\\U{b:08X}" for a, b in ranges) + "]")


def check_characters(row: list[str], columns: tuple[str, ...]) -> None:
    """Refuse a row with a control or invisible character in any field (the import calls it for a row that
    str.isprintable() doubts: these, but also a no-break space, which passes here)."""
    pattern = invisible()
    if pattern.search("".join(row)) is None:
        return
    for index, value in enumerate(row):
        found = pattern.search(value)
        if found is not None:
            field = columns[index] if index < len(columns) else str(index + 1)
            raise BadRow(E_CHARACTER, field=field, code=f"U+{ord(found.group()):04X}")


def thousandths(raw: str, field: str) -> int:
    m = DECIMAL3.fullmatch(raw)
    if m is None:
        raise BadRow(E_DECIMAL, field=field)
    whole, frac = m.groups()
    return int(whole) * 1000 + (int(frac.ljust(3, "0")) if frac else 0)


def kopiykas(raw: str, field: str) -> int:
    try:
        return parse_kopiykas(raw, grammar="plain", signed=True)  # a charge may be negative (a recalculation)
    except MoneyError:
        raise BadRow(E_MONEY, field=field) from None


def text(raw: str, field: str, longest: int, required: bool = True) -> str | None:
    value = raw.strip()
    if not value:
        if required:
            raise BadRow(E_EMPTY, field=field)
        return None
    if len(value) > longest:
        raise BadRow(E_LONG, field=field, max=longest)
    return value


def fields(row: list[str], count: int) -> list[str]:
    """The row's fields, when it has as many as the format has columns."""
    if len(row) != count:
        raise BadRow(E_FIELDS, found=len(row), expected=count)
    return row


def one_of(raw: str, allowed: tuple[str, ...], message: Any) -> str:
    value = raw.strip()
    if value not in allowed:
        raise BadRow(message)
    return value


def service_of(raw: str) -> str:
    return one_of(raw, SERVICES, E_SERVICE)


def look_up(table: dict, key: Any, message: Any, **params: Any) -> Any:
    """What a row's key refers to (an account, a company, a contract, a subdivision), or its "not found"."""
    value = table.get(key)
    if value is None:
        raise BadRow(message, **params)
    return value


class FirstLines:
    """The first line of each key in the file: a key that comes again is a bad row naming that line."""

    def __init__(self, message: Any) -> None:
        self.message, self.lines = message, {}

    def add(self, key: Any, line: int) -> None:
        first = self.lines.get(key)
        if first is not None:
            raise BadRow(self.message, line=first)
        self.lines[key] = line


def amount_paid(raw: str) -> int:
    kop = kopiykas(raw, "amount")
    if kop <= 0:
        raise BadRow(E_POSITIVE, field="amount")
    return kop


def metered(volume: str, unit: str, tariff: str, amount: str, start: str, end: str, expected: str, wrong: Any) -> tuple:
    """The columns that every charge file has: volume, unit (`expected`, else the reason `wrong`), tariff,
    amount and the readings, as the staging table stores them."""
    if unit != expected:
        raise BadRow(wrong, unit=expected)
    return (
        thousandths(volume, "volume"),
        unit,
        thousandths(tariff, "tariff"),
        kopiykas(amount, "amount"),
        thousandths(start, "reading_start") if start else None,
        thousandths(end, "reading_end") if end else None,
    )


def load_subdivisions() -> dict[str, tuple[int, str]]:
    """code → (id, service) of every subdivision."""
    return {s.code: (s.id, s.service.value) for s in db.session.scalars(select(Subdivision))}


def subdivision_of(subdivisions: dict, raw: str, service: str) -> int:
    """The id of the subdivision a row names, which must serve the row's service."""
    code = raw.strip()
    sub_id, sub_service = look_up(subdivisions, code, E_SUBDIVISION, code=code)
    if sub_service != service:
        raise BadRow(E_SUB_SERVICE, code=code, service=service)
    return sub_id


def load_accounts() -> dict[str, tuple[int, str]]:
    """number → (id, service) of every personal account: the lookup a row check needs."""
    rows = db.session.execute(select(PersonalAccount.number, PersonalAccount.id, PersonalAccount.service))
    return {number: (id_, service.value) for number, id_, service in rows}


def account_of(accounts: dict, number: str) -> tuple[int, str]:
    found = accounts.get(number)
    if found is None:
        if NUMBER.fullmatch(number) is None:
            raise BadRow(E_NUMBER)
        raise BadRow(E_NO_ACCOUNT, number=number)
    return found


def month_parser() -> Callable[[str], tuple[str, int]]:
    """`YYYY-MM` → (the first day as text, a month key), memoised: a file has few distinct months."""
    months: dict[str, tuple[str, int]] = {}

    def month_of(raw: str) -> tuple[str, int]:
        found = months.get(raw)
        if found is None:
            m = MONTH.fullmatch(raw)
            if m is None:
                raise BadRow(E_MONTH)
            found = months[raw] = (f"{raw}-01", int(m.group(1)) * 12 + int(m.group(2)))
        return found

    return month_of


def paid_at_of(raw: str, now: datetime) -> str:
    """Kyiv local time in the file → UTC as the staging table stores it; never in the future."""
    m = PAID_AT.fullmatch(raw.strip())
    if m is None:
        raise BadRow(E_PAID_AT)
    try:
        local = datetime(*(int(part or 0) for part in m.groups()))  # the supplier's time zone
    except ValueError:
        raise BadRow(E_PAID_AT) from None
    utc = to_utc(local)
    if utc > now + timedelta(minutes=5):
        raise BadRow(E_FUTURE)
    return utc.strftime("%Y-%m-%d %H:%M:%S.000000")


@dataclass(frozen=True)
class Format:
    kind: str
    columns: tuple[str, ...]
    # The staging table: (name, SQLite type, PostgreSQL type), the file's line first.
    stage: tuple[tuple[str, str, str], ...]
    parser: Callable[[], Callable[[list[str], int], tuple]]


def accounts_parser() -> Callable[[list[str], int], tuple]:
    known = load_accounts()
    subdivisions = load_subdivisions()
    seen = FirstLines(E_DUP_NUMBER)

    def parse(row: list[str], line: int) -> tuple:
        number, code, service, holder, address, meter = fields(row, 6)
        number = number.strip()
        if NUMBER.fullmatch(number) is None:
            raise BadRow(E_NUMBER)
        service = service_of(service)
        if number[0] not in FIRST_DIGITS[service]:
            raise BadRow(E_PREFIX, digits=", ".join(FIRST_DIGITS[service]))
        subdivision_id = subdivision_of(subdivisions, code, service)
        if number in known and known[number][1] != service:
            raise BadRow(E_SERVICE_CHANGE)
        holder_name = text(holder, "holder_name", 200)
        address_ = text(address, "address", 300)
        meter_number = text(meter, "meter_number", 40, required=False)
        seen.add(number, line)
        return (line, number, subdivision_id, service, holder_name, address_, meter_number)

    return parse


def charges_parser() -> Callable[[list[str], int], tuple]:
    accounts = load_accounts()
    seen = FirstLines(E_DUP_CHARGE)
    month_of = month_parser()

    def parse(row: list[str], line: int) -> tuple:
        number, month, volume, unit, tariff, amount, start, end = fields(row, 8)
        account_id, service = account_of(accounts, number)
        day, month_key = month_of(month)
        values = metered(volume, unit, tariff, amount, start, end, UNITS[service], E_UNIT)
        seen.add((account_id << 16) | month_key, line)
        return (line, account_id, day, *values)

    return parse


def payments_parser() -> Callable[[list[str], int], tuple]:
    accounts = load_accounts()
    seen = FirstLines(E_DUP_REF)
    now = utcnow()

    def parse(row: list[str], line: int) -> tuple:
        number, paid_at, amount, source, reference = fields(row, 5)
        account_id, _service = account_of(accounts, number)
        utc = paid_at_of(paid_at, now)
        kop = amount_paid(amount)
        source = one_of(source, ("bank", "post"), E_SOURCE)
        ref = text(reference, "reference", 120)
        seen.add(ref, line)
        return (line, account_id, utc, kop, source, "paid", ref)

    return parse


# The staging columns that more than one file has: a row's line, a charge's month and measures, a payment's.
LINE = ("line", "INTEGER", "integer")
MEASURED = ("month", "volume", "unit", "tariff", "amount", "reading_start", "reading_end")
MEASURED_STAGE = (
    ("month", "TEXT", "date"),
    ("volume", "INTEGER", "bigint"),
    ("unit", "TEXT", "varchar(8)"),
    ("tariff", "INTEGER", "bigint"),
    ("amount", "INTEGER", "bigint"),
    ("reading_start", "INTEGER", "bigint"),
    ("reading_end", "INTEGER", "bigint"),
)
PAYMENT_STAGE = (
    ("paid_at", "TEXT", "timestamp"),
    ("amount", "INTEGER", "bigint"),
    ("source", "TEXT", "varchar(16)"),
    ("status", "TEXT", "varchar(16)"),
    ("reference", "TEXT", "varchar(120)"),
)

FORMATS = {
    "accounts": Format(
        "accounts",
        ("number", "subdivision_code", "service", "holder_name", "address", "meter_number"),
        (
            LINE,
            ("number", "TEXT", "varchar(9)"),
            ("subdivision_id", "INTEGER", "integer"),
            ("service", "TEXT", "varchar(16)"),
            ("holder_name", "TEXT", "varchar(200)"),
            ("address", "TEXT", "varchar(300)"),
            ("meter_number", "TEXT", "varchar(40)"),
        ),
        accounts_parser,
    ),
    "charges": Format(
        "charges",
        ("number", *MEASURED),
        (LINE, ("account_id", "INTEGER", "integer"), *MEASURED_STAGE),
        charges_parser,
    ),
    "payments": Format(
        "payments",
        ("number", "paid_at", "amount", "source", "reference"),
        (LINE, ("account_id", "INTEGER", "integer"), *PAYMENT_STAGE),
        payments_parser,
    ),
}


# ---- the business side's files (docs/import.md, "The business side's files"): the same Format and merge ------

DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
PAYMENT_FORMS = ("prepayment", "planned", "actual")
VOLTAGE_CLASSES = ("1", "2")
GAS_PRESSURES = ("low", "medium", "high")
CODE_PROBLEMS = {
    "empty": _l("the code is empty"),
    "symbols": _l("the code must be digits only"),
    "length": _l("the code must be an 8-digit EDRPOU or a 10-digit RNOKPP"),
    "checksum": _l("the code's check digit is wrong"),
}
EIC_PROBLEMS = {
    "empty": _l("the EIC code is empty"),
    "length": _l("the EIC code must be 16 characters"),
    "symbols": _l("the EIC code may hold only Latin capitals, digits and hyphens"),
    "checksum": _l("the EIC code's check character is wrong"),
}
E_KIND = _l("the kind must be legal for an 8-digit EDRPOU or sole_trader for a 10-digit RNOKPP")
E_NO_COMPANY = _l("company %(code)s is not found")
E_NO_CONTRACT = _l("contract %(number)s is not found")
E_NO_POINT = _l("metering point %(eic)s is not found")
E_DUP_CODE = _l("the same code as line %(line)d")
E_DUP_CONTRACT = _l("the same contract number as line %(line)d")
E_DUP_EIC = _l("the same EIC code as line %(line)d")
E_DUP_POINT_MONTH = _l("the same metering point and month as line %(line)d")
E_CONTRACT_NUMBER = _l("the contract number may hold letters, digits, / - . and at most 32 characters")
E_CONTRACT_MOVED = _l("the contract exists under another company or for another service")
E_POINT_MOVED = _l("the metering point exists under another contract")
E_DATE = _l("%(field)s must be a date like 2026-01-31")
E_PAYMENT_FORM = _l("the payment form must be prepayment, planned or actual")
E_VOLTAGE = _l("the voltage class must be 1 or 2 for electricity")
E_PRESSURE = _l("the gas pressure must be low, medium or high for gas")
E_NOT_FOR_SERVICE = _l("%(field)s must be empty for %(service)s")
E_UNIT_CONTRACT = _l("the unit must be %(unit)s for this metering point")
E_PAYER_CODE = _l("payer_code: %(problem)s")
CONTRACT_NUMBER = re.compile(r"[0-9A-Za-zА-ЩЬЮЯҐЄІЇа-щьюяґєії][0-9A-Za-zА-ЩЬЮЯҐЄІЇа-щьюяґєії/\-.]{0,31}")


def date_of(raw: str, field: str) -> str:
    m = DATE.fullmatch(raw.strip())
    if m is None:
        raise BadRow(E_DATE, field=field)
    try:
        return datetime(*(int(part) for part in m.groups())).strftime("%Y-%m-%d")
    except ValueError:
        raise BadRow(E_DATE, field=field) from None


def company_code_of(raw: str) -> tuple[str, str]:
    code, kind, problem = parse_company_code(raw)
    if problem is not None:
        raise BadRow(CODE_PROBLEMS[problem])
    return code, kind.value


def eic_of(raw: str) -> str:
    value, problem = parse_eic(raw)
    if problem is not None:
        raise BadRow(EIC_PROBLEMS[problem])
    return value


def contract_number_of(raw: str) -> str:
    number = raw.strip()
    if CONTRACT_NUMBER.fullmatch(number) is None:
        raise BadRow(E_CONTRACT_NUMBER)
    return number


def load_contracts() -> dict[str, tuple[int, int, str]]:
    """number → (id, company id, service) of every contract."""
    rows = db.session.execute(select(Contract.number, Contract.id, Contract.company_id, Contract.service))
    return {number: (id_, company_id, service.value) for number, id_, company_id, service in rows}


def contract_of(contracts: dict, raw: str) -> tuple[int, int, str]:
    number = contract_number_of(raw)
    return look_up(contracts, number, E_NO_CONTRACT, number=number)


def companies_parser() -> Callable[[list[str], int], tuple]:
    seen = FirstLines(E_DUP_CODE)  # nothing to look up: a code carries its kind

    def parse(row: list[str], line: int) -> tuple:
        raw_code, raw_kind, name, address = fields(row, 4)
        code, kind = company_code_of(raw_code)
        given = raw_kind.strip()
        if given and given != kind:
            raise BadRow(E_KIND)
        name_ = text(name, "name", 300)
        address_ = text(address, "address", 300)
        seen.add(code, line)
        return (line, code, kind, name_, address_)

    return parse


def contracts_parser() -> Callable[[list[str], int], tuple]:
    companies = {code: id_ for code, id_ in db.session.execute(select(Company.code, Company.id))}
    known = load_contracts()
    subdivisions = load_subdivisions()
    seen = FirstLines(E_DUP_CONTRACT)

    def parse(row: list[str], line: int) -> tuple:
        raw_number, raw_code, service, sub_code, starts_on, payment_form = fields(row, 6)
        number = contract_number_of(raw_number)
        code, _kind = company_code_of(raw_code)
        company_id = look_up(companies, code, E_NO_COMPANY, code=code)
        service = service_of(service)
        subdivision_id = subdivision_of(subdivisions, sub_code, service)
        if number in known and known[number][1:] != (company_id, service):
            raise BadRow(E_CONTRACT_MOVED)
        day = date_of(starts_on, "starts_on")
        payment_form = one_of(payment_form, PAYMENT_FORMS, E_PAYMENT_FORM)
        seen.add(number, line)
        return (line, number, company_id, service, subdivision_id, day, payment_form)

    return parse


def points_parser() -> Callable[[list[str], int], tuple]:
    contracts = load_contracts()
    known = {eic: id_ for eic, id_ in db.session.execute(select(MeteringPoint.eic, MeteringPoint.contract_id))}
    seen = FirstLines(E_DUP_EIC)

    def parse(row: list[str], line: int) -> tuple:
        raw_eic, raw_number, address, meter, voltage, pressure = fields(row, 6)
        eic = eic_of(raw_eic)
        contract_id, _company_id, service = contract_of(contracts, raw_number)
        if eic in known and known[eic] != contract_id:
            raise BadRow(E_POINT_MOVED)
        address_ = text(address, "address", 300)
        meter_number = text(meter, "meter_number", 40, required=False)
        voltage, pressure = voltage.strip() or None, pressure.strip() or None
        if service == Service.electricity.value:
            if pressure is not None:
                raise BadRow(E_NOT_FOR_SERVICE, field="gas_pressure", service=service)
            if voltage is not None and voltage not in VOLTAGE_CLASSES:
                raise BadRow(E_VOLTAGE)
        else:
            if voltage is not None:
                raise BadRow(E_NOT_FOR_SERVICE, field="voltage_class", service=service)
            if pressure is not None and pressure not in GAS_PRESSURES:
                raise BadRow(E_PRESSURE)
        seen.add(eic, line)
        return (line, eic, contract_id, address_, meter_number, voltage, pressure)

    return parse


def company_charges_parser() -> Callable[[list[str], int], tuple]:
    points = {
        eic: (point_id, contract_id, service.value)
        for eic, point_id, contract_id, service in db.session.execute(
            select(MeteringPoint.eic, MeteringPoint.id, MeteringPoint.contract_id, Contract.service).join(
                Contract, Contract.id == MeteringPoint.contract_id
            )
        )
    }
    month_of = month_parser()
    seen = FirstLines(E_DUP_POINT_MONTH)

    def parse(row: list[str], line: int) -> tuple:
        raw_eic, month, volume, unit, tariff, amount, start, end = fields(row, 8)
        point = points.get(raw_eic.strip().upper())
        if point is None:  # the reason is worked out on a miss only: a malformed code says so, a valid one is unknown
            raise BadRow(E_NO_POINT, eic=eic_of(raw_eic))
        point_id, contract_id, service = point
        day, month_key = month_of(month)
        values = metered(volume, unit, tariff, amount, start, end, UNITS[service], E_UNIT_CONTRACT)
        seen.add((point_id << 16) | month_key, line)
        return (line, point_id, contract_id, day, *values)

    return parse


def company_payments_parser() -> Callable[[list[str], int], tuple]:
    contracts = load_contracts()
    seen = FirstLines(E_DUP_REF)
    now = utcnow()

    def parse(row: list[str], line: int) -> tuple:
        reference, raw_number, amount, paid_at, purpose, payer = fields(row, 6)
        ref = text(reference, "reference", 120)
        contract_id, _company_id, _service = contract_of(contracts, raw_number)
        kop = amount_paid(amount)
        utc = paid_at_of(paid_at, now)
        purpose_ = text(purpose, "purpose", 300, required=False)
        payer_code = None
        if payer.strip():
            payer_code, _kind, problem = parse_company_code(payer)
            if problem is not None:
                raise BadRow(E_PAYER_CODE, problem=CODE_PROBLEMS[problem])
        seen.add(ref, line)
        return (line, contract_id, utc, kop, "bank", "paid", ref, purpose_, payer_code)

    return parse


FORMATS.update(
    {
        "companies": Format(
            "companies",
            ("code", "kind", "name", "address"),
            (
                LINE,
                ("code", "TEXT", "varchar(10)"),
                ("kind", "TEXT", "varchar(16)"),
                ("name", "TEXT", "varchar(300)"),
                ("address", "TEXT", "varchar(300)"),
            ),
            companies_parser,
        ),
        "contracts": Format(
            "contracts",
            ("number", "company_code", "service", "subdivision_code", "starts_on", "payment_form"),
            (
                LINE,
                ("number", "TEXT", "varchar(32)"),
                ("company_id", "INTEGER", "integer"),
                ("service", "TEXT", "varchar(16)"),
                ("subdivision_id", "INTEGER", "integer"),
                ("starts_on", "TEXT", "date"),
                ("payment_form", "TEXT", "varchar(16)"),
            ),
            contracts_parser,
        ),
        "points": Format(
            "points",
            ("eic", "contract_number", "address", "meter_number", "voltage_class", "gas_pressure"),
            (
                LINE,
                ("eic", "TEXT", "varchar(16)"),
                ("contract_id", "INTEGER", "integer"),
                ("address", "TEXT", "varchar(300)"),
                ("meter_number", "TEXT", "varchar(40)"),
                ("voltage_class", "TEXT", "varchar(16)"),
                ("gas_pressure", "TEXT", "varchar(16)"),
            ),
            points_parser,
        ),
        "company-charges": Format(
            "company-charges",
            ("eic", *MEASURED),
            (LINE, ("point_id", "INTEGER", "integer"), ("contract_id", "INTEGER", "integer"), *MEASURED_STAGE),
            company_charges_parser,
        ),
        "company-payments": Format(
            "company-payments",
            ("reference", "contract_number", "amount", "paid_at", "purpose", "payer_code"),
            (
                LINE,
                ("contract_id", "INTEGER", "integer"),
                *PAYMENT_STAGE,
                ("purpose", "TEXT", "varchar(300)"),
                ("payer_code", "TEXT", "varchar(10)"),
            ),
            company_payments_parser,
        ),
    }
)
