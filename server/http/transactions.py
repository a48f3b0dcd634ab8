"""One commit per request, at its boundary: use cases only flush."""
from flask import current_app
from sqlalchemy.exc import IntegrityError

from server.extensions import db
from server.http.problems import problem


def commit_or_roll_back(response):
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def from_integrity_error(error: IntegrityError):
    """A race lost against a unique constraint: the other request won. Nothing stored is lost."""
    db.session.rollback()
    current_app.logger.info("integrity conflict: %s", type(error.orig).__name__)
    return problem(409, "conflict", "Conflict", "La richiesta è in conflitto con un'altra appena eseguita: riprova.")
