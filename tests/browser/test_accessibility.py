"""axe-core on the consumer's pages, in Ukrainian and English, at 360 and 1280 px.

The pages whose fixes are under way elsewhere are expected to fail, each with the rule it breaks today, and
strictly: when a fix lands the test passes, the mark turns that into a failure, and the mark is removed.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import assert_no_axe_violations, axe_violations, describe_violations, log_in

ANONYMOUS = ("/", "/company", "/registration", "/login", "/recovery/login", "/recovery/password", "/nope-404")
LOGGED_IN = ("/cabinet", "account", "bill", "pay", "/cabinet/profile", "/cabinet/certificates/check")
FIELDS = ("aria-valid-attr-value", 'aria-invalid="None" on every field (the forms\' fix, wt-forms)')
SCROLL = ("scrollable-region-focusable", "the charges table scrolls at 360 px, not focusable (wt-frontend)")
HEADING = ("page-has-heading-one", "the login page has no <h1>")
# page → (the rules it breaks today, the widths); both languages alike (the survey before any fix, /tmp/survey).
KNOWN: dict = {}  # every page passes: a rule that fails again is a real failure


def known_rules(name: str, width: int) -> tuple[str, ...]:
    rules, widths = KNOWN.get(name, ((), ()))
    return tuple(rule for rule, _why in rules) if width in widths else ()


def cases():
    for name in ANONYMOUS + LOGGED_IN:
        for lang in ("uk", "en"):
            for width in (360, 1280):
                rules = KNOWN.get(name, ((), ()))[0]
                reason = "; ".join(f"{rule}: {why}" for rule, why in rules)
                # Only the named rules count as the expected failure (pytest.fail); anything else is an
                # AssertionError, a real failure even under the mark.
                marks = (
                    [pytest.mark.xfail(strict=True, reason=reason, raises=pytest.fail.Exception)]
                    if known_rules(name, width)
                    else []
                )
                yield pytest.param(name, lang, width, marks=marks, id=f"{name}-{lang}-{width}")


@pytest.fixture(scope="module")
def consumer(browser, live_server):
    """Two pages for the module: a visitor's, and the demo consumer's, logged in once."""
    visitor = browser.new_context(base_url=live_server, locale="uk-UA")
    demo = browser.new_context(base_url=live_server, locale="uk-UA")
    for context in (visitor, demo):
        context.set_default_timeout(10_000)
    page = demo.new_page()
    log_in(page)
    hrefs = page.eval_on_selector_all("a[href^='/cabinet/accounts/']", "els => els.map(e => e.getAttribute('href'))")
    account = next(h for h in hrefs if re.fullmatch(r"/cabinet/accounts/[0-9]+", h))
    page.goto(account)
    hrefs = page.eval_on_selector_all("a[href*='/bills/']", "els => els.map(e => e.getAttribute('href'))")
    urls = {"account": account, "bill": next(h for h in hrefs if not h.endswith(".pdf")), "pay": f"{account}/pay"}
    yield {"visitor": visitor.new_page(), "demo": page, "urls": urls}
    visitor.close()
    demo.close()


@pytest.mark.parametrize("name, lang, width", list(cases()))
def test_a_consumer_page_has_no_axe_violations(consumer, name, lang, width):
    page = consumer["visitor" if name in ANONYMOUS else "demo"]
    page.set_viewport_size({"width": width, "height": 800})
    url = consumer["urls"].get(name, name)
    page.goto(f"{url}?lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    known = known_rules(name, width)
    if not known:
        assert_no_axe_violations(page)
        return
    violations = axe_violations(page)
    unexpected = [v for v in violations if v["id"] not in known]
    assert not unexpected, f"axe-core on {page.url}, besides {known}:\n{describe_violations(unexpected)}"
    if violations:
        pytest.fail(f"axe-core on {page.url}:\n{describe_violations(violations)}", pytrace=False)
