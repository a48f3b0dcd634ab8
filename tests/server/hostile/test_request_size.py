"""Request bodies are refused past MAX_CONTENT_LENGTH (413 `payload_too_large`) before
they are read: by their Content-Length, or, sent chunked with none, once the limit is
read. The largest legitimate body, a full scanner sync batch, fits."""
import io
import json
import socket
import threading

import pytest
from werkzeug.serving import make_server

from server.door import schemas as door_schemas
from server.http import limits
from server.vouchers import schemas as vouchers_schemas
from tests.server.hostile.conftest import assert_problem

TWENTY_MB = 20 * 1024 * 1024


class CountingBody(io.RawIOBase):
    """`size` bytes of body, made as they are read, counting how many were."""

    def __init__(self, size: int):
        self.size = size
        self.consumed = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        count = min(len(buffer), self.size - self.consumed)
        buffer[:count] = b" " * count
        self.consumed += count
        return count


def test_a_body_longer_than_the_limit_is_refused_unread(client):
    body = CountingBody(TWENTY_MB)
    response = client.post("/api/v1/auth/login", content_type="application/json",
                           environ_overrides={"wsgi.input": body, "CONTENT_LENGTH": str(TWENTY_MB)})
    assert_problem(response, 413, "payload_too_large")
    assert body.consumed == 0


def test_a_chunked_body_is_read_up_to_the_limit_then_refused(client):
    body = CountingBody(TWENTY_MB)
    response = client.post("/api/v1/auth/login", content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True})
    assert_problem(response, 413, "payload_too_large")
    assert body.consumed <= limits.MAX_CONTENT_LENGTH


def test_a_chunked_body_within_the_limit_is_read_whole(client):
    data = b'{"email": "nessuno@example.it", "password": "sbagliata-di-sicuro"}'
    response = client.post("/api/v1/auth/login", content_type="application/json",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input": io.BytesIO(data), "wsgi.input_terminated": True})
    assert_problem(response, 401, "invalid_credentials")


def test_the_largest_sync_batch_fits_under_the_limit():
    """The limit is sized from the sync schema: if a batch may grow, so must the limit."""
    records = door_schemas.SyncIn().fields["records"]
    most_records = next(v.max for v in records.validators if hasattr(v, "max"))
    longest = next(v.max for v in records.inner.validators if hasattr(v, "max"))
    assert (most_records, longest) == (500, 4096)
    batch = json.dumps({"records": ["M" * longest] * most_records, "since": 2**62})
    assert len(batch.encode()) < limits.MAX_CONTENT_LENGTH


def test_the_largest_direct_issuance_fits_under_the_limit():
    """The next largest body: a school issuing to a class's worth of wallet keys at once."""
    keys = vouchers_schemas.DirectIn().fields["device_keys"]
    most_keys = next(v.max for v in keys.validators if hasattr(v, "max"))
    longest = next(v.max for v in keys.inner.validators if hasattr(v, "max"))
    assert len(json.dumps({"device_keys": ["f" * longest] * most_keys}).encode()) < limits.MAX_CONTENT_LENGTH


def test_a_full_sync_batch_is_not_refused_for_its_size(door):
    records = ["MR:" + "A" * 4093] * 500
    response = door.app.test_client().post(f"/api/v1/scanners/{next(iter(door.scanners))}/sync",
                                           json={"records": records})
    assert response.status_code != 413
    assert response.status_code < 500


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address
    server.shutdown()
    thread.join()


def test_a_real_server_answers_413_without_waiting_for_the_body(live_server):
    """Over a socket: the headers announce 20 MB, a few bytes follow, and the answer comes
    back at once (if the server waited for the body, `recv` would time out)."""
    host, port = live_server
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(
            b"POST /api/v1/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {TWENTY_MB}\r\nConnection: close\r\n\r\n".encode() + b'{"email": ')
        answer = b""
        while chunk := connection.recv(4096):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"payload_too_large" in answer
