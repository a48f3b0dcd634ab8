"""Support-staff commands: ``mentoring token inspect|verify`` and ``mentoring keys ...``.

Plain click groups without Flask, added to the ``mentoring`` command by server.cli.
"""
import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from signing import keystore, qr
from signing.errors import KeyStoreError, NoSigningKey, TokenError
from signing.keys import PublicKeyset
from signing.tokens import (
    KIND_PRESENTATION, KIND_SCANNER_RECORD, Presentation, ScannerRecord, TicketCredential,
    VoucherCredential, parse_unverified,
)
from signing.verify import (
    DEFAULT_MAX_SKEW_SECONDS, NO_REVOCATIONS, Revocations, Scope, verify_credential, verify_presentation,
    verify_scanner_record,
)

KIND_NAMES = {VoucherCredential: "voucher", TicketCredential: "ticket",
              Presentation: "presentation", ScannerRecord: "scanner_record"}


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp).astimezone().isoformat()


def describe(token) -> dict:
    """A token's fields as JSON-friendly values."""
    if isinstance(token, Presentation):
        return {"kind": "presentation", "time_step": token.time_step,
                "credential": describe(token.credential), "device_signature": token.signature.hex()}
    fields = {"kind": KIND_NAMES[type(token)]}
    for name, value in vars(token).items():
        if isinstance(value, bytes):
            value = value.hex()
        elif isinstance(value, (frozenset, tuple)):
            value = sorted(value)
        fields[name] = value
    for name in ("valid_from", "valid_until", "scanned_at"):
        if name in fields:
            fields[name + "_iso"] = _iso(fields[name])
    return fields


def _read_token(token_or_image: str) -> str:
    """The token text, from the argument itself or from a QR code in an image file.

    The text is taken exactly as given, as every verifier does: a space is a Base45
    digit, so trimming (even a line end) could turn a refused text into another token."""
    if os.path.isfile(token_or_image):
        texts = qr.decode_image(token_or_image)
        if not texts:
            raise click.ClickException(f"no QR code found in {token_or_image}")
        return texts[0]
    return token_or_image


def _read_revocations(path: str | None) -> Revocations:
    """A revocation list in the bootstrap bundle's format: ``{"entries": [{"kind": ..., "value": ...}]}``."""
    if path is None:
        return NO_REVOCATIONS
    try:
        return Revocations.from_entries(json.loads(Path(path).read_text())["entries"])
    except (KeyError, TypeError, ValueError) as exc:
        raise click.ClickException(f"cannot read the revocation list: {exc}") from None


def _parse_time(value: str | None) -> int:
    if value is None:
        return int(time.time())
    if value.isdigit():
        return int(value)
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("use unix seconds or ISO 8601, e.g. 2026-11-25T10:00:00+01:00") from None
    return int(moment.astimezone().timestamp())


@click.group("token")
def token():
    """Inspect and verify Mentoring tokens."""


@token.command("inspect")
@click.argument("token_or_image")
def inspect_command(token_or_image):
    """Show a token's fields WITHOUT verifying anything."""
    try:
        fields = describe(parse_unverified(_read_token(token_or_image)))
    except TokenError as error:
        click.echo(json.dumps({"verified": False, "code": error.code, "message": error.message}))
        sys.exit(error.exit_status)
    click.echo(json.dumps({"verified": False, "warning": "UNVERIFIED: signatures not checked",
                           "token": fields}, indent=2))


@token.command("verify")
@click.argument("token_or_image")
@click.option("--keys", "keys_path", type=click.Path(exists=True, dir_okay=False),
              help="Public issuer keyset (JWK Set JSON), as exported by 'mentoring keys export'.")
@click.option("--at", "at", help="Verify as of this time (unix seconds or ISO 8601); default now.")
@click.option("--venue", type=int, help="Check the scope for this venue id.")
@click.option("--category", type=int, help="Check the scope for this category code.")
@click.option("--event", type=int, help="Check a ticket is for this event id.")
@click.option("--skew", type=int, default=DEFAULT_MAX_SKEW_SECONDS, show_default=True,
              help="Allowed clock difference for presentations, in seconds.")
