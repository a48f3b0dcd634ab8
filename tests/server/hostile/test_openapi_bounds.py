"""The OpenAPI document states what may be sent: every integer (body, query, path or
response) has a minimum and a maximum, and every string a client sends in a body, query
or path is an enum, a date, or carries the pattern that refuses control characters. The ranges come from the
shared fields (server/http/fields.py); a field declared without one fails here."""
import re

import pytest

from tests.server.hostile.openapi_walk import operations, request_nodes, response_nodes


@pytest.fixture
def document(client):
    return client.get("/api/openapi.json").get_json()


def test_every_integer_has_a_minimum_and_a_maximum(document):
    unbounded = sorted({place for place, node in [*request_nodes(document), *response_nodes(document)]
                        if node.get("type") == "integer" and not ("minimum" in node and "maximum" in node)})
    assert unbounded == []


def test_the_walk_sees_integers_in_every_place(document):
    places = [place for place, node in [*request_nodes(document), *response_nodes(document)]
              if node.get("type") == "integer"]
    assert any(" path:" in place for place in places)
    assert any(" query:" in place for place in places)
    assert any(" body." in place for place in places)
    assert any(" 200." in place or " 201." in place for place in places)


def test_every_path_id_is_bounded_like_a_primary_key(document):
    for name, parameters, _ in operations(document):
        for parameter in parameters:
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, 2**31 - 1), name


def test_every_string_a_client_sends_refuses_control_characters(document):
    open_strings = []
    for place, node in request_nodes(document):
        if node.get("type") != "string" or "enum" in node or node.get("format") in ("date", "date-time"):
            continue
        if " header:" in place:  # HTTP forbids CR/LF in headers; their parsers refuse the rest
            continue
        pattern = node.get("pattern", "")
        if not (pattern.startswith("^[^") and re.fullmatch(pattern, "\x00") is None):
            open_strings.append(place)
    assert open_strings == []
