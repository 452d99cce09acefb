"""After activation the guide shows the home page itself, with the success message above its login form."""


def test_the_success_page_is_the_home_layout_with_the_message_and_the_login_form(client):
    html = client.get("/activate/done").get_data(as_text=True)
    assert "Реєстрацію успішно завершено!" in html
    assert html.index("Реєстрацію успішно завершено!") < html.index('name="password"')
    assert '<h1 id="supplier">' in html and "постачальник універсальних послуг" in html
    assert "Прийом платежів за електроенергію" in html and "/company" in html
    english = client.get("/activate/done?lang=en").get_data(as_text=True)
    assert "Registration completed successfully!" in english and "universal service supplier" in english
