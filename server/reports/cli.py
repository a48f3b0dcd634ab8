"""`mentoring jobs report-snapshots [--month YYYY-MM]`: make a closed month's snapshot
job by hand (the sweep makes the last closed month's on its own)."""
from datetime import date, datetime, timezone

import click
from flask.cli import with_appcontext

from server.extensions import db


@click.command("report-snapshots")
@click.option("--month", metavar="YYYY-MM", help="A closed month (default: the last one).")
@with_appcontext
def report_snapshots(month):
    """Store the impact releases of every campaign active in a closed month and of its
    sponsors' public pages (job reports.snapshot; made once per month and method). A
    failed job of the month goes back to the queue and resumes where it stopped."""
    from server.reports import snapshots

    now = datetime.now(timezone.utc)
    try:
        chosen = date.fromisoformat(f"{month}-01") if month else snapshots.last_closed_month(now)
        job = snapshots.enqueue_month(chosen, now=now, retry_failed=True)
    except ValueError as error:
        raise click.ClickException(f"Not a closed month: {error}") from None
    db.session.commit()  # sent to a worker now; without Redis, run here
    db.session.refresh(job)
    click.echo(f"Job {job.id} ({job.key}): {job.state}, {job.progress_done}/{job.progress_total} subjects.")
