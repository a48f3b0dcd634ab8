"""Base45 (RFC 9285), the text layer of every token.

Base45 output uses only QR alphanumeric characters, so a token fills a QR code in
alphanumeric mode (5.5 bits per character) instead of byte mode (8 bits).

Why not the ``base45`` package: it decodes character by character in Python and
costs about as much as a signature check, while verification here must stay within
1.2x of the raw signature checks. This version does the per-character work in C
(``bytes.translate``, slicing, big-integer arithmetic). Tests check it against that
package.
"""
import struct

from signing.errors import Malformed

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
_DECODE_TABLE = bytes(
    ALPHABET.index(chr(i)) if chr(i) in ALPHABET else _INVALID for i in range(256)
)
# Every 16-bit value as its three Base45 characters (65,536 short strings, built once).
_ENCODE_TRIPLETS = tuple(
    ALPHABET[v % 45] + ALPHABET[(v // 45) % 45] + ALPHABET[v // 2025] for v in range(65536)
)


def encode(data: bytes) -> str:
    """Encode bytes as Base45 text."""
    even = len(data) & ~1
    text = "".join(map(_ENCODE_TRIPLETS.__getitem__, struct.unpack(f">{even // 2}H", data[:even])))
    if len(data) & 1:
        last = data[-1]
        text += ALPHABET[last % 45] + ALPHABET[last // 45]
    return text


def decode(text: str) -> bytes:
    """Decode Base45 text; raise ``Malformed`` for anything that is not canonical Base45."""
    try:
        raw = text.encode("ascii")
    except (UnicodeEncodeError, AttributeError):
        raise Malformed("not Base45: characters outside the Base45 alphabet") from None
    digits = raw.translate(_DECODE_TABLE)
    if _INVALID in digits:
        raise Malformed("not Base45: characters outside the Base45 alphabet")
    tail_length = len(digits) % 3
    if tail_length == 1:
        raise Malformed("not Base45: impossible length")
    full = len(digits) - tail_length
    groups = full // 3
    # Each group c + 45d + 2025e (< 2**17) is computed for all groups at once in big
    # integers, one 3-byte lane per group: no carry crosses lanes, and the loop over
    # groups runs in C instead of Python.
    lanes = bytearray(full)
    lanes[2::3] = digits[0:full:3]
    low = int.from_bytes(lanes, "big")
    lanes[2::3] = digits[1:full:3]
    middle = int.from_bytes(lanes, "big")
    lanes[2::3] = digits[2:full:3]
    high = int.from_bytes(lanes, "big")
    values = (low + 45 * middle + 2025 * high).to_bytes(full, "big")
    if values[0::3].count(0) != groups:
        raise Malformed("not Base45: a group exceeds 16 bits")
    out = bytearray(2 * groups)
    out[0::2] = values[1::3]
    out[1::2] = values[2::3]
    if tail_length:
        last = digits[full] + 45 * digits[full + 1]
        if last > 0xFF:
            raise Malformed("not Base45: the last group exceeds 8 bits")
        out.append(last)
    return bytes(out)
