"""Extension objects, created unbound and attached to the app in `create_app`."""
import redis
from flask import current_app
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from server import sqlite  # noqa: F401  (SQLite connection settings, see the module)

# Deterministic constraint names, so migrations can refer to (and drop) them on
# PostgreSQL as well as SQLite.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Alembic migrations in server/migrations (`mentoring db upgrade`, `mentoring db migrate`).
migrate = Migrate()

# Rate limits count in shared storage (RATELIMIT_STORAGE_URI, by default REDIS_URL:
# every app process sees the same counts; memory, per process, without Redis).
# server/http/throttle.py says what is limited and per whom.
limiter = Limiter(key_func=get_remote_address, default_limits=[])

REDIS_EXTENSION = "mentoring.redis"


def redis_client():
    """The app's Redis client (``REDIS_URL``), made on first use: one connection pool
    per app process."""
    app = current_app._get_current_object()
    if REDIS_EXTENSION not in app.extensions:
        app.extensions[REDIS_EXTENSION] = redis.Redis.from_url(app.config["REDIS_URL"])
    return app.extensions[REDIS_EXTENSION]
