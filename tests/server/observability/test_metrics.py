"""/metrics: behind a bearer token; latency by route template, door outcomes, ledger
totals and job queues read at scrape time; workers added up under gunicorn."""
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
import sqlalchemy as sa
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from server.extensions import db
from server.ledger.models import Account

TOKEN = "metrics-token-for-tests"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def scrape(app):
    app.config.update(METRICS_TOKEN=TOKEN, METRICS_LEDGER_MAX_AGE_SECONDS=0)

    def scrape() -> dict:
        response = app.test_client().get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Content-Type"].startswith("text/plain")
        return {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
                for family in text_string_to_metric_families(response.get_data(as_text=True))
                for sample in family.samples}
    return scrape


def test_without_a_configured_token_there_is_no_metrics_endpoint(client):
    assert client.get("/metrics").status_code == 404


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", "Bearer", f"Bearer {TOKEN}x"])
def test_metrics_need_the_bearer_token(app, authorization):
    app.config["METRICS_TOKEN"] = TOKEN
    headers = {"Authorization": authorization} if authorization else {}

    response = app.test_client().get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": "127.0.0.1"})

    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "mentoring_" not in response.get_data(as_text=True)


def test_request_latency_is_labelled_by_route_template_never_by_url(app, scrape):
    client = app.test_client()
    labels = (("method", "GET"), ("route", "/api/v1/catalogue/<int:event_id>"), ("status", "4xx"))
    before = REGISTRY.get_sample_value("mentoring_http_request_duration_seconds_count", dict(labels)) or 0

    assert client.get("/api/v1/catalogue/987654321").status_code == 404
    client.get("/api/v1/no-such-route/123456789")

    samples = scrape()
    assert samples[("mentoring_http_request_duration_seconds_count", labels)] == before + 1
    routes = {dict(key)["route"] for name, key in samples if name.startswith("mentoring_http_request")}
    assert "unmatched" in routes
    assert not any("987654321" in route or "123456789" in route for route in routes)


def test_door_outcomes_are_counted_as_the_door_decides_them(door):
    scanner_id = next(iter(door.scanners))
    redeemed = {"outcome": "redeemed", "duplicate": "false"}
    again = {"outcome": "redeemed", "duplicate": "true"}
    rejected = {"outcome": "rejected", "duplicate": "false"}
    counted = {name: REGISTRY.get_sample_value("mentoring_door_records_total", labels) or 0
               for name, labels in (("redeemed", redeemed), ("again", again), ("rejected", rejected))}
    record = door.record(scanner_id, at=int(time.time()) - 60, amount=1_000)

    door.sync(scanner_id, record, "MR:not-a-record")
    door.sync(scanner_id, record)

    assert REGISTRY.get_sample_value("mentoring_door_records_total", redeemed) == counted["redeemed"] + 1
    assert REGISTRY.get_sample_value("mentoring_door_records_total", again) == counted["again"] + 1
    assert REGISTRY.get_sample_value("mentoring_door_records_total", rejected) == counted["rejected"] + 1


def test_door_outcomes_of_a_rolled_back_sync_are_not_counted(app):
    """A sync whose transaction rolls back (a serialization failure, then retried) decided
    nothing: its records count once, when the retry commits."""
    from server.observability import metrics

    labels = {"outcome": "checked_in", "duplicate": "false"}
    before = REGISTRY.get_sample_value("mentoring_door_records_total", labels) or 0
    with app.app_context():
        db.session.scalar(sa.select(sa.func.count()).select_from(Account))  # a sync reads before it decides
        metrics.count_door_outcomes([{"outcome": "checked_in"}, {"outcome": "checked_in"}])
        db.session.rollback()
        assert (REGISTRY.get_sample_value("mentoring_door_records_total", labels) or 0) == before

        metrics.count_door_outcomes([{"outcome": "checked_in"}, {"outcome": "checked_in"}])
        assert (REGISTRY.get_sample_value("mentoring_door_records_total", labels) or 0) == before
        db.session.commit()
    assert REGISTRY.get_sample_value("mentoring_door_records_total", labels) == before + 2


