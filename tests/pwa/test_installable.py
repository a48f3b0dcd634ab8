"""The app installs: a complete manifest, a service worker that takes control, no
installability errors in Chromium's own check, and the shell opens offline."""
import json
import shutil

import pytest

from tests.pwa.conftest import DIST_DIR, wait_for_service_worker

pytestmark = pytest.mark.browser


def test_manifest_describes_an_installable_italian_app(page, live_server):
    response = page.request.get("/manifest.webmanifest")

    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = json.loads(response.text())
    assert manifest["lang"] == "it"
    # Opens on the student's wallet; the id stays what it was when start_url was "/", so
    # phones that installed the app before keep one app, not two.
    assert manifest["start_url"] == "/w?source=pwa" and manifest["id"] == "/" and manifest["scope"] == "/"
    assert {shot["form_factor"] for shot in manifest["screenshots"]} == {"narrow", "wide"}
    assert manifest["display"] in ("standalone", "fullscreen", "minimal-ui")
    sizes = {icon["sizes"] for icon in manifest["icons"] if icon["type"] == "image/png"}
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    page.goto("/")
    theme = page.locator('meta[name="theme-color"]').get_attribute("content")
    assert theme == manifest["theme_color"]


def test_service_worker_takes_control_of_the_first_visit(page):
    page.goto("/")

    wait_for_service_worker(page)
    scope = page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == page.url.split("?")[0].rstrip("/") + "/"


def test_service_worker_precaches_the_shell_of_this_build(page):
    manifest = json.loads((DIST_DIR / "asset-manifest.json").read_text())
    page.goto("/")
    wait_for_service_worker(page)

    cached = page.evaluate("""async () => {
        const names = await caches.keys();
        const shell = names.find((name) => name.startsWith('mentoring-shell-'));
        const keys = await (await caches.open(shell)).keys();
        return {shell, urls: keys.map((request) => new URL(request.url).pathname)};
    }""")
    assert cached["shell"] == f"mentoring-shell-{manifest['version']}"
    assert set(cached["urls"]) == set(manifest["shell"])
    assert not any(url.endswith(".wasm") for url in cached["urls"])


def test_chromium_reports_no_installability_errors(persistent_context):
    page = persistent_context.pages[0] if persistent_context.pages else persistent_context.new_page()
    page.goto("/")
    wait_for_service_worker(page)
    cdp = page.context.new_cdp_session(page)

    errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
    manifest = cdp.send("Page.getAppManifest")

    assert errors == []
    assert manifest["errors"] == []
    parsed = json.loads(cdp.send("Page.getAppManifest")["data"])
    assert parsed["start_url"] == "/w?source=pwa"
    assert manifest["url"].endswith("/manifest.webmanifest")


def test_offline_reload_shows_the_shell(page, network):
    page.goto("/w")
    wait_for_service_worker(page)

    with network.offline():
        page.reload()
        page.get_by_role("heading", name="Il tuo portafoglio").wait_for()
        assert page.locator(".badge").inner_text() == "Offline"
        # A deep link never visited before opens from the cached shell too.
        page.goto("/w/catalogo")
        page.get_by_role("heading", name="Eventi e corsi").wait_for()


def test_a_new_build_waits_for_the_user_before_taking_over(page, live_app, tmp_path):
    """A new worker installs and waits; the page offers "Aggiorna"; accepting reloads
    the page once under the new worker, which drops the old version's caches."""
    version = json.loads((DIST_DIR / "asset-manifest.json").read_text())["version"]
    page.goto("/")
    wait_for_service_worker(page)
    # The next build: a copy of dist/ whose worker carries another cache version.
    copy = tmp_path / "dist"
    shutil.copytree(DIST_DIR, copy)
    worker = copy / "service-worker.js"
    assert version in worker.read_text()
    worker.write_text(worker.read_text().replace(version, "nextbuild0000001"))
    live_app.config["PWA_DIST_DIR"] = str(copy)
    try:
        page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
        page.get_by_text("Aggiornamento disponibile").wait_for()
        # Nothing taken over silently: the new worker waits, the old caches still serve.
        assert page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.waiting !== null)")
        with page.expect_event("load"):
            page.get_by_role("button", name="Aggiorna").click()
        page.get_by_role("heading", name="Buoni cultura per studenti").wait_for()
        page.wait_for_function("""caches.keys().then((names) =>
            names.includes('mentoring-shell-nextbuild0000001') && !names.includes('mentoring-shell-VERSION'))"""
                               .replace("VERSION", version))
        assert page.get_by_text("Aggiornamento disponibile").count() == 0
    finally:
        live_app.config["PWA_DIST_DIR"] = str(DIST_DIR)
