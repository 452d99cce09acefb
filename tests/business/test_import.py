"""The business side's CSV import (docs/import.md, "Companies"): the household importer's Formats for companies,
contracts, points, their charges and the bank's payments — good files, every bad-row reason with its line, the
same file twice, bank payments crediting the contract, and the panel's upload."""

from __future__ import annotations

import io
import time
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from tests.admin.conftest import admin_client, make_staff, uploads_in_tmp  # noqa: F401 - the panel's fixtures
from tests.business.conftest import ACME_CODE, FOP_CODE, OTHER_CODE, eic
from tests.conftest import csrf_token
from vez.models import (
    AuditEvent,
    Company,
    CompanyCharge,
    CompanyKind,
    CompanyPayment,
    CompanyPaymentSource,
    Contract,
    ImportRun,
    MeteringPoint,
    PaymentForm,
    PaymentStatus,
    Service,
)

COMPANIES = "code,kind,name,address\n"
CONTRACTS = "number,company_code,service,subdivision_code,starts_on,payment_form\n"
POINTS = "eic,contract_number,address,meter_number,voltage_class,gas_pressure\n"
CHARGES = "eic,month,volume,unit,tariff,amount,reading_start,reading_end\n"
PAYMENTS = "reference,contract_number,amount,paid_at,purpose,payer_code\n"


@pytest.fixture
def csv_file(tmp_path):
    counter = iter(range(1000))

    def write(text: str) -> str:
        path = tmp_path / f"file{next(counter)}.csv"
        path.write_bytes(text.encode())
        return str(path)

    return write


@pytest.fixture
def cli(runner, csv_file):
    def run(kind: str, text: str, *options: str):
        return runner.invoke(args=["import", kind, csv_file(text), *options])

    return run


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def grounds(db, make_subdivision):
    """The subdivisions the contracts name: 108 (electricity) and 900 (gas)."""
    make_subdivision("108")
    make_subdivision("900", Service.gas)


@pytest.fixture
def imported(db, cli, grounds):
    """One company with an electricity contract and a point, a ФОП with a gas contract and a point."""
    acme = f'{ACME_CODE},,"ТОВ ""Акме""","м. Луцьк, вул. Лесі Українки, 1"\n'
    assert cli("companies", COMPANIES + acme).exit_code == 0
    assert cli("companies", COMPANIES + f"{FOP_CODE},sole_trader,ФОП Бондар І. О.,м. Ковель\n").exit_code == 0
    result = cli(
        "contracts",
        CONTRACTS + f"1234/25-E,{ACME_CODE},electricity,108,2025-01-01,actual\n"
        f"77-Г/25,{FOP_CODE},gas,900,2025-02-01,prepayment\n",
    )
    assert result.exit_code == 0, result.output
    result = cli(
        "points",
        POINTS + f'{eic(1)},1234/25-E,"м. Луцьк, вул. Лесі Українки, 1",0123456,2,\n'
        f'{eic(2)},77-Г/25,"м. Ковель, вул. Незалежності, 7",G-77,,low\n',
    )
    assert result.exit_code == 0, result.output
    return db.session.scalar(select(Contract).where(Contract.number == "1234/25-E"))


def test_companies_contracts_and_points_are_written_from_their_files(db, imported):
    acme = db.session.scalar(select(Company).where(Company.code == ACME_CODE))
    assert (acme.kind, acme.name, acme.address) == (CompanyKind.legal, 'ТОВ "Акме"', "м. Луцьк, вул. Лесі Українки, 1")
    fop = db.session.scalar(select(Company).where(Company.code == FOP_CODE))
    assert fop.kind is CompanyKind.sole_trader
    gas = db.session.scalar(select(Contract).where(Contract.number == "77-Г/25"))
    assert (gas.company_id, gas.service, gas.subdivision.code, gas.starts_on, gas.payment_form, gas.balance) == (
        fop.id,
        Service.gas,
        "900",
        date(2025, 2, 1),
        PaymentForm.prepayment,
        0,
    )
    points = db.session.scalars(select(MeteringPoint).order_by(MeteringPoint.eic)).all()
    assert [(p.eic, p.contract_id, p.meter_number, p.voltage_class, p.gas_pressure) for p in points] == [
        (eic(1), imported.id, "0123456", "2", None),
        (eic(2), gas.id, "G-77", None, "low"),
    ]


