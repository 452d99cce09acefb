"""Small screens, the focus ring and touch targets, measured in Chromium: nothing wider than a 320 px phone,
the chart's text at least 12 px, a focus ring of 3:1 on whatever it sits on, targets of 24 × 24 px."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser.conftest import log_in, screenshot
from tests.browser.test_registration import activation_link, fill_step_one, fill_step_two, free_accounts
from vez.extensions import db
from vez.models import Service, User

WIDTHS = (320, 360, 1280)
LONG_EMAIL = "oleksandra.kostiantynivna.shevchenko-kovalenko@volynelektrozbut-example.com.ua"

# WCAG 2.x contrast, from computed colours; `behind` is the first opaque background up the tree.
CONTRAST_JS = """
window.vezLuminance = (c) => {
  const [r, g, b] = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map((v) => {
    v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
window.vezContrast = (a, b) => {
  const [x, y] = [vezLuminance(a), vezLuminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};
window.vezOpaque = (c) => !/^rgba\\(.*,\\s*0\\)$/.test(c) && c !== "transparent";
window.vezBehind = (el) => {
  if (!el) return "rgb(255, 255, 255)";
  for (let e = el.parentElement; e; e = e.parentElement) {
    const c = getComputedStyle(e).backgroundColor;
    if (vezOpaque(c)) return c;
  }
  return "rgb(255, 255, 255)";
};
"""


def overflow(page) -> int:
    """How many px the page is wider than the window (0 when nothing overflows)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def assert_fits(page, path: str, name: str) -> None:
    page.goto(path)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert overflow(page) <= 0, f"{path} is {overflow(page)} px too wide at {width} px"
    screenshot(page, f"small-{name}", 360)


@pytest.fixture
def demo_numbers(live_app):
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login_key == "demo"))
        return {a.service: a.number for a in user.accounts}


def test_home_account_bill_and_pay_fit_a_320_px_screen(page, demo_numbers):
    assert_fits(page, "/", "home")
    assert_fits(page, "/?lang=en", "home-en")
    page.goto("/?lang=uk")
    log_in(page)
    number = demo_numbers[Service.electricity]
    assert_fits(page, f"/cabinet/accounts/{number}", "account")
    assert_fits(page, f"/cabinet/accounts/{number}/bills/2026-10", "bill")
    assert_fits(page, f"/cabinet/accounts/{number}/pay", "pay")
    assert_fits(page, "/cabinet", "cabinet")


def test_a_long_email_address_wraps_on_the_confirmation_page_and_the_profile(page, live_app):
    account = free_accounts(live_app)[0]
    page.goto("/registration")
    fill_step_one(page, account, account["last_payment"])
    page.wait_for_url("**/registration/account")
    fill_step_two(page, "long-email", LONG_EMAIL)
    page.get_by_role("button", name="Створити обліковий запис").click()
    page.wait_for_url("**/registration/sent")
    assert LONG_EMAIL in page.content()
    assert_fits(page, "/registration/sent", "confirmation")
    page.goto(activation_link(live_app, LONG_EMAIL))
    page.get_by_role("button", name="Активувати!").click()
    page.wait_for_url("**/activate/done")
    log_in(page, "long-email", "зелений ліс над світязем")
    assert_fits(page, "/cabinet/profile", "profile")


def test_scrolling_tables_are_focusable_named_regions_with_a_shadow_cue(page, demo_numbers):
    log_in(page)
    page.set_viewport_size({"width": 360, "height": 800})
    for path in (f"/cabinet/accounts/{demo_numbers[Service.electricity]}", "/cabinet/accounts/{0}/bills/2026-10"):
        page.goto(path.format(demo_numbers[Service.electricity]))
        boxes = page.locator(".scroll")
        assert boxes.count() >= 1
        for i in range(boxes.count()):
            box = boxes.nth(i)
            assert box.get_attribute("role") == "region" and box.get_attribute("tabindex") == "0"
            label = (
                box.get_attribute("aria-label") or page.locator(f"#{box.get_attribute('aria-labelledby')}").inner_text()
            )
            assert label.strip()
            assert "radial-gradient" in box.evaluate("e => getComputedStyle(e).backgroundImage")
        scrolls = page.evaluate("[...document.querySelectorAll('.scroll')].some(e => e.scrollWidth > e.clientWidth)")
        assert scrolls, f"no table of {path} scrolls at 360 px: the cue is not exercised"


def test_the_chart_text_is_at_least_12_px_at_360_px_and_stays_inside(page, demo_numbers):
    log_in(page)
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"/cabinet/accounts/{demo_numbers[Service.electricity]}")
    sizes = page.evaluate(
        """() => {
          const svg = document.querySelector("svg.chart"), box = svg.getBoundingClientRect();
          const scale = svg.getScreenCTM().a;
          return [...svg.querySelectorAll("text")].map((t) => {
            const r = t.getBoundingClientRect();
            return {text: t.textContent, cls: t.getAttribute("class"),
                    font: parseFloat(getComputedStyle(t).fontSize) * scale, height: r.height,
                    inside: r.left >= box.left - 0.5 && r.right <= box.right + 0.5};
          });
        }"""
    )
    assert len([s for s in sizes if s["cls"] == "month"]) == 12
    assert len([s for s in sizes if s["cls"] == "tick"]) == 3
    assert [s["text"] for s in sizes if s["cls"] == "peak"] != []
    for s in sizes:
        assert s["font"] >= 12 and s["height"] >= 12, s
        assert s["inside"], s
    screenshot(page, "chart-account", 360)


def tab_through(page, presses: int = 60) -> list[dict]:
    """Press Tab and describe each focused element: its ring and the colours around it."""
    page.evaluate(CONTRAST_JS)
    seen = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        info = page.evaluate(
            """() => {
              const el = document.activeElement;
              if (!el || el === document.body) return null;
              const s = getComputedStyle(el);
              const yellow = (s.boxShadow.match(/rgba?\\([^)]*\\)/) || [null])[0];
              const own = vezOpaque(s.backgroundColor) ? s.backgroundColor : vezBehind(el);
              return {what: el.outerHTML.slice(0, 80), style: s.outlineStyle, width: parseFloat(s.outlineWidth),
                      outer: vezContrast(s.outlineColor, vezBehind(el)),
                      rings: yellow ? vezContrast(s.outlineColor, yellow) : 0,
                      inner: yellow ? vezContrast(yellow, own) : 0,
                      visible: el.matches(":focus-visible")};
            }"""
        )
        if info and info["what"] not in {s["what"] for s in seen}:
            seen.append(info)
    return seen


def test_the_focus_ring_has_3_to_1_against_every_background_it_sits_on(page, demo_numbers):
    page.goto("/")
    rings = tab_through(page, 25)
    log_in(page)
    page.goto(f"/cabinet/accounts/{demo_numbers[Service.electricity]}")
    rings += tab_through(page, 45)
    page.goto(f"/cabinet/accounts/{demo_numbers[Service.electricity]}/pay")
    rings += tab_through(page, 20)
    assert len(rings) > 30
    for ring in rings:
        assert ring["visible"] and ring["style"] == "solid" and ring["width"] >= 2, ring
        assert ring["outer"] >= 3, ring  # the dark ring against what surrounds the element
        assert ring["rings"] >= 3, ring  # the two rings tell apart
        assert ring["inner"] >= 3 or ring["outer"] >= 3, ring  # the yellow against a button it surrounds


TARGETS_JS = """() => [...document.querySelectorAll("a[href], button, select, input:not([type=hidden]), summary")]
  .filter((el) => el.offsetParent !== null && !el.closest("p, li, dd, small, .footnote, .hint, label"))
  .map((el) => { const r = el.getBoundingClientRect();
    return {what: el.outerHTML.slice(0, 90), width: r.width, height: r.height}; })"""


def test_targets_are_at_least_24_by_24_px(page, demo_numbers):
    """WCAG 2.5.8: every target that does not stand inside a sentence (those are exempt)."""
    number = demo_numbers[Service.electricity]
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto("/")
    targets = page.evaluate(TARGETS_JS)
    log_in(page)
    for path in ("/cabinet", f"/cabinet/accounts/{number}", f"/cabinet/accounts/{number}/pay"):
        page.goto(path)
        targets += page.evaluate(TARGETS_JS)
    assert len([t for t in targets if "/bills/" in t["what"]]) >= 2  # "bill · PDF", 59×16 and 27×16 before
    assert len(targets) > 20
    small = [t for t in targets if t["width"] < 24 or t["height"] < 24]
    assert small == []
