"""ISO 11649 structured creditor references ("RF references").

A sponsor's bank transfer carries the reference we gave them; the check digits let
the bank refuse a mistyped one at the counter, and an RF reference goes into the
EPC QR's structured field, which banks pass through to our statement untouched.

Layout: "RF" + two check digits + 1..21 letters or digits (electronic form, no
spaces; printed in groups of four). The check is ISO 7064 MOD 97-10, as in IBANs:
move "RF" and the check digits to the end, letters become 10..35, and the number
must be 1 mod 97.
"""
import re

_BASE = re.compile(r"^[0-9A-Z]{1,21}$")
_RF = re.compile(r"^RF[0-9]{2}[0-9A-Z]{1,21}$")

# Top-up references: "MNT" + the top-up id, zero-padded so references line up on
# statements. Ids with more digits still fit (21 - 3 = 18) and stay unique: only a
# padded id has leading zeros.
TOPUP_PREFIX = "MNT"
TOPUP_ID_DIGITS = 10


def _mod97(text: str) -> int:
    # int(c, 36) turns 0-9 into 0-9 and A-Z into 10-35, the ISO 7064 mapping.
    return int("".join(str(int(c, 36)) for c in text)) % 97


def make_rf(base: str) -> str:
    """The RF reference (electronic form) for ``base``, 1..21 of 0-9/A-Z."""
    if not isinstance(base, str) or not _BASE.match(base):
        raise ValueError(f"an RF reference base is 1 to 21 characters 0-9 or A-Z: {base!r}")
    check = 98 - _mod97(base + "RF00")
    return f"RF{check:02d}{base}"


def is_valid_rf(text: str) -> bool:
    """Whether ``text`` is an RF reference with correct check digits. Spaces (the
    printed groups) and lower case are accepted; use ``compact`` to store it."""
    if not isinstance(text, str):
        return False
    rf = compact(text)
    if not _RF.match(rf):
        return False
    # 00, 01 and 99 are never issued; refusing them keeps RF01x from passing as RF98x.
    if not 2 <= int(rf[2:4]) <= 98:
        return False
    return _mod97(rf[4:] + rf[:4]) == 1


def compact(text: str) -> str:
    """The electronic form: no spaces, upper case (not validated)."""
    return "".join(text.split()).upper()


def topup_reference(topup_id: int) -> str:
    """The unique RF reference a sponsor quotes on the bank transfer for a top-up."""
    if isinstance(topup_id, bool) or not isinstance(topup_id, int) or topup_id < 1:
        raise ValueError(f"a top-up id is a positive integer: {topup_id!r}")
    if topup_id >= 10 ** (21 - len(TOPUP_PREFIX)):
        raise ValueError(f"a top-up id this large does not fit an RF reference: {topup_id}")
    return make_rf(f"{TOPUP_PREFIX}{topup_id:0{TOPUP_ID_DIGITS}d}")
