"""`mentoring bank import FILE`: the operator's statement import from a shell (the same
use case as the PWA's upload, without the HTTP body limit's base64)."""
from datetime import datetime, timezone

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from server.accounts.models import User
from server.banking import api as banking_api
from server.banking import camt
from server.errors import DomainError
from server.extensions import db


bank = AppGroup("bank", help="Bank statements (camt.053 / camt.054).")


def _operator(email: str) -> User:
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None or not user.is_platform_admin:
        raise click.ClickException(f"{email} is not a platform operator: top-ups are confirmed in one's name.")
    return user


@bank.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--operator", "email", required=True, help="The platform operator importing it (an e-mail).")
@click.option("--dry-run", is_flag=True, help="Show what would match; store and move nothing.")
def import_command(file, email, dry_run):
    """Import FILE: exact matches confirm top-ups and mark payouts paid; the rest waits
    in the queue (Pagamenti page). The same file twice changes nothing."""
    data = file.read(camt.MAX_STATEMENT_BYTES + 1)
    iban = current_app.config["PLATFORM_IBAN"]
    try:
        if dry_run:
            seen = banking_api.preview(data, platform_iban=iban)
            for planned in seen.plan.lines:
                tx = planned.transaction
                click.echo(f"{tx.booked_on}  {tx.direction:6}  {tx.amount_cents / 100:>12.2f} {tx.currency}  "
                           f"{planned.outcome:16}  {planned.reason or ''}")
            if seen.already_imported is not None:
                click.echo(f"This file was imported before (import {seen.already_imported.id}): nothing would change.")
            return
        statement, created = banking_api.import_statement(
            data, file_name=getattr(file, "name", "statement.xml").rsplit("/", 1)[-1], platform_iban=iban,
            operator=_operator(email), now=datetime.now(timezone.utc))
        counts = banking_api.counts(statement)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"{error.message} ({error.code} {error.params or ''})".strip()) from None
    if not created:
        click.echo(f"Already imported (import {statement.id}): nothing changed.")
    click.echo(f"Import {statement.id}: {counts['credits_matched']} top-up(s) confirmed, "
               f"{counts['debits_matched']} payout(s) paid, {counts['queued']} waiting in the queue, "
               f"{counts['already_known']} already known from an earlier file.")