def test_a_known_company_contract_and_point_are_updated_by_their_keys(db, cli, imported):
    result = cli("companies", COMPANIES + f'{ACME_CODE},legal,ТОВ "Акме Плюс",м. Луцьк\n')
    assert "1 rows checked, 0 bad, 1 new or changed" in result.output
    result = cli("contracts", CONTRACTS + f"1234/25-E,{ACME_CODE},electricity,108,2025-03-01,planned\n")
    assert "1 new or changed" in result.output
    result = cli("points", POINTS + f"{eic(1).lower()},1234/25-E,м. Луцьк,9999999,1,\n")
    assert "1 new or changed" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(Company.name).where(Company.code == ACME_CODE)) == 'ТОВ "Акме Плюс"'
    assert (imported.starts_on, imported.payment_form) == (date(2025, 3, 1), PaymentForm.planned)
    point = db.session.scalar(select(MeteringPoint).where(MeteringPoint.eic == eic(1)))
    assert (point.address, point.meter_number, point.voltage_class) == ("м. Луцьк", "9999999", "1")
    assert count(db, Company) == 2 and count(db, Contract) == 2 and count(db, MeteringPoint) == 2


def test_charges_are_written_per_point_and_the_contract_balance_recomputed(db, cli, imported):
    result = cli(
        "company-charges",
        CHARGES + f"{eic(1)},2026-09,1000,kWh,4.32,4320.00,100,1100\n{eic(1)},2026-10,1200.5,kWh,4.32,5186.16,,\n"
        f"{eic(2)},2026-10,300,m3,7.96,2388.00,,\n",
    )
    assert result.exit_code == 0, result.output
    assert "2 contracts' balances recomputed" in result.output
    charges = db.session.scalars(select(CompanyCharge).order_by(CompanyCharge.id)).all()
    assert [(c.contract_id, c.month, c.amount, str(c.volume), c.unit) for c in charges][:2] == [
        (imported.id, date(2026, 9, 1), 432000, "1000.000", "kWh"),
        (imported.id, date(2026, 10, 1), 518616, "1200.500", "kWh"),
    ]
    assert str(charges[0].reading_end) == "1100.000" and charges[1].reading_start is None
    db.session.refresh(imported)
    assert imported.balance == 432000 + 518616
    again = cli("company-charges", CHARGES + f"{eic(1)},2026-10,1000,kWh,4.32,4320.00,,\n")
    assert "1 new or changed" in again.output
    db.session.refresh(imported)
    assert imported.balance == 432000 * 2 and count(db, CompanyCharge) == 3


def test_bank_payments_credit_the_contract_and_change_its_balance(db, cli, imported):
    cli("company-charges", CHARGES + f"{eic(1)},2026-09,1000,kWh,4.32,4320.00,,\n")
    result = cli(
        "company-payments",
        PAYMENTS + f'PP-1001,1234/25-E,4000.00,2026-10-10 11:30,"Оплата за ел. енергію зг. рах. № 1, дог. 1234/25-E",'
        f"{ACME_CODE}\n"
        "PP-1002,1234/25-E,320.00,2026-10-12,,\n",
    )
    assert result.exit_code == 0, result.output
    assert "1 contracts' balances recomputed" in result.output
    payments = db.session.scalars(select(CompanyPayment).order_by(CompanyPayment.paid_at)).all()
    assert [(p.reference, p.amount, p.paid_at, p.source, p.status, p.payer_code) for p in payments] == [
        ("PP-1001", 400000, datetime(2026, 10, 10, 8, 30), CompanyPaymentSource.bank, PaymentStatus.paid, ACME_CODE),
        ("PP-1002", 32000, datetime(2026, 10, 11, 21, 0), CompanyPaymentSource.bank, PaymentStatus.paid, None),
    ]
    assert payments[0].purpose.startswith("Оплата за ел. енергію")
    db.session.refresh(imported)
    assert imported.balance == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.company-payments"))
    assert event is not None


