"""What staff do in the panel: every change lands in the audit log with who, what, before and after."""

from __future__ import annotations

import io
import time

from sqlalchemy import select

from tests.conftest import csrf_token
from vez.models import AuditEvent, ImportRun, Letter, LetterStatus, Payment, PaymentStatus, User


def events(db, action):
    db.session.expire_all()
    return db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_an_account_edit_is_audited_with_who_before_and_after(admin_client, db, make_account):
    account = make_account(holder_name="Петренко Степан Іванович")
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        f"/admin/accounts/edit/?id={account.id}",
        data={
            "csrf_token": token,
            "holder_name": "Петренко Стефан Іванович",
            "address": account.address,
            "meter_number": account.meter_number,
            "balance": "999999",
        },
    )
    assert response.status_code == 302
    db.session.refresh(account)
    assert account.holder_name == "Петренко Стефан Іванович"
    assert account.balance == 0  # not a field of the form (docs/security.md 30)
    [event] = events(db, "admin.personal_accounts_edited")
    admin = db.session.scalar(select(User).where(User.login == "olena"))
    assert event.actor_id == admin.id and event.target_id == str(account.id)
    assert event.data["before"] == {"holder_name": "Петренко Степан Іванович"}
    assert event.data["after"] == {"holder_name": "Петренко Стефан Іванович"}


def test_a_charge_edit_recomputes_the_balance(admin_client, db, make_account, make_charge):
    from datetime import date

    account = make_account()
    charge = make_charge(account, date(2026, 9, 1), 43200)
    token = csrf_token(admin_client, "/admin/")
    admin_client.post(
        f"/admin/charges/edit/?id={charge.id}",
        data={
            "csrf_token": token,
            "volume": "90",
            "tariff": "4.32",
            "amount": "388.80",
            "reading_start": "",
            "reading_end": "",
        },
    )
    db.session.refresh(account)
    assert account.balance == 38880
    [event] = events(db, "admin.charges_edited")
    assert event.data["before"]["amount"] == 43200 and event.data["after"]["amount"] == 38880


def test_a_subdivision_created_by_an_admin_is_audited(admin_client, db):
    token = csrf_token(admin_client, "/admin/")
    response = admin_client.post(
        "/admin/subdivisions/new/",
        data={
            "csrf_token": token,
            "code": "201",
            "name_uk": "Ковельська філія",
            "name_en": "Kovel branch",
            "service": "electricity",
            "kind": "district",
            "sort_order": "3",
        },
    )
    assert response.status_code == 302
    [event] = events(db, "admin.subdivisions_created")
    assert event.data["before"] == {} and event.data["after"]["code"] == "201"


def test_lock_and_unlock_a_login(admin_client, operator_client, db, make_user):
    user = make_user("ivan")
    token = csrf_token(admin_client, "/admin/")
    assert admin_client.post(f"/admin/logins/{user.id}/do/lock", data={"csrf_token": token}).status_code == 303
    db.session.refresh(user)
    assert user.locked_at is None  # a reason is required
    admin_client.post(f"/admin/logins/{user.id}/do/lock", data={"csrf_token": token, "reason": "a stolen phone"})
    db.session.refresh(user)
    assert user.locked_at is not None and user.locked_reason == "a stolen phone"
    op_token = csrf_token(operator_client, "/admin/")
    assert operator_client.post(f"/admin/logins/{user.id}/do/unlock", data={"csrf_token": op_token}).status_code == 303
    db.session.refresh(user)
    assert user.locked_at is None
    [locked] = events(db, "admin.user_locked")
    [unlocked] = events(db, "admin.user_unlocked")
    assert locked.data["after"]["locked_reason"] == "a stolen phone"
    assert unlocked.data["before"]["locked_reason"] == "a stolen phone" and unlocked.data["after"]["locked_at"] is None


