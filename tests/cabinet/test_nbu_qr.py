"""The NBU payment QR code, format 002 (REFERENCE.md), and the requisites' checks kept apart from it."""

import pytest

from vez import nbu_qr

OFFICIAL = (
    "https://bank.gov.ua/qr/QkNECjAwMgoyClVDVAoKz_DA0iDAyiCTwu7k7u_u8fLg9-Dt7f-UClVBNzgzMjI2NjkwMDAwMDI2MDA1MDEy"
    "MTA3MTMyClVBSDU3Ni40NQo0MDcyMzgyNQoKCs7v6-Dy4CDn4CD35fDi5e38IDIwMTksIOLz6y4g0eLu4e7k6CAxLCDq4i4gMjQsIM_l8v"
    "Dl7eruINEuILIuIM_u6uDn4O3t_yDrs_fo6_zt6OrgIDIzNTc4LDMKCg"
)


def test_encoder_reproduces_the_official_nbu_vector_of_table_4_2():
    url = nbu_qr.payment_url(
        name="ПрАТ АК “Водопостачання”",
        iban="UA783226690000026005012107132",
        amount=57645,
        code="40723825",
        purpose="Оплата за червень 2019, вул. Свободи 1, кв. 24, Петренко С. І. Показання лічильника 23578,3",
        encoding=nbu_qr.CP1251,
    )
    assert url == OFFICIAL


def test_vector_decodes_to_thirteen_fields_each_ended_by_a_line_feed():
    fields = nbu_qr.decode(OFFICIAL)
    assert fields[:5] == ["BCD", "002", "2", "UCT", ""]
    assert fields[6:9] == ["UA783226690000026005012107132", "UAH576.45", "40723825"]
    assert fields[12] == ""


@pytest.mark.parametrize(
    "kopiykas, text",
    [
        (57645, "UAH576.45"),
        (300, "UAH3"),
        (5, "UAH0.05"),
        (100050, "UAH1000.50"),
        (0, ""),
        (None, ""),
        (99_999_999_999, "UAH999999999.99"),
    ],
)
def test_amount_has_no_leading_zeros_and_two_digit_kopiykas(kopiykas, text):
    assert nbu_qr.amount_field(kopiykas) == text


def test_amount_above_the_maximum_is_refused():
    with pytest.raises(ValueError):
        nbu_qr.amount_field(100_000_000_000)


def test_text_outside_windows_1251_falls_back_to_utf8():
    url = nbu_qr.payment_url(
        name="Supplier ✓", iban="UA213223130000026007233566001", amount=100, code="42104931", purpose="Оплата"
    )
    fields = nbu_qr.decode(url)
    assert fields[2] == nbu_qr.UTF8 and fields[5] == "Supplier ✓"


def test_line_breaks_inside_a_field_are_refused():
    with pytest.raises(ValueError):
        nbu_qr.open_data(name="A\nB", iban="UA1", amount=1, code="1", purpose="x", encoding="1")


def test_checksums_are_validated_apart_from_encoding():
    # The NBU's own example IBAN fails its checksum, yet encodes (the vector above).
    assert not nbu_qr.valid_iban("UA783226690000026005012107132")
    assert nbu_qr.valid_iban("UA213223130000026007233566001")
    assert nbu_qr.valid_edrpou("42104931")
    assert not nbu_qr.valid_edrpou("42104932")


def test_development_supplier_requisites_pass_their_checksums(app):
    assert nbu_qr.valid_iban(app.config["SUPPLIER_IBAN"])
    assert nbu_qr.valid_edrpou(app.config["SUPPLIER_EDRPOU"])


def test_code_fits_version_15_with_medium_error_correction():
    code = nbu_qr.qr_code(OFFICIAL)
    assert code.version <= 15 and code.error in ("M", "Q", "H")
