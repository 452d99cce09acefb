"""The identifiers of the business side, parsed from what people type or files carry: a company's EDRPOU (8
digits with its check digit) or a sole trader's RNOKPP (10 digits with its check digit), and a metering
point's EIC (16 characters with the ENTSO-E check character). python-stdnum checks the digits."""

from __future__ import annotations

import re

from stdnum.eu import eic as _eic
from stdnum.exceptions import ValidationError
from stdnum.ua import edrpou as _edrpou
from stdnum.ua import rntrc as _rntrc

from vez.models import CompanyKind

LONGEST_INPUT = 64
_SPACES = re.compile(r"[\s\-]+")
_WHITESPACE = re.compile(r"\s+")  # an EIC keeps its hyphens: "-" is one of its 37 characters


def parse_company_code(raw: str | None) -> tuple[str | None, CompanyKind | None, str | None]:
    """(code, kind, None) or (None, None, problem): `empty`, `symbols`, `length`, `checksum`."""
    text = _SPACES.sub("", (raw or "")[: LONGEST_INPUT + 1])
    if not text:
        return None, None, "empty"
    if len(text) > LONGEST_INPUT or not text.isascii() or not text.isdigit():
        return None, None, "symbols" if len(text) <= LONGEST_INPUT else "length"
    if len(text) == 8:
        try:
            return _edrpou.validate(text), CompanyKind.legal, None
        except ValidationError:
            return None, None, "checksum"
    if len(text) == 10:
        try:
            return _rntrc.validate(text), CompanyKind.sole_trader, None
        except ValidationError:
            return None, None, "checksum"
    return None, None, "length"


def parse_eic(raw: str | None) -> tuple[str | None, str | None]:
    """(the 16-character EIC in capitals, None) or (None, problem): `empty`, `length`, `symbols`, `checksum`."""
    text = _WHITESPACE.sub("", (raw or "")[: LONGEST_INPUT + 1]).upper()
    if not text:
        return None, "empty"
    if len(text) != 16:
        return None, "length"
    if not re.fullmatch(r"[0-9A-Z\-]{16}", text):
        return None, "symbols"
    try:
        return _eic.validate(text), None
    except ValidationError:
        return None, "checksum"


def eic_check_character(first15: str) -> str:
    """The ENTSO-E check character of 15 characters (for test and demo data)."""
    return _eic.calc_check_digit(first15.upper())
