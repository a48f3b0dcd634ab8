import json

import pytest
from click.testing import CliRunner

from signing import present, to_text
from signing.cli import keys, token
from signing.errors import Expired, Malformed, OutOfScope, Revoked
from signing.qr import to_png

from .conftest import DAY, NOW


@pytest.fixture()
def keyset_file(tmp_path, keyset):
    path = tmp_path / "keyset.json"
    path.write_text(json.dumps(keyset.public().to_jwks()))
    return str(path)


def _run(group, *args):
    return CliRunner().invoke(group, list(args), catch_exceptions=False)


def test_inspect_shows_fields_marked_unverified(voucher):
    result = _run(token, "inspect", to_text(voucher))
    assert result.exit_code == 0
    output = json.loads(result.output)
    assert output["verified"] is False and "UNVERIFIED" in output["warning"]
    assert output["token"]["voucher_id"] == voucher.voucher_id


def test_inspect_of_garbage_exits_with_the_reason(voucher):
    result = _run(token, "inspect", "MV:not a token")
    assert result.exit_code == Malformed.exit_status
    assert json.loads(result.output)["code"] == "malformed"


def test_verify_a_valid_credential(voucher, keyset_file):
    result = _run(token, "verify", to_text(voucher), "--keys", keyset_file, "--at", str(NOW))
    assert result.exit_code == 0
    assert json.loads(result.output)["valid"] is True


def test_verify_reads_a_qr_image(tmp_path, voucher, wallet, keyset_file):
    image = tmp_path / "door.png"
    image.write_bytes(to_png(to_text(present(voucher, wallet, now=NOW))))
    result = _run(token, "verify", str(image), "--keys", keyset_file, "--at", str(NOW),
                  "--venue", "9", "--category", "3")
    assert result.exit_code == 0, result.output
    verdict = json.loads(result.output)
    assert verdict["scope_checked"] is True
    assert verdict["token"]["credential"]["voucher_id"] == voucher.voucher_id


def test_verify_an_expired_credential_exits_non_zero_with_its_code(voucher, keyset_file):
    result = _run(token, "verify", to_text(voucher), "--keys", keyset_file, "--at", str(NOW + 365 * DAY))
    assert result.exit_code == Expired.exit_status
    assert json.loads(result.output) == {"valid": False, "code": "expired", "message": str(Expired()),
                                         "at": NOW + 365 * DAY}


@pytest.fixture()
def revocations_file(tmp_path):
    def write(*entries):
        path = tmp_path / "revocations.json"
        path.write_text(json.dumps({"entries": [{"kind": kind, "value": value} for kind, value in entries]}))
        return str(path)
    return write


def test_verify_a_revoked_voucher_exits_40(voucher, keyset_file, revocations_file):
    revoked = revocations_file(("ticket", str(voucher.voucher_id)), ("voucher", str(voucher.voucher_id)))
    result = _run(token, "verify", to_text(voucher), "--keys", keyset_file, "--at", str(NOW),
                  "--revocations", revoked)
    assert result.exit_code == Revoked.exit_status == 40
    assert json.loads(result.output)["code"] == "revoked"


def test_verify_a_presentation_from_a_revoked_device_exits_40(voucher, wallet, keyset_file, revocations_file):
    revoked = revocations_file(("device_key", wallet.public_bytes.hex()), ("some_future_kind", "x"))
    result = _run(token, "verify", to_text(present(voucher, wallet, now=NOW)), "--keys", keyset_file,
                  "--at", str(NOW), "--venue", "9", "--category", "3", "--revocations", revoked)
    assert result.exit_code == Revoked.exit_status
    assert json.loads(result.output)["message"] == "this wallet device has been revoked"


def test_verify_with_a_revocation_list_that_does_not_name_the_voucher(voucher, keyset_file, revocations_file):
    revoked = revocations_file(("voucher", str(voucher.voucher_id + 1)), ("ticket", str(voucher.voucher_id)))
    result = _run(token, "verify", to_text(voucher), "--keys", keyset_file, "--at", str(NOW),
                  "--revocations", revoked)
    assert result.exit_code == 0, result.output


def test_verify_refuses_an_unreadable_revocation_list(voucher, keyset_file, revocations_file):
    revoked = revocations_file(("device_key", "not hex"))
    result = CliRunner().invoke(token, ["verify", to_text(voucher), "--keys", keyset_file,
                                        "--revocations", revoked])
    assert result.exit_code == 1 and "cannot read the revocation list" in result.output


@pytest.mark.parametrize("suffix", [" ", "\n", "\r\n"])
def test_verify_takes_the_text_as_given_without_trimming(voucher, keyset_file, suffix):
    # A space is a Base45 digit: a trimmed text would be another token than the one read.
    result = _run(token, "verify", to_text(voucher) + suffix, "--keys", keyset_file, "--at", str(NOW))
    assert result.exit_code == Malformed.exit_status
    assert json.loads(result.output)["code"] == "malformed"


def test_verify_with_a_venue_and_no_category_refuses_a_voucher(voucher, wallet, keyset_file):
    result = _run(token, "verify", to_text(present(voucher, wallet, now=NOW)), "--keys", keyset_file,
                  "--at", str(NOW), "--venue", "9")
    assert result.exit_code == OutOfScope.exit_status


def test_verify_accepts_iso_times(voucher, keyset_file):
    result = _run(token, "verify", to_text(voucher), "--keys", keyset_file, "--at", "2027-01-15T09:00:00+01:00")
    assert json.loads(result.output)["at"] == NOW


def test_keys_init_rotate_export(tmp_path, monkeypatch):
    monkeypatch.delenv("MENTORING_KEY_PASSPHRASE", raising=False)
    instance = str(tmp_path / "instance")
    first = _run(keys, "--instance", instance, "init")
    assert "demo key passphrase" in first.output and "issuer key 1" in first.output
    assert "Issuer keys already present" in _run(keys, "--instance", instance, "init").output
    assert "New issuer key 2" in _run(keys, "--instance", instance, "rotate").output
    exported = json.loads(_run(keys, "--instance", instance, "export").output)
    assert [jwk["kid"] for jwk in exported["keys"]] == ["1", "2"]


def test_keys_without_a_passphrase_fail_clearly(tmp_path, monkeypatch):
    monkeypatch.delenv("MENTORING_KEY_PASSPHRASE", raising=False)
    result = CliRunner().invoke(keys, ["--instance", str(tmp_path), "export"])
    assert result.exit_code == 1 and "MENTORING_KEY_PASSPHRASE" in result.output
