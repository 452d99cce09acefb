"""Importing the billing system's CSV files: check every row, then write all of them in one transaction.

The rows go first into a temporary staging table (batched `executemany` on SQLite, `COPY` on PostgreSQL),
which touches none of the real tables; when every row is good (or `skip_bad` is asked), one
`INSERT … SELECT … ON CONFLICT` moves them into place, the touched balances are recomputed and the
run is recorded, all in one transaction. So a bad file writes nothing, a crash writes nothing, and the
same file imported again changes nothing (charges are keyed by account and month, payments by
reference, accounts by number). Progress goes to the ImportRun row through a connection of its own.
"""

from __future__ import annotations

import contextlib
import csv
import logging
import os
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, text, update

from vez import audit
from vez.admin.formats import FORMATS, BadRow, Format, check_characters
from vez.companies.ledger import recompute_contract_balances
from vez.extensions import db
from vez.ledger import recompute_balances
from vez.models import ImportRun, ImportStatus, utcnow

log = logging.getLogger("vez.import")
BATCH = 20_000
ERRORS_KEPT = 1000
STAGE = "vez_import_stage"
E_HEADER = _l("the header must be: %(columns)s")
E_ENCODING = _l("the file is not UTF-8 text")
E_EMPTY_FILE = _l("the file is empty")

Progress = Callable[[ImportRun], None]
OnBad = Callable[[int, str], None]


class Rejected(Exception):
    """The whole file is refused (header, encoding): nothing to check row by row."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


def count_rows(path: str | Path) -> int:
    """Lines after the header, counted fast (a million-row file in well under a second)."""
    lines, last = 0, b"\n"
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    if last != b"\n":
        lines += 1
    return max(lines - 1, 0)


def _first_undecodable_line(path: Path) -> int:
    """The decoder reads ahead in blocks; only a second pass finds the very line."""
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            try:
                raw.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return 1


def new_run(kind: str, filename: str, *, dry_run: bool, skip_bad: bool, actor_id: int | None) -> ImportRun:
    if kind not in FORMATS:
        raise ValueError(f"unknown import kind {kind!r}")
    run = ImportRun(
        kind=kind,
        filename=filename[:255],
        dry_run=dry_run,
        skip_bad=skip_bad,
        actor_id=actor_id,
        status=ImportStatus.queued,
    )
    db.session.add(run)
    db.session.commit()
    return run


def _save(run_id: int, **values) -> None:
    """Progress is written and committed on its own connection, beside the import's open transaction."""
    values["updated_at"] = utcnow()
    with db.engine.begin() as conn:
        conn.execute(update(ImportRun).where(ImportRun.id == run_id).values(**values))


def run_import(
    run_id: int,
    path: str | Path,
    *,
    locale: str = "en",
    on_progress: Progress | None = None,
    on_bad: OnBad | None = None,
) -> ImportRun:
    """Check and write one file for the run; returns the finished run (status done, rejected or failed)."""
    with force_locale(locale):
        try:
            _run(run_id, Path(path), on_progress, on_bad)
        except Exception as error:  # noqa: BLE001 - any crash: nothing written, the run says so
            db.session.rollback()
            log.exception("import run %s failed", run_id)
            _save(
                run_id,
                status=ImportStatus.failed,
                finished_at=utcnow(),
                message=f"{error.__class__.__name__}: {error}"[:500],
            )
        finally:
            _drop_stage()
    db.session.expire_all()
    return db.session.get(ImportRun, run_id)


