from importlib.metadata import version

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db
from server.http.problems import problem

bp = Blueprint("health", __name__, url_prefix="/api/v1")

VERSION = version("mentoring")


@bp.get("/health")
def health():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("health check: database unreachable: %s", error)
        response = problem(
            503, "database_unavailable", "Service Unavailable", "The database is not reachable."
        )
    else:
        response = jsonify(status="ok", database="ok", version=VERSION)
    # A health answer is only true now: no browser, proxy or service worker may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response