def test_end_sessions_logs_the_login_out_everywhere(admin_client, app, db, make_user):
    from tests.conftest import AuthActions, https_client

    make_user("ivan")
    consumer = https_client(app)
    AuthActions(consumer).login()
    assert consumer.get("/cabinet").status_code == 200
    user = db.session.scalar(select(User).where(User.login == "ivan"))
    admin_client.post(
        f"/admin/logins/{user.id}/do/end_sessions", data={"csrf_token": csrf_token(admin_client, "/admin/")}
    )
    assert consumer.get("/cabinet").status_code == 302
    assert events(db, "admin.user_sessions_ended")


def test_an_operator_sends_a_new_activation_letter(operator_client, db, make_user):
    user = make_user("ivan", activated=False)
    operator_client.post(
        f"/admin/logins/{user.id}/do/send_activation", data={"csrf_token": csrf_token(operator_client, "/admin/")}
    )
    letters = db.session.scalars(select(Letter).where(Letter.user_id == user.id)).all()
    assert len(letters) == 1 and letters[0].recipient == "ivan@example.com"
    assert events(db, "admin.letter_activation")


def test_an_operator_sends_a_recovery_letter(operator_client, db, make_user):
    user = make_user("ivan")
    operator_client.post(
        f"/admin/logins/{user.id}/do/send_recovery", data={"csrf_token": csrf_token(operator_client, "/admin/")}
    )
    assert db.session.scalars(select(Letter).where(Letter.user_id == user.id, Letter.kind == "reset")).all()
    assert events(db, "admin.letter_recovery")


def test_an_admin_activates_a_login(admin_client, db, make_user):
    user = make_user("ivan", activated=False)
    admin_client.post(f"/admin/logins/{user.id}/do/activate", data={"csrf_token": csrf_token(admin_client, "/admin/")})
    db.session.refresh(user)
    assert user.activated_at is not None
    [event] = events(db, "admin.user_activated")
    assert event.data["before"] == {"activated_at": None}


def test_a_failed_letter_is_resent(operator_client, db, make_user):
    user = make_user("ivan")
    letter = Letter(
        kind="welcome",
        recipient="ivan@example.com",
        subject="s",
        body_text="b",
        user_id=user.id,
        status=LetterStatus.failed,
        attempts=8,
        last_error="SMTPServerDisconnected",
    )
    db.session.add(letter)
    db.session.commit()
    page = operator_client.get("/admin/outbox/").get_data(as_text=True)
    assert "SMTPServerDisconnected" in page
    operator_client.post(
        f"/admin/outbox/{letter.id}/resend", data={"csrf_token": csrf_token(operator_client, "/admin/")}
    )
    db.session.refresh(letter)
    assert letter.status is LetterStatus.pending and letter.attempts == 0
    [event] = events(db, "admin.letter_resent")
    assert event.data["before"]["status"] == "failed" and event.data["after"]["status"] == "pending"


def test_an_admin_reverses_a_payment_with_a_reason(admin_client, db, make_account):
    account = make_account(last_payment=25000)
    db.session.refresh(account)
    payment = db.session.scalar(select(Payment))
    from vez.ledger import recompute_balances

    recompute_balances([account.id])
    db.session.commit()
    token = csrf_token(admin_client, "/admin/")
    page = admin_client.get(f"/admin/payments/details/?id={payment.id}").get_data(as_text=True)
    assert "reverse-reason" in page
    assert admin_client.post(f"/admin/payments/{payment.id}/reverse", data={"csrf_token": token}).status_code == 303
    db.session.refresh(payment)
    assert payment.status is PaymentStatus.paid  # no reason, no reversal
    admin_client.post(f"/admin/payments/{payment.id}/reverse", data={"csrf_token": token, "reason": "wrong account"})
    admin_client.post(f"/admin/payments/{payment.id}/reverse", data={"csrf_token": token, "reason": "twice"})
    db.session.refresh(payment)
    db.session.refresh(account)
    assert payment.status is PaymentStatus.reversed and account.balance == 0
    [event] = events(db, "admin.payment_reversed")
    assert event.data["reason"] == "wrong account" and event.data["after"] == {"status": "reversed"}


