"""Liveness and readiness: is the app up, and can it reach its database and Redis.

Cheap on purpose (a load balancer may ask every few seconds from every node): one
``SELECT 1`` and, when ``REDIS_URL`` is set, one ``PING`` (and one to the job
queue's Redis, ``JOBS_REDIS_URL``, when that is another). 200 with each part's state
when all answer; 503 problem+json naming the part that failed in ``checks`` (code
``database_unavailable`` when the database is down, else ``service_unavailable``).
No error text leaves: it may name hosts, files or users; it goes to the log.
"""
import json
from importlib.metadata import version

import redis
import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db
from server.http.problems import problem

bp = Blueprint("health", __name__, url_prefix="/api/v1")

VERSION = version("mentoring")
OK, UNAVAILABLE = "ok", "unavailable"
_HEALTH_REDIS = "mentoring.health_redis"


def _database() -> str:
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        current_app.logger.warning("health check: database unreachable: %s", error)
        return UNAVAILABLE
    finally:
        db.session.rollback()  # nothing to keep: don't hold a transaction (or, on SQLite, a lock)
    return OK


def _redis_for_health(url: str):
    """A client of its own with short timeouts: a Redis that hangs makes the check fail
    in a second instead of holding the caller (the app's client waits as long as it takes)."""
    clients = current_app.extensions.setdefault(_HEALTH_REDIS, {})
    if url not in clients:
        clients[url] = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
    return clients[url]


def _redis(url: str) -> str:
    try:
        _redis_for_health(url).ping()
    except RedisError as error:
        current_app.logger.warning("health check: redis unreachable: %s", error)
        return UNAVAILABLE
    return OK


@bp.get("/health")
def health():
    checks = {"database": _database()}
    shared, jobs = current_app.config.get("REDIS_URL"), current_app.config.get("JOBS_REDIS_URL")
    if shared:
        checks["redis"] = _redis(shared)
    if jobs and jobs != shared:  # the job queue's own Redis (server/jobs), when it has one
        checks["job_queue"] = _redis(jobs)
    if all(state == OK for state in checks.values()):
        response = jsonify(status="ok", version=VERSION, checks=checks, **checks)
    else:
        failed = [part for part, state in checks.items() if state != OK]
        detail = f"Not reachable: {', '.join(failed)}."
        # Codes written out, not chosen in a variable: tests/server/test_error_texts.py finds them.
        if "database" in failed:
            response = problem(503, "database_unavailable", "Service Unavailable", detail)
        else:
            response = problem(503, "service_unavailable", "Service Unavailable", detail)
        body = json.loads(response.get_data())
        body["checks"] = checks
        response.set_data(json.dumps(body))
    # A health answer is only true now: no browser, proxy or service worker may keep it.
    response.headers["Cache-Control"] = "no-store"
    return response
