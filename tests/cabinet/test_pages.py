"""The cabinet's pages: the cards, an account's history, the chart, paging by year, both languages."""

import re


def text(response):
    return response.get_data(as_text=True)


def test_cabinet_requires_a_login(client):
    response = client.get("/cabinet")
    assert response.status_code == 302 and "/login" in response.location


def test_cards_show_each_account_with_balance_bill_and_last_payment(logged_in):
    html = text(logged_in.get("/cabinet"))
    assert html.count('class="card account"') == 2
    assert "529471247" in html and "912345678" in html
    assert "Любешівська філія" in html and "ПРИРОДНИЙ ГАЗ" in html
    assert "смт Любешів, вул. Волі, 5" in html
    assert "Заборгованість" in html and "432,00" in html  # debt of the electricity account
    assert "Переплата" in html and "140,26" in html  # overpayment of the gas account
    assert "20 лист. 2026" in html  # the current bill's due date
    assert "в дорозі" in html  # the newest payment is an online one not yet confirmed
    assert 'href="/cabinet/accounts/529471247/pay"' in html
    assert 'href="/cabinet/accounts/add"' in html


def test_cards_in_english(logged_in):
    html = text(logged_in.get("/cabinet?lang=en"))
    assert "Debt" in html and "Overpayment" in html and "in transit" in html and ">Pay<" in html


def test_account_page_lists_charges_with_readings_bills_and_payments(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247"))
    assert "1 100 → 1 220" in html.replace("\u00a0", " ").replace("\u202f", " ")
    assert "120 кВт·год" in html or "120 кВт" in html
    assert "4,32" in html and "518,40" in html
    assert "/cabinet/accounts/529471247/bills/2026-10.pdf" in html
    assert "онлайн" in html and "зараховано" in html and "в дорозі" in html
    assert "01.01.2019" in html and "https://energo.volyn.ua/home" in html


def test_chart_is_inline_svg_with_twelve_bars_and_no_style_attributes(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247"))
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count("<rect") == 12
    assert "style=" not in html and "<script>" not in html
    assert "<table" in html  # the same numbers as a table


def test_this_month_is_compared_with_the_same_month_last_year(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247"))
    compare = re.search(r'<p class="compare">(.*?)</p>', html, re.S).group(1)
    assert "жовтень 2026" in compare and "жовтень 2025" in compare and "380,16" in compare


def test_paging_by_year_shows_only_that_year(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247?year=2025"))
    assert "жовтень 2025" in html and "вересень 2026" not in html
    assert 'href="/cabinet/accounts/529471247?year=2026"' in html


def test_htmx_year_switch_gets_the_partial_only(logged_in):
    response = logged_in.get("/cabinet/accounts/529471247?year=2026", headers={"HX-Request": "true"})
    html = text(response)
    assert "<html" not in html and "<svg" in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_account_page_is_small(logged_in):
    assert len(logged_in.get("/cabinet/accounts/529471247").data) < 40_000


def test_bill_page_has_what_the_rules_ask(app, logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247/bills/2026-10"))
    for needed in (
        "529471247-202610",
        app.config["SUPPLIER_IBAN"],
        app.config["SUPPLIER_EDRPOU"],
        "АТ «Ощадбанк»",
        "Петренко Степан Іванович",
        "432,00",
        "20 лист. 2026",
        "Оплата за електроенергію за жовтень 2026, о/р 529471247, Петренко",
        "data:image/svg+xml",
    ):
        assert needed in html, needed


def test_unknown_month_and_month_without_a_bill_answer_404(logged_in):
    assert logged_in.get("/cabinet/accounts/529471247/bills/2026-13").status_code == 404
    assert logged_in.get("/cabinet/accounts/529471247/bills/2026-9").status_code == 404
    assert logged_in.get("/cabinet/accounts/529471247/bills/2019-01").status_code == 404
    assert logged_in.get("/cabinet/accounts/529471247/bills/2019-01.pdf").status_code == 404


def test_authenticated_pages_are_not_cached(logged_in):
    for path in ("/cabinet", "/cabinet/accounts/529471247", "/cabinet/accounts/529471247/bills/2026-10.pdf"):
        assert logged_in.get(path).headers["Cache-Control"] == "no-store"


def test_bill_of_a_month_without_charges_carries_the_overpayment(logged_in):
    html = text(logged_in.get("/cabinet/accounts/912345678/bills/2026-10"))
    assert "За цей місяць нарахувань немає" in html
    assert "-140,26" in html.replace("\u00a0", " ").replace("\u202f", " ").replace("−", "-")


def test_profile_link_in_the_header_for_a_logged_in_consumer(logged_in):
    assert 'href="/cabinet/profile"' in text(logged_in.get("/"))


def test_chart_bars_and_table_carry_the_same_numbers(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247?year=2026"))
    svg = html[html.index("<svg") : html.index("</svg>")]
    volumes = [t.split(": ", 1)[1].split(" · ")[0] for t in re.findall(r"<title>([^<]+)</title>", svg)]
    volumes = [v for v in volumes if v != "—"]
    table = html[html.index('<table class="charges"') :]
    assert volumes and all(volume in table for volume in volumes)


def test_chart_shows_the_unit_a_three_tick_scale_and_the_peak_in_the_locales_format(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247?year=2026"))
    svg = html[html.index("<figure") : html.index("</figure>")]
    assert "Споживання за місяцями, кВт·год" in svg and "viewBox" not in svg
    ticks = re.findall(r'<text class="tick"[^>]*>([^<]+)</text>', svg)
    assert len(ticks) == 3 and ticks[0] == "0"
    peak = re.findall(r'<text class="peak"[^>]*>([^<]+)</text>', svg)
    assert len(peak) == 1 and peak[0].endswith(" кВт·год")
    english = text(logged_in.get("/cabinet/accounts/529471247?year=2026&lang=en"))
    assert "Consumption by month, kWh" in english


def test_a_year_without_data_shows_the_latest_twelve_months(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247?year=2019"))
    assert 'aria-current="page">Останні 12 місяців</a>' in html and "вересень 2026" in html


def test_htmx_partial_carries_the_year_navigation_with_the_chosen_year(logged_in):
    html = text(logged_in.get("/cabinet/accounts/529471247?year=2025", headers={"HX-Request": "true"}))
    assert 'id="year-2025"' in html and 'aria-current="page">2025</a>' in html
    assert 'href="/cabinet/accounts/529471247?year=2026"' in html


def test_dates_are_medium_and_payments_carry_their_time(logged_in):
    """Issue 12 finding 9: one style per kind; the time of a payment (in Kyiv) is shown, a due date has none."""
    spaced = re.compile(r"[\u00a0\u202f]")
    account = spaced.sub(" ", text(logged_in.get("/cabinet/accounts/529471247")))
    assert "30 жовт. 2026 р., 20:00" in account  # 18:00 UTC, the payment in transit
    assert "20 лист. 2026 р." in account and "листопада" not in account
    bill = spaced.sub(" ", text(logged_in.get("/cabinet/accounts/529471247/bills/2026-10?lang=en")))
    assert "Pay by</th><td>Nov 20, 2026" in bill and "October 2026" in bill