def test_the_same_files_twice_change_nothing(db, cli, imported):
    files = [
        ("companies", COMPANIES + f"{ACME_CODE},,ТОВ Акме,м. Луцьк\n"),
        ("contracts", CONTRACTS + f"1234/25-E,{ACME_CODE},electricity,108,2025-01-01,actual\n"),
        ("points", POINTS + f"{eic(1)},1234/25-E,м. Луцьк,0123456,2,\n"),
        ("company-charges", CHARGES + f"{eic(1)},2026-09,1000,kWh,4.32,4320.00,,\n"),
        ("company-payments", PAYMENTS + "PP-1,1234/25-E,1000.00,2026-10-10 11:30,,\n"),
    ]
    for kind, text in files:
        assert cli(kind, text).exit_code == 0
    db.session.refresh(imported)
    before = (count(db, Company), count(db, Contract), count(db, MeteringPoint), imported.balance)
    for kind, text in files:
        result = cli(kind, text)
        assert result.exit_code == 0 and "0 new or changed" in result.output, (kind, result.output)
    db.session.expire_all()
    assert (count(db, Company), count(db, Contract), count(db, MeteringPoint), imported.balance) == before
    assert count(db, CompanyCharge) == 1 and count(db, CompanyPayment) == 1
    assert before[3] == 432000 - 100000


