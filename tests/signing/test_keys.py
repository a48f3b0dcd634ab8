import json
import stat

import pytest

from signing import IssuerKeyset, NoSigningKey, PublicKeyset, issue_voucher, to_text, verify_credential
from signing.errors import KeyStoreError, UnknownKey
from signing.keys import MAX_KEY_ID

from .conftest import DAY, NOW


def _voucher(keyset, wallet, *, now=NOW, until=NOW + 30 * DAY):
    return issue_voucher(keyset, now=now, voucher_id=1, campaign_id=1, categories={0}, offline_allowance_cents=100,
                         valid_from=now, valid_until=until, device_key=wallet.public_bytes)


def test_rotation_signs_with_the_new_key_and_old_credentials_still_verify(wallet):
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW - 100 * DAY)
    before = _voucher(keyset, wallet, now=NOW - 50 * DAY)
    keyset.rotate(now=NOW - DAY)
    after = _voucher(keyset, wallet)
    assert (before.key_id, after.key_id) == (1, 2)
    public = keyset.public()
    assert verify_credential(to_text(before), keys=public, now=NOW).key_id == 1
    assert verify_credential(to_text(after), keys=public, now=NOW).key_id == 2


def test_a_key_published_ahead_does_not_sign_before_it_starts(wallet):
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW - DAY)
    keyset.rotate(now=NOW, activate_in_seconds=2 * DAY)
    assert _voucher(keyset, wallet).key_id == 1
    assert _voucher(keyset, wallet, now=NOW + 3 * DAY, until=NOW + 10 * DAY).key_id == 2


def test_no_key_signs_a_credential_that_would_outlive_it(wallet):
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW, lifetime_seconds=10 * DAY)
    with pytest.raises(NoSigningKey):
        _voucher(keyset, wallet, until=NOW + 11 * DAY)


def test_credentials_stop_verifying_when_their_key_expires(wallet):
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW, lifetime_seconds=10 * DAY)
    text = to_text(_voucher(keyset, wallet, until=NOW + 5 * DAY))
    with pytest.raises(UnknownKey):
        verify_credential(text, keys=keyset.public(), now=NOW + 10 * DAY + 1)


def test_key_ids_wrap_around_and_skip_ids_in_use():
    keyset = IssuerKeyset()
    for step in range(MAX_KEY_ID):
        keyset.rotate(now=NOW + step)
    with pytest.raises(NoSigningKey):
        keyset.rotate(now=NOW + MAX_KEY_ID)
    keyset = IssuerKeyset(keyset.keys[2:])  # ids 1 and 2 dropped as expired
    assert keyset.rotate(now=NOW + MAX_KEY_ID).key_id == 1


def test_keys_at_rest_are_encrypted_and_owner_only(tmp_path, wallet):
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW)
    path = tmp_path / "keys.json"
    keyset.save(path, b"correct horse")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    stored = path.read_text()
    assert "ENCRYPTED PRIVATE KEY" in stored and "correct horse" not in stored
    loaded = IssuerKeyset.load(path, b"correct horse")
    text = to_text(_voucher(loaded, wallet))
    assert verify_credential(text, keys=keyset.public(), now=NOW).voucher_id == 1


def test_a_wrong_passphrase_is_a_clear_error(tmp_path):
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW)
    keyset.save(tmp_path / "keys.json", b"right")
    with pytest.raises(KeyStoreError, match="passphrase"):
        IssuerKeyset.load(tmp_path / "keys.json", b"wrong")


def test_public_keyset_is_an_rfc_8037_jwk_set(keyset):
    jwks = json.loads(json.dumps(keyset.public().to_jwks()))
    (jwk,) = jwks["keys"]
    assert {jwk["kty"], jwk["crv"], jwk["alg"], jwk["kid"]} == {"OKP", "Ed25519", "EdDSA", "1"}
    assert "d" not in jwk and len(jwk["x"]) == 43  # 32 bytes, base64url without padding
    assert PublicKeyset.from_jwks(jwks).to_jwks() == jwks


@pytest.mark.parametrize("jwks", [{}, {"keys": [{"kty": "EC"}]}, {"keys": [{"kty": "OKP", "crv": "Ed25519"}]},
                                  {"keys": [{"kty": "OKP", "crv": "Ed25519", "kid": "x", "x": "AA", "nbf": 0, "exp": 1}]}])
def test_a_broken_jwk_set_is_refused(jwks):
    with pytest.raises(KeyStoreError):
        PublicKeyset.from_jwks(jwks)
