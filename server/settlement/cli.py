"""`mentoring settlement run --cut-off YYYY-MM-DD`: the schedule's run (cron every two
weeks, with yesterday as the cut-off), the same use case as the operator's button."""
from datetime import date, datetime, timedelta, timezone

import click
from flask.cli import AppGroup

from server.errors import DomainError
from server.extensions import db
from server.settlement import api as settlement_api
from server.settlement import views

settlement = AppGroup("settlement", help="Settlement runs: paying venues.")


@settlement.command("run")
@click.option("--cut-off", "cut_off", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The last day paid (Italian calendar day, inclusive). Default: yesterday.")
def run_command(cut_off):
    """Close the period up to CUT-OFF: one payout per venue owed anything. Running it
    again for the same day pays nothing twice."""
    day = cut_off.date() if cut_off else date.today() - timedelta(days=1)
    try:
        run = settlement_api.run_settlement(cut_off=settlement_api.cut_off_instant(day), created_by=None,
                                            now=datetime.now(timezone.utc))
        shown = views.run_detail(run)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Run {run.id} up to {day.isoformat()}: {shown['payout_count']} payouts, "
               f"{shown['total_cents'] / 100:.2f} EUR, {shown['skipped_count']} venues skipped, "
               f"{len(shown['holds'])} lines held; status {run.status}.")
    for skipped in shown["skipped"]:
        click.echo(f"  skipped venue {skipped['venue_id']} ({skipped['venue_name']}): {skipped['reason']}, "
                   f"{skipped['amount_cents'] / 100:.2f} EUR in {skipped['line_count']} lines")
