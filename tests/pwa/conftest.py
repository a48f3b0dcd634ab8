"""Browser fixtures: the whole app served over HTTP on a free port, the demo pilot
seeded into it, and Debian's Chromium driven by Playwright at phone size.

The live server runs in a thread of the test process (werkzeug), on a temporary
SQLite file, or, when MENTORING_DATABASE_URL names PostgreSQL, in a schema of its
own: the server tests drop and create tables in the default schema between tests,
and must not see (or wipe) the pilot the browser tests use.

Offline is real: `network.offline()` stops the server (connections are refused, as
with no signal) and tells Chromium it is offline (navigator.onLine, the offline event).
"""
import contextlib
import os
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler, make_server

from server import create_app, demo
from server.door import enrolment as door_enrolment
from server.door.models import ACTIVE, RETIRED, ScannerDevice
from server.extensions import db, limiter
from signing import keystore
from tests.pwa.camera import chromium_camera_args

REPO_ROOT = Path(__file__).resolve().parents[2]
DIST_DIR = REPO_ROOT / "pwa" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium (Debian's, through Playwright)")


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str):
    """Skip loudly on a developer machine; fail in CI, where nothing may be skipped."""
    if condition:
        return
    if in_ci():
        pytest.fail(reason)
    pytest.skip(f"!!! BROWSER TESTS NOT RUN: {reason}")


AXE = REPO_ROOT / "pwa" / "node_modules" / "axe-core" / "axe.min.js"


def serious_violations(page, selector: str | None = None) -> list[dict]:
    """axe-core's serious and critical violations on the page (or the element at `selector`)."""
    require(AXE.is_file(), f"{AXE} is missing: run `npm ci` in pwa/")
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate("""async (selector) => {
        const results = await axe.run(selector ? document.querySelector(selector) : document,
                                      {resultTypes: ['violations']});
        return results.violations.filter((v) => ['serious', 'critical'].includes(v.impact))
            .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 5).map((n) => n.target.join(' '))}));
    }""", selector)


class _OneRequestPerConnection(WSGIRequestHandler):
    # HTTP/1.0 closes each connection after its answer: when the server stops, no
    # kept-alive socket goes on serving the browser behind the test's back.
    protocol_version = "HTTP/1.0"

    def log_request(self, *args, **kwargs):
        pass


