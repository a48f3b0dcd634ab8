"""The door code a volunteer types when the camera cannot read the QR (docs/tokens.md,
"Typed door code"). Pure functions, no Flask: the PWA's twin is
pwa/src/tokens/typed-code.js, and tests/vectors/typed_codes.json holds both to it.

    code key   = HMAC-SHA256(door secret, "MDC1" || voucher id (4) || wallet device key (33))
    code(step) = RFC 4226 dynamic truncation of HMAC-SHA256(code key, "MDC1" || step (8)), mod 10^6

The server derives the code key whenever it needs it (no table of secrets) and gives it
to the voucher's own wallet only; the QR never carries it, so a screenshot of the QR
cannot make codes. The step is the presentation's 15-second step: a typed code stops
working within a minute, and the server, not the scanner, checks it.
"""
import hashlib
import hmac
import re

STEP_SECONDS = 15  # the presentation's time step (docs/tokens.md): one rotation for both
DIGITS = 6
LABEL = b"MDC1"
# Steps accepted around the server's step: three behind (read from the phone, typed in
# under 20 s, and the phone's corrected clock a little off) and one ahead. A code whose
# step started a minute ago or more is always refused.
STEPS_BEHIND, STEPS_AHEAD = 3, 1
# What the scanner signs as the record's scanned text: "typed:<voucher id>:<6 digits>".
# Lower case, so it can never be mistaken for a token (prefixes are "M?:").
_TEXT = re.compile(r"typed:([1-9][0-9]{0,9}):([0-9]{6})")


def door_secret(app_secret: str) -> bytes:
    """The server-wide root of every code key, derived from the app's secret (shared by
    every worker), so nothing new has to be stored or rotated separately."""
    return hmac.new(app_secret.encode(), b"mentoring door code key v1", hashlib.sha256).digest()


def code_key(secret: bytes, voucher_id: int, device_key: bytes) -> bytes:
    """The key one wallet's voucher makes its codes with. Bound to the device key: a
    recovered wallet on a new phone gets a new key, and the old phone's codes die."""
    return hmac.new(secret, LABEL + voucher_id.to_bytes(4, "big") + device_key, hashlib.sha256).digest()


def code(key: bytes, step: int) -> str:
    """The six digits shown under the QR during ``step``."""
    mac = hmac.new(key, LABEL + step.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = mac[-1] & 0x0F
    number = int.from_bytes(mac[offset:offset + 4], "big") & 0x7FFF_FFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def matching_step(key: bytes, typed: str, now: int) -> int | None:
    """The step within the window around ``now`` (server's Unix seconds) whose code is
    ``typed``, the newest first; None when none is."""
    current = now // STEP_SECONDS
    for step in range(current + STEPS_AHEAD, current - STEPS_BEHIND - 1, -1):
        if hmac.compare_digest(code(key, step), typed):
            return step
    return None


def record_text(voucher_id: int, typed: str) -> str:
    return f"typed:{voucher_id}:{typed}"


def parse_record_text(text: str) -> tuple[int, str] | None:
    """(voucher id, code) from a typed record's scanned text; None when it is not one."""
    match = _TEXT.fullmatch(text)
    return (int(match.group(1)), match.group(2)) if match else None
