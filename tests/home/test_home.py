"""The home page's two tabs, as the guide's first screen shows them, in both languages."""

import pytest

GUIDE_ELEMENTS_UK = [
    "ТОВ «Волиньелектрозбут» – постачальник універсальних послуг",
    "Для дому",
    "Для компаній",
    "Прийом платежів за електроенергію",
    "Генерація рахунків",
    "Нарахування",
    "Прийом показань",
    "Контроль за засобами обліку (в т.ч. за показаннями)",
    "Підключення/відключення",
    "зазначені функції виконує",
    "Оператор системи розподілу",
    "Логін",
    "Пароль",
    "Увійти",
    "Відновлення пароля та логіну",
    "Зареєструватися",
    "Основний сайт",
    "до 01.01.2019",
    "https://energo.volyn.ua/home",
    "Особистий кабінет побутових споживачів",
    "ВОЛИНЬЕЛЕКТРОЗБУТ",
]
GUIDE_ELEMENTS_EN = [
    "universal service supplier",
    "For home",
    "For companies",
    "Receiving payments for electricity",
    "Bill generation",
    "Receiving meter readings",
    "Distribution System Operator",
    "Login",
    "Password",
    "Log in",
    "Password and login recovery",
    "Register",
    "Main site",
    "before January 1, 2019",
]


def test_home_page_has_every_element_of_the_guide_in_ukrainian(client):
    html = client.get("/").get_data(as_text=True)
    for text in GUIDE_ELEMENTS_UK:
        assert text in html, text
    assert '<html lang="uk">' in html
    assert 'class="button register"' in html  # the green button


def test_home_page_in_english(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    for text in GUIDE_ELEMENTS_EN:
        assert text in html, text
    assert '<html lang="en">' in html


def test_language_choice_sticks_in_a_cookie(client):
    client.get("/?lang=en")
    assert "For home" in client.get("/").get_data(as_text=True)
    client.get("/?lang=uk")
    assert "Для дому" in client.get("/").get_data(as_text=True)


def test_unknown_language_falls_back_to_ukrainian(client):
    assert '<html lang="uk">' in client.get("/?lang=ru").get_data(as_text=True)


def test_company_tab_is_its_own_page(client):
    html = client.get("/company").get_data(as_text=True)
    assert 'aria-current="page" class="active">Для компаній' in html
    assert "Прийом платежів за договорами" in html


def test_company_tab_describes_the_business_cabinet_and_registers_a_company(client):
    html = client.get("/company").get_data(as_text=True)
    assert "готується" not in html  # no placeholder any more
    for text in ("точки обліку", "QR-кодом", "акти приймання-передавання", "акти звірки", "бухгалтер"):
        assert text in html, text
    assert 'class="button register" href="/company/registration"' in html
    assert 'id="login-form"' in html and "кабінеті юридичного споживача" in html
    home = client.get("/").get_data(as_text=True)
    assert 'class="button register" href="/registration"' in home and "кабінеті юридичного споживача" not in home


def test_company_tab_in_english(client):
    html = client.get("/company?lang=en").get_data(as_text=True)
    assert "several people of the company with their roles" in html and "cabinet of the legal consumer" in html


def test_switching_tabs_with_htmx_swaps_the_login_form_out_of_band(client):
    html = client.get("/company", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert '<div class="side-login" id="side-login" hx-swap-oob="true">' in html
    assert 'href="/company/registration"' in html
    assert 'href="/registration"' in client.get("/", headers={"HX-Request": "true"}).get_data(as_text=True)


@pytest.mark.parametrize(("path", "title"), [("/", "Для дому · ВЕЗ"), ("/company", "Для компаній · ВЕЗ")])
def test_htmx_gets_only_the_tab_panel_and_the_tabs_title(client, path, title):
    """htmx 2 takes a top-level <title> of a partial for the document's title."""
    response = client.get(path, headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith(f'<title>{title}</title>\n<section class="panel" id="tab-panel"')
    assert "<html" not in html and html.count("<title>") == 1
    assert "HX-Request" in response.headers["Vary"]


def test_boosted_and_history_restore_requests_get_the_whole_page(client):
    for header in ("HX-Boosted", "HX-History-Restore-Request"):
        html = client.get("/", headers={"HX-Request": "true", header: "true"}).get_data(as_text=True)
        assert "<html" in html


def test_tabs_are_links_that_htmx_enhances(client):
    html = client.get("/").get_data(as_text=True)
    assert 'id="tab-company" href="/company" hx-get="/company" hx-target="#tab-panel"' in html
    assert 'hx-push-url="true"' in html


def test_static_urls_are_fingerprinted_and_immutable(client):
    html = client.get("/").get_data(as_text=True)
    assert "/static/css/vez.css?v=" in html and "/static/js/htmx.min.js?v=" in html
    response = client.get("/static/css/vez.css?v=x", headers={"Accept-Encoding": "br"})
    response.close()
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]


def test_pages_are_compressed(client):
    response = client.get("/", headers={"Accept-Encoding": "br, gzip"})
    assert response.headers["Content-Encoding"] == "br"
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers["Content-Encoding"] == "gzip"


def test_no_request_leaves_for_another_host(client):
    html = client.get("/").get_data(as_text=True)
    import re

    for src in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert src.startswith("/") or src.startswith("#") or src.startswith("tel:") or 'rel="noopener"' in html, src
    assert not re.search(r'<(?:script|link)[^>]+(?:src|href)="https?://', html)


def test_every_input_has_a_label(client):
    import re

    html = client.get("/").get_data(as_text=True)
    ids = set(re.findall(r'<input[^>]+id="([^"]+)"[^>]*>', html)) - {"csrf_token", "next"}
    for id_ in ids:
        assert f'for="{id_}"' in html, id_


def test_cached_public_pages_carry_each_visitors_own_csrf_token(app):
    from tests.conftest import csrf_token, https_client

    first, second = https_client(app), https_client(app)
    assert csrf_token(first, "/") != csrf_token(second, "/")
    # and each token is valid for its own session only
    token = csrf_token(first, "/")
    assert first.post("/login", data={"login": "x", "password": "y", "csrf_token": token}).status_code == 422
    assert second.post("/login", data={"login": "x", "password": "y", "csrf_token": token}).status_code == 400


def test_a_logged_in_visitor_never_gets_the_anonymous_cached_page(client, auth, make_user):
    client.get("/")  # fills the cache
    make_user("ivan")
    auth.login()
    html = client.get("/").get_data(as_text=True)
    assert "Вихід" in html
