"""`mentoring worker` and `mentoring jobs sweep`."""
from datetime import datetime, timezone

import click
from flask import current_app
from flask.cli import with_appcontext

from server.jobs import api as jobs_api
from server.jobs import transport
from server.reports import cli as reports_cli
from server.vouchers import signing_pool


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (tests, one-off runs).")
@with_appcontext
def worker(burst):
    """Run background jobs from Redis (MENTORING_JOBS_REDIS_URL). Start several for more
    throughput; a killed one's job is taken up again by `mentoring jobs sweep`."""
    from rq import SimpleWorker

    if not transport.redis_url():
        raise click.ClickException("MENTORING_JOBS_REDIS_URL is not set: without Redis jobs run inline.")
    from server.jobs import routes  # noqa: F401  (registers every kind of job)
    # SimpleWorker runs each job in this process: no fork sharing the database pool,
    # and a killed worker takes its job down with it (the sweep gives it back).
    queues = [transport.queue(name) for name in transport.QUEUES]
    # The signing workers start (importing the server package) while this one waits for
    # its first job, not while a big issuance waits for them.
    signing_pool.warm_up()
    SimpleWorker(queues, connection=queues[0].connection).work(burst=burst, with_scheduler=True)


@click.group("jobs")
def jobs():
    """Background jobs."""


@jobs.command("sweep")
@with_appcontext
def sweep():
    """Send again jobs whose worker died (lease over) or whose message was lost. Run it
    from cron every minute."""
    from server.jobs import routes  # noqa: F401

    now = datetime.now(timezone.utc)
    sent = jobs_api.sweep(now=now)
    click.echo(f"Sent {len(sent)} job(s) again.")
    current_app.logger.info("jobs swept: %s", len(sent))
    # Work started by the calendar rather than by a request: a month's report snapshots.
    from server.reports import snapshots

    started = snapshots.start_when_closed(now=now)
    if started is not None:
        click.echo(f"Started job {started.id} ({started.key}).")


jobs.add_command(reports_cli.report_snapshots)  # mentoring jobs report-snapshots [--month]
