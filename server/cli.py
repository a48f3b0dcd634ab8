"""The `mentoring` command: Flask's commands (`run`, `shell`, `routes`), the token and
key tools from `signing`, and the operator's commands below."""
import os
import sys
from datetime import datetime, timezone

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import FlaskGroup

from server import create_app, default_instance_path
from server import demo
from server.accounts import api as accounts_api
from server.banking import cli as banking_cli
from server.errors import DomainError
from server.extensions import db
from server.idempotency import api as idempotency_api
from server.jobs import cli as jobs_cli
from server.settlement import cli as settlement_cli
from signing import cli as signing_cli

main = FlaskGroup(
    name="mentoring", create_app=create_app, help="Mentoring server and tools.",
    # `mentoring keys` works on the app's instance folder wherever it is run from.
    context_settings={"default_map": {"keys": {"instance_dir": default_instance_path()}}},
)
main.add_command(signing_cli.token)
main.add_command(signing_cli.keys)
main.add_command(banking_cli.bank)
main.add_command(settlement_cli.settlement)
main.add_command(jobs_cli.worker)
main.add_command(jobs_cli.jobs)


def _require_schema() -> None:
    """The tables must exist. With migrations, `mentoring db upgrade` makes them; a
    checkout without migrations yet gets them from the models."""
    if sa.inspect(db.engine).has_table("user_account"):
        return
    migrate = current_app.extensions.get("migrate")
    if migrate is not None and os.path.isdir(migrate.directory):
        raise click.ClickException("The database has no tables: run `mentoring db upgrade` first.")
    db.create_all()
    click.echo("No migrations in this checkout: created the tables from the models.")


@main.command("create-admin")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def create_admin(email, password_stdin):
    """Create a platform operator account (approves organisations, confirms payments)."""
    _require_schema()
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = accounts_api.create_user(email=email, password=password, is_platform_admin=True)
    except accounts_api.exc.EmailTaken:
        db.session.rollback()
        raise click.ClickException(f"An account with the email {email.strip().lower()} already exists: "
                                   "nothing changed.") from None
    except DomainError as error:  # weak password, malformed email
        db.session.rollback()
        raise click.ClickException(f"{error.message} ({error.code})") from None
    db.session.commit()
    click.echo(f"Platform admin {user.email} created.")


@main.command("seed-demo")
@click.option("--base-url", default="http://localhost:5000", show_default=True,
              help="Where the PWA is served: the claim links in the codes file point there.")
def seed_demo(base_url):
    """Fill the database with a fictional Milan pilot (running it again adds nothing)."""
    _require_schema()
    result = demo.seed(now=datetime.now(timezone.utc), secret_key=current_app.secret_key)
    db.session.commit()
    codes_path = os.path.join(current_app.instance_path, demo.CODES_FILE)
    if result.created:
        demo.write_codes(codes_path, result.codes, base_url=base_url)
        click.echo(f"Demo pilot created: {len(demo.ORGANISATIONS)} organisations, {len(demo.CAMPAIGNS)} funded "
                   f"campaigns, {len(demo.EVENTS)} events and courses, {len(result.codes)} claim codes.")
        click.echo("\nA few claim codes to try in the wallet, one per school and campaign:")
        firsts = {}
        for issued in result.codes:
            firsts.setdefault((issued.school, issued.campaign), issued)
        for issued in firsts.values():
            click.echo(f"  {issued.code}  {issued.face_value_cents // 100} EUR  {issued.campaign} "
                       f"({issued.school})")
        click.echo(f"\nAll {len(result.codes)} codes are in {codes_path} (readable by you only). In a real "
                   "pilot only the school holds them: the database keeps just their HMAC, so they cannot "
                   "be shown again.")
    else:
        click.echo(f"The demo pilot is already there ({demo.ADMIN_EMAIL} exists): nothing added.")
        if os.path.exists(codes_path):
            click.echo(f"Its claim codes are in {codes_path}.")
    click.echo(f"\nDemo logins (password for all: {demo.DEMO_PASSWORD}):\n")
    click.echo(demo.logins_table(result.logins))


@main.command("purge-idempotency-keys")
def purge_idempotency_keys():
    """Delete expired idempotency keys and their stored answers (run it from cron; a
    principal's own expired keys also go whenever it sends a new one)."""
    _require_schema()
    count = idempotency_api.forget_expired(now=datetime.now(timezone.utc))
    db.session.commit()
    click.echo(f"Deleted {count} expired idempotency key(s).")
