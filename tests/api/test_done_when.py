"""Issue 15's "done when", end to end: a consumer makes a token in the profile, and the Home Assistant sensor of
docs/api.md, rendered as Home Assistant renders it (Jinja over the answer's JSON), reads their balance."""

from __future__ import annotations

import re
from pathlib import Path

import yaml
from jinja2 import Environment

from tests.cabinet.test_profile import post
from tests.conftest import PASSWORD

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def home_assistant_sensors() -> list[dict]:
    """The `rest` sensors of docs/api.md's example (its `!secret` read as the plain value it names)."""
    text = re.search(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)[1]
    loader = type("Loader", (yaml.SafeLoader,), {})
    loader.add_constructor("!secret", lambda _loader, node: node.value)
    return yaml.load(text, Loader=loader)["rest"]


def test_a_token_made_in_the_profile_lets_the_documented_sensor_read_the_balance(logged_in, api, ivan):
    made = post(
        logged_in,
        "/cabinet/profile/tokens",
        **{
            "token-name": "Home Assistant",
            "token-days": "365",
            "token-scope": "all",
            "token-current_password": PASSWORD,
        },
    )
    assert made.status_code == 201
    secret = re.search(r'id="token-secret" type="text" readonly value="(vez_[^"]+)"', made.get_data(as_text=True))[1]
    _user, power, _gas = ivan
    (rest,) = home_assistant_sensors()
    path = rest["resource"].replace("https://cabinet.example", "").replace("529471247", power.number)
    answer = api(path, secret)
    assert answer.status_code == 200
    balance = rest["sensor"][0]
    value = Environment().from_string(balance["value_template"]).render(value_json=answer.get_json())
    assert float(value) == power.balance / 100 == 432.00
    assert balance["unit_of_measurement"] == answer.get_json()["currency"] == "UAH"
    # Without the token, and with the cabinet's cookie instead, the same request opens nothing.
    assert api(path).status_code == 401
    assert logged_in.get(path).status_code == 401
