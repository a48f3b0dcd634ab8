"""JSON log lines carry the request's id; secrets never reach them."""
import io
import json
import logging
from datetime import date

import pytest

from server.extensions import db
from server.observability import logs
from server.vouchers import api as vouchers_api
from tests.server import factories
from tests.server.factories import wallet_client


@pytest.fixture
def captured():
    """Every log line of the process, as the production handler writes it, DEBUG and up."""
    stream = io.StringIO()
    handler = logs.json_handler(stream)
    handler.setLevel(logging.DEBUG)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)


def _lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_a_sane_incoming_request_id_is_kept_and_answered(client, captured):
    response = client.get("/api/v1/health", headers={"X-Request-Id": "caddy-0b5e4c1a-77f2"})

    assert response.headers["X-Request-Id"] == "caddy-0b5e4c1a-77f2"
    (access,) = [line for line in _lines(captured) if line["logger"] == "mentoring.access"]
    assert access["request_id"] == "caddy-0b5e4c1a-77f2"
    assert (access["method"], access["route"], access["status"]) == ("GET", "/api/v1/health", 200)


@pytest.mark.parametrize("incoming", [None, "", "short", "a b c d e f g h", "x" * 129, "abc;injected=1&\"quoted\"",
                                      "-leading-dash-123"])
def test_a_missing_or_odd_request_id_is_replaced_by_a_new_one(client, incoming):
    headers = {} if incoming is None else {"X-Request-Id": incoming}

    answered = client.get("/api/v1/health", headers=headers).headers["X-Request-Id"]

    assert answered != incoming
    assert len(answered) == 32 and int(answered, 16) >= 0


def test_each_request_gets_its_own_id(client):
    first = client.get("/api/v1/health").headers["X-Request-Id"]
    second = client.get("/api/v1/health").headers["X-Request-Id"]

    assert first != second


def test_every_line_logged_during_a_request_carries_its_id(app, captured):
    @app.get("/api/v1/chatty")
    def chatty():
        logging.getLogger("server.somewhere").warning("something worth a line", extra={"voucher_id": 7})
        return {"ok": True}

    response = app.test_client().get("/api/v1/chatty")

    lines = _lines(captured)
    assert {line["message"] for line in lines} >= {"something worth a line", "request"}
    assert {line["request_id"] for line in lines} == {response.headers["X-Request-Id"]}
    (domain,) = [line for line in lines if line["logger"] == "server.somewhere"]
    assert domain["voucher_id"] == 7 and domain["level"] == "WARNING"


def test_a_line_outside_any_request_has_no_id(app, captured):
    logging.getLogger("server.cli").info("nightly job")

    (line,) = _lines(captured)
    assert line["request_id"] is None


def test_a_field_named_like_a_secret_is_blanked():
    stream = io.StringIO()
    logger = logging.getLogger("tests.observability.blanked")
    logger.addHandler(logs.json_handler(stream))
    logger.propagate = False
    try:
        logger.warning("careless", extra={"password": "hunter22", "bearer_token": "abc", "claim_code": "7KQ3",
                                          "voucher_id": 3})
    finally:
        logger.propagate = True
        logger.handlers.clear()

    line = json.loads(stream.getvalue())
    assert (line["password"], line["bearer_token"], line["claim_code"]) == (logs.REDACTED,) * 3
    assert line["voucher_id"] == 3
    assert "hunter22" not in stream.getvalue()


def test_a_login_and_a_claim_leave_no_password_code_token_or_cookie_in_the_logs(app, captured):
    with app.app_context():
        person = factories.user()
        school = factories.organisation("school")
        campaign = factories.funded_campaign(factories.organisation("sponsor"), amount_cents=10_000)
        allocation = vouchers_api.allocate(campaign=campaign, school=school, voucher_count=1, today=date.today())
        (code,) = vouchers_api.issue_codes(allocation=allocation, count=1, secret=app.secret_key)
        email = person.email
        db.session.commit()

    member = app.test_client()
    logged_in = member.post("/api/v1/auth/login", json={"email": email, "password": factories.PASSWORD})
    refused = app.test_client().post("/api/v1/auth/login", json={"email": email, "password": factories.PASSWORD + "-wrong"})
    wallet, _ = wallet_client(app)
    wrong_code = code[:-1] + ("A" if code[-1] != "A" else "B")
    wallet.post("/api/v1/wallet/claims", json={"code": wrong_code})
    claimed = wallet.post("/api/v1/wallet/claims", json={"code": code})

    assert logged_in.status_code == 200 and refused.status_code >= 400
    assert claimed.status_code == 201, claimed.get_json()
    text = captured.getvalue()
    assert _lines(captured), "the requests were logged"
    cookie = logged_in.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    secrets = {"password": factories.PASSWORD, "claim code": code, "wrong claim code": wrong_code,
               "code without dashes": code.replace("-", ""), "wallet token": wallet.bearer, "session cookie": cookie,
               "csrf token": logged_in.get_json()["csrf_token"], "credential": claimed.get_json()["credential"]}
    for what, secret in secrets.items():
        assert secret not in text, f"the {what} is in the logs"
