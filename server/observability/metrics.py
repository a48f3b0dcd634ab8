"""Prometheus metrics: what the app counts as it works, and what is read at scrape time.

Counted as it works (prometheus-client metrics, one set per process):
- ``mentoring_http_request_duration_seconds{route,method,status}``: a histogram per
  route *template* (``/api/v1/vouchers/<int:voucher_id>``, or ``unmatched``), method
  and status class (``2xx``...). Never the URL: ids in labels would make a series per
  voucher and put them in the monitoring system.
- ``mentoring_door_records_total{outcome,duplicate}``: scanner records as the door
  decided them (server/door/sync.py), ``duplicate="true"`` for a record sent again.

Read when scraped (custom collectors, so they cost nothing between scrapes):
- ``mentoring_ledger_balance_cents{kind}`` and ``mentoring_ledger_accounts{kind}``: the
  sum of balances and the number of accounts of each kind, one ``GROUP BY`` over the
  account rows (balances are kept on them, server/ledger). With millions of voucher
  accounts that is a scan of the table, so a process reuses its answer for
  ``METRICS_LEDGER_MAX_AGE_SECONDS`` (60 by default): ledger totals move in minutes,
  not seconds, and Prometheus may scrape every 15 s.
- ``mentoring_job_queue_depth{queue}`` and ``mentoring_job_failed{queue}``: RQ's
  ``rq:queue:<name>`` list length and ``rq:failed:<name>`` registry size, for the
  queues server/jobs sends to (``transport.QUEUES``, with its ``JOBS_QUEUE_PREFIX``),
  when jobs travel through Redis (``JOBS_REDIS_URL``; without it they run inline and
  there is no queue to watch).
- ``mentoring_scrape_part_ok{part}``: 0 when the ledger or Redis could not be read (the
  scrape still answers, with what it could read).

Under gunicorn every worker counts in its own memory; with ``PROMETHEUS_MULTIPROC_DIR``
set (an empty directory, wiped before gunicorn starts, set before the app is imported)
prometheus-client writes the counts to files there and a scrape, whichever worker takes
it, adds up every worker's. A dead worker's files must be marked with
``mark_worker_dead`` (gunicorn's ``child_exit`` hook). See server/observability/README.md.
"""
import hmac
import os
import time

