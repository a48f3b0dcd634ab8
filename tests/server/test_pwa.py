"""The server hands out the PWA shell, its worker and its manifest."""
import pytest

REQUIRED_MANIFEST_KEYS = {
    "name", "short_name", "start_url", "scope", "display", "icons", "lang",
    "theme_color", "background_color",
}


def test_index_is_the_italian_shell(client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert 'lang="it"' in html
    assert '<link rel="manifest" href="/manifest.webmanifest">' in html


@pytest.mark.parametrize("path", ["/app.js", "/styles.css", "/icons/icon-192.png"])
def test_shell_assets_are_served(client, path):
    assert client.get(path).status_code == 200


def test_tooling_in_pwa_folder_is_not_served(client):
    assert client.get("/icons/make_icons.py").status_code == 404


def test_manifest_has_its_content_type_and_required_keys(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    manifest = response.get_json(force=True)
    assert REQUIRED_MANIFEST_KEYS <= manifest.keys()
    assert manifest["start_url"] == "/"
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_manifest_icons_exist(client):
    manifest = client.get("/manifest.webmanifest").get_json(force=True)

    for icon in manifest["icons"]:
        response = client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response.mimetype == "image/png"


def test_service_worker_may_control_the_whole_origin(client):
    response = client.get("/service-worker.js")

    assert response.status_code == 200
    assert "javascript" in response.mimetype
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
