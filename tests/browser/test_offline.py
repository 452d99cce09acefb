"""The offline snapshot in a real browser (docs/offline.md): the cabinet read with the network gone, with its
"Дані станом на" stamp; nothing of it left after logout; another login or an ended login never sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from sqlalchemy import select

from tests.browser.conftest import assert_no_axe_violations, log_in, screenshot
from vez.extensions import db
from vez.identity.passwords import hash_password
from vez.models import PersonalAccount, Service, Subdivision, User, UserAccount, utcnow

SECOND = ("offline2", "offline2-pass-12345")

CACHED_URLS = """async () => {
  const names = await caches.keys();
  const urls = [];
  for (const name of names) for (const r of await (await caches.open(name)).keys()) urls.push(new URL(r.url).pathname);
  return urls;
}"""


def wait_for_kept(page, *paths: str) -> list[str]:
    """Poll the worker's cache until it holds every path (the worker keeps pages in the background)."""
    for _ in range(50):
        urls = page.evaluate(CACHED_URLS)
        if all(path in urls for path in paths):
            return urls
        page.wait_for_timeout(100)
    pytest.fail(f"the snapshot never held {paths}: {urls}")


def without_clear_site_data(page, pattern: str) -> None:
    """Answer these requests without their Clear-Site-Data header, as a browser that ignores it would: what is
    left to wipe the snapshot is the page script and the worker."""

    def strip(route):
        if route.request.method != "POST":
            return route.continue_()
        response = route.fetch(max_redirects=0)
        dropped = ("clear-site-data", "content-encoding", "content-length")  # the body comes decoded
        headers = {k: v for k, v in response.headers.items() if k.lower() not in dropped}
        route.fulfill(response=response, headers=headers)

    page.route(pattern, strip)


def balance_of(page) -> str:
    return page.locator(".balance").first.inner_text()


def open_cabinet_online(page) -> tuple[str, str]:
    """Log in as demo, open the cabinet and the first account; returns (account path, newest bill path)."""
    log_in(page)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    account = page.locator(".account h2 a").first.get_attribute("href")
    bill = page.locator(".account a[data-snapshot-keep]").first.get_attribute("href")
    bills = [a.get_attribute("href") for a in page.locator("a[data-snapshot-keep]").all()]
    assert bill + ".pdf" in bills and len(bills) == 4  # two accounts, each its newest bill and that bill's PDF
    page.goto(account)
    wait_for_kept(page, "/cabinet", account, *bills)
    return account, bill


def test_the_cabinet_reads_offline_with_its_stamp_and_is_gone_after_logout(page, live_server):
    account, bill = open_cabinet_online(page)
    online_balance = balance_of(page)
    assert page.locator("#offline-note").is_hidden()

    page.context.set_offline(True)
    page.reload()
    note = page.locator("#offline-note")
    assert note.is_visible()
    assert re.search(r"Дані станом на \d{1,2} \w+\. \d{4}\s?р\., \d{2}:\d{2}", note.inner_text())
    assert "потрібна мережа" in note.inner_text()
    assert balance_of(page) == online_balance
    # What needs the network is off: the pay link, every form's button (the logout stays: it wipes this copy).
    assert page.locator("a[data-needs-network]").first.get_attribute("aria-disabled") == "true"
    assert page.locator("form:not([data-wipe-snapshot]) button").first.is_disabled()
    assert page.locator("form[data-wipe-snapshot] button").is_enabled()
    screenshot(page, "offline-account", 360)
    assert_no_axe_violations(page)

    page.goto("/cabinet")
    assert page.locator("#offline-note").is_visible() and page.locator(".account").count() == 2
    page.goto(bill)
    assert page.locator("#offline-note").is_visible() and page.locator(".qr img").count() == 1
    with pytest.raises(PlaywrightError):  # a page never opened online is not there
        page.goto("/cabinet/profile")

    page.context.set_offline(False)
    page.goto("/cabinet")
    page.get_by_role("button", name="Вихід").click()
    page.wait_for_url(live_server + "/")
    assert page.evaluate(CACHED_URLS) == []
    assert page.evaluate("navigator.serviceWorker.getRegistrations().then(r => r.length)") == 0

    page.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto("/cabinet")
    with pytest.raises(PlaywrightError):
        page.goto(account)
    assert page.csp_violations == []


