"""The EPC QR code ("GiroCode", EPC069-12): a SEPA credit transfer that banking
apps fill in when they scan it, so a sponsor topping up from a phone types nothing.

The payload is lines joined by "\\n", in this order; trailing empty elements are
left out (the spec: nothing after the last populated element):

    BCD               service tag
    002               version (002: the BIC may be empty inside the EEA)
    1                 character set, 1 = UTF-8
    SCT               identification: SEPA credit transfer
    <BIC>             8 or 11 characters, or empty
    <name>            beneficiary, at most 70 characters
    <IBAN>
    EUR<amount>       0.01 .. 999999999.99, e.g. EUR12.34
    <purpose>         AT-44 purpose code; we leave it empty
    <RF reference>    structured remittance (ISO 11649) ...
    <text>            ... or unstructured, at most 140 characters; never both
                      (beneficiary-to-originator information: not used)

Validation errors raise ``ValueError`` with a message naming the field; the API
layer maps them to a problem response.
"""
import io

import qrcode
import qrcode.image.svg
import qrcode.util
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from server.payments import reference as rf
from signing import qr as signing_qr

MAX_NAME = 70
MAX_TEXT = 140
MAX_AMOUNT_CENTS = 999_999_999_99
MAX_PAYLOAD_BYTES = 331  # what a version 13 QR holds in byte mode at level M
MAX_QR_VERSION = 13


def _single_line(value: str, field: str, max_chars: int) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{field} must be text")
    value = value.strip()
    if not value:
        raise ValueError(f"{field} is empty")
    # A line break would shift every later field; other controls confuse banks.
    if any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in value):
        raise ValueError(f"{field} contains control characters or line breaks")
    if len(value) > max_chars:
        raise ValueError(f"{field} is {len(value)} characters long; at most {max_chars}")
    return value


def format_amount(amount_cents: int) -> str:
    """``EUR12.34`` from 1234: integer cents in, exact text out (never a float)."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise ValueError(f"amount_cents must be an integer number of cents: {amount_cents!r}")
    if not 1 <= amount_cents <= MAX_AMOUNT_CENTS:
        raise ValueError(f"amount must be between EUR0.01 and EUR999999999.99: {amount_cents} cents")
    euros, cents = divmod(amount_cents, 100)
    return f"EUR{euros}.{cents:02d}"


def payload(
    *,
    beneficiary_name: str,
    iban: str,
    amount_cents: int,
    reference: str | None = None,
    text: str | None = None,
    bic: str = "",
) -> str:
    """The EPC QR text for a transfer of ``amount_cents`` to ``iban``."""
    name = _single_line(beneficiary_name, "beneficiary_name", MAX_NAME)
    try:
        iban = stdnum_iban.validate(iban)  # compacts: no spaces, upper case
    except (ValidationError, TypeError, AttributeError):
        raise ValueError(f"iban is not a valid IBAN: {iban!r}") from None
    bic = (bic or "").strip()
    if bic:
        try:
            bic = stdnum_bic.validate(bic)
        except (ValidationError, TypeError, AttributeError):
            raise ValueError(f"bic is not a valid BIC: {bic!r}") from None
    amount = format_amount(amount_cents)
    if reference is not None and text is not None:
        raise ValueError("give either a structured reference or a text, not both")
    lines = ["BCD", "002", "1", "SCT", bic, name, iban, amount, ""]
    if reference is not None:
        if not rf.is_valid_rf(reference):
            raise ValueError(f"reference is not a valid ISO 11649 RF reference: {reference!r}")
        lines.append(rf.compact(reference))
    elif text is not None:
        lines += ["", _single_line(text, "text", MAX_TEXT)]
    while lines[-1] == "":
        lines.pop()
    result = "\n".join(lines)
    size = len(result.encode("utf-8"))
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(f"the EPC payload is {size} bytes; at most {MAX_PAYLOAD_BYTES}")
    return result


def _qr(text: str, box_size: int, border: int) -> qrcode.QRCode:
    # One byte-mode segment of UTF-8, as banking apps expect; signing.qr would let
    # qrcode split out numeric runs (the IBAN's digits) into segments of their own.
    # Same error correction as signing.qr: M, which the EPC spec asks for.
    code = qrcode.QRCode(
        error_correction=signing_qr.ERROR_CORRECTION, box_size=box_size, border=border
    )
    code.add_data(qrcode.util.QRData(text.encode("utf-8"), mode=qrcode.util.MODE_8BIT_BYTE))
    code.make(fit=True)  # at most version 13, thanks to the 331-byte limit
    return code


def png(*, box_size: int = 8, border: int = 4, **fields) -> bytes:
    """The EPC QR as PNG bytes; ``fields`` are ``payload``'s."""
    image = _qr(payload(**fields), box_size, border).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def svg(*, box_size: int = 10, border: int = 4, **fields) -> str:
    """The EPC QR as an SVG document; ``fields`` are ``payload``'s."""
    image = _qr(payload(**fields), box_size, border).make_image(
        image_factory=qrcode.image.svg.SvgPathImage
    )
    return image.to_string(encoding="unicode")
