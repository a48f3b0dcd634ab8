"""The server hands out the built PWA (pwa/dist), its worker and its manifest.

Most tests serve a small stand-in dist/ (PWA_DIST_DIR), so they check the serving
rules without a build; the last ones check the real build, which CI makes first."""
import json
import os
import struct

import pytest

from server.http import pwa

REQUIRED_MANIFEST_KEYS = {
    "name", "short_name", "start_url", "scope", "display", "icons", "lang",
    "theme_color", "background_color",
}
SHELL_HTML = '<!doctype html><html lang="it"><head><link rel="manifest" href="/manifest.webmanifest"></head></html>'


@pytest.fixture
def dist(app, tmp_path):
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "icons").mkdir()
    (root / "wasm").mkdir()
    (root / "index.html").write_text(SHELL_HTML)
    (root / "service-worker.js").write_text("self.addEventListener('fetch', () => {});")
    (root / "assets" / "main-ABC123.js").write_text("export {};")
    (root / "assets" / "styles-DEF456.css").write_text("body{}")
    (root / "icons" / "icon-192.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (root / "wasm" / "zxing_reader.wasm").write_bytes(b"\x00asm\x01\x00\x00\x00")
    (root / ".stamp-build").write_text("")
    app.config["PWA_DIST_DIR"] = str(root)
    return root


def test_index_is_the_shell_and_always_revalidated(client, dist):
    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.get_data(as_text=True) == SHELL_HTML
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/w", "/w/claim/ABCD-EFGH-JKLM", "/w/buoni/12", "/s", "/o/sponsor/3", "/login"])
def test_in_app_paths_get_the_shell(client, dist, path):
    response = client.get(path)

    assert response.status_code == 200
    assert response.get_data(as_text=True) == SHELL_HTML
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/api", "/api/v1/no-such-thing", "/api/v1/wallet/nothing/here"])
def test_api_paths_never_fall_back_to_the_shell(client, dist, path):
    response = client.get(path)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_api_writes_to_unknown_paths_are_404_not_405(client, dist):
    assert client.post("/api/v1/no-such-thing").status_code == 404


def test_missing_files_with_an_extension_are_404(client, dist):
    response = client.get("/assets/main-NOPE.js")

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_hashed_assets_are_cached_for_a_year(client, dist):
    response = client.get("/assets/main-ABC123.js")

    assert response.status_code == 200
    assert "javascript" in response.mimetype
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert client.get("/assets/styles-DEF456.css").mimetype == "text/css"


def test_wasm_is_served_as_application_wasm_and_revalidated(client, dist):
    response = client.get("/wasm/zxing_reader.wasm")

    assert response.status_code == 200
    assert response.mimetype == "application/wasm"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["ETag"]
    again = client.get("/wasm/zxing_reader.wasm", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_dotfiles_and_paths_outside_dist_are_not_served(client, dist):
    assert client.get("/.stamp-build").status_code == 404
    assert client.get("/assets/../../secret.txt").status_code == 404
    assert client.get("/icons/make_icons.py").status_code == 404


def test_service_worker_may_control_the_whole_origin(client, dist):
    response = client.get("/service-worker.js")

    assert response.status_code == 200
    assert "javascript" in response.mimetype
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"


@pytest.mark.parametrize("path", ["/", "/w/claim/ABCD-EFGH-JKLM", "/service-worker.js", "/assets/main-ABC.js"])
def test_without_a_build_the_server_says_to_run_make_pwa(app, client, tmp_path, path):
    app.config["PWA_DIST_DIR"] = str(tmp_path / "never-built")

    response = client.get(path)

    assert response.status_code == 503
    assert response.mimetype == "text/plain"
    assert "make pwa" in response.get_data(as_text=True)


def test_manifest_has_its_content_type_and_required_keys(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert REQUIRED_MANIFEST_KEYS <= manifest.keys()
    assert manifest["start_url"] == "/w?source=pwa"  # the student's wallet
    assert manifest["id"] == "/"  # the app's identity from before start_url moved: one app, not two
    assert manifest["lang"] == "it"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


# --- the real build (CI runs `make pwa` before the suite) ----------------------------------

@pytest.fixture
def built(app):
    if not (pwa.DIST_DIR / "index.html").is_file():
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("pwa/dist is not built: `make test` builds it first")
        pytest.skip("pwa/dist is not built: run `make pwa`")
    app.config["PWA_DIST_DIR"] = str(pwa.DIST_DIR)
    return json.loads((pwa.DIST_DIR / "asset-manifest.json").read_text())


def test_built_shell_names_its_assets_and_no_external_url(client, built):
    html = client.get("/").get_data(as_text=True)

    assert 'lang="it"' in html
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert built["entry"]["main"] in html and built["entry"]["styles"] in html
    assert "http://" not in html and "https://" not in html


def test_every_precached_file_of_the_build_is_served(client, built):
    for path in built["shell"] + [url for urls in built["lazy"].values() for url in urls]:
        assert client.get(path).status_code == 200, path


def test_built_worker_carries_this_builds_cache_version(client, built):
    worker = client.get("/service-worker.js").get_data(as_text=True)

    assert built["version"] in worker
    assert client.get(built["wasm"][0]).mimetype == "application/wasm"


def test_manifest_icons_exist(client, built):
    manifest = client.get("/manifest.webmanifest").get_json(force=True)

    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response.mimetype == "image/png"


def test_manifest_screenshots_exist_at_their_stated_sizes(client, built):
    """The richer install dialog (Android Chrome) shows them: one narrow, one wide, each
    served as the PNG of the size the manifest says."""
    manifest = client.get("/manifest.webmanifest").get_json(force=True)

    assert {shot["form_factor"] for shot in manifest["screenshots"]} == {"narrow", "wide"}
    for shot in manifest["screenshots"]:
        response = client.get(shot["src"])
        assert response.status_code == 200, shot["src"]
        assert response.mimetype == "image/png"
        png = response.get_data()
        width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk
        assert f"{width}x{height}" == shot["sizes"], shot["src"]
        assert (width < height) == (shot["form_factor"] == "narrow")
