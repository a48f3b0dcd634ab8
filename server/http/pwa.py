"""Serves the built PWA (`pwa/dist/`, made by `make pwa`) and the manifest from the
repository root.

Caching: files under /assets/ carry a content hash in their names, so browsers may
keep them for a year; the shell page and the service worker must be revalidated on
every load, or an update can take a day to reach phones. Any extension-less GET
outside /api/ is answered with the shell page (SPA fallback), so deep links such as
a claim card's `/w/claim/ABCD-EFGH-JKLM` open in the wallet.

Compression: the build writes `.br` and `.gz` beside each text and wasm file
(pwa/build.mjs); a browser that accepts one gets it, as Caddy's `precompressed` does in
production (deploy/), so the demo and the tests on plain Flask send the same bytes.
"""
import mimetypes
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_file, send_from_directory
from werkzeug.routing import PathConverter

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST_DIR = REPO_ROOT / "pwa" / "dist"
MANIFEST = REPO_ROOT / "manifest.webmanifest"

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
ICONS_MAX_AGE = "public, max-age=86400"
# Types Python's mimetypes may not know on every system; browsers refuse a .wasm
# compiled by streaming unless it is application/wasm.
MIMETYPES = {".wasm": "application/wasm", ".webmanifest": "application/manifest+json", ".mjs": "text/javascript"}
NOT_BUILT = ("The PWA is not built: run `make pwa` (or `cd pwa && npm ci && node build.mjs`) "
             "and reload.\n")

bp = Blueprint("pwa", __name__)


class ShellPathConverter(PathConverter):
    """A path that is not under `/api/`. Without the exclusion the GET-only route
    would match `POST /api/anything` and turn an API 404 into a 405."""

    regex = r"(?!api(?:/|$))[^/].*?"


def dist_dir() -> Path:
    """`PWA_DIST_DIR` in the configuration (tests point it elsewhere), else pwa/dist."""
    return Path(current_app.config.get("PWA_DIST_DIR") or DIST_DIR)


def _not_built() -> Response:
    response = Response(NOT_BUILT, status=503, mimetype="text/plain")
    response.headers["Retry-After"] = "60"
    response.headers["Cache-Control"] = "no-store"
    return response


# Best first: brotli is some 15% smaller than gzip on our bundles.
PRECOMPRESSED = (("br", ".br"), ("gzip", ".gz"))


def _precompressed(dist: Path, relative: str) -> tuple[str, str] | None:
    """(encoding, file) of the build's precompressed copy the client accepts, if any. A
    copy older than its file is stale (the file was changed after the build, by hand or
    by a test): the file itself is sent."""
    original = dist / relative
    if not original.is_file():
        return None
    changed = original.stat().st_mtime
    for encoding, suffix in PRECOMPRESSED:
        copy = dist / (relative + suffix)
        if request.accept_encodings[encoding] and copy.is_file() and copy.stat().st_mtime >= changed:
            return encoding, relative + suffix
    return None


def _send(relative: str, cache_control: str) -> Response:
    dist = dist_dir()
    mimetype = MIMETYPES.get(Path(relative).suffix) or mimetypes.guess_type(relative)[0]
    found = _precompressed(dist, relative)
    if found is None:
        response = send_from_directory(dist, relative, mimetype=mimetype, max_age=None)
    else:
        encoding, compressed = found
        response = send_from_directory(dist, compressed, mimetype=mimetype or "application/octet-stream",
                                       max_age=None)
        response.headers["Content-Encoding"] = encoding
    # Caches keep one copy per encoding; the answer depends on Accept-Encoding either way.
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = cache_control
    return response


def _shell_page() -> Response:
    if not (dist_dir() / "index.html").is_file():
        return _not_built()
    return _send("index.html", REVALIDATE)


@bp.get("/")
def index():
    return _shell_page()


@bp.get("/service-worker.js")
def service_worker():
    if not (dist_dir() / "service-worker.js").is_file():
        return _not_built()
    response = _send("service-worker.js", REVALIDATE)
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    response = send_file(MANIFEST, mimetype="application/manifest+json", max_age=None)
    response.headers["Cache-Control"] = REVALIDATE
    return response


@bp.get("/<shell_path:filename>")
def asset(filename):
    parts = filename.split("/")
    if any(part.startswith(".") for part in parts):
        abort(404)  # build stamps and other dotfiles are not assets
    if parts[-1].endswith(tuple(suffix for _, suffix in PRECOMPRESSED)):
        abort(404)  # an encoding of an asset, sent by _send under the asset's own name and type
    if "." not in parts[-1]:
        return _shell_page()  # an in-app route: the router draws it
    if not dist_dir().is_dir():
        return _not_built()
    if filename.startswith("assets/"):
        cache_control = IMMUTABLE  # content-hashed names: a change is a new name
    elif filename.startswith("icons/"):
        cache_control = ICONS_MAX_AGE
    else:
        cache_control = REVALIDATE  # fixed names (wasm, asset-manifest.json): revalidate by ETag
    return _send(filename, cache_control)  # a missing file: 404 as problem+json
