"""Videos for Chromium's fake camera, made at test time (they are large: never committed).

Chromium plays a .y4m file as the camera with
`--use-fake-device-for-media-stream --use-file-for-fake-video-capture=FILE.y4m`
(and `--use-fake-ui-for-media-stream` plus the `camera` permission, so nobody has to
click "allow"); it loops the file. The frames are drawn with Pillow and encoded by
ffmpeg (Debian package, installed by scripts/sysdeps.sh).
"""
import io
import shutil
import subprocess
import tempfile
from pathlib import Path

from PIL import Image

from signing import qr

FRAME_SIZE = (640, 480)  # even sides: yuv420p halves them
FAKE_CAMERA_ARGS = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


def chromium_camera_args(video: Path) -> list[str]:
    return [*FAKE_CAMERA_ARGS, f"--use-file-for-fake-video-capture={video}"]


def ffmpeg() -> str | None:
    return shutil.which("ffmpeg")


def qr_frame(text: str, *, size: tuple[int, int] = FRAME_SIZE, box_size: int = 6) -> Image.Image:
    """A white frame with the QR code of `text` in its middle, as a phone held up to the camera."""
    code = Image.open(io.BytesIO(qr.to_png(text, box_size=box_size, border=4))).convert("RGB")
    side = min(size) - 40
    if code.width > side:
        code = code.resize((side, side), Image.NEAREST)
    frame = Image.new("RGB", size, "white")
    frame.paste(code, ((size[0] - code.width) // 2, (size[1] - code.height) // 2))
    return frame


def blank_frame(size: tuple[int, int] = FRAME_SIZE) -> Image.Image:
    """A light grey frame: a camera pointed at nothing in particular."""
    return Image.new("RGB", size, (214, 214, 210))


def still_video(image: Image.Image, path: Path, *, seconds: int = 3, fps: int = 15) -> Path:
    """One picture as a video, exactly as DESIGN.md section 8 makes it."""
    with tempfile.TemporaryDirectory() as work:
        png = Path(work) / "frame.png"
        image.save(png)
        _run([ffmpeg() or "ffmpeg", "-loglevel", "error", "-y", "-loop", "1", "-i", str(png), "-t", str(seconds),
              "-r", str(fps), "-pix_fmt", "yuv420p", str(path)])
    return path


def sequence_video(scenes: list[tuple[Image.Image, float]], path: Path, *, fps: int = 10) -> Path:
    """Pictures shown one after another, each for its seconds (rounded to whole frames)."""
    with tempfile.TemporaryDirectory() as work:
        index = 0
        for number, (image, seconds) in enumerate(scenes):
            picture = Path(work) / f"scene-{number:05d}.png"
            image.save(picture)
            # Each frame a link to its scene's picture: drawn and written once, read per frame.
            for _ in range(max(1, round(seconds * fps))):
                (Path(work) / f"frame-{index:05d}.png").symlink_to(picture)
                index += 1
        _run([ffmpeg() or "ffmpeg", "-loglevel", "error", "-y", "-framerate", str(fps), "-i",
              str(Path(work) / "frame-%05d.png"), "-pix_fmt", "yuv420p", str(path)])
    return path


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"ffmpeg failed ({result.returncode}): {result.stderr.strip()[:500]}")
