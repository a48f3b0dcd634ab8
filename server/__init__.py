"""The Mentoring Flask application: factory, configuration and blueprints."""
import os
import secrets
from pathlib import Path

from flask import Flask
from sqlalchemy.exc import IntegrityError
from flask_limiter import RateLimitExceeded
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from server import models  # noqa: F401  (registers every table)
from server import observability, routes
from server.errors import DomainError
from server.extensions import db, limiter, migrate
from server.health.routes import bp as health_bp
from server.http import auth, clock, limits, problems, pwa, throttle, transactions
from server.http.api import API_CONFIG, api

REPO_ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def _instance_secret(instance_path: str) -> str:
    """The session/token signing secret: MENTORING_SECRET_KEY in production; for the
    demo, generated once into the instance folder, readable by its owner only."""
    path = os.path.join(instance_path, "secret_key")
    if not os.path.exists(path):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    with open(path) as handle:
        return handle.read().strip()


def _trust_proxies(app: Flask, hops) -> None:
    """Behind ``hops`` reverse proxies, take the client's address and scheme from the
    headers they append (rate limits count per client address). Never more hops than
    there are proxies: a client could then write the address it is counted under."""
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
        raise ValueError(f"TRUSTED_PROXY_HOPS must be a whole number of proxies, not {hops!r}")
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def default_instance_path() -> str:
    """The instance folder (database, keys): MENTORING_INSTANCE_PATH or `<repo>/instance`."""
    return os.path.abspath(os.environ.get("MENTORING_INSTANCE_PATH") or REPO_ROOT / "instance")


def create_app(config=None):
    """Build the app. Configuration layers, later ones winning: defaults,
    `<instance>/config.py`, `MENTORING_*` environment variables, then `config`
    (used by tests)."""
    app = Flask(
        __name__,
        instance_path=default_instance_path(),
        instance_relative_config=True,
        static_folder=None,
    )
    os.makedirs(app.instance_path, exist_ok=True)

    app.config.from_mapping(
        DATABASE_URL="sqlite:///" + os.path.join(app.instance_path, "mentoring.db"),
        # True only for `make demo` on a laptop: allows session cookies over plain http.
        DEVELOPMENT=False,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=12 * 3600,
        # Redis (redis://host:6379/0): rate-limit counts and used wallet challenges, shared
        # by every worker. Without it limits count per process (RATELIMIT_STORAGE_URI may
        # still name a storage) and used challenges are kept in the database.
        REDIS_URL=None,
        # Rate limits (server/http/throttle.py) count in a moving window. A 429 carries
        # Retry-After (server/http/problems.py), so Flask-Limiter's own headers are off.
        RATELIMIT_STRATEGY="moving-window",
        RATELIMIT_HEADERS_ENABLED=False,
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto are believed
        # (werkzeug ProxyFix). 0: none; the client address is the connection's.
        TRUSTED_PROXY_HOPS=0,
        # Where sponsors send top-ups (fictional in the demo; set the real account in production).
        PLATFORM_BENEFICIARY="Mentoring S.r.l.",
        PLATFORM_IBAN="IT60X0542811101000000123456",
        PLATFORM_BIC="",
        # The payer named in the SEPA files that pay venues (server/settlement/sepa.py),
        # and their ISO 20022 version: pain.001.001.03, or pain.001.001.09.
        PLATFORM_NAME="Mentoring S.r.l.",
        # Printed on sponsor receipts (server/documents/receipts.py) with PLATFORM_NAME:
        # the platform's partita IVA / codice fiscale and registered address.
        PLATFORM_VAT="00743110157",
        PLATFORM_ADDRESS="Via Fittizia 1, 20121 Milano (MI)",
        SEPA_PAIN_VERSION="pain.001.001.03",
        # Offline scanning rules (server/door/README.md).
        SCANNER_MAX_DATA_AGE_SECONDS=24 * 3600,
        PRESENTATION_MAX_SKEW_SECONDS=90,
        # A venue's offline allowance is split among this many scanner phones (slots):
        # two doors, or one door and a spare for a lost phone.
        SCANNER_SLOTS_PER_VENUE=2,
        # Request bodies (server/http/limits.py): sized for a scanner's largest sync batch.
        MAX_CONTENT_LENGTH=limits.MAX_CONTENT_LENGTH,
        **API_CONFIG,
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MENTORING")
    if config is not None:
        app.config.from_mapping(config)
    # One name for the database URL in every layer (MENTORING_DATABASE_URL in the
    # environment); Flask-SQLAlchemy's own key is derived from it.
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]
    app.config["SESSION_COOKIE_SECURE"] = not app.config["DEVELOPMENT"]
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
    _trust_proxies(app, app.config["TRUSTED_PROXY_HOPS"])
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)

    db.init_app(app)
    limits.init_app(app)
    # Batch mode rebuilds tables for ALTERs SQLite cannot do; compare_type makes
    # autogenerate notice column type changes too.
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True)
    limiter.init_app(app)
    api.init_app(app)

    app.register_error_handler(HTTPException, problems.from_http_exception)
    app.register_error_handler(RateLimitExceeded, throttle.refused)
    app.register_error_handler(DomainError, problems.from_domain_error)
    app.register_error_handler(IntegrityError, transactions.from_integrity_error)
    app.before_request(auth.check_csrf)
    app.after_request(transactions.commit_or_roll_back)
    app.after_request(clock.stamp)  # runs first: after_request functions run in reverse
    observability.init_app(app)  # request ids, JSON logs, /metrics
    app.register_blueprint(health_bp)
    for blueprint in routes.BLUEPRINTS:
        api.register_blueprint(blueprint)
    app.url_map.converters["shell_path"] = pwa.ShellPathConverter
    app.register_blueprint(pwa.bp)
    return app
