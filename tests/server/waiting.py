"""Waiting for a condition, never for a fixed time: concurrency tests on PostgreSQL hold
one transaction open and wait until the other request is blocked on its lock."""
import time

import sqlalchemy as sa

from server.extensions import db


def waiting_on_a_lock(app) -> int:
    """How many sessions of this database wait on a lock now."""
    with app.app_context():
        count = db.session.scalar(sa.text("SELECT count(*) FROM pg_stat_activity "
                                          "WHERE datname = current_database() AND wait_event_type = 'Lock'"))
        db.session.remove()
        return count


def until(condition, *, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
