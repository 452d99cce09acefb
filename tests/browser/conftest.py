"""Real-browser tests: Playwright driving Debian's Chromium against a live server on 127.0.0.1.

Skipped with a clear line where Chromium is missing, except under CI (CI=true), where that is a failure.
One browser per test session; a fresh context (cookies, storage) per test.
"""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from vez import create_app
from vez.demo import create_demo_data
from vez.extensions import db

CHROMIUM = os.environ.get("VEZ_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-sync",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-dev-shm-usage",
]


_COMPANY_CODES = itertools.count(4100000)


def fresh_company_code() -> str:
    """A valid EDRPOU (its check digit right) that no other browser test has taken: the browser tests share
    one live database per session, so a code written into one test module would collide with another's."""
    from stdnum.ua import edrpou

    first7 = str(next(_COMPANY_CODES))
    return first7 + edrpou.calc_check_digit(first7)


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))  # one worker, one browser


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is missing at {CHROMIUM}: CI must run the real-browser tests")
        pytest.skip(f"real-browser tests skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app on a file database with the demo data, as `make run` serves it."""
    path = tmp_path_factory.mktemp("live") / "live.sqlite3"
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "EXTERNAL_URL": "http://127.0.0.1",
            "MAIL_SEND_INLINE": False,
            "WTF_CSRF_SSL_STRICT": False,  # plain http on loopback: no Referer check to make
        }
    )
    with app.app_context():
        db.create_all()
        create_demo_data()
        db.session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app):
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    port = server.server_port
    live_app.config["EXTERNAL_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser, live_server, **kw):
    context = browser.new_context(base_url=live_server, locale="uk-UA", **kw)
    context.set_default_timeout(10_000)
    return context


@pytest.fixture
def page(browser, live_server):
    context = _context(browser, live_server)
    page = context.new_page()
    page.csp_violations = []
    page.on("console", lambda msg: "Content Security Policy" in msg.text and page.csp_violations.append(msg.text))
    yield page
    context.close()


@pytest.fixture
def page_nojs(browser, live_server):
    context = _context(browser, live_server, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def screenshot(page, name: str, width: int = 360) -> Path:
    """Save a full-page screenshot at this width as a test artifact."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.set_viewport_size({"width": width, "height": 800})
    from playwright.sync_api import Error as PlaywrightError

    path = ARTIFACTS / f"{name}-{width}.png"
    page.wait_for_load_state("load")  # a page still navigating has no frame to capture yet
    try:
        page.screenshot(path=str(path), full_page=True)
    except PlaywrightError as error:
        # Chromium refuses a capture while the compositor re-lays the page out after the viewport
        # change ("Unable to capture screenshot"); the artifact is a record, not an assertion, so one
        # more try after the next frame is what a person would do.
        if "Unable to capture screenshot" not in str(error):
            raise
        page.wait_for_timeout(250)
        page.screenshot(path=str(path), full_page=True)
    return path


AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
}


@functools.cache
def _axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()  # reads axe.min.js once per session


def axe_violations(page) -> list[dict]:
    """axe-core's violations on the page as it stands (WCAG 2.1 A and AA, and axe's best practices)."""
    return _axe().run(page, options=AXE_OPTIONS).response["violations"]


def describe_violations(violations: list[dict]) -> str:
    """Each violation: rule, impact, help, and every node's target with the start of its HTML."""
    lines = []
    for v in violations:
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} [{len(v['nodes'])}]")
        lines.extend(f"    {' '.join(map(str, n['target']))}: {n['html'][:120]}" for n in v["nodes"])
    return "\n".join(lines)


def assert_no_axe_violations(page) -> None:
    """Fail listing every axe-core violation of the page as it stands."""
    violations = axe_violations(page)
    if violations:
        pytest.fail(f"axe-core on {page.url}:\n{describe_violations(violations)}", pytrace=False)


def log_in(page, login: str = "demo", password: str = "demo12345", path: str = "/login") -> None:
    """Log in through the form, as a person would, and wait for the cabinet."""
    page.goto(path)
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url("**/cabinet")
