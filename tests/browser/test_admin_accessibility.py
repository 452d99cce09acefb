"""axe-core finds nothing on any page of the staff panel: the dashboard, every list, details, edit and create
page, the import page and an import run; in Ukrainian and English, at 360 and 1280 px."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import assert_no_axe_violations
from tests.browser.test_admin import log_in_as_admin
from vez.extensions import db
from vez.models import (
    AuditEvent,
    Bill,
    Charge,
    ImportRun,
    ImportStatus,
    Letter,
    LetterStatus,
    Payment,
    PersonalAccount,
    Subdivision,
    User,
)

LISTS = ("accounts", "logins", "charges", "bills", "payments", "outbox", "audit", "subdivisions")
DETAILS = {
    "accounts": PersonalAccount,
    "logins": User,
    "charges": Charge,
    "bills": Bill,
    "payments": Payment,
    "outbox": Letter,
    "audit": AuditEvent,
    "subdivisions": Subdivision,
}
EDITS = {"accounts": PersonalAccount, "logins": User, "charges": Charge, "subdivisions": Subdivision}
PAGES = (
    ["dashboard", "import", "import run", "subdivisions create"]
    + [f"{name} list" for name in LISTS]
    + [f"{name} details" for name in DETAILS]
    + [f"{name} edit" for name in EDITS]
)


@pytest.fixture(scope="module")
def admin_urls(live_app) -> dict[str, str]:
    """Each panel page by name; a failed letter and a rejected import run are there to be shown."""
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login == "demo"))
        db.session.add(
            Letter(
                kind="activation",
                recipient=user.email,
                subject="Активація",
                body_text="-",
                user_id=user.id,
                status=LetterStatus.failed,
                attempts=5,
                last_error="421 try later",
            )
        )
        run = ImportRun(
            kind="charges",
            filename="charges.csv",
            status=ImportStatus.rejected,
            rows_total=2,
            rows_checked=2,
            rows_bad=1,
            errors=[{"line": 2, "reason": "the month must be YYYY-MM"}],
        )
        db.session.add(run)
        db.session.commit()
        urls = {
            "dashboard": "/admin/",
            "import": "/admin/import/",
            "import run": f"/admin/import/runs/{run.id}",
            "subdivisions create": "/admin/subdivisions/new/",
        }
        for name in LISTS:
            urls[f"{name} list"] = f"/admin/{name}/"
        for name, model in DETAILS.items():
            first = db.session.scalar(select(model.id).order_by(model.id).limit(1))
            urls[f"{name} details"] = f"/admin/{name}/details/?id={first}"
        for name, model in EDITS.items():
            first = db.session.scalar(select(model.id).order_by(model.id).limit(1))
            urls[f"{name} edit"] = f"/admin/{name}/edit/?id={first}"
    return urls


@pytest.fixture(scope="module")
def admin_page(browser, live_server):
    """One logged-in staff session for the whole module (a login costs a fresh TOTP code)."""
    context = browser.new_context(base_url=live_server, locale="uk-UA")
    context.set_default_timeout(10_000)
    page = context.new_page()
    log_in_as_admin(page)
    yield page
    context.close()


@pytest.mark.parametrize("width", [360, 1280])
@pytest.mark.parametrize("lang", ["uk", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_a_panel_page_has_no_axe_violations(admin_page, admin_urls, name, lang, width):
    admin_page.set_viewport_size({"width": width, "height": 800})
    url = admin_urls[name]
    response = admin_page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
    assert response.status == 200, (name, response.status)
    assert admin_page.locator("html").get_attribute("lang") == lang
    assert_no_axe_violations(admin_page)