BAD = [
    # (kind, header, good rows before the bad one, the bad row, the reason)
    ("companies", COMPANIES, "32855962,,ТОВ Б,м. Луцьк", "the code's check digit is wrong"),
    ("companies", COMPANIES, "1234567,,ТОВ Б,м. Луцьк", "the code must be an 8-digit EDRPOU or a 10-digit RNOKPP"),
    ("companies", COMPANIES, "3285596A,,ТОВ Б,м. Луцьк", "the code must be digits only"),
    ("companies", COMPANIES, f"{OTHER_CODE},sole_trader,ТОВ Б,м. Луцьк", "the kind must be legal for an 8-digit"),
    ("companies", COMPANIES, f"{OTHER_CODE},,,м. Луцьк", "name is empty"),
    ("companies", COMPANIES, f"{OTHER_CODE},,ТОВ Б", "3 fields where 4 are expected"),
    ("companies", COMPANIES, f"{ACME_CODE},,ТОВ Акме,м. Луцьк", "the same code as line 2"),
    ("contracts", CONTRACTS, f"9/25,{OTHER_CODE},electricity,108,2025-01-01,actual", f"company {OTHER_CODE} is not"),
    ("contracts", CONTRACTS, f"9/25,{ACME_CODE},water,108,2025-01-01,actual", "the service must be electricity or"),
    ("contracts", CONTRACTS, f"9/25,{ACME_CODE},gas,108,2025-01-01,actual", "subdivision 108 does not serve gas"),
    ("contracts", CONTRACTS, f"9/25,{ACME_CODE},electricity,555,2025-01-01,actual", "subdivision 555 is not found"),
    ("contracts", CONTRACTS, f"9/25,{ACME_CODE},electricity,108,2025-02-30,actual", "starts_on must be a date"),
    ("contracts", CONTRACTS, f"9/25,{ACME_CODE},electricity,108,2025-01-01,credit", "the payment form must be"),
    ("contracts", CONTRACTS, f"9 25,{ACME_CODE},electricity,108,2025-01-01,actual", "the contract number may hold"),
    ("contracts", CONTRACTS, f"77-Г/25,{ACME_CODE},gas,900,2025-01-01,actual", "the contract exists under another"),
    ("contracts", CONTRACTS, f"1234/25-E,{ACME_CODE},electricity,108,2025-01-01,actual", "the same contract number"),
    ("points", POINTS, f"{eic(3)[:-1]}X,1234/25-E,м. Луцьк,1,2,", "the EIC code's check character is wrong"),
    ("points", POINTS, "62Z1234,1234/25-E,м. Луцьк,1,2,", "the EIC code must be 16 characters"),
    ("points", POINTS, f"{eic(3)},99/99,м. Луцьк,1,2,", "contract 99/99 is not found"),
    ("points", POINTS, f"{eic(3)},1234/25-E,м. Луцьк,1,3,", "the voltage class must be 1 or 2"),
    ("points", POINTS, f"{eic(3)},1234/25-E,м. Луцьк,1,2,low", "gas_pressure must be empty for electricity"),
    ("points", POINTS, f"{eic(3)},77-Г/25,м. Ковель,1,,very", "the gas pressure must be low, medium or high"),
    ("points", POINTS, f"{eic(2)},1234/25-E,м. Луцьк,1,2,", "the metering point exists under another contract"),
    ("points", POINTS, f"{eic(1)},1234/25-E,м. Луцьк,1,2,", "the same EIC code as line 2"),
    ("company-charges", CHARGES, f"{eic(9)},2026-09,1,kWh,4.32,4.32,,", f"metering point {eic(9)} is not found"),
    ("company-charges", CHARGES, "62Z00000000000X,2026-09,1,kWh,4.32,4.32,,", "the EIC code must be 16"),
    ("company-charges", CHARGES, f"{eic(1)},2026-13,1,kWh,4.32,4.32,,", "the month must be YYYY-MM"),
    ("company-charges", CHARGES, f"{eic(1)},2026-08,1,m3,4.32,4.32,,", "the unit must be kWh for this metering"),
    ("company-charges", CHARGES, f"{eic(2)},2026-08,1,kWh,4.32,4.32,,", "the unit must be m3 for this metering"),
    ("company-charges", CHARGES, f"{eic(1)},2026-08,-1,kWh,4.32,4.32,,", "volume must be a number"),
    ("company-charges", CHARGES, f"{eic(1)},2026-08,1,kWh,4.32,4,,", "amount must be an amount with a dot"),
    ("company-charges", CHARGES, f"{eic(1)},2026-09,2,kWh,4.32,8.64,,", "the same metering point and month as line"),
    ("company-payments", PAYMENTS, "PP-9,99/99,10.00,2026-10-01,,", "contract 99/99 is not found"),
    ("company-payments", PAYMENTS, "PP-9,1234/25-E,0.00,2026-10-01,,", "amount must be above zero"),
    ("company-payments", PAYMENTS, "PP-9,1234/25-E,10.00,2099-10-01,,", "the payment is dated in the future"),
    ("company-payments", PAYMENTS, "PP-9,1234/25-E,10.00,01.10.2026,,", "paid_at must be a date and time"),
    ("company-payments", PAYMENTS, "PP-9,1234/25-E,10.00,2026-10-01,,32855962", "payer_code: the code's check"),
    ("company-payments", PAYMENTS, ",1234/25-E,10.00,2026-10-01,,", "reference is empty"),
    ("company-payments", PAYMENTS, "PP-1,1234/25-E,10.00,2026-10-01,,", "the same reference as line 2"),
]
GOOD_FIRST = {
    "companies": f"{ACME_CODE},,ТОВ Акме,м. Луцьк",
    "contracts": f"1234/25-E,{ACME_CODE},electricity,108,2025-01-01,actual",
    "points": f"{eic(1)},1234/25-E,м. Луцьк,0123456,2,",
    "company-charges": f"{eic(1)},2026-09,1000,kWh,4.32,4320.00,,",
    "company-payments": "PP-1,1234/25-E,1000.00,2026-10-10 11:30,,",
}
TABLES = {
    "companies": Company,
    "contracts": Contract,
    "points": MeteringPoint,
    "company-charges": CompanyCharge,
    "company-payments": CompanyPayment,
}


@pytest.mark.parametrize(("kind", "header", "row", "reason"), BAD, ids=[f"{b[0]}:{b[3]}" for b in BAD])
def test_a_bad_row_is_reported_with_its_line_and_nothing_is_written(db, cli, imported, kind, header, row, reason):
    before = count(db, TABLES[kind])
    result = cli(kind, header + GOOD_FIRST[kind] + "\n" + row + "\n")
    assert result.exit_code == 1
    assert f"line 3: {reason}" in result.output, result.output
    assert "rejected: 2 rows checked, 1 bad" in result.output
    db.session.expire_all()
    assert count(db, TABLES[kind]) == before
    db.session.refresh(imported)
    assert imported.balance == 0


def test_a_reference_used_by_another_payment_is_a_bad_row(db, cli, imported):
    cli("company-payments", PAYMENTS + "PP-1,1234/25-E,1000.00,2026-10-10 11:30,,\n")
    result = cli("company-payments", PAYMENTS + "PP-1,1234/25-E,999.00,2026-10-10 11:30,,\n")
    assert "line 2: the reference is already used by a different payment" in result.output
    db.session.refresh(imported)
    assert imported.balance == -100000


