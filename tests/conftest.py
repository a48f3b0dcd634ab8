import logging
import os

import pytest

from server import create_app
from server.extensions import db
from server.ledger import api as ledger_api
from tests.schema import fresh_schema


def database_url_from_environment():
    return os.environ.get("MENTORING_DATABASE_URL")


def redis_url_from_environment():
    return os.environ.get("MENTORING_TEST_REDIS_URL")


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        url = database_url_from_environment() or ""
        if not url.startswith("postgresql"):
            pytest.skip("MENTORING_DATABASE_URL does not name a PostgreSQL database")
    if item.get_closest_marker("redis") and not redis_url_from_environment():
        pytest.skip("MENTORING_TEST_REDIS_URL does not name a Redis server")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item, nextitem):
    """The root logger as each test found it. A test that builds a served app (test_app.py:
    ``create_app()`` with no TESTING) installs JSON lines on stderr at INFO for the whole
    process (server/observability/logs.py ``install``); left there, every later request
    of the browser tests' live server (a thread, serving between tests too) printed an
    access line on the terminal. Without it, the live server's warnings and errors (a
    traceback of a failing request) go where pytest captures them, into the report of the
    test they happened in. Around the whole protocol, not a fixture: pytest adds and
    removes its capture handlers (and may set the level) around each phase."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return (yield)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)


@pytest.fixture
def redis_url():
    """A Redis server for the tests of what is shared through it (REDIS_URL). Tests use
    keys of their own (random nonces, a random rate-limit prefix) and flush nothing."""
    return redis_url_from_environment()


@pytest.fixture
def app(tmp_path, monkeypatch):
    """The app on a fresh schema: the database named by MENTORING_DATABASE_URL
    (CI runs the suite on PostgreSQL this way), else a temporary SQLite file."""
    monkeypatch.setenv("MENTORING_INSTANCE_PATH", str(tmp_path / "instance"))
    database_url = database_url_from_environment() or f"sqlite:///{tmp_path / 'test.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": database_url,
                      # scrypt costs ~0.2 s a hash; the suite makes thousands of users.
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        fresh_schema()
    yield app
    with app.app_context():
        db.session.remove()
        # The books balance after every test (server/ledger/README.md).
        assert ledger_api.check_books() == []
        db.session.remove()
        if db.engine.dialect.name != "postgresql":
            db.drop_all()
        db.engine.dispose()  # one pool per test app: don't pile up PostgreSQL connections


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="session")
def playwright():
    """The session's one sync Playwright, for the browser tests (tests/pwa) and the stack's
    smoke test (tests/deploy): a second one in the same thread refuses to start."""
    from tests.pwa.conftest import CHROMIUM, require

    require(os.path.exists(CHROMIUM), f"{CHROMIUM} is missing: run `make sysdeps` (Debian package chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running