class LiveServer:
    """The app on 127.0.0.1 (a secure context, so service workers and WebCrypto work)."""

    def __init__(self, app):
        self.app = app
        self._server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_OneRequestPerConnection)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = None
        self._serve()

    def _serve(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread is not None

    def stop(self):
        if not self.running:
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
        self._thread = None

    def start(self):
        """Serve again on the same port: same origin, so the worker and IndexedDB stay."""
        if self.running:
            return
        self._server = make_server("127.0.0.1", self.port, self.app, threaded=True,
                                   request_handler=_OneRequestPerConnection)
        self._serve()


@contextlib.contextmanager
def _database_url(base_dir: Path):
    url = os.environ.get("MENTORING_DATABASE_URL")
    if not url or not url.startswith("postgresql"):
        yield f"sqlite:///{base_dir / 'live.db'}"
        return
    schema = f"pwa_live_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(autouse=True)
def fresh_rate_limits(request):
    """Rate limits stay on, as in production; every test comes from 127.0.0.1, so each
    starts with a clean slate. (Not RATELIMIT_ENABLED=False: Flask-Limiter keeps that on
    its one shared instance, and the server tests' limits would vanish with it.) Only
    for tests of the live server: before any app exists the limiter has nothing to reset."""
    if "live_app" in request.fixturenames:
        request.getfixturevalue("live_app")
        limiter.reset()


@pytest.fixture(autouse=True)
def free_scanner_slots(request):
    """Every test enrols its own scanner phones, at the few venues of one seeded pilot,
    and a venue has only SCANNER_SLOTS_PER_VENUE slots (its offline allowance is shared
    among them). The phones of earlier tests are retired (or were) as if long ago, past
    the slot's cooldown, so each test finds its venue's slots free, as a venue that has
    just started would."""
    if "live_app" not in request.fixturenames:
        return
    app = request.getfixturevalue("live_app")
    long_ago = datetime.now(timezone.utc) - door_enrolment.SLOT_COOLDOWN - timedelta(hours=1)
    with app.app_context():
        db.session.execute(sa.update(ScannerDevice)
                           .where(sa.or_(ScannerDevice.status == ACTIVE, ScannerDevice.retired_at > long_ago))
                           .values(status=RETIRED, retired_at=long_ago))
        db.session.commit()


@pytest.fixture(scope="session")
def built_pwa():
    require((DIST_DIR / "index.html").is_file() and (DIST_DIR / "service-worker.js").is_file(),
            "pwa/dist is not built: run `make pwa`")
    return DIST_DIR


@contextlib.contextmanager
def app_with_keys(base: Path, database_url: str, config: dict):
    """An app whose instance folder is ``base / "instance"``, with yesterday's keys and the
    schema made; its database connections closed when done. The environment's instance
    path is put back at once: the app keeps its own, other tests must not inherit ours."""
    previous = os.environ.get("MENTORING_INSTANCE_PATH")
    os.environ["MENTORING_INSTANCE_PATH"] = str(base / "instance")
    try:
        app = create_app({"DATABASE_URL": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000", **config})
    finally:
        if previous is None:
            os.environ.pop("MENTORING_INSTANCE_PATH", None)
        else:
            os.environ["MENTORING_INSTANCE_PATH"] = previous
    # Keys from yesterday: credentials made now verify at any time the tests pick today.
    keystore.init(Path(app.instance_path), now=int(time.time()) - 86_400)
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory, built_pwa):
    base = tmp_path_factory.mktemp("pwa-live")
    with _database_url(base) as database_url, app_with_keys(base, database_url, {
        "TESTING": True,
        "DEVELOPMENT": True,  # plain http on 127.0.0.1: session cookies without Secure
        "PWA_DIST_DIR": str(built_pwa),
    }) as app:
        yield app


@dataclass
class Pilot:
    """The seeded demo: unclaimed codes by campaign name, handed out one per test."""

    result: demo.Demo

    def __post_init__(self):
        self._unused = list(self.result.codes)

    def claim_code(self, campaign: str = "Lumen per la cultura") -> demo.IssuedCode:
        for index, issued in enumerate(self._unused):
            if issued.campaign == campaign:
                return self._unused.pop(index)
        raise LookupError(f"no unclaimed demo code left for {campaign!r}")


@pytest.fixture(scope="session")
def pilot(live_app) -> Pilot:
    with live_app.app_context():
        result = demo.seed(now=datetime.now(timezone.utc), secret_key=live_app.secret_key)
        db.session.commit()
    assert result.created and result.codes
    return Pilot(result)


@pytest.fixture(scope="session")
def live_server(live_app):
    server = LiveServer(live_app)
    yield server
    server.stop()


# `playwright`: the session's one Playwright is in tests/conftest.py (the stack's smoke test shares it).


@pytest.fixture(scope="session")
def browser(playwright):
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


CONTEXT_OPTIONS = {"viewport": PHONE, "locale": "it-IT", "timezone_id": "Europe/Rome", "service_workers": "allow"}


@pytest.fixture
def persistent_context(playwright, live_server, tmp_path):
    """A profile on disk, as a user's browser has: Chromium calls anything else incognito,
    and does not offer to install apps there."""
    context = playwright.chromium.launch_persistent_context(
        tmp_path / "profile", executable_path=CHROMIUM, args=CHROMIUM_ARGS, base_url=live_server.url,
        **CONTEXT_OPTIONS)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def people(browser, live_server):
    """Another person's browser, with its own cookies and storage: people() a phone,
    people(DESKTOP) a desk (the operator, a teacher). Returns its page."""
    opened = []

    def open_browser(viewport=PHONE):
        context = browser.new_context(base_url=live_server.url, **{**CONTEXT_OPTIONS, "viewport": viewport})
        context.set_default_timeout(15_000)
        opened.append(context)
        return context.new_page()

    yield open_browser
    for context in opened:
        context.close()


@pytest.fixture
def context(browser, live_server):
    """A fresh profile per test (no worker, no IndexedDB), phone-sized, Italian."""
    context = browser.new_context(base_url=live_server.url, **CONTEXT_OPTIONS)
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    return context.new_page()


class Network:
    """No signal for the server and for every phone given (a door where nobody has any)."""

    def __init__(self, server: LiveServer, *contexts):
        self.server = server
        self.contexts = contexts

    @contextlib.contextmanager
    def offline(self):
        for context in self.contexts:
            context.set_offline(True)
        self.server.stop()
        try:
            yield
        finally:
            self.server.start()
            for context in self.contexts:
                context.set_offline(False)


@pytest.fixture
def network(live_server, context):
    return Network(live_server, context)


def wait_for_service_worker(page):
    """Until the page is controlled by an activated worker (it claims on first install)."""
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")


@pytest.fixture
def camera_phone(playwright, live_server):
    """A phone whose camera films `video` (a separate Chromium: the fake camera is set at
    launch; the file itself is read when the page opens the camera, so it may be written later)."""
    launched = []

    def launch(video):
        browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                             args=CHROMIUM_ARGS + chromium_camera_args(video))
        context = browser.new_context(base_url=live_server.url, permissions=["camera"], **CONTEXT_OPTIONS)
        context.set_default_timeout(15_000)
        launched.append(browser)
        return context

    yield launch
    for browser in launched:
        browser.close()
