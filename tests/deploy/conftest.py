"""The production stack on this machine for the smoke test: gunicorn behind Caddy with
`tls internal` (deploy/run-local.sh, through deploy/local_stack.py), on the suite's
database (MENTORING_DATABASE_URL: a schema of its own on PostgreSQL, else a SQLite file),
seeded with the demo pilot; and Debian's Chromium, which ignores the local CA's
certificate (it is new on every run: nothing to trust for longer).
"""
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from deploy.local_stack import LocalStack
from server import demo
from server.extensions import db
from tests.pwa.conftest import (CHROMIUM, CHROMIUM_ARGS, CONTEXT_OPTIONS, DIST_DIR, Pilot, _database_url, app_with_keys,
                                require)


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
    with _database_url(base) as database_url, app_with_keys(base, database_url, {}) as app:
        app.config["STACK_DATABASE_URL"] = database_url
        yield app


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