import redis
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from flask import Blueprint, Response, abort, current_app, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from server.extensions import db
from server.jobs import transport
from server.http.problems import problem

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "mentoring_http_request_duration_seconds", "Time from the request's start to its response, by route template.",
    ["route", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
DOOR_RECORDS = Counter(
    "mentoring_door_records", "Scanner records decided by the door, by outcome.", ["outcome", "duplicate"],
)

bp = Blueprint("metrics", __name__)


def observe_request(*, route: str, method: str, status: int, seconds: float) -> None:
    REQUEST_SECONDS.labels(route=route, method=method, status=f"{status // 100}xx").observe(seconds)


def count_door_outcomes(results: list[dict]) -> None:
    """One count per record of a sync answer (outcome is redeemed, checked_in, refused or
    rejected: a closed set, so a bounded number of series), once its transaction commits:
    a sync rolled back (a serialization failure retried, an error) decided nothing, and
    counting it then would count its records twice when the retry decides them."""
    db.session.info.setdefault(_DOOR_PENDING, []).extend(
        (result["outcome"], str(bool(result.get("duplicate"))).lower()) for result in results)


_DOOR_PENDING = "mentoring.metrics.door_outcomes"


@event.listens_for(Session, "after_commit")
def _count_committed_door_outcomes(session):
    for outcome, duplicate in session.info.pop(_DOOR_PENDING, ()):
        DOOR_RECORDS.labels(outcome=outcome, duplicate=duplicate).inc()


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back_door_outcomes(session):
    session.info.pop(_DOOR_PENDING, None)


def mark_worker_dead(pid: int) -> None:
    """For gunicorn's ``child_exit(server, worker)`` hook: a dead worker's gauges stop
    counting (its counters and histograms stay in the totals, as they should)."""
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.mark_process_dead(pid)


# --- read at scrape time ------------------------------------------------------------------

_LEDGER_CACHE = "mentoring.metrics.ledger"


def _ledger_totals() -> list[tuple[str, int, int]]:
    """(kind, accounts, balance_cents) per account kind, at most METRICS_LEDGER_MAX_AGE_SECONDS old."""
    app = current_app._get_current_object()
    max_age = app.config.get("METRICS_LEDGER_MAX_AGE_SECONDS", 60)
    cached = app.extensions.get(_LEDGER_CACHE)
    if cached is not None and time.monotonic() - cached[0] < max_age:
        return cached[1]
    from server.ledger.models import Account  # late: the app's models are registered by then

    rows = db.session.execute(sa.select(Account.kind, sa.func.count(), sa.func.coalesce(
        sa.func.sum(Account.balance_cents), 0)).group_by(Account.kind).order_by(Account.kind)).all()
    db.session.rollback()  # a read: end the transaction now, not at teardown
    totals = [(kind, int(count), int(cents)) for kind, count, cents in rows]
    app.extensions[_LEDGER_CACHE] = (time.monotonic(), totals)
    return totals


_JOBS_REDIS = "mentoring.metrics.jobs_redis"


def _queue_sizes() -> list[tuple[str, int, int]]:
    """(queue, waiting, failed) for each job queue: two Redis reads in one round trip."""
    app = current_app._get_current_object()
    if _JOBS_REDIS not in app.extensions:
        # A client of our own with short timeouts: a hung Redis must not hang the scrape.
        app.extensions[_JOBS_REDIS] = redis.Redis.from_url(
            app.config["JOBS_REDIS_URL"], socket_connect_timeout=1, socket_timeout=2)
    prefix = app.config.get("JOBS_QUEUE_PREFIX") or ""
    queues = list(transport.QUEUES)
    with app.extensions[_JOBS_REDIS].pipeline(transaction=False) as pipe:
        for name in queues:
            pipe.llen(f"rq:queue:{prefix}{name}")
            pipe.zcard(f"rq:failed:{prefix}{name}")
        answers = pipe.execute()
    return [(name, int(answers[2 * i]), int(answers[2 * i + 1])) for i, name in enumerate(queues)]


class _ScrapeTimeCollector:
    """What a scrape reads from the database and Redis, gathered before the registry asks."""

    def __init__(self, ledger, queues, parts_ok):
        self.ledger, self.queues, self.parts_ok = ledger, queues, parts_ok

    def collect(self):
        balances = GaugeMetricFamily("mentoring_ledger_balance_cents",
                                     "Sum of account balances (on their normal side), by account kind.",
                                     labels=["kind"])
        accounts = GaugeMetricFamily("mentoring_ledger_accounts", "Number of ledger accounts, by kind.",
                                     labels=["kind"])
        for kind, count, cents in self.ledger:
            balances.add_metric([kind], cents)
            accounts.add_metric([kind], count)
        yield balances
        yield accounts
        if self.queues is not None:
            depth = GaugeMetricFamily("mentoring_job_queue_depth", "Jobs waiting in an RQ queue.", labels=["queue"])
            failed = GaugeMetricFamily("mentoring_job_failed", "Jobs in an RQ queue's failed registry.",
                                       labels=["queue"])
            for name, waiting, failures in self.queues:
                depth.add_metric([name], waiting)
                failed.add_metric([name], failures)
            yield depth
            yield failed
        ok = GaugeMetricFamily("mentoring_scrape_part_ok", "1 when this part could be read for this scrape.",
                               labels=["part"])
        for part, fine in self.parts_ok.items():
            ok.add_metric([part], 1 if fine else 0)
        yield ok


class _ThisProcess:
    """The process's own metrics (default registry), when not adding up gunicorn workers."""

    def collect(self):
        return REGISTRY.collect()


def _scrape_time_collector() -> _ScrapeTimeCollector:
    parts_ok = {}
    try:
        ledger = _ledger_totals()
        parts_ok["ledger"] = True
    except SQLAlchemyError as error:
        db.session.rollback()
        current_app.logger.warning("metrics: ledger totals unreadable: %s", type(error).__name__)
        ledger, parts_ok["ledger"] = [], False
    queues = None
    if current_app.config.get("JOBS_REDIS_URL"):
        try:
            queues = _queue_sizes()
            parts_ok["job_queues"] = True
        except RedisError as error:
            current_app.logger.warning("metrics: job queues unreadable: %s", type(error).__name__)
            parts_ok["job_queues"] = False
    return _ScrapeTimeCollector(ledger, queues, parts_ok)


def _authorised() -> bool:
    """A bearer token equal to METRICS_TOKEN. Not "any loopback caller": behind a reverse
    proxy on the same machine every public request comes from loopback."""
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected:
        abort(404)  # no token configured: there is no metrics endpoint to find
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), str(expected).encode())


@bp.get("/metrics")
def metrics():
    if not _authorised():
        refused = problem(401, "unauthorized", "Unauthorized", "A bearer token is needed.")
        refused.headers["WWW-Authenticate"] = 'Bearer realm="metrics"'
        return refused
    registry = CollectorRegistry()
    if os.environ.get(MULTIPROCESS_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_scrape_time_collector())
    response = Response(generate_latest(registry), mimetype=None, content_type=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response
