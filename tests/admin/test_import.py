"""The billing system's CSV import: good files, every kind of bad row, idempotence, --dry-run, --skip-bad."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from vez.models import AuditEvent, Charge, ImportRun, Payment, PersonalAccount

CHARGES_HEADER = "number,month,volume,unit,tariff,amount,reading_start,reading_end\n"
PAYMENTS_HEADER = "number,paid_at,amount,source,reference\n"
ACCOUNTS_HEADER = "number,subdivision_code,service,holder_name,address,meter_number\n"


@pytest.fixture
def csv_file(tmp_path):
    def write(text: str, name: str = "data.csv", encoding: str = "utf-8") -> str:
        path = tmp_path / name
        path.write_bytes(text.encode(encoding))
        return str(path)

    return write


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def run_cli(runner, kind, path, *options):
    return runner.invoke(args=["import", kind, path, *options])


def test_accounts_are_created_and_updated_by_number(runner, db, csv_file, make_subdivision, make_account):
    make_subdivision("108")
    make_subdivision("900", __import__("vez.models", fromlist=["Service"]).Service.gas)
    make_account("529471247", holder_name="Old Name")
    path = csv_file(
        ACCOUNTS_HEADER
        + '529471247,108,electricity,Петренко Степан Іванович,"смт Любешів, вул. Волі, 5",123\n'
        + '900000017,900,gas,Коваль Ганна,"м. Луцьк, вул. Шопена, 1",\n'
    )
    result = run_cli(runner, "accounts", path)
    assert result.exit_code == 0, result.output
    assert "2 rows checked, 0 bad, 2 new or changed" in result.output
    db.session.expire_all()
    updated = db.session.scalar(select(PersonalAccount).where(PersonalAccount.number == "529471247"))
    assert updated.holder_name == "Петренко Степан Іванович" and updated.meter_number == "123"
    gas = db.session.scalar(select(PersonalAccount).where(PersonalAccount.number == "900000017"))
    assert gas.address == "м. Луцьк, вул. Шопена, 1" and gas.meter_number is None and gas.balance == 0


def test_charges_are_written_and_balances_recomputed(runner, db, csv_file, make_account):
    account = make_account("529471247", last_payment=10000)
    path = csv_file(
        CHARGES_HEADER + "529471247,2026-09,100,kWh,4.32,432.00,1000,1100\n"
        "529471247,2026-10,120.5,kWh,4.32,520.56,1100,1220.5\n"
    )
    result = run_cli(runner, "charges", path)
    assert result.exit_code == 0, result.output
    assert "rows/s" in result.output
    db.session.expire_all()
    charges = db.session.scalars(select(Charge).order_by(Charge.month)).all()
    assert [(c.month, c.amount, str(c.volume), str(c.reading_end)) for c in charges] == [
        (date(2026, 9, 1), 43200, "100.000", "1100.000"),
        (date(2026, 10, 1), 52056, "120.500", "1220.500"),
    ]
    db.session.refresh(account)
    assert account.balance == 43200 + 52056 - 10000


def test_payments_are_written_in_utc_from_kyiv_time(runner, db, csv_file, make_account):
    account = make_account("529471247")
    path = csv_file(
        PAYMENTS_HEADER + "529471247,2026-10-31 14:05,250.00,bank,BANK-1\n529471247,2026-07-01,100.50,post,POST-7\n"
    )
    result = run_cli(runner, "payments", path)
    assert result.exit_code == 0, result.output
    payments = db.session.scalars(select(Payment).order_by(Payment.paid_at)).all()
    assert [(p.reference, p.amount, p.paid_at, p.source.value, p.status.value) for p in payments] == [
        ("POST-7", 10050, datetime(2026, 6, 30, 21, 0), "post", "paid"),
        ("BANK-1", 25000, datetime(2026, 10, 31, 12, 5), "bank", "paid"),
    ]
    db.session.refresh(account)
    assert account.balance == -35050


def test_reimporting_the_same_files_changes_nothing(runner, db, csv_file, make_account):
    make_account("529471247")
    charges = csv_file(CHARGES_HEADER + "529471247,2026-09,100,kWh,4.32,432.00,,\n", "c.csv")
    payments = csv_file(PAYMENTS_HEADER + "529471247,2026-10-01 10:00,100.00,bank,B-1\n", "p.csv")
    for _ in range(2):
        assert run_cli(runner, "charges", charges).exit_code == 0
        assert run_cli(runner, "payments", payments).exit_code == 0
    again = run_cli(runner, "charges", charges)
    assert "0 new or changed" in again.output
    assert count(db, Charge) == 1 and count(db, Payment) == 1


def test_a_corrected_charge_replaces_the_month(runner, db, csv_file, make_account):
    account = make_account("529471247")
    run_cli(runner, "charges", csv_file(CHARGES_HEADER + "529471247,2026-09,100,kWh,4.32,432.00,,\n", "a.csv"))
    result = run_cli(runner, "charges", csv_file(CHARGES_HEADER + "529471247,2026-09,90,kWh,4.32,388.80,,\n", "b.csv"))
    assert "1 new or changed" in result.output
    db.session.refresh(account)
    assert count(db, Charge) == 1 and account.balance == 38880


BAD_CHARGES = [
    ("529471247,2026-09,100,kWh,4.32,432.00,,,extra", "9 fields where 8 are expected"),
    ("12345,2026-09,100,kWh,4.32,432.00,,", "the account number must be 9 digits"),
    ("529999999,2026-09,100,kWh,4.32,432.00,,", "personal account 529999999 is not found"),
    ("529471247,2026-13,100,kWh,4.32,432.00,,", "the month must be YYYY-MM"),
    ("529471247,09.2026,100,kWh,4.32,432.00,,", "the month must be YYYY-MM"),
    ("529471247,2026-09,1e3,kWh,4.32,432.00,,", "volume must be a number with at most three decimals"),
    ("529471247,2026-09,-5,kWh,4.32,432.00,,", "volume must be a number with at most three decimals"),
    ("529471247,2026-09,100,m3,4.32,432.00,,", "the unit must be kWh for this account"),
    ("529471247,2026-09,100,kWh,4.3211,432.00,,", "tariff must be a number with at most three decimals"),
    ("529471247,2026-09,100,kWh,4.32,432,,", "amount must be an amount with a dot and two decimals"),
    ('529471247,2026-09,100,kWh,4.32,"432,00",,', "amount must be an amount with a dot and two decimals"),
    ("529471247,2026-09,100,kWh,4.32,432.00,abc,", "reading_start must be a number"),
    ("529471247,2026-08,100,kWh,4.32,432.00,,", "the same account and month as line 2"),
    ("529471247,2026-08,100,kWh,4.32,432.00,'; DROP TABLE charges;--,", "reading_start must be a number"),
]


@pytest.mark.parametrize("row, reason", BAD_CHARGES)
def test_a_bad_charge_row_is_reported_with_its_line_and_nothing_is_written(
    runner, db, csv_file, make_account, row, reason
):
    make_account("529471247")
    path = csv_file(CHARGES_HEADER + "529471247,2026-08,100,kWh,4.32,432.00,,\n" + row + "\n")
    result = run_cli(runner, "charges", path)
    assert result.exit_code == 1
    assert f"line 3: {reason}" in result.output
    assert count(db, Charge) == 0
    run = db.session.scalar(select(ImportRun))
    assert run.status.value == "rejected" and run.errors[0]["line"] == 3


BAD_PAYMENTS = [
    ("529471247,2026-10-01 10:00,0.00,bank,B-2", "amount must be above zero"),
    ("529471247,2026-10-01 10:00,-5.00,bank,B-2", "amount must be above zero"),
    ("529471247,01.10.2026,5.00,bank,B-2", "paid_at must be a date and time"),
    ("529471247,2026-02-30 10:00,5.00,bank,B-2", "paid_at must be a date and time"),
    ("529471247,2099-01-01 10:00,5.00,bank,B-2", "the payment is dated in the future"),
    ("529471247,2026-10-01 10:00,5.00,online,B-2", "the source must be bank or post"),
    ("529471247,2026-10-01 10:00,5.00,bank,", "reference is empty"),
    ("529471247,2026-10-01 10:00,5.00,bank,B-1", "the same reference as line 2"),
    ("529471247,2026-10-01 10:00,5.00,bank,TAKEN", "the reference is already used by a different payment"),
]


@pytest.mark.parametrize("row, reason", BAD_PAYMENTS)
def test_a_bad_payment_row_is_reported(runner, db, csv_file, make_account, row, reason):
    account = make_account("529471247")
    db.session.add(Payment(account_id=account.id, amount=777, source="bank", reference="TAKEN"))
    db.session.commit()
    path = csv_file(PAYMENTS_HEADER + "529471247,2026-10-01 09:00,1.00,bank,B-1\n" + row + "\n")
    result = run_cli(runner, "payments", path)
    assert result.exit_code == 1
    assert f"line 3: {reason}" in result.output
    assert count(db, Payment) == 1


BAD_ACCOUNTS = [
    ("529471248,108,gas,Коваль,Луцьк,", "an account number of this service starts with 9"),
    ("529471248,777,electricity,Коваль,Луцьк,", "subdivision 777 is not found"),
    ("529471248,108,water,Коваль,Луцьк,", "the service must be electricity or gas"),
    ("529471248,108,electricity,,Луцьк,", "holder_name is empty"),
    ("529471248,108,electricity,Коваль," + "x" * 301 + ",", "address is longer than 300 characters"),
    ("529471247,108,electricity,Коваль,Луцьк,", "the same account number as line 2"),
]


@pytest.mark.parametrize("row, reason", BAD_ACCOUNTS)
def test_a_bad_account_row_is_reported(runner, db, csv_file, make_subdivision, row, reason):
    make_subdivision("108")
    path = csv_file(ACCOUNTS_HEADER + "529471247,108,electricity,Петренко,Любешів,1\n" + row + "\n")
    result = run_cli(runner, "accounts", path)
    assert result.exit_code == 1
    assert f"line 3: {reason}" in result.output
    assert count(db, PersonalAccount) == 0


def test_a_wrong_header_or_encoding_rejects_the_whole_file(runner, db, csv_file, make_account):
    make_account("529471247")
    wrong = run_cli(runner, "charges", csv_file("number,month,amount\n529471247,2026-09,1.00\n", "h.csv"))
    assert wrong.exit_code == 1 and "line 1: the header must be: number,month,volume" in wrong.output
    latin = run_cli(
        runner,
        "charges",
        csv_file(CHARGES_HEADER + "529471247,2026-09,1,kWh,1,1.00,,\nПетренко\n", "e.csv", encoding="cp1251"),
    )
    assert latin.exit_code == 1 and "the file is not UTF-8 text" in latin.output
    assert count(db, Charge) == 0


def test_skip_bad_writes_the_good_rows_and_reports_the_rest(runner, db, csv_file, make_account):
    make_account("529471247")
    path = csv_file(
        CHARGES_HEADER + "529471247,2026-08,100,kWh,4.32,432.00,,\n"
        "529999999,2026-08,100,kWh,4.32,432.00,,\n529471247,2026-09,1,kWh,4.32,4.32,,\n"
    )
    result = run_cli(runner, "charges", path, "--skip-bad")
    assert result.exit_code == 0
    assert "line 3: personal account 529999999 is not found" in result.output
    assert count(db, Charge) == 2


def test_dry_run_writes_nothing_but_counts_what_would_change(runner, db, csv_file, make_account):
    account = make_account("529471247")
    path = csv_file(CHARGES_HEADER + "529471247,2026-08,100,kWh,4.32,432.00,,\n")
    result = run_cli(runner, "charges", path, "--dry-run")
    assert result.exit_code == 0
    assert "1 new or changed (dry run: nothing written)" in result.output
    assert count(db, Charge) == 0
    db.session.refresh(account)
    assert account.balance == 0
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.charges"))


def test_a_real_import_is_audited(runner, db, csv_file, make_account):
    make_account("529471247")
    run_cli(runner, "charges", csv_file(CHARGES_HEADER + "529471247,2026-08,100,kWh,4.32,432.00,,\n"))
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.charges"))
    assert event.data["written"] == 1 and event.data["accounts"] == 1
