"""ECDSA P-256 keys of wallets and scanners.

Why P-256 and not Ed25519 for keys that live in browsers: WebCrypto has offered
non-extractable ECDSA P-256 keys in every browser for a decade, while Ed25519 arrived
only in Safari 17, Firefox 129 and Chrome 137; students' phones are often older than
that. Keys travel as 33-byte SEC1 compressed points (a QR budget matter) and signatures
as WebCrypto produces them: r || s, 32 bytes each, over SHA-256 of the message.
"""
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

_CURVE = ec.SECP256R1()
_ECDSA_SHA256 = ec.ECDSA(hashes.SHA256())
_ECDSA_SHA256_DETERMINISTIC = ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


@lru_cache(maxsize=8_192)
def load_public_key(point: bytes) -> ec.EllipticCurvePublicKey | None:
    """A P-256 public key from a compressed (33) or uncompressed (65 bytes) SEC1 point,
    or ``None`` if the bytes are not a point on the curve. Cached: decompressing a point
    costs a third of a signature check, and a sync batch checks fifty records signed by
    one scanner (public keys are immutable, so sharing them is safe)."""
    if not isinstance(point, bytes) or len(point) not in (33, 65):
        return None
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, point)
    except ValueError:
        return None


def compress(point: bytes) -> bytes:
    """The 33-byte compressed form of a P-256 SEC1 point (compressed or not)."""
    key = load_public_key(point)
    if key is None:
        raise ValueError("not a P-256 public key")
    return key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)


def verify(public_key: ec.EllipticCurvePublicKey, signature: bytes, message: bytes) -> bool:
    """Check an r || s signature; any malformed signature is simply ``False``."""
    if len(signature) != 64:
        return False
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    if r == 0 or s == 0:
        return False
    try:
        public_key.verify(encode_dss_signature(r, s), message, _ECDSA_SHA256)
    except InvalidSignature:
        return False
    return True


class DeviceKey:
    """A P-256 private key held in Python: the server's test wallets and scanners, the
    test vectors and the benchmarks. Real wallets keep theirs in WebCrypto."""

    def __init__(self, private_key: ec.EllipticCurvePrivateKey):
        self.private_key = private_key
        self.public_bytes = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
        )

    @classmethod
    def generate(cls) -> "DeviceKey":
        return cls(ec.generate_private_key(_CURVE))

    @classmethod
    def from_secret(cls, secret: int) -> "DeviceKey":
        """A fixed key, for reproducible test vectors only."""
        return cls(ec.derive_private_key(secret, _CURVE))

    def sign(self, message: bytes, *, deterministic: bool = False) -> bytes:
        algorithm = _ECDSA_SHA256_DETERMINISTIC if deterministic else _ECDSA_SHA256
        r, s = decode_dss_signature(self.private_key.sign(message, algorithm))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
