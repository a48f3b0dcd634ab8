"""Test pictures for the uploads (event posters, venue stories)."""
import io

from PIL import Image


def phone_photo(fmt="JPEG", size=(1200, 800), exif=True) -> bytes:
    """A photo as a phone makes it: with EXIF, GPS position included."""
    image = Image.new("RGB", size, (40, 90, 200))
    out = io.BytesIO()
    kwargs = {}
    if exif:
        tags = Image.Exif()
        tags[0x010F] = "PhoneMaker"  # Make
        tags[0x8825] = {2: (45.0, 28.0, 0.0), 1: "N", 4: (9.0, 11.0, 0.0), 3: "E"}  # GPSInfo
        kwargs["exif"] = tags.tobytes()
    image.save(out, fmt, **kwargs)
    return out.getvalue()
