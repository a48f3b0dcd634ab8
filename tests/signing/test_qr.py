import re

import pytest
from PIL import Image, ImageDraw

from signing import issue_voucher, present, to_text
from signing.errors import Malformed
from signing.qr import decode_image, qr_version, to_png, to_svg
from signing.tokens import MAX_VENUES

from .conftest import DAY, NOW


def _rasterize(svg: str, scale: int = 8) -> Image.Image:
    """Paint qrcode's SVG path (one square per dark module) to pixels, as a screen would."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    image = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(image)
    for x, y, right, bottom in re.findall(r"M(\d+),(\d+)H(\d+)V(\d+)", svg):
        draw.rectangle([int(x) * scale, int(y) * scale, int(right) * scale - 1, int(bottom) * scale - 1], fill=0)
    return image


def test_png_round_trip(voucher):
    text = to_text(voucher)
    assert decode_image(to_png(text)) == [text]


def test_svg_round_trip(keyset, voucher, wallet):
    text = to_text(present(voucher, wallet, now=NOW))
    assert decode_image(_rasterize(to_svg(text))) == [text]


def test_ticket_presentation_round_trip(ticket, wallet):
    text = to_text(present(ticket, wallet, now=NOW))
    assert decode_image(to_png(text)) == [text]


def test_credentials_fit_version_7_and_presentations_version_10(voucher, ticket, wallet):
    assert qr_version(to_text(voucher)) <= 7
    assert qr_version(to_text(ticket)) <= 7
    assert qr_version(to_text(present(voucher, wallet, now=NOW))) <= 10
    assert qr_version(to_text(present(ticket, wallet, now=NOW))) <= 10


def test_the_largest_venue_scope_still_fits_version_10(keyset, wallet):
    voucher = issue_voucher(keyset, now=NOW, voucher_id=2**32 - 1, campaign_id=2**32 - 1, categories=range(16),
                            offline_allowance_cents=65535, valid_from=NOW, valid_until=NOW + 300 * DAY,
                            device_key=wallet.public_bytes, venue_ids=[2**32 - 1] * MAX_VENUES)
    assert qr_version(to_text(present(voucher, wallet, now=NOW))) <= 10


def test_an_image_without_a_code_gives_nothing():
    assert decode_image(Image.new("L", (200, 200), 255)) == []


def test_bytes_that_are_not_an_image_are_malformed():
    with pytest.raises(Malformed):
        decode_image(b"not an image at all")
