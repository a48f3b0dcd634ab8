"""Claim codes: what a school hands to a student to claim a voucher in the wallet.

A code is typed on a phone, read aloud in a classroom and printed once on a card,
so it is short, has no look-alike symbols, and carries a check symbol that catches
the usual slips before the server is asked. The database keeps only an HMAC of the
code (``hash_code``), never the code itself.

Format: 11 random symbols + 1 check symbol, shown as three groups of four,
``7KQ3-M9XD-T4A5``. Groups of four are easy to read out and to retype.

Why 11 random symbols and not 10: without look-alikes the alphabet has 29 symbols,
log2(29) = 4.86 bits each, so 10 symbols give only 48.6 bits; 11 give 53.4 (>= 50).
Guessing is further limited by rate limits on the claim endpoint.
"""
import hashlib
import hmac
import random
import secrets
from urllib.parse import urlsplit

# Crockford's Base32 (digits, then letters without I, L, O, U) minus B, S and Z,
# which Crockford keeps but which are confused with 8, 5 and 2 in handwriting and
# in small print. One symbol survives from each look-alike group (digits win, as
# they read aloud unambiguously in Italian): 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V.
# 29 symbols — a prime, which the check symbol below relies on.
ALPHABET = "0123456789ACDEFGHJKMNPQRTVWXY"
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
_BASE = len(ALPHABET)

# What users type for a symbol that is not in the alphabet, mapped to the symbol
# it looks (or, for U, sounds) like.
_LOOK_ALIKES = {"O": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "U": "V"}
# Separators users type or phones insert (autocorrect turns "-" into dashes).
_SEPARATORS = set(" \t\r\n-\u2010\u2011\u2012\u2013\u2014\u2212\u00a0")

RANDOM_SYMBOLS = 11
LENGTH = RANDOM_SYMBOLS + 1
GROUP = 4
ENTROPY_BITS = 53  # floor(11 * log2(29)); tested


class InvalidClaimCode(ValueError):
    """The text is not a well-formed claim code. ``code`` is stable; the message
    is Italian, shown to the student as it is."""

    code = "invalid_claim_code"

    def __init__(self, message: str = "Codice non valido."):
        super().__init__(message)
        self.message = message


# Check symbol: Damm's algorithm over the quasigroup x*y = 2x + y (mod 29).
#
# Luhn mod N was considered and rejected: its "double and add the base-N digits"
# step maps 0 and N-1 to values that make the transposition 0,N-1 <-> N-1,0
# undetectable (the 09 <-> 90 blind spot of Luhn mod 10), and for an odd N the
# doubling is not even a permutation, so some single substitutions slip through.
#
# Damm needs a totally anti-symmetric quasigroup of the alphabet's order. Over a
# prime field, x*y = a*x + y with a not in {0, 1} is one (Damm 2004):
#   - quasigroup: for fixed x, y -> a*x + y is a bijection, so changing any one
#     symbol changes the result: every single substitution is detected;
#   - (c*x)*y = (c*y)*x  =>  a*x + y = a*y + x  =>  (a-1)(x-y) = 0  =>  x = y,
#     so every transposition of two adjacent different symbols is detected.
# Folding the code through it is Horner's rule: the result is sum(2^k * v_k) mod 29
# with the weights 2^0..2^11 all distinct (2 has order 28 mod 29), so swaps of
# symbols further apart are caught too. The check symbol c makes the fold zero.
_MULTIPLIER = 2


def _fold(values) -> int:
    interim = 0
    for value in values:
        interim = (_MULTIPLIER * interim + value) % _BASE
    return interim


def _check_symbol(symbols: str) -> str:
    interim = _fold(_VALUES[s] for s in symbols)
    return ALPHABET[(-_MULTIPLIER * interim) % _BASE]


def _display(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def generate(rng: random.Random = secrets.SystemRandom()) -> str:
    """A new random claim code in its display form, e.g. ``7KQ3-M9XD-T4A5``.

    ``rng`` is any ``random.Random``; tests pass a seeded one. The default draws
    from the operating system's CSPRNG.
    """
    symbols = "".join(rng.choice(ALPHABET) for _ in range(RANDOM_SYMBOLS))
    return _display(symbols + _check_symbol(symbols))


def normalize(text: str) -> str:
    """The symbols of ``text``: upper case, separators dropped, look-alikes mapped
    back. Raises ``InvalidClaimCode`` on any other character. The length and the
    check symbol are ``validate``'s business."""
    if not isinstance(text, str):
        raise InvalidClaimCode()
    symbols = []
    for char in text.upper():
        if char in _SEPARATORS:
            continue
        char = _LOOK_ALIKES.get(char, char)
        if char not in _VALUES:
            raise InvalidClaimCode("Il codice contiene caratteri non validi.")
        symbols.append(char)
    return "".join(symbols)


def validate(text: str) -> str:
    """The canonical (display) form of the claim code in ``text``, however it was
    typed, or ``InvalidClaimCode``."""
    symbols = normalize(text)
    if len(symbols) != LENGTH:
        raise InvalidClaimCode(f"Il codice deve avere {LENGTH} caratteri.")
    if _fold(_VALUES[s] for s in symbols) != 0:
        raise InvalidClaimCode("Codice non valido: controlla di averlo scritto bene.")
    return _display(symbols)


def deep_link(base_url: str, code: str) -> str:
    """The wallet URL that claims ``code`` when opened (printed as a QR on cards)."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"base_url must be an http(s) URL without query or fragment: {base_url!r}")
    return f"{base_url.rstrip('/')}/w/claim/{validate(code)}"


def hash_code(code: str, secret: bytes | str) -> str:
    """HMAC-SHA256 (hex) of the canonical code: what the database stores.

    Keyed, not a plain hash: 53 bits can be enumerated offline from a leaked table
    of plain hashes, but not without the server secret. Canonical first, so any way
    of typing the code finds the same row.
    """
    if isinstance(secret, str):
        secret = secret.encode("utf-8")
    if not secret:
        raise ValueError("the claim code secret is empty")
    return hmac.new(secret, validate(code).encode("ascii"), hashlib.sha256).hexdigest()
