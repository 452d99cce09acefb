"""The National Bank of Ukraine's payment QR code, format 002 (Resolution No. 68 of 28.05.2020, appendix 2).

Encoding is a pure function of the fields; checking the IBAN and the code is a separate step, because the
NBU's own examples carry numbers that fail their checksums (REFERENCE.md).
"""

from __future__ import annotations

import base64
import io
from functools import lru_cache

import segno
from stdnum import iban as std_iban
from stdnum.ua import edrpou as std_edrpou

from vez.money import format_plain

PREFIX = "https://bank.gov.ua/qr/"
UTF8, CP1251 = "1", "2"
MAX_NAME, MAX_PURPOSE, MAX_BYTES = 70, 140, 500
MAX_AMOUNT = 99_999_999_999  # kopiykas: 999 999 999.99


def amount_field(kopiykas: int | None) -> str:
    """`UAH576.45`, `UAH3` for whole hryvnias, empty when nothing is asked."""
    if not kopiykas or kopiykas <= 0:
        return ""
    if kopiykas > MAX_AMOUNT:
        raise ValueError("amount above 999999999.99")
    return "UAH" + format_plain(kopiykas, drop_zero_cents=True)


def open_data(*, name: str, iban: str, amount: int | None, code: str, purpose: str, encoding: str) -> str:
    """The 13 fields of format 002, each ended by a line feed."""
    fields = [
        "BCD",
        "002",
        encoding,
        "UCT",
        "",
        name[:MAX_NAME],
        iban.replace(" ", ""),
        amount_field(amount),
        code,
        "",
        "",
        purpose[:MAX_PURPOSE],
        "",
    ]
    for value in fields:
        if "\n" in value or "\r" in value:
            raise ValueError("a line break inside a QR field")
    return "".join(value + "\n" for value in fields)


def payment_url(
    *, name: str, iban: str, amount: int | None, code: str, purpose: str, encoding: str | None = None
) -> str:
    """`https://bank.gov.ua/qr/` + unpadded Base64URL of the open data.

    Windows-1251 (shorter, the NBU's examples) unless a field holds a character it lacks; then UTF-8.
    """
    purpose = " ".join(purpose.split())
    if encoding is None:
        try:
            open_data(name=name, iban=iban, amount=amount, code=code, purpose=purpose, encoding=CP1251).encode("cp1251")
            encoding = CP1251
        except UnicodeEncodeError:
            encoding = UTF8
    text = open_data(name=name, iban=iban, amount=amount, code=code, purpose=purpose, encoding=encoding)
    raw = text.encode("cp1251" if encoding == CP1251 else "utf-8")
    encoded = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    if len(encoded) > MAX_BYTES:
        raise ValueError("QR data longer than 500 bytes")
    return PREFIX + encoded


def decode(url: str) -> list[str]:
    """The fields of a format-002 URL (for tests and support staff)."""
    data = url.removeprefix(PREFIX)
    raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    charset = "cp1251" if raw.split(b"\n")[2] == b"2" else "utf-8"
    return raw.decode(charset).split("\n")[:13]


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error="m", micro=False, boost_error=False)


@lru_cache(maxsize=512)
def svg_data_uri(url: str) -> str:
    """The code as an SVG `data:` URI for an <img> (the CSP allows data: images; no inline markup needed).

    Drawing a code is two thirds of a bill page's time (segno tries all eight masks); the picture is a pure
    function of its URL (payee, amount, purpose), so each worker draws one bill's code once (512 codes of
    about 10 KB: some 5 MB a worker at most; issue 16, docs/performance.md)."""
    return qr_code(url).svg_data_uri(scale=4, border=2)


def png_bytes(url: str, scale: int = 8) -> io.BytesIO:
    out = io.BytesIO()
    qr_code(url).save(out, kind="png", scale=scale, border=2)
    out.seek(0)
    return out


def valid_iban(value: str) -> bool:
    """A Ukrainian IBAN: UA, 29 characters, ISO 7064 MOD-97-10."""
    compact = std_iban.compact(value or "")
    return compact.startswith("UA") and len(compact) == 29 and std_iban.is_valid(compact)


def valid_edrpou(value: str) -> bool:
    return std_edrpou.is_valid(value or "")