def _run(run_id: int, path: Path, on_progress: Progress | None, on_bad: OnBad | None) -> None:
    run = db.session.get(ImportRun, run_id)
    fmt = FORMATS[run.kind]
    dry_run, skip_bad, actor_id = run.dry_run, run.skip_bad, run.actor_id
    total = count_rows(path)
    started = utcnow()
    _save(run_id, status=ImportStatus.checking, rows_total=total, started_at=started)
    parse = fmt.parser()
    db.session.commit()  # the lookups are read; no lock on the real tables is held while staging
    conn = db.session.connection()
    dialect = conn.dialect.name
    _create_stage(conn, fmt, dialect)

    errors: list[dict] = []
    bad = checked = 0

    def report(line: int, reason: str) -> None:
        nonlocal bad
        bad += 1
        if len(errors) < ERRORS_KEPT:
            errors.append({"line": line, "reason": reason})
        if on_bad:
            on_bad(line, reason)

    def progress(status: ImportStatus = ImportStatus.checking) -> None:
        _save(run_id, status=status, rows_checked=checked, rows_bad=bad, errors=errors or None)
        if on_progress:
            on_progress(_snapshot(run_id))

    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            reader = csv.reader(f)
            try:
                header = next(reader, None)
            except UnicodeDecodeError:
                raise Rejected(_first_undecodable_line(path), str(E_ENCODING)) from None
            if header is None:
                raise Rejected(1, str(E_EMPTY_FILE))
            if [h.strip() for h in header] != list(fmt.columns):
                raise Rejected(1, str(E_HEADER % {"columns": ",".join(fmt.columns)}))
            batch: list[tuple] = []
            line = 1
            try:
                for row in reader:
                    line = reader.line_num
                    if not row:
                        continue
                    checked += 1
                    try:
                        # docs/security.md (import characters); isprintable() is the fast test, the check exact
                        if not "".join(row).isprintable():
                            check_characters(row, fmt.columns)
                        batch.append(parse(row, line))
                    except BadRow as problem:
                        report(line, problem.reason())
                    if len(batch) >= BATCH:
                        _stage(conn, fmt, dialect, batch)
                        batch = []
                        progress()
            except UnicodeDecodeError:
                raise Rejected(_first_undecodable_line(path), str(E_ENCODING)) from None
            except csv.Error as problem:
                raise Rejected(reader.line_num, str(problem)) from None
            if batch:
                _stage(conn, fmt, dialect, batch)
    except Rejected as whole:
        db.session.rollback()
        report(whole.line, whole.reason)
        _finish(run_id, ImportStatus.rejected, checked, bad, errors, actor_id, fmt, written=0, touched=0)
        return

    progress(ImportStatus.writing)
    for line, reason in _conflicts(conn, fmt):
        report(line, str(reason))
        conn.execute(text(f"DELETE FROM {STAGE} WHERE line = :line"), {"line": line})
    if bad and not skip_bad:
        db.session.rollback()
        _finish(run_id, ImportStatus.rejected, checked, bad, errors, actor_id, fmt, written=0, touched=0)
        return

    written = _merge(conn, fmt, dialect)
    touched = 0
    if fmt.kind in BALANCES:
        column, recompute = BALANCES[fmt.kind]
        ids = list(conn.execute(text(f"SELECT DISTINCT {column} FROM {STAGE}")).scalars())
        touched = len(ids)
        for start in range(0, len(ids), 900):  # SQLite's bound-parameter limit
            recompute(ids[start : start + 900])
    if dry_run:
        db.session.rollback()  # the counts are known; nothing stays
        _finish(run_id, ImportStatus.done, checked, bad, errors, actor_id, fmt, written=written, touched=touched)
        return
    audit.record(
        f"import.{fmt.kind}",
        actor_id=actor_id,
        target_type="import_runs",
        target_id=run_id,
        rows=checked,
        bad=bad,
        written=written,
        accounts=touched,
    )
    db.session.execute(
        update(ImportRun)
        .where(ImportRun.id == run_id)
        .values(
            status=ImportStatus.done,
            rows_checked=checked,
            rows_bad=bad,
            rows_written=written,
            accounts_touched=touched,
            errors=errors or None,
            finished_at=utcnow(),
            updated_at=utcnow(),
        )
    )
    db.session.commit()


def _snapshot(run_id: int) -> ImportRun:
    with db.engine.connect() as conn:
        row = conn.execute(ImportRun.__table__.select().where(ImportRun.__table__.c.id == run_id)).one()
    return ImportRun(**row._asdict())


def _finish(run_id, status, checked, bad, errors, actor_id, fmt: Format, *, written: int, touched: int) -> None:
    _save(
        run_id,
        status=status,
        rows_checked=checked,
        rows_bad=bad,
        rows_written=written,
        accounts_touched=touched,
        errors=errors or None,
        finished_at=utcnow(),
    )
    if status is ImportStatus.rejected:
        audit.record(
            f"import.{fmt.kind}_rejected",
            actor_id=actor_id,
            target_type="import_runs",
            target_id=run_id,
            rows=checked,
            bad=bad,
        )
        db.session.commit()


# ---- the staging table and the merge, per database ------------------------------------------------


def _create_stage(conn, fmt: Format, dialect: str) -> None:
    if dialect == "postgresql":
        cols = ", ".join(f"{name} {pg}" for name, _lite, pg in fmt.stage)
        conn.execute(text(f"CREATE TEMPORARY TABLE {STAGE} ({cols}) ON COMMIT DROP"))
    else:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGE}")
        cols = ", ".join(f"{name} {lite}" for name, lite, _pg in fmt.stage)
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {STAGE} ({cols})")
    conn.exec_driver_sql(f"CREATE INDEX {STAGE}_line ON {STAGE} (line)")


def _drop_stage() -> None:
    try:
        db.session.rollback()
        conn = db.session.connection()
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{STAGE}")
        db.session.commit()
    except Exception:  # noqa: BLE001 - best effort: a temporary table dies with its connection anyway
        db.session.rollback()


