"""A key rotation reaches running workers: each re-reads the key file when it changes
(server/keys.py), in this process and in two gunicorn workers."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from server import keys
from signing import IssuerKeyset, keystore, parse_unverified

ROOT = Path(__file__).resolve().parents[2]


def _rotate(instance_path, *, activate_in_seconds=0, now=None):
    keyset = keystore.load(instance_path)
    key = keyset.rotate(now=now or int(time.time()), activate_in_seconds=activate_in_seconds)
    keystore.save(instance_path, keyset)
    return key


def test_a_rotated_key_file_is_read_again_and_its_key_signs(app):
    app.config["KEYS_RELOAD_INTERVAL_SECONDS"] = 0
    with app.app_context():
        before = keys.issuer_keyset()
        assert keys.issuer_keyset() is before  # unchanged file: not decrypted again
        new = _rotate(app.instance_path, now=int(time.time()) + 1)
        after = keys.issuer_keyset()
        assert [k.key_id for k in after.keys] == [*(k.key_id for k in before.keys), new.key_id]
        assert new.key_id in keys.public_keyset().keys
        assert after.signing_key(now=new.not_before, valid_until=new.not_before + 60).key_id == new.key_id


def test_the_file_is_looked_at_no_more_often_than_the_interval(app):
    app.config["KEYS_RELOAD_INTERVAL_SECONDS"] = 3600
    with app.app_context():
        before = keys.issuer_keyset()
        _rotate(app.instance_path, now=int(time.time()) + 1)
        assert keys.issuer_keyset() is before
        app.config["KEYS_RELOAD_INTERVAL_SECONDS"] = 0
        assert keys.issuer_keyset() is not before


def test_a_damaged_key_file_keeps_the_keys_in_memory(app, caplog):
    app.config["KEYS_RELOAD_INTERVAL_SECONDS"] = 0
    with app.app_context():
        before = keys.issuer_keyset()
        Path(app.instance_path, keystore.KEY_FILE_NAME).write_text("{}")
        assert keys.issuer_keyset() is before
        assert "issuer keys not reloaded" in caplog.text
        new = _rotate_from(before, app.instance_path)  # a good file again is taken at once
        assert new.key_id in keys.public_keyset().keys


def _rotate_from(keyset, instance_path):
    keyset = IssuerKeyset(keyset.keys)  # a copy: the keyset in memory stays as loaded
    key = keyset.rotate(now=int(time.time()) + 1)
    keystore.save(instance_path, keyset)
    return key


# --- two gunicorn workers --------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def workers(app, door):
    """gunicorn -w 2 on the test's instance folder and database; yields its base URL."""
    port = _free_port()
    env = {**os.environ, "MENTORING_INSTANCE_PATH": app.instance_path,
           "MENTORING_DATABASE_URL": app.config["DATABASE_URL"], "MENTORING_RATELIMIT_ENABLED": "false"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "tests.server.keys_wsgi:app"],
        cwd=ROOT, env=env, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: _get(base + "/api/v1/health") is not None, what="gunicorn to start", process=process)
        yield base
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def _get(url, *, data=None, headers=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.headers["X-Worker-Pid"], json.load(response)
    except (urllib.error.URLError, ConnectionError):
        return None


def _wait_for(condition, *, what, process=None, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"gunicorn exited with {process.returncode}")
        if condition():
            return
        time.sleep(0.05)  # a poll interval, not a wait for something to happen
    raise AssertionError(f"timed out waiting for {what}")


def _seen_by_every_worker(ask, satisfied, *, what):
    """Ask in parallel until each of the two workers has answered so that `satisfied`."""
    seen = set()

    def round_():
        with ThreadPoolExecutor(4) as pool:
            for answer in pool.map(lambda _: ask(), range(4)):
                if answer is not None and satisfied(answer[1]):
                    seen.add(answer[0])
        return len(seen) == 2

    _wait_for(round_, what=what)


def test_both_workers_publish_and_sign_with_a_key_rotated_while_they_run(app, door, workers):
    wallet = door.wallet_api()
    with app.app_context():
        old_kid = keys.issuer_keyset().keys[-1].key_id
    headers = {"Authorization": f"Bearer {wallet.bearer}", "Content-Type": "application/json"}

    def kids():
        return _get(workers + "/api/v1/issuer-keys")

    def credential():
        answer = _get(f"{workers}/api/v1/wallet/vouchers/{door.voucher_id}/credential", data=b"{}", headers=headers)
        return answer and (answer[0], parse_unverified(answer[1]["credential"]).key_id)

    # Both workers have loaded (and signed with) the old keyset before the rotation.
    _seen_by_every_worker(kids, lambda jwks: [k["kid"] for k in jwks["keys"]] == [str(old_kid)],
                          what="both workers to serve the first key")
    _seen_by_every_worker(credential, lambda kid: kid == old_kid, what="both workers to sign with the first key")

    rotated = subprocess.run(
        [str(Path(sys.executable).parent / "mentoring"), "keys", "rotate", "--activate-in", "0"],
        cwd=ROOT, env={**os.environ, "MENTORING_INSTANCE_PATH": app.instance_path},
        capture_output=True, text=True, timeout=60)
    assert rotated.returncode == 0, rotated.stderr
    with app.app_context():
        new_kid = keystore.load(app.instance_path).keys[-1].key_id
    assert new_kid != old_kid

    _seen_by_every_worker(kids, lambda jwks: {k["kid"] for k in jwks["keys"]} == {str(old_kid), str(new_kid)},
                          what="both workers to publish the rotated key")
    _seen_by_every_worker(credential, lambda kid: kid == new_kid, what="both workers to sign with the new key")
