"""The import's 256 MiB body limit is an admin's, past the second factor; it is decided
on Content-Length before a byte of the body is read, so anyone else's 2 MiB post is a 413 unread."""

from __future__ import annotations

import gc
import io
import time

import pytest
from sqlalchemy import select

from tests.conftest import AuthActions, csrf_token, https_client
from vez.extensions import db as _db
from vez.models import ImportRun, Role, User

MiB = 1024 * 1024
BOUNDARY = "vezboundary"


class CountingBody(io.BytesIO):
    """The request body, counting what the app reads of it."""

    taken = 0

    def read(self, size=-1):
        data = super().read(size)
        self.taken += len(data)
        return data

    def readline(self, size=-1):
        data = super().readline(size)
        self.taken += len(data)
        return data

    def readinto(self, buffer):
        n = super().readinto(buffer)
        self.taken += n
        return n


def multipart(token: str, csv: bytes, kind: str = "charges") -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="kind"\r\n\r\n{kind}\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="dry_run"\r\n\r\ny\r\n',
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="c.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n",
    ]
    return "".join(parts).encode() + csv + f"\r\n--{BOUNDARY}--\r\n".encode()


def big_csv(size: int) -> bytes:
    header = "number,month,volume,unit,tariff,amount,reading_start,reading_end\n"
    row = "529471247,2026-09,100,kWh,4.32,432.00,,\n"
    return (header + row * (size // len(row) + 1)).encode()


def post(client, body: bytes, *, chunked: bool = False) -> tuple[int, CountingBody]:
    stream = CountingBody(body)
    headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"  # no Content-Length: the server hands the body on as it comes
        response = client.post(
            "/admin/import/", input_stream=stream, headers=headers, environ_overrides={"wsgi.input_terminated": True}
        )
    else:
        response = client.post("/admin/import/", input_stream=stream, headers=headers, content_length=len(body))
    return response.status_code, stream


def wait_for_runs(timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        _db.session.expire_all()
        if all(run.finished for run in _db.session.scalars(select(ImportRun))):
            return
        time.sleep(0.1)
    raise AssertionError("an import did not finish")


@pytest.fixture
def consumer(app, make_user, make_account):
    client = https_client(app)
    make_user("ivan", accounts=[make_account()])
    assert AuthActions(client).login().status_code == 303
    return client


def test_an_anonymous_2_mib_post_is_413_before_its_body_is_read(client):
    status, body = post(client, multipart("x", big_csv(2 * MiB)))
    assert status == 413
    assert body.taken == 0


def test_a_consumer_2_mib_post_is_413_before_its_body_is_read(consumer):
    status, body = post(consumer, multipart(csrf_token(consumer, "/cabinet"), big_csv(2 * MiB)))
    assert status == 413
    assert body.taken == 0


def test_an_operator_2_mib_post_is_413_before_its_body_is_read(operator_client):
    status, body = post(operator_client, multipart(csrf_token(operator_client, "/admin/"), big_csv(2 * MiB)))
    assert status == 413
    assert body.taken == 0


def test_a_staff_password_without_the_code_gets_no_large_limit(app, make_staff):
    client = https_client(app)
    make_staff("olena", Role.admin)
    token = csrf_token(client)
    assert (
        client.post(
            "/login", data={"login": "olena", "password": "лісова пісня волині", "csrf_token": token}
        ).status_code
        == 303
    )  # the code is still due
    status, body = post(client, multipart(token, big_csv(2 * MiB)))
    assert status == 413 and body.taken == 0


def test_a_consumer_session_made_admin_later_gets_no_large_limit(consumer, db):
    user = db.session.scalar(select(User).where(User.login == "ivan"))
    user.role, user.totp_secret = Role.admin, "JBSWY3DPEHPK3PXP"
    db.session.commit()
    assert consumer.get("/admin/").headers["Location"].startswith("/login/code")  # no second factor yet
    status, body = post(consumer, multipart(csrf_token(consumer, "/cabinet"), big_csv(2 * MiB)))
    assert status == 413 and body.taken == 0


# Werkzeug leaves the part it was spooling unclosed when the limit stops a chunked body mid-file (GC closes it).
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_admin_chunked_upload_keeps_the_general_limit(admin_client, app):
    status, body = post(admin_client, multipart(csrf_token(admin_client, "/admin/"), big_csv(2 * MiB)), chunked=True)
    assert status == 413
    assert body.taken <= MiB + 64 * 1024  # read only up to the general limit
    gc.collect()  # the unclosed spool is collected here, under this test's filter


def test_an_admin_upload_over_the_import_limit_is_413_unread(admin_client, app):
    app.config["IMPORT_MAX_BYTES"] = 3 * MiB
    status, body = post(admin_client, multipart(csrf_token(admin_client, "/admin/"), big_csv(4 * MiB)))
    assert status == 413 and body.taken == 0


def test_an_admin_past_the_second_factor_imports_a_file_over_1_mib(admin_client, app, make_account):
    make_account("529471247")
    assert app.config["MAX_CONTENT_LENGTH"] == MiB
    csv = big_csv(int(1.5 * MiB))
    status, body = post(admin_client, multipart(csrf_token(admin_client, "/admin/"), csv))
    assert status == 303
    assert body.taken > MiB
    wait_for_runs()
    [run] = _db.session.scalars(select(ImportRun)).all()
    assert run.rows_total and run.rows_total > 30_000


def test_a_role_change_ends_the_logins_open_sessions(app, admin_client, consumer, db):
    """A consumer's session made admin would open the panel without the second factor: it ends instead."""
    user = db.session.scalar(select(User).where(User.login == "ivan"))
    data = {"csrf_token": csrf_token(admin_client, "/admin/"), "phone": user.phone, "role": "admin", "language": "uk"}
    assert admin_client.post(f"/admin/logins/edit/?id={user.id}", data=data).status_code == 302
    assert consumer.get("/admin/").status_code == 302  # to the login page: the old session is gone
    assert consumer.get("/cabinet").status_code == 302
    assert admin_client.get("/admin/").status_code == 200
