"""Issuer keys: Ed25519, named by a small key id, each with a validity window.

A keyset signs with its newest key and verifies with any key still valid, so a
rotation never breaks credentials already in wallets. Private keys are stored as
PKCS#8 PEM encrypted with a passphrase; scanners get only the public keyset, as a
JWK Set of RFC 8037 OKP/Ed25519 keys (``nbf``/``exp`` carry the validity window).
"""
import base64
import json
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from signing.errors import KeyStoreError, NoSigningKey, UnknownKey

KEY_FILE_FORMAT = "mentoring-issuer-keys/1"
DEFAULT_KEY_LIFETIME_SECONDS = 2 * 365 * 24 * 3600  # longer than any credential lives
MAX_KEY_ID = 0xFF  # one byte in every token; ids are reused once their key is pruned


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class PublicIssuerKey:
    key_id: int
    public_key: ed25519.Ed25519PublicKey
    not_before: int
    not_after: int

    def is_valid_at(self, now: int) -> bool:
        # Both ends included (docs/tokens.md, step 2), as signing_key assumes: a credential
        # may end exactly when its key does.
        return self.not_before <= now <= self.not_after

    def to_jwk(self) -> dict:
        return {
            "kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
            "kid": str(self.key_id), "x": _b64url(self.public_key.public_bytes_raw()),
            "nbf": self.not_before, "exp": self.not_after,
        }

    @classmethod
    def from_jwk(cls, jwk: dict) -> "PublicIssuerKey":
        try:
            if jwk["kty"] != "OKP" or jwk["crv"] != "Ed25519":
                raise ValueError("not an Ed25519 OKP key")
            key_id = int(jwk["kid"])
            if not 0 <= key_id <= MAX_KEY_ID:
                raise ValueError("kid out of range")
            public_key = ed25519.Ed25519PublicKey.from_public_bytes(_b64url_decode(jwk["x"]))
            return cls(key_id, public_key, int(jwk["nbf"]), int(jwk["exp"]))
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyStoreError(f"invalid issuer JWK: {exc}") from None


class PublicKeyset:
    """The issuer keys a verifier trusts (what scanners download)."""

    def __init__(self, keys):
        self.keys = {key.key_id: key for key in keys}

    def key_for(self, key_id: int, now: int) -> PublicIssuerKey:
        key = self.keys.get(key_id)
        if key is None:
            raise UnknownKey(f"no issuer key with id {key_id}")
        if not key.is_valid_at(now):
            raise UnknownKey(f"issuer key {key_id} is not valid at this time")
        return key

    def to_jwks(self) -> dict:
        return {"keys": [key.to_jwk() for key in sorted(self.keys.values(), key=lambda k: k.key_id)]}

    @classmethod
    def from_jwks(cls, jwks: dict) -> "PublicKeyset":
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise KeyStoreError("a JWK Set has a 'keys' list")
        return cls(PublicIssuerKey.from_jwk(jwk) for jwk in jwks["keys"])


@dataclass(frozen=True)
class IssuerKey:
    key_id: int
    private_key: ed25519.Ed25519PrivateKey
    not_before: int
    not_after: int

    def public(self) -> PublicIssuerKey:
        return PublicIssuerKey(self.key_id, self.private_key.public_key(), self.not_before, self.not_after)


class IssuerKeyset:
    """The server's private issuer keys."""

    def __init__(self, keys=()):
        # Oldest first: ids wrap around after 255, so the newest key is the last one
        # to start, not the one with the highest id.
        self.keys = sorted(keys, key=lambda k: k.not_before)

    def rotate(self, *, now: int, activate_in_seconds: int = 0,
               lifetime_seconds: int = DEFAULT_KEY_LIFETIME_SECONDS,
               private_key: ed25519.Ed25519PrivateKey | None = None) -> IssuerKey:
        """Add a new newest key. Older keys stay and keep verifying until they expire.

        ``activate_in_seconds`` publishes the key before it signs anything: set it to at
        least the scanners' maximum data age, so that no offline scanner meets a
        credential signed by a key it has not downloaded yet."""
        starts = now + activate_in_seconds
        used = {key.key_id for key in self.keys}
        if len(used) >= MAX_KEY_ID:
            raise NoSigningKey("all key ids are in use: drop expired keys first")
        key_id = self.keys[-1].key_id if self.keys else 0
        while True:
            key_id = key_id % MAX_KEY_ID + 1
            if key_id not in used:
                break
        if self.keys and starts <= self.keys[-1].not_before:
            raise NoSigningKey("a new key must start after the newest one")
        key = IssuerKey(key_id, private_key or ed25519.Ed25519PrivateKey.generate(), starts, starts + lifetime_seconds)
        self.keys.append(key)
        return key

    def signing_key(self, *, now: int, valid_until: int) -> IssuerKey:
        """The newest key valid now and still valid when the credential ends."""
        for key in reversed(self.keys):
            if key.not_before <= now and valid_until <= key.not_after:
                return key
        raise NoSigningKey("no issuer key covers this credential's validity: rotate the keys")

    def public(self) -> PublicKeyset:
        return PublicKeyset(key.public() for key in self.keys)

    def without_expired(self, *, now: int) -> "IssuerKeyset":
        return IssuerKeyset(key for key in self.keys if key.not_after >= now)

    # --- at rest -----------------------------------------------------------------

    def to_json(self, passphrase: bytes) -> str:
        if not passphrase:
            raise KeyStoreError("a passphrase is required to store issuer keys")
        encryption = serialization.BestAvailableEncryption(passphrase)
        return json.dumps({
            "format": KEY_FILE_FORMAT,
            "keys": [
                {
                    "kid": key.key_id, "nbf": key.not_before, "exp": key.not_after,
                    "private_key": key.private_key.private_bytes(
                        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
                    ).decode("ascii"),
                }
                for key in self.keys
            ],
        }, indent=2)

    @classmethod
    def from_json(cls, text: str, passphrase: bytes) -> "IssuerKeyset":
        try:
            document = json.loads(text)
            if document.get("format") != KEY_FILE_FORMAT:
                raise KeyStoreError("not a Mentoring issuer key file")
            keys = []
            for entry in document["keys"]:
                private_key = serialization.load_pem_private_key(entry["private_key"].encode("ascii"), passphrase)
                if not isinstance(private_key, ed25519.Ed25519PrivateKey):
                    raise KeyStoreError("issuer keys are Ed25519")
                keys.append(IssuerKey(int(entry["kid"]), private_key, int(entry["nbf"]), int(entry["exp"])))
        except KeyStoreError:
            raise
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # ValueError includes a wrong passphrase; never echo key material.
            raise KeyStoreError(f"cannot read issuer keys (wrong passphrase or damaged file): {type(exc).__name__}") from None
        return cls(keys)

    def save(self, path: Path, passphrase: bytes) -> None:
        """Write atomically, readable by the owner only."""
        path = Path(path)
        tmp = path.with_suffix(path.suffix + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(self.to_json(passphrase))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, passphrase: bytes) -> "IssuerKeyset":
        return cls.from_json(Path(path).read_text(), passphrase)
