"""The Mentoring Flask application: factory, configuration and blueprints."""
import os
from pathlib import Path

from flask import Flask
from werkzeug.exceptions import HTTPException

from server import models  # noqa: F401  (registers every table)
from server.extensions import db
from server.health.routes import bp as health_bp
from server.http import problems, pwa

REPO_ROOT = Path(__file__).resolve().parent.parent


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
    )
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env("MENTORING")
    if config is not None:
        app.config.from_mapping(config)
    # One name for the database URL in every layer (MENTORING_DATABASE_URL in the
    # environment); Flask-SQLAlchemy's own key is derived from it.
    app.config["SQLALCHEMY_DATABASE_URI"] = app.config["DATABASE_URL"]

    db.init_app(app)

    app.register_error_handler(HTTPException, problems.from_http_exception)
    app.register_blueprint(health_bp)
    app.url_map.converters["shell_path"] = pwa.ShellPathConverter
    app.register_blueprint(pwa.bp)
    return app
