"""Forms for screen readers and keyboards in Chromium: the error summary takes focus and leads to each field, an
untouched form has no invalid field in the accessibility tree, and "show password" (issue 12)."""

from sqlalchemy import select

from tests.browser.conftest import log_in
from vez.extensions import db
from vez.models import Service, User

FOCUSED_ID = "document.activeElement && document.activeElement.id"


def invalid_in_the_accessibility_tree(page) -> list[str]:
    """The names of the nodes Chromium's accessibility tree marks invalid (what a screen reader announces)."""
    tree = page.context.new_cdp_session(page).send("Accessibility.getFullAXTree")
    marked = []
    for node in tree["nodes"]:
        for prop in node.get("properties", []):
            if prop["name"] == "invalid" and prop["value"].get("value") not in (None, "false"):
                marked.append(node.get("name", {}).get("value", ""))
    return marked


def test_an_untouched_login_form_has_no_invalid_field(page):
    for path in ("/", "/login", "/recovery/password", "/registration"):
        page.goto(path)
        assert page.locator("[aria-invalid]").count() == 0, path
        assert invalid_in_the_accessibility_tree(page) == [], path


def test_a_failed_login_shows_the_summary_focused_and_each_link_moves_focus_to_its_field(page):
    page.goto("/login")
    page.locator("#login-form button[type=submit]").click()  # nothing typed: no browser bubble, our summary
    page.wait_for_selector("#login-problem")
    assert page.evaluate(FOCUSED_ID) == "login-problem"
    assert page.locator("#login-problem h2").inner_text() == "Виникла проблема"
    assert sorted(invalid_in_the_accessibility_tree(page)) == ["Логін", "Пароль"]
    for target in ("login", "password"):
        page.locator(f'#login-problem a[href="#{target}"]').click()
        assert page.evaluate(FOCUSED_ID) == target
    page.keyboard.type("any")  # the focused field takes the keys
    assert page.input_value("#password") == "any"


def test_a_wrong_password_comes_back_empty_with_the_note_and_can_be_shown(page):
    page.goto("/login")
    page.fill("#login", "nobody-of-the-forms-test")
    page.fill("#password", "a password of nobody")
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_selector("#login-problem")
    assert page.input_value("#password") == ""
    assert page.locator("#password-again").is_visible()
    toggle = page.get_by_label("Показати пароль")
    assert toggle.is_visible()
    page.fill("#password", "typed again")
    toggle.check()
    assert page.get_attribute("#password", "type") == "text"
    toggle.uncheck()
    assert page.get_attribute("#password", "type") == "password"
    assert page.csp_violations == []


def test_without_javascript_the_toggle_is_hidden_and_the_field_stays_a_password(page_nojs):
    page_nojs.goto("/login")
    assert not page_nojs.locator(".show-password").is_visible()
    assert page_nojs.get_attribute("#password", "type") == "password"


def test_after_an_htmx_swap_the_pay_forms_summary_takes_focus(page, live_app):
    with live_app.app_context():
        user = db.session.scalar(select(User).where(User.login_key == "demo"))
        number = next(a.number for a in user.accounts if a.service is Service.gas)
    log_in(page)
    page.goto(f"/cabinet/accounts/{number}/pay")
    page.evaluate("window.__marker = 1")  # survives only if htmx swapped the form in place
    page.fill("#amount", "abc")
    page.get_by_role("button", name="Сплатити").click()
    page.wait_for_selector("#pay-problem")
    assert page.evaluate("window.__marker") == 1
    assert page.evaluate(FOCUSED_ID) == "pay-problem"
    page.locator('#pay-problem a[href="#amount"]').click()
    assert page.evaluate(FOCUSED_ID) == "amount"
