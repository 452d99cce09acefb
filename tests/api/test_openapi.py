"""/api/v1/openapi.json: a valid OpenAPI 3.1 description made from the routes, and the live API keeps to it
(schemathesis against a real server with a real token)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import urllib.request

import pytest
from openapi_spec_validator import validate
from werkzeug.serving import make_server

from tests.business.conftest import (  # noqa: F401 (the business side's factories and its small company)
    company_charge,
    company_pay,
    make_company,
    make_contract,
    make_point,
    member,
    rival,
)


@pytest.fixture
def spec(api):
    return api("/api/v1/openapi.json").get_json()


def test_the_description_is_valid_openapi_3_1(spec):
    assert spec["openapi"] == "3.1.0"
    validate(spec)


def test_it_lists_every_api_route_and_nothing_else(app, spec):
    from vez.api.spec import ARGUMENT

    api_rules = [rule.rule for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/")]
    assert set(spec["paths"]) == {ARGUMENT.sub(r"{\1}", rule) for rule in api_rules}
    assert "/api/v1/contracts/{contract_id}/months" in spec["paths"]


def test_every_read_needs_the_bearer_token_and_answers_401_404_429(spec):
    assert spec["components"]["securitySchemes"]["bearer"] == {
        **spec["components"]["securitySchemes"]["bearer"],
        "type": "http",
        "scheme": "bearer",
    }
    assert spec["security"] == [{"bearer": []}]
    for path, item in spec["paths"].items():
        operation = item["get"]
        if path == "/api/v1/openapi.json":
            assert operation["security"] == []
            continue
        assert {"200", "401", "404", "429"} <= operation["responses"].keys(), path
    retry = spec["components"]["responses"]["TooManyRequests"]["headers"]
    assert "Retry-After" in retry


def test_every_json_answer_and_problem_carries_an_example(spec):
    for name, schema in spec["components"]["schemas"].items():
        assert schema["examples"], name
    for name, answer in spec["components"]["responses"].items():
        assert answer["content"]["application/problem+json"]["example"]["status"], name
    for item in spec["paths"].values():
        ok = item["get"]["responses"]["200"]["content"]
        if "application/json" in ok:
            assert ok["application/json"]["example"]


def test_the_examples_keep_to_their_schemas(spec):
    from tests.api.conftest import conforms
    from vez.api.schemas import SCHEMAS

    for name, schema in SCHEMAS.items():
        conforms(name, schema["examples"][0])


@pytest.fixture
def live_api(app, db, ivan, rival):  # noqa: F811 (the imported fixture, asked for by name)
    """The app served by a real server thread, on the test's database, with ivan's accounts and a company he
    administers; a token of his for both."""
    from vez.identity import api_tokens
    from vez.models import CompanyMember, CompanyRole

    db.session.add(
        CompanyMember(company_id=rival.company.id, user_id=ivan[0].id, role=CompanyRole.admin, full_name="І")
    )
    made = api_tokens.create(ivan[0], "Home Assistant", 30, account_ids=None, company_ids=(rival.company.id,), ip=None)
    db.session.commit()
    app.config["API_LIMIT_PER_TOKEN"] = "100000 per minute"  # the fuzzer's hundreds of requests are not the test
    server = make_server("127.0.0.1", 0, app, threaded=True)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["EXTERNAL_URL"] = url
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url, made.secret
    server.shutdown()


def test_schemathesis_finds_nothing_against_the_live_api(live_api, tmp_path):
    url, secret = live_api
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{url}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"Authorization: Bearer {secret}",
        "--max-examples",
        "25",
        "--seed",
        "15",
        "--phases",
        "examples,coverage,fuzzing",
        "--workers",
        "1",
        "--no-color",
    ]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600, cwd=tmp_path)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
    # Every read was tried (schemathesis leaves out the description's own path).
    reads = len([path for path in spec_of(url)["paths"] if path != "/api/v1/openapi.json"])
    assert f"Tested: {reads}\n" in run.stdout and "No issues found" in run.stdout, run.stdout[-3000:]


def spec_of(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=10) as answer:
        return json.load(answer)