def _stage(conn, fmt: Format, dialect: str, rows: list[tuple]) -> None:
    names = ", ".join(name for name, _l1, _l2 in fmt.stage)
    if dialect == "postgresql":
        raw = conn.connection.driver_connection
        with raw.cursor() as cur, cur.copy(f"COPY {STAGE} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in fmt.stage)
        conn.connection.driver_connection.executemany(f"INSERT INTO temp.{STAGE} ({names}) VALUES ({marks})", rows)


def _conflicts(conn, fmt: Format) -> list[tuple[int, object]]:
    """Rows that clash with what the database already holds (checked in SQL, after staging)."""
    from vez.admin.formats import E_REF_TAKEN

    if fmt.kind == "payments":
        sql = (
            f"SELECT s.line FROM {STAGE} s JOIN payments p ON p.reference = s.reference "
            "WHERE p.account_id <> s.account_id OR p.amount <> s.amount OR p.paid_at <> s.paid_at ORDER BY s.line"
        )
    elif fmt.kind == "company-payments":  # an online order's id is a reference too: never a bank transfer's
        sql = (
            f"SELECT s.line FROM {STAGE} s JOIN company_payments p ON p.reference = s.reference "
            "WHERE p.contract_id <> s.contract_id OR p.amount <> s.amount OR p.paid_at <> s.paid_at "
            "OR p.source <> s.source ORDER BY s.line"
        )
    else:
        return []
    return [(line, E_REF_TAKEN) for line in conn.execute(text(sql)).scalars().all()]


def _differs(dialect: str, table: str, columns: tuple[str, ...]) -> str:
    op = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    return " OR ".join(f"{table}.{c} {op} excluded.{c}" for c in columns)


MERGES = {
    # kind: (table, the conflict key, the columns a new file may change)
    "charges": (
        "charges",
        ("account_id", "month"),
        ("volume", "unit", "tariff", "amount", "reading_start", "reading_end"),
    ),
    "accounts": ("personal_accounts", ("number",), ("subdivision_id", "holder_name", "address", "meter_number")),
    "payments": ("payments", ("reference",), ()),  # a payment never changes; a clash was reported above
    # The business side (docs/import.md, "Companies"): a company's kind follows its code, a contract keeps its
    # company and service and a point its contract (a clash is a bad row), so those are never updated here.
    "companies": ("companies", ("code",), ("name", "address")),
    "contracts": ("contracts", ("number",), ("subdivision_id", "starts_on", "payment_form")),
    "points": ("metering_points", ("eic",), ("address", "meter_number", "voltage_class", "gas_pressure")),
    "company-charges": (
        "company_charges",
        ("point_id", "month"),
        ("volume", "unit", "tariff", "amount", "reading_start", "reading_end"),
    ),
    "company-payments": ("company_payments", ("reference",), ()),
}

# kind: (the staged column naming whose balance the rows change, the function that recomputes it)
BALANCES = {
    "charges": ("account_id", recompute_balances),
    "payments": ("account_id", recompute_balances),
    "company-charges": ("contract_id", recompute_contract_balances),
    "company-payments": ("contract_id", recompute_contract_balances),
}


def _merge(conn, fmt: Format, dialect: str) -> int:
    """Move the staged rows into place; returns how many were new or changed.

    Columns the file does not carry get their model defaults (bound with the column's type), so a
    column another part adds to the table later needs nothing here.
    """
    table_name, key, changeable = MERGES[fmt.kind]
    table = db.metadata.tables[table_name]
    staged = [name for name, _l1, _l2 in fmt.stage if name != "line"]
    extra, params = [], []
    for column in table.columns:
        if column.name in staged or column.primary_key or column.default is None:
            continue
        default = column.default
        value = default.arg(None) if default.is_callable else default.arg
        extra.append(column.name)
        params.append(bindparam(f"d_{column.name}", value, type_=column.type))
    columns = ", ".join(staged + extra)
    values = ", ".join(staged + [f":d_{c}" for c in extra])
    sql = (
        f"INSERT INTO {table_name} ({columns}) SELECT {values} FROM {STAGE} WHERE true "
        f"ON CONFLICT ({', '.join(key)}) DO "
    )
    if changeable:
        sql += (
            "UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in changeable)
            + " WHERE "
            + _differs(dialect, table_name, changeable)
        )
    else:
        sql += "NOTHING"
    return conn.execute(text(sql).bindparams(*params)).rowcount


# ---- the upload page's background run ------------------------------------------------------------


def upload_dir(app: Flask) -> Path:
    path = Path(app.config.get("IMPORT_UPLOAD_DIR") or Path(app.instance_path) / "imports")
    path.mkdir(parents=True, exist_ok=True)
    return path


def start_in_background(run_id: int, path: Path, locale: str) -> str:
    """The upload answers at once; the run is a job (docs/architecture.md, "Background jobs")."""
    from vez import jobs

    return jobs.enqueue("vez.admin.importing.run_import_job", run_id, str(path), locale, job_id=f"import-{run_id}")


def run_import_job(run_id: int, path: str, locale: str = "en") -> str | None:
    """The job: import the stored upload for the run, once. A run already finished is left alone (a retry,
    or the same job enqueued twice); one left unfinished by a dead process is run again, which is safe since
    a crash writes nothing. The upload is removed when the run has finished. Returns the run's status."""
    run = db.session.get(ImportRun, run_id)
    if run is None:
        log.warning("import run %s is gone; job skipped", run_id)
        return None
    if not run.finished:
        run = run_import(run_id, path, locale=locale)
    if run.finished:
        with contextlib.suppress(OSError):
            os.unlink(path)
    return run.status.value


STALE_AFTER = 600  # seconds without progress: the process that ran it is gone


def is_stale(run: ImportRun) -> bool:
    return (
        not run.finished and run.updated_at is not None and ((utcnow() - run.updated_at).total_seconds() > STALE_AFTER)
    )
