"""Tokens as QR codes (qrcode) and back (pyzbar, which needs the system's libzbar0).

Tokens are Base45 text, so qrcode encodes them in alphanumeric mode. Error
correction M: a phone screen is clean, and a lower version scans faster.
"""
import io

import qrcode
import qrcode.image.svg
from PIL import Image

from signing.errors import Malformed

ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M


def _make(text: str, box_size: int, border: int) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, box_size=box_size, border=border)
    code.add_data(text)
    code.make(fit=True)
    return code


def qr_version(text: str) -> int:
    """The smallest QR version (1-40) that holds ``text`` at error correction M."""
    return _make(text, 1, 0).version


def to_png(text: str, *, box_size: int = 8, border: int = 4) -> bytes:
    image = _make(text, box_size, border).make_image()
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def to_svg(text: str, *, box_size: int = 10, border: int = 4) -> str:
    image = _make(text, box_size, border).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    return image.to_string(encoding="unicode")


def decode_image(image: "Image.Image | bytes | str") -> list[str]:
    """Every QR code's text in an image (a PIL image, encoded image bytes, or a path)."""
    # Imported here so that code which never reads images does not need libzbar0.
    from pyzbar import pyzbar

    try:
        if isinstance(image, bytes):
            image = Image.open(io.BytesIO(image))
        elif isinstance(image, str):
            image = Image.open(image)
        image.load()
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Malformed(f"not a readable image: {type(exc).__name__}") from None
    found = pyzbar.decode(image.convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE])
    try:
        return [symbol.data.decode("utf-8") for symbol in found]
    except UnicodeDecodeError:
        raise Malformed("the QR code does not hold text") from None