def test_ledger_totals_by_account_kind_are_read_at_scrape_time(app, door, scrape):
    samples = scrape()

    with app.app_context():
        rows = db.session.execute(sa.select(Account.kind, sa.func.count(), sa.func.sum(Account.balance_cents))
                                  .group_by(Account.kind)).all()
        db.session.rollback()
    assert rows
    for kind, count, cents in rows:
        assert samples[("mentoring_ledger_balance_cents", (("kind", kind),))] == cents
        assert samples[("mentoring_ledger_accounts", (("kind", kind),))] == count
    assert samples[("mentoring_ledger_balance_cents", (("kind", "voucher"),))] == 2_500
    assert samples[("mentoring_scrape_part_ok", (("part", "ledger"),))] == 1


def test_ledger_totals_are_reused_while_fresh(app, door, scrape):
    app.config["METRICS_LEDGER_MAX_AGE_SECONDS"] = 3600
    first = scrape()
    with app.app_context():
        voucher_id = db.session.scalars(sa.select(Account.id).filter_by(kind="voucher")).one()
        db.session.execute(sa.update(Account).where(Account.id == voucher_id).values(balance_cents=0))
        db.session.commit()

    second = scrape()

    key = ("mentoring_ledger_balance_cents", (("kind", "voucher"),))
    assert second[key] == first[key] == 2_500
    app.config["METRICS_LEDGER_MAX_AGE_SECONDS"] = 0
    assert scrape()[key] == 0
    with app.app_context():  # the books must balance after the test
        db.session.execute(sa.update(Account).where(Account.id == voucher_id).values(balance_cents=2_500))
        db.session.commit()


def test_without_a_job_redis_no_queue_is_reported(scrape):
    samples = scrape()

    assert not any(name.startswith("mentoring_job_") for name, _ in samples)


def test_an_unreachable_redis_is_reported_and_the_scrape_still_answers(app, scrape):
    app.config["JOBS_REDIS_URL"] = "redis://127.0.0.1:1/0"

    samples = scrape()

    assert samples[("mentoring_scrape_part_ok", (("part", "job_queues"),))] == 0
    assert samples[("mentoring_scrape_part_ok", (("part", "ledger"),))] == 1


@pytest.mark.redis
def test_job_queue_depth_is_read_from_redis(app, scrape, redis_url):
    prefix = f"test-{uuid.uuid4().hex}-"  # as server/jobs keeps apps sharing a Redis apart
    app.config.update(JOBS_REDIS_URL=redis_url, JOBS_QUEUE_PREFIX=prefix)
    server = redis.Redis.from_url(redis_url)
    server.rpush(f"rq:queue:{prefix}mail", "job-1", "job-2", "job-3")
    server.zadd(f"rq:failed:{prefix}default", {"job-0": 1})
    try:
        samples = scrape()
    finally:
        server.delete(f"rq:queue:{prefix}mail", f"rq:failed:{prefix}default")

    assert samples[("mentoring_job_queue_depth", (("queue", "mail"),))] == 3
    assert samples[("mentoring_job_queue_depth", (("queue", "default"),))] == 0
    assert samples[("mentoring_job_failed", (("queue", "default"),))] == 1
    assert samples[("mentoring_scrape_part_ok", (("part", "job_queues"),))] == 1


WORKER = """
from server.observability import metrics
for _ in range({n}):
    metrics.observe_request(route="/api/v1/catalogue", method="GET", status=200, seconds=0.01)
"""

SCRAPER = """
import os
from server import create_app
from server.extensions import db
app = create_app({{"TESTING": True, "DATABASE_URL": "sqlite:///{db}", "METRICS_TOKEN": "t"}})
with app.app_context():
    db.create_all()
print(app.test_client().get("/metrics", headers={{"Authorization": "Bearer t"}}).get_data(as_text=True))
"""


def test_under_gunicorn_a_scrape_adds_up_every_worker(tmp_path):
    """Two processes count, as two gunicorn workers would; a third, scraped, reports both."""
    shared = tmp_path / "prometheus"
    shared.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(shared), "MENTORING_INSTANCE_PATH": str(tmp_path / "i")}
    env.pop("MENTORING_DATABASE_URL", None)
    for count in (2, 3):
        subprocess.run([sys.executable, "-c", WORKER.format(n=count)], env=env, cwd=ROOT, check=True)

    scraped = subprocess.run([sys.executable, "-c", SCRAPER.format(db=tmp_path / "m.db")], env=env, cwd=ROOT,
                             check=True, capture_output=True, text=True).stdout

    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(scraped) for sample in family.samples}
    labels = (("method", "GET"), ("route", "/api/v1/catalogue"), ("status", "2xx"))
    assert samples[("mentoring_http_request_duration_seconds_count", labels)] == 5
