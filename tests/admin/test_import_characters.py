"""The import takes ASCII digits only and no control or invisible formatting character.

docs/security.md, import characters.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.admin.test_import import ACCOUNTS_HEADER, CHARGES_HEADER, PAYMENTS_HEADER, run_cli
from vez.admin.formats import BadRow, check_characters
from vez.models import Charge, Payment, PersonalAccount

GOOD = {
    "accounts": (ACCOUNTS_HEADER, "529471247,108,electricity,Петренко,Любешів\u00a0вул.\u202fВолі,1", PersonalAccount),
    "charges": (CHARGES_HEADER, "529471247,2026-08,100,kWh,4.32,432.00,,", Charge),
    "payments": (PAYMENTS_HEADER, "529471247,2026-10-01 09:00,1.00,bank,B-1", Payment),
}
INVISIBLE = "the {field} holds a control or invisible formatting character (U+{code})"
ARABIC_2, ARABIC_1, ARABIC_0 = "\u0662", "\u0661", "\u0660"  # ٢ ١ ٠

BAD_ROWS = [
    # non-ASCII digits, each where \d took it
    ("accounts", f"5{ARABIC_2}9471248,108,electricity,Коваль,Луцьк,", "the account number must be 9 digits"),
    ("charges", f"5{ARABIC_2}9471247,2026-09,100,kWh,4.32,432.00,,", "the account number must be 9 digits"),
    ("charges", f"529471247,2026-09,{ARABIC_1}{ARABIC_0},kWh,4.32,432.00,,", "volume must be a number"),
    ("charges", f"529471247,2026-09,100,kWh,4.3{ARABIC_2},432.00,,", "tariff must be a number"),
    ("charges", f"529471247,2026-09,100,kWh,4.32,43{ARABIC_2}.00,,", "amount must be an amount"),
    ("charges", "529471247,2026-09,100,kWh,4.32,432.00,１０,", "reading_start must be a number"),  # fullwidth
    ("charges", f"529471247,{ARABIC_2}026-09,100,kWh,4.32,432.00,,", "the month must be YYYY-MM"),
    ("payments", f"529471247,2026-10-0{ARABIC_2} 10:00,5.00,bank,B-2", "paid_at must be a date and time"),
    ("payments", "529471247,2026-10-01 1०:00,5.00,bank,B-2", "paid_at must be a date and time"),  # Devanagari
    ("payments", f"529471247,2026-10-01 10:00,5.0{ARABIC_2},bank,B-2", "amount must be an amount"),
    # control and format characters in every kind of field
    ("accounts", "529471248,108,electricity,Кова\u202eль,Луцьк,", "holder_name", "202E"),
    ("accounts", "529471248,108,electricity,Коваль,Луцьк\u2066,", "address", "2066"),
    ("accounts", "529471248,108,electricity,Коваль,Луцьк,12\u200b3", "meter_number", "200B"),
    ("accounts", "529471248,108,electricity,\u200eКоваль,Луцьк,", "holder_name", "200E"),
    ("accounts", "529471248,108,electricity,\u061cКоваль,Луцьк,", "holder_name", "061C"),
    ("accounts", "529471248,108,electricity,Коваль\ufeff,Луцьк,", "holder_name", "FEFF"),
    ("accounts", "529471248,108,electricity,Ко\x00валь,Луцьк,", "holder_name", "0000"),
    ("accounts", "529471248,108,electricity,Ко\x0bваль,Луцьк,", "holder_name", "000B"),
    ("accounts", "529471248,108,electricity,Коваль\t,Луцьк,", "holder_name", "0009"),
    ("accounts", "529471248,108,electricity,Ко\x1bваль,Луцьк,", "holder_name", "001B"),
    ("accounts", "529471248,108,electricity,Ко\x85валь,Луцьк,", "holder_name", "0085"),
    ("accounts", "529471248,108,electricity,Коваль,Лу\u2028цьк,", "address", "2028"),
    ("accounts", "52947124\u200d8,108,electricity,Коваль,Луцьк,", "number", "200D"),
    ("charges", "529471247,2026-09,100,kWh,4.32,432.00\u202c,,", "amount", "202C"),
    ("payments", "529471247,2026-10-01 10:00,5.00,bank,B-\u20692", "reference", "2069"),
    ("payments", "529471247,2026-10-01 10:00,5.00,bank\u00ad,B-2", "source", "00AD"),
]


def _reason(case) -> str:
    if len(case) == 4:
        return INVISIBLE.format(field=case[2], code=case[3]).removeprefix("the ")
    return case[2]


@pytest.mark.parametrize("case", BAD_ROWS, ids=lambda case: f"{case[0]}-{ascii(case[1])[:48]}")
def test_a_bad_character_is_reported_with_its_line(runner, db, tmp_path, make_subdivision, make_account, case):
    kind, row = case[0], case[1]
    make_subdivision("108")
    if kind != "accounts":
        make_account("529471247")
    header, good, model = GOOD[kind]
    before = db.session.scalar(select(func.count()).select_from(model))
    path = tmp_path / "data.csv"
    path.write_bytes((header + good + "\n" + row + "\n").encode())
    result = run_cli(runner, kind, str(path))
    assert result.exit_code == 1, result.output
    assert f"line 3: {_reason(case)}" in result.output
    assert db.session.scalar(select(func.count()).select_from(model)) == before


@pytest.mark.parametrize("kind", GOOD)
def test_the_same_files_with_plain_characters_import(runner, db, tmp_path, make_subdivision, make_account, kind):
    make_subdivision("108")
    if kind != "accounts":
        make_account("529471247")
    header, good, _model = GOOD[kind]
    path = tmp_path / "data.csv"
    path.write_bytes(("\ufeff" + header + good + "\n").encode())  # a leading BOM is the encoding's, not a field's
    result = run_cli(runner, kind, str(path))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "value",
    [
        "Петренко Степан Іванович",
        "смт Любешів, вул. Волі, 5",
        "O'Brien-Smith",
        "Ґрунтова «Нова» 12/3 — кв. 4",
        " spaces  inside ",
        "вул.\u00a0Волі",
    ],
)
def test_ordinary_text_passes_the_character_check(value):
    check_characters([value], ("holder_name",))


def test_a_line_break_inside_a_quoted_field_is_refused(runner, db, tmp_path, make_subdivision):
    make_subdivision("108")
    path = tmp_path / "data.csv"
    path.write_bytes((ACCOUNTS_HEADER + '529471248,108,electricity,"Ко\nваль",Луцьк,\n').encode())
    result = run_cli(runner, "accounts", str(path))
    assert result.exit_code == 1
    assert "holder_name holds a control or invisible formatting character (U+000A)" in result.output


def test_the_character_check_names_a_field_past_the_columns(app):
    with pytest.raises(BadRow) as caught:
        check_characters(["a", "b", "c\u202e"], ("x", "y"))
    with app.test_request_context("/?lang=en"):
        assert caught.value.reason() == "3 holds a control or invisible formatting character (U+202E)"