@pytest.mark.parametrize("how", ["header-alone", "script-alone"])
def test_each_half_of_the_logout_wipes_the_snapshot(page, live_server, how):
    open_cabinet_online(page)
    if how == "script-alone":
        without_clear_site_data(page, "**/logout")
        page.get_by_role("button", name="Вихід").click()
    else:  # the form sent past the page script's submit handler: only the answer's Clear-Site-Data wipes
        page.evaluate("HTMLFormElement.prototype.submit.call(document.querySelector('form[data-wipe-snapshot]'))")
    page.wait_for_url(live_server + "/")
    for _ in range(30):
        if page.evaluate(CACHED_URLS) == []:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(CACHED_URLS) == []


def test_an_ended_login_shows_nothing_offline(page, live_server):
    account, _ = open_cabinet_online(page)
    # The login ends while the phone is offline (the session timed out): the worker wipes instead of showing.
    page.evaluate(
        """async () => {
      const cache = await caches.open("vez-snapshot");
      const meta = await (await cache.match("/cabinet/.snapshot")).json();
      await cache.put("/cabinet/.snapshot", new Response(JSON.stringify({owner: meta.owner, until: 1})));
    }"""
    )
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(account)
    page.context.set_offline(False)
    page.goto("/")
    assert page.evaluate(CACHED_URLS) == []


def test_a_session_that_ended_online_wipes_the_snapshot(page, live_server):
    account, _ = open_cabinet_online(page)
    page.context.clear_cookies()  # the session is gone, as after the idle timeout
    page.goto(account)
    page.wait_for_url(re.compile(r".*/login.*"))
    assert page.evaluate(CACHED_URLS) == []


@pytest.fixture
def second_login(live_app):
    """Another consumer with an account of their own (no bill), to log in on the same browser after demo."""
    with live_app.app_context():
        if db.session.scalar(select(User).where(User.login == SECOND[0])) is None:
            subdivision = db.session.scalar(select(Subdivision).where(Subdivision.service == Service.electricity))
            account = PersonalAccount(
                number="529900777",
                subdivision=subdivision,
                service=Service.electricity,
                holder_name="Друга Оксана",
                address="м. Луцьк, 1",
            )
            user = User(
                login=SECOND[0],
                login_key=SECOND[0],
                email="offline2@example.com",
                email_key="offline2@example.com",
                phone="+380501234568",
                password_hash=hash_password(SECOND[1]),
                language="uk",
                activated_at=utcnow(),
            )
            db.session.add_all([account, user])
            db.session.flush()
            db.session.add(UserAccount(user_id=user.id, account_id=account.id))
            db.session.commit()
    return SECOND


@pytest.mark.parametrize("clear_site_data", [True, False], ids=["header", "worker-alone"])
def test_another_login_on_the_same_browser_never_sees_the_first_ones_snapshot(
    page, live_server, second_login, clear_site_data
):
    account, bill = open_cabinet_online(page)
    if not clear_site_data:
        without_clear_site_data(page, "**/login")  # the worker sees another owner's page and wipes the first one's
    page.context.clear_cookies()  # no logout: the first login's session simply is not there any more
    log_in(page, *second_login)
    assert "529900777" in page.content()
    urls = wait_for_kept(page, "/cabinet")  # the second login's own cabinet, once the worker kept it
    assert account not in urls and bill not in urls and bill + ".pdf" not in urls
    page.context.set_offline(True)
    with pytest.raises(PlaywrightError):
        page.goto(account)


def test_without_javascript_the_cabinet_is_as_it_was(page_nojs, live_server):
    log_in(page_nojs)
    assert page_nojs.locator("#offline-note").is_hidden()
    assert page_nojs.locator("a[data-needs-network]").first.get_attribute("aria-disabled") is None
    page_nojs.locator(".account h2 a").first.click()
    page_nojs.wait_for_url(re.compile(r".*/cabinet/accounts/\d{9}$"))
    assert page_nojs.locator("#offline-note").is_hidden()