@click.option("--scanner-key", help="For scanner records: the scanner's public key, SEC1 hex.")
@click.option("--revocations", "revocations_path", type=click.Path(exists=True, dir_okay=False),
              help='Revocation list (JSON, as in the scanner bundle: {"entries": [{"kind": "voucher", '
                   '"value": "12"}, ...]}; kinds voucher, ticket, device_key in hex).')
def verify_command(token_or_image, keys_path, at, venue, category, event, skew, scanner_key, revocations_path):
    """Verify a token (text or an image with its QR code); print a JSON verdict.

    The text is read exactly as given (nothing is trimmed). Exits 0 when valid,
    otherwise with the reason's status (see docs/tokens.md)."""
    now = _parse_time(at)
    text = _read_token(token_or_image)
    revoked = _read_revocations(revocations_path)
    try:
        kind = parse_unverified(text).KIND
        if kind == KIND_SCANNER_RECORD:
            if not scanner_key:
                raise click.UsageError("a scanner record needs --scanner-key")
            verified = verify_scanner_record(text, scanner_key=bytes.fromhex(scanner_key))
        else:
            if not keys_path:
                raise click.UsageError("--keys is required for credentials and presentations")
            try:
                keys = PublicKeyset.from_jwks(json.loads(Path(keys_path).read_text()))
            except (KeyStoreError, ValueError) as exc:
                raise click.ClickException(f"cannot read the keyset: {exc}") from None
            if kind == KIND_PRESENTATION:
                scope = Scope(venue, category, event) if venue is not None else None
                verified = verify_presentation(text, keys=keys, now=now, scope=scope, revoked=revoked,
                                               max_skew_seconds=skew)
            else:
                verified = verify_credential(text, keys=keys, now=now, revoked=revoked)
    except TokenError as error:
        click.echo(json.dumps({"valid": False, "code": error.code, "message": error.message, "at": now}))
        sys.exit(error.exit_status)
    click.echo(json.dumps({"valid": True, "code": "ok", "at": now,
                           "scope_checked": venue is not None, "token": describe(verified)}, indent=2))


@click.group("keys")
@click.option("--instance", "instance_dir", envvar="MENTORING_INSTANCE_PATH", default="instance",
              show_default=True, type=click.Path(file_okay=False), help="Folder holding the key file.")
@click.pass_context
def keys(ctx, instance_dir):
    """Manage issuer signing keys (encrypted at rest with the key passphrase)."""
    ctx.obj = Path(instance_dir)


def _fail_on_keystore_error(function):
    def wrapper(*args, **kwargs):
        try:
            return function(*args, **kwargs)
        except KeyStoreError as error:
            raise click.ClickException(str(error)) from None
    wrapper.__name__ = function.__name__
    wrapper.__doc__ = function.__doc__
    return wrapper


@keys.command("init")
@click.pass_obj
@_fail_on_keystore_error
def init_command(instance_dir):
    """Create the first issuer key unless keys exist (idempotent)."""
    for line in keystore.init(instance_dir, now=int(time.time())):
        click.echo(line)


@keys.command("rotate")
@click.option("--activate-in", "activate_in_hours", type=int, default=48, show_default=True,
              help="Hours before the new key signs; at least the scanners' maximum data age.")
@click.pass_obj
@_fail_on_keystore_error
def rotate_command(instance_dir, activate_in_hours):
    """Add a new signing key; older keys keep verifying until they expire."""
    now = int(time.time())
    keyset = keystore.load(instance_dir).without_expired(now=now)
    try:
        key = keyset.rotate(now=now, activate_in_seconds=activate_in_hours * 3600)
    except NoSigningKey as error:
        raise click.ClickException(str(error)) from None
    keystore.save(instance_dir, keyset)
    click.echo(f"New issuer key {key.key_id} signs from {_iso(key.not_before)}; "
               f"{len(keyset.keys) - 1} older key(s) keep verifying.")


@keys.command("export")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file instead of stdout.")
@click.pass_obj
@_fail_on_keystore_error
def export_command(instance_dir, output):
    """Print the public keyset (JWK Set, RFC 8037) for scanners and support tools."""
    document = json.dumps(keystore.load(instance_dir).public().to_jwks(), indent=2)
    if output:
        Path(output).write_text(document + "\n")
    else:
        click.echo(document)