def test_skip_bad_writes_the_good_rows_and_dry_run_writes_nothing(db, cli, imported):
    text = CHARGES + f"{eic(1)},2026-09,1000,kWh,4.32,4320.00,,\n{eic(9)},2026-09,1,kWh,4.32,4.32,,\n"
    dry = cli("company-charges", text, "--dry-run", "--skip-bad")
    assert "1 new or changed (dry run: nothing written)" in dry.output and count(db, CompanyCharge) == 0
    result = cli("company-charges", text, "--skip-bad")
    assert result.exit_code == 0 and "1 bad, 1 new or changed" in result.output
    db.session.refresh(imported)
    assert imported.balance == 432000


def test_the_reasons_are_in_the_users_language(db, imported):
    from vez.admin.importing import new_run, run_import

    path = imported  # noqa: F841 - the grounds
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False, encoding="utf-8") as f:
        f.write(POINTS + "62Z1234,1234/25-E,м. Луцьк,1,2,\n")
    run = new_run("points", f.name, dry_run=False, skip_bad=False, actor_id=None)
    done = run_import(run.id, f.name, locale="uk")
    assert done.status.value == "rejected"
    assert done.errors == [{"line": 2, "reason": "код EIC має містити 16 символів"}]


def _wait_for(db, run_id: int) -> ImportRun:
    for _ in range(200):
        db.session.expire_all()
        run = db.session.get(ImportRun, run_id)
        if run.finished:
            return run
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_the_panel_offers_the_business_kinds_and_imports_them(admin_client, db, imported):  # noqa: F811
    page = admin_client.get("/admin/import/?lang=en").get_data(as_text=True)
    for kind in ("companies", "contracts", "points", "company-charges", "company-payments"):
        assert f'value="{kind}"' in page
    token = csrf_token(admin_client, "/admin/")
    body = (PAYMENTS + "PP-7,1234/25-E,100.00,2026-10-10 11:30,,\nPP-8,99/99,1.00,2026-10-10,,\n").encode()
    response = admin_client.post(
        "/admin/import/?lang=en",
        data={"csrf_token": token, "kind": "company-payments", "file": (io.BytesIO(body), "bank.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    run = _wait_for(db, int(response.headers["Location"].split("/")[-1]))
    assert run.status.value == "rejected" and run.errors == [{"line": 3, "reason": "contract 99/99 is not found"}]
    page = admin_client.get(f"/admin/import/runs/{run.id}?lang=en").get_data(as_text=True)
    assert "contract 99/99 is not found" in page and "Companies&#39; bank payments" in page
    assert count(db, CompanyPayment) == 0
    good = (PAYMENTS + "PP-7,1234/25-E,100.00,2026-10-10 11:30,,\n").encode()
    response = admin_client.post(
        "/admin/import/",
        data={"csrf_token": token, "kind": "company-payments", "file": (io.BytesIO(good), "bank.csv")},
        content_type="multipart/form-data",
    )
    run = _wait_for(db, int(response.headers["Location"].split("/")[-1]))
    assert run.status.value == "done" and run.rows_written == 1 and run.accounts_touched == 1
    db.session.refresh(imported)
    assert imported.balance == -10000


def test_the_examples_of_docs_import_md_import_in_their_order(db, cli, make_subdivision):
    from pathlib import Path

    make_subdivision("101")
    make_subdivision("900", Service.gas)
    doc = (Path(__file__).resolve().parents[2] / "docs" / "import.md").read_text(encoding="utf-8")
    business = doc.split("## The business side's files", 1)[1].split("\n## ", 1)[0]
    examples = {}
    for section in business.split("\n### ")[1:]:
        kind, rest = section.split("\n", 1)
        examples[kind.strip()] = rest.split("```\n", 2)[1]
    assert list(examples) == ["companies", "contracts", "points", "company-charges", "company-payments"]
    for kind, text in examples.items():
        result = cli(kind, text)
        assert result.exit_code == 0 and " 0 bad" in result.output, (kind, result.output)
    contract = db.session.scalar(select(Contract).where(Contract.number == "101-0417/24"))
    assert contract.balance == 1643460 - 4002480
