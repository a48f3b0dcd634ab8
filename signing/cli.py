"""Support-staff commands for tokens and issuer keys (click groups, no Flask)."""
import click


@click.group("token")
def token():
    """Inspect and verify Mentoring tokens."""


@click.group("keys")
def keys():
    """Manage issuer signing keys."""
