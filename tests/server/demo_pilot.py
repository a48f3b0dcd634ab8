"""The demo pilot (server/demo.py, with its closed months) seeded into a database of its
own, for the modules that seed it once and then read it: the demo history's checks and
the report snapshots compared with the computed answers. Seeding takes seconds, so a
module does it once, in a module-scoped fixture built on ``seeded_demo``."""
import contextlib
from datetime import datetime
from pathlib import Path

from server import create_app, demo
from server.extensions import db
from tests.conftest import database_url_from_environment
from tests.schema import fresh_schema


@contextlib.contextmanager
def seeded_demo(base: Path, *, now: datetime):
    """The app on the database named by MENTORING_DATABASE_URL (else a SQLite file in
    ``base``), the demo seeded and committed as of ``now``; its tables dropped after."""
    database_url = database_url_from_environment() or f"sqlite:///{base / 'demo.db'}"
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        fresh_schema()
        demo.seed(now=now, secret_key=app.secret_key)
        db.session.commit()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.drop_all()
            db.engine.dispose()
