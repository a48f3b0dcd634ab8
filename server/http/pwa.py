"""Serves the PWA shell from `pwa/` and the manifest from the repository root."""
from pathlib import Path

from flask import Blueprint, abort, send_file, send_from_directory
from werkzeug.routing import PathConverter

REPO_ROOT = Path(__file__).resolve().parents[2]
PWA_DIR = REPO_ROOT / "pwa"
MANIFEST = REPO_ROOT / "manifest.webmanifest"

bp = Blueprint("pwa", __name__)


class ShellPathConverter(PathConverter):
    """A path that is not under `/api/`. Without the exclusion the GET-only asset
    route would match `POST /api/anything` and turn an API 404 into a 405."""

    regex = r"(?!api/)[^/].*?"


@bp.get("/")
def index():
    return send_from_directory(PWA_DIR, "index.html")


@bp.get("/service-worker.js")
def service_worker():
    response = send_from_directory(PWA_DIR, "service-worker.js")
    response.headers["Service-Worker-Allowed"] = "/"
    # Browsers must always revalidate the worker, or an update can take a day to land.
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
def manifest():
    return send_file(MANIFEST, mimetype="application/manifest+json")


@bp.get("/<shell_path:filename>")
def asset(filename):
    if filename.endswith(".py"):  # tooling such as icons/make_icons.py is not an asset
        abort(404)
    return send_from_directory(PWA_DIR, filename)
