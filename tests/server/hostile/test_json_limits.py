"""JSON bodies past our limits are a 400 problem with a code of its own, whoever would
have read them: nesting too deep, integer literals too long, numbers past a float,
NaN/Infinity, or not JSON at all."""
import pytest

from server.http import limits
from tests.server.hostile.conftest import assert_problem

LOGIN = "/api/v1/auth/login"


def _post(client, text: str | bytes):
    return client.post(LOGIN, data=text, content_type="application/json")


@pytest.mark.parametrize("depth", [limits.MAX_JSON_DEPTH + 1, 2_000, 100_000])
def test_a_body_nested_too_deep_is_refused(client, depth):
    assert_problem(_post(client, "[" * depth + "]" * depth), 400, "json_too_deep")


def test_objects_count_for_depth_as_lists_do(client):
    depth = limits.MAX_JSON_DEPTH + 1
    assert_problem(_post(client, '{"a":' * depth + "1" + "}" * depth), 400, "json_too_deep")


def test_a_body_at_the_depth_limit_reaches_the_schema(client):
    depth = limits.MAX_JSON_DEPTH - 1
    nested = "[" * depth + "]" * depth
    response = _post(client, f'{{"email": {nested}, "password": "una-password-lunga"}}')
    assert_problem(response, 422, "invalid_input")


@pytest.mark.parametrize("digits", [limits.MAX_JSON_INTEGER_DIGITS + 1, 4_000, 5_000])
def test_an_integer_literal_too_long_is_refused(client, digits):
    assert_problem(_post(client, '{"email": ' + "9" * digits + "}"), 400, "json_number_too_large")
    assert_problem(_post(client, '{"email": -' + "9" * digits + "}"), 400, "json_number_too_large")


def test_a_long_integer_within_the_literal_limit_is_the_schemas_to_refuse(client):
    response = _post(client, '{"email": ' + "9" * limits.MAX_JSON_INTEGER_DIGITS + ', "password": "x"}')
    assert_problem(response, 422, "invalid_input")


@pytest.mark.parametrize("number", ["1e400", "-1e400", "1" + "0" * 400 + ".0"])
def test_a_number_past_a_float_is_refused(client, number):
    assert_problem(_post(client, '{"email": ' + number + "}"), 400, "json_number_too_large")


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(client, constant):
    assert_problem(_post(client, '{"email": ' + constant + "}"), 400, "invalid_json")


@pytest.mark.parametrize("body", ['{"email": ', "[1,]", b'{"email": "\xff\xfe"}', "\x00", '"\\ud800'])
def test_a_body_that_is_not_json_is_refused(client, body):
    assert_problem(_post(client, body), 400, "invalid_json")


def test_a_json_content_type_on_a_get_is_checked_too(client):
    response = client.get("/api/v1/catalogue", data="[" * 50_000, content_type="application/json")
    assert_problem(response, 400, "json_too_deep")


def test_the_magic_link_limit_key_never_sees_a_deep_body(client):
    """The per-address limit of /auth/magic-link reads the body in its key function,
    ahead of the route: the body check comes first."""
    response = client.post("/api/v1/auth/magic-link", data="[" * 100_000, content_type="application/json")
    assert_problem(response, 400, "json_too_deep")
