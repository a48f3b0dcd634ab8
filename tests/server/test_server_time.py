"""Every API answer says the server's time (server/http/clock.py), errors included: the
phones correct their clocks by it."""
import time


def _stamp(response):
    return int(response.headers["Server-Time"])


def test_an_api_answer_carries_the_server_time_in_milliseconds(client):
    before = time.time_ns() // 1_000_000
    ok = client.get("/api/v1/categories")
    missing = client.get("/api/v1/scanners/999999/bootstrap")
    after = time.time_ns() // 1_000_000
    assert ok.status_code == 200 and missing.status_code >= 400
    assert before <= _stamp(ok) <= _stamp(missing) <= after


def test_pages_and_assets_carry_no_server_time(client):
    assert "Server-Time" not in client.get("/").headers