def test_account_search_by_number_holder_and_address_and_its_history(admin_client, db, make_account, make_charge):
    from datetime import date

    account = make_account(
        "529471247", holder_name="Шевчук Олена", address="с. Велика Глуша, вул. Лісова, 7", last_payment=12345
    )
    make_account("529471248", holder_name="Коваль Петро", address="смт Любешів")
    make_charge(account, date(2026, 9, 1), 43200)
    for query in ("529471247", "Шевчук", "Лісова"):
        page = admin_client.get(f"/admin/accounts/?search={query}").get_data(as_text=True)
        assert "529471247" in page and "529471248" not in page
    details = admin_client.get(f"/admin/accounts/details/?id={account.id}&lang=en").get_data(as_text=True)
    assert "2026-09" in details and "bank-529471247-1" in details


def test_e33_hostile_names_render_escaped_in_the_panel(admin_client, make_account):
    """docs/security.md 33 in the admin: markup and template syntax in names stay text."""
    account = make_account(
        holder_name="<img src=x onerror=alert(1)>", address='<div hx-get="/admin" hx-trigger="load">{{7*7}}</div>'
    )
    for path in ("/admin/accounts/", f"/admin/accounts/details/?id={account.id}"):
        page = admin_client.get(path).get_data(as_text=True)
        assert (
            "<img src=x" not in page
            and '<div hx-get="/admin"' not in page
            and "49" not in page.split("{{7*7}}")[0][-5:]
        )
        assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_the_dashboard_shows_the_figures(admin_client, db, make_account, make_user):
    make_user("ivan")
    make_account(last_payment=10000)
    db.session.execute(
        __import__("sqlalchemy").update(Payment).values(paid_at=__import__("vez.models", fromlist=["utcnow"]).utcnow())
    )
    db.session.commit()
    page = admin_client.get("/admin/?lang=en").get_data(as_text=True)
    for title in (
        "Logins registered in 7 days",
        "Payments today",
        "Letters failing",
        "Imports in 7 days",
        "Failed identifications in 24 hours",
    ):
        assert title in page
    assert "UAH100.00" in page.replace("\xa0", "") or "100.00" in page


