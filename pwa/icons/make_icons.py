"""Draw the placeholder app icons: a white "M" on the theme colour.

Run from anywhere: `.venv/bin/python pwa/icons/make_icons.py`. The PNGs are
committed; rerun only when the design changes.
"""
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
THEME = (55, 48, 163, 255)  # #3730a3, the manifest's theme_color
WHITE = (255, 255, 255, 255)


def draw_m(draw, size, scale):
    """An "M" as one thick polyline, centred, spanning `scale` of the icon."""
    span = size * scale
    left, top = (size - span) / 2, (size - span) / 2
    points = [
        (left, top + span),
        (left, top),
        (left + span / 2, top + span * 0.55),
        (left + span, top),
        (left + span, top + span),
    ]
    draw.line(points, fill=WHITE, width=round(size * 0.09), joint="curve")


def icon(size):
    """Rounded square with transparent corners, for purpose "any"."""
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle((0, 0, size - 1, size - 1), radius=size // 5, fill=THEME)
    draw_m(draw, size, 0.5)
    return image


def maskable_icon(size):
    """Full-bleed background; the mark stays inside the central safe circle
    (radius 40%), since launchers crop maskable icons to their own shape."""
    image = Image.new("RGBA", (size, size), THEME)
    draw_m(ImageDraw.Draw(image), size, 0.4)
    return image


def main():
    outputs = {
        "icon-192.png": icon(192),
        "icon-512.png": icon(512),
        "icon-maskable-512.png": maskable_icon(512),
    }
    for name, image in outputs.items():
        image.save(HERE / name, optimize=True)
        print(f"wrote {HERE / name}")


if __name__ == "__main__":
    main()
