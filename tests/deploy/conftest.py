"""The production stack on this machine for the smoke test: gunicorn behind Caddy with
`tls internal` (deploy/run-local.sh, through deploy/local_stack.py), on the suite's
database (MENTORING_DATABASE_URL: a schema of its own on PostgreSQL, else a SQLite file),
seeded with the demo pilot; and Debian's Chromium, which ignores the local CA's
certificate (it is new on every run: nothing to trust for longer).
"""
import os
import shutil
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from deploy.local_stack import LocalStack
from server import create_app, demo
from server.extensions import db
from signing import keystore
from tests.pwa.conftest import CHROMIUM, CHROMIUM_ARGS, CONTEXT_OPTIONS, DIST_DIR, Pilot, _database_url, require


def pytest_configure(config):
    config.addinivalue_line("markers", "stack: starts gunicorn and Caddy on local ports")
    config.addinivalue_line("markers", "browser: drives headless Chromium (Debian's, through Playwright)")


@pytest.fixture(scope="module")
def stack_app(tmp_path_factory):
    """Module-scoped, as the rest of the stack: gunicorn and Caddy stop once the smoke
    test is done.

    The app as the stack's gunicorn builds it (same instance folder, same database),
    in this process: it prepares the keys, the schema and the pilot, and the test reads
    the books through it."""
    require(shutil.which("caddy") is not None, "caddy is missing: run `make sysdeps` (Debian package caddy)")
    require((DIST_DIR / "index.html").is_file(), "pwa/dist is not built: run `make pwa`")
    base = tmp_path_factory.mktemp("stack")
    instance = base / "instance"
    with _database_url(base) as database_url:
        previous = os.environ.get("MENTORING_INSTANCE_PATH")
        os.environ["MENTORING_INSTANCE_PATH"] = str(instance)
        try:
            app = create_app({"DATABASE_URL": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
        finally:
            if previous is None:
                os.environ.pop("MENTORING_INSTANCE_PATH", None)
            else:
                os.environ["MENTORING_INSTANCE_PATH"] = previous
        # Keys from yesterday: credentials made now verify at any time the test picks today.
        keystore.init(Path(app.instance_path), now=int(time.time()) - 86_400)
        with app.app_context():
            db.create_all()
        app.config["STACK_DATABASE_URL"] = database_url
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="module")
def stack_pilot(stack_app) -> Pilot:
    with stack_app.app_context():
        result = demo.seed(now=datetime.now(timezone.utc), secret_key=stack_app.secret_key)
        db.session.commit()
    return Pilot(result)


@pytest.fixture(scope="module")
def stack(stack_app, stack_pilot):
    with LocalStack(Path(stack_app.instance_path), stack_app.config["STACK_DATABASE_URL"]) as running:
        yield running


@pytest.fixture(scope="module")
def stack_browser(playwright):
    """A Chromium of the session's one Playwright (tests/pwa/conftest.py): a second sync
    Playwright in the same thread would refuse to start, in whichever order tests run."""
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make sysdeps` (Debian package chromium)")
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def phones(stack_browser, stack):
    """people() opens another phone's browser on the stack; returns its page."""
    opened = []

    def open_phone():
        context = stack_browser.new_context(base_url=stack.url, ignore_https_errors=True, **CONTEXT_OPTIONS)
        context.set_default_timeout(20_000)
        opened.append(context)
        return context.new_page()

    yield open_phone
    for context in opened:
        context.close()