def _wait_for(db, run_id, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        db.session.expire_all()
        run = db.session.get(ImportRun, run_id)
        if run.finished:
            return run
        time.sleep(0.05)
    raise AssertionError("the import did not finish")


def test_the_upload_page_runs_the_import_in_the_background_and_shows_progress(admin_client, db, make_account):
    make_account("529471247")
    token = csrf_token(admin_client, "/admin/")
    body = (
        b"number,month,volume,unit,tariff,amount,reading_start,reading_end\n529471247,2026-09,100,kWh,4.32,432.00,,\n"
    )
    response = admin_client.post(
        "/admin/import/",
        data={"csrf_token": token, "kind": "charges", "file": (io.BytesIO(body), "charges.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    run_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    page = admin_client.get(f"/admin/import/runs/{run_id}").get_data(as_text=True)
    assert 'id="import-progress"' in page and "<progress" in page
    run = _wait_for(db, run_id)
    assert run.status.value == "done" and run.rows_written == 1 and run.actor_id is not None
    partial = admin_client.get(f"/admin/import/runs/{run_id}?lang=en", headers={"HX-Request": "true"})
    html = partial.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="import-progress"')
    assert "hx-trigger" not in html  # finished: the polling stops
    assert "1 of 1 rows checked" in html and "rows/s" in html


def test_a_running_import_is_polled_by_htmx(admin_client, db):
    from vez.admin.importing import new_run

    run = new_run("charges", "big.csv", dry_run=False, skip_bad=False, actor_id=None)
    partial = admin_client.get(f"/admin/import/runs/{run.id}", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in partial and f'hx-get="/admin/import/runs/{run.id}"' in partial
    page = admin_client.get(f"/admin/import/runs/{run.id}").get_data(as_text=True)
    assert '<noscript><meta http-equiv="refresh"' in page  # without JavaScript the page refreshes itself


def test_an_uploaded_file_with_bad_rows_writes_nothing_and_lists_them(admin_client, db, make_account):
    make_account("529471247")
    token = csrf_token(admin_client, "/admin/")
    body = (
        b"number,month,volume,unit,tariff,amount,reading_start,reading_end\n"
        b"529471247,2026-09,100,kWh,4.32,432.00,,\n529999999,2026-09,1,kWh,1,1.00,,\n"
    )
    response = admin_client.post(
        "/admin/import/?lang=en",
        data={"csrf_token": token, "kind": "charges", "file": (io.BytesIO(body), "charges.csv")},
        content_type="multipart/form-data",
    )
    run = _wait_for(db, int(response.headers["Location"].split("/")[-1]))
    assert run.status.value == "rejected" and run.errors == [
        {"line": 3, "reason": "personal account 529999999 is not found"}
    ]
    page = admin_client.get(f"/admin/import/runs/{run.id}?lang=en").get_data(as_text=True)
    assert "personal account 529999999 is not found" in page


def test_an_upload_larger_than_the_general_body_limit_is_accepted(admin_client, db, make_account, app):
    make_account("529471247")
    app.config["MAX_CONTENT_LENGTH"] = 4096  # the body below is bigger than every other route may take
    rows = "".join(f"529471247,{2000 + i // 12}-{i % 12 + 1:02d},100,kWh,4.32,432.00,,\n" for i in range(300))
    body = ("number,month,volume,unit,tariff,amount,reading_start,reading_end\n" + rows).encode()
    assert len(body) > 4096
    token = csrf_token(admin_client, "/admin/")
    assert admin_client.post("/login", data={"csrf_token": token, "login": "x" * 5000}).status_code == 413
    response = admin_client.post(
        "/admin/import/",
        data={"csrf_token": token, "kind": "charges", "file": (io.BytesIO(body), "charges.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    run = _wait_for(db, int(response.headers["Location"].split("/")[-1]))
    assert run.status.value == "done" and run.rows_written == 300


def test_an_operator_sees_the_imports_but_cannot_upload(operator_client):
    page = operator_client.get("/admin/import/").get_data(as_text=True)
    assert 'enctype="multipart/form-data"' not in page


def test_an_operator_unlocks_an_accounts_identification(operator_client, db, make_account):
    """docs/security.md B12: five wrong answers lock an account's identification; the call centre unlocks it."""
    from vez.identity.limits import IdentificationAttempt, account_locked

    account = make_account()
    for i in range(5):
        attempt = IdentificationAttempt.take(f"10.0.0.{i + 1}")
        assert attempt.take_account(account.id)
        attempt.fail("mismatch")
        db.session.commit()
    assert account_locked(account.id)
    page = operator_client.get(f"/admin/accounts/details/?id={account.id}").get_data(as_text=True)
    assert "unlock-identification" in page
    response = operator_client.post(
        f"/admin/accounts/{account.id}/unlock-identification",
        data={"csrf_token": csrf_token(operator_client, "/admin/")},
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert not account_locked(account.id)
    assert events(db, "identify.unlocked")[0].actor_id is not None


def test_a_login_edit_checks_the_phone_and_never_touches_secrets(admin_client, db, make_user):
    user = make_user("ivan")
    token = csrf_token(admin_client, "/admin/")
    data = {
        "csrf_token": token,
        "phone": "12345",
        "role": "consumer",
        "language": "uk",
        "password_hash": "x",
        "totp_secret": "AAAA",
        "session_version": "99",
    }
    assert admin_client.post(f"/admin/logins/edit/?id={user.id}", data=data).status_code == 200  # the form again
    data["phone"] = "+380671112233"
    assert admin_client.post(f"/admin/logins/edit/?id={user.id}", data=data).status_code == 302
    old_hash = user.password_hash
    db.session.refresh(user)
    assert user.phone == "+380671112233" and user.password_hash == old_hash
    assert user.totp_secret is None and user.session_version == 1
    [event] = events(db, "admin.users_edited")
    assert event.data["before"] == {"phone": "+380501234567"} and event.data["after"] == {"phone": "+380671112233"}
