"""Event posters: an image a venue uploads, made safe and small enough for a phone.

Nothing of the uploaded file reaches a student. We decode it (JPEG, PNG or WebP,
recognised by its first bytes, not by what the client says it is), turn it the way
its EXIF orientation says, and encode new WebP files at a few widths from the pixels
alone: EXIF (GPS position of the phone that took the photo, owner's name), XMP, ICC
and comments stay behind.

Hostile files are refused before they cost memory: the byte size first, then the
pixel count read from the header (Pillow decodes nothing until ``load``), so a small
PNG that declares 50,000 × 50,000 pixels (a decompression bomb) is refused without
allocating them. ``verify`` catches most damaged files; the full decode catches the
rest (truncated data raises rather than being padded with grey).
"""
import io
import struct
import warnings
from datetime import datetime

import sqlalchemy as sa
from PIL import Image, ImageOps

from server.catalogue import exceptions as exc
from server.catalogue.api import _check_still_open, check_venue
from server.catalogue.models import Event, EventPoster
from server.extensions import db

MAX_POSTER_BYTES = 2_000_000  # base64 in JSON: ~2.7 MB, inside the 3 MiB body limit
# Decoded pixels cost 3-4 bytes each in memory, per request: 24 megapixels (a 6000 × 4000
# camera photo) is at most ~100 MB. Phones with larger sensors save 12 MP by default.
MAX_POSTER_PIXELS = 24_000_000
MAX_ASPECT = 4  # a banner or a strip, not a 1 × 40,000,000 line that resizes to a tower
WIDTHS = (320, 640, 960)  # a card on a phone, the same at 2×, an event page on a tablet
WEBP_QUALITY = 80

_FORMATS = {b"\xff\xd8\xff": "JPEG", b"\x89PNG\r\n\x1a\n": "PNG"}


def _format(data: bytes) -> str | None:
    for magic, name in _FORMATS.items():
        if data.startswith(magic):
            return name
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def _refuse(code: str, message: str, **params):
    raise exc.PosterRefused(message, code=code, field="content", params=params)


def decode(data: bytes) -> Image.Image:
    """The poster's pixels, oriented, in RGB or RGBA; ``PosterRefused`` otherwise."""
    if len(data) > MAX_POSTER_BYTES:
        _refuse("poster_too_large", "L'immagine è troppo grande.", max_bytes=MAX_POSTER_BYTES)
    fmt = _format(data)
    if fmt is None:
        _refuse("poster_unsupported", "Usa un'immagine JPEG, PNG o WebP.", max_aspect=MAX_ASPECT)
    try:
        with warnings.catch_warnings():
            # Pillow's own bomb check only warns below twice its limit: make it refuse.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
                width, height = probe.size
                _check_size(width, height)
                probe.verify()
            image = Image.open(io.BytesIO(data), formats=[fmt])
            if fmt == "JPEG":  # decode at a reduced scale (1/2 to 1/8) when still larger than we keep
                image.draft("RGB", (WIDTHS[-1], WIDTHS[-1]))
            image.load()  # the full decode: a truncated file raises here
    except exc.PosterRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        _refuse("poster_too_large", "L'immagine ha troppi pixel.", max_pixels=MAX_POSTER_PIXELS)
    except (OSError, SyntaxError, ValueError, EOFError, IndexError, TypeError, struct.error):
        _refuse("poster_unreadable", "L'immagine non si legge: forse è danneggiata.")
    try:
        image = ImageOps.exif_transpose(image)  # a phone photo stands up as it was taken
    except (OSError, SyntaxError, ValueError, TypeError, KeyError):
        pass  # broken orientation data: keep the pixels as they are
    _check_size(*image.size)
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
    return image.convert("RGBA" if has_alpha else "RGB")


def _check_size(width: int, height: int) -> None:
    if width < 1 or height < 1:
        _refuse("poster_unreadable", "L'immagine non si legge: forse è danneggiata.")
    if width * height > MAX_POSTER_PIXELS:
        _refuse("poster_too_large", "L'immagine ha troppi pixel.", max_pixels=MAX_POSTER_PIXELS)
    if max(width, height) > MAX_ASPECT * min(width, height):
        _refuse("poster_unsupported", "L'immagine è troppo stretta e lunga.", max_aspect=MAX_ASPECT)


def widths_for(full_width: int) -> list[int]:
    """The widths stored for a poster this wide: never enlarged."""
    return sorted({width for width in WIDTHS if width < full_width} | {min(full_width, WIDTHS[-1])})


def renditions(image: Image.Image) -> list[tuple[int, int, bytes]]:
    """(width, height, WebP bytes) for each stored width. Encoded from pixels only:
    no ``exif``, ``icc_profile`` or ``xmp`` is passed, so none is written."""
    result = []
    for width in widths_for(image.width):
        height = max(1, round(image.height * width / image.width))
        resized = image if width == image.width else image.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        resized.save(out, "WEBP", quality=WEBP_QUALITY, method=4)
        result.append((width, height, out.getvalue()))
    return result


def set_poster(*, event: Event, data: bytes, now: datetime) -> Event:
    """Replace the event's poster. ``event`` should be loaded for update."""
    check_venue(event.venue)
    _check_still_open(event, now=now)
    sizes = renditions(decode(data))
    db.session.execute(sa.delete(EventPoster).where(EventPoster.event_id == event.id))
    for width, height, webp in sizes:
        db.session.add(EventPoster(event_id=event.id, width=width, height=height, data=webp, created_at=now))
    event.poster_version = (event.poster_version or 0) + 1
    event.poster_width, event.poster_height = sizes[-1][0], sizes[-1][1]
    event.updated_at = now
    db.session.flush()
    return event


def remove_poster(*, event: Event, now: datetime) -> Event:
    check_venue(event.venue)
    _check_still_open(event, now=now)
    db.session.execute(sa.delete(EventPoster).where(EventPoster.event_id == event.id))
    event.poster_version = event.poster_width = event.poster_height = None
    event.updated_at = now
    db.session.flush()
    return event


def poster_image(event_id: int, width: int) -> bytes:
    # A width past the column's range is simply not one we store (no smallint overflow).
    poster = db.session.get(EventPoster, (event_id, width)) if 1 <= width <= WIDTHS[-1] else None
    if poster is None:
        raise exc.PosterNotFound("Locandina non trovata.")
    return poster.data


def poster_info(event: Event) -> dict | None:
    """What a page needs to show the poster: URLs with the version (so a new upload is a
    new URL), and the size of the largest, for the layout to keep its place."""
    if not event.poster_version:
        return None
    base = f"/api/v1/events/{event.id}/poster"
    widths = widths_for(event.poster_width)
    url = lambda width: f"{base}/{width}.webp?v={event.poster_version}"  # noqa: E731
    return {"src": url(widths[min(1, len(widths) - 1)]),
            "srcset": ", ".join(f"{url(width)} {width}w" for width in widths),
            "width": event.poster_width, "height": event.poster_height}
