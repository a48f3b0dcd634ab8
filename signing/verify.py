"""Verifying tokens offline, with an injected clock.

Order of checks (docs/tokens.md, "Verification"): structure, issuer key id,
issuer signature, device signature, revocation, validity window, time step, scope.
Only structure and the key id are read before the issuer signature is checked; no
other field is believed until then.
"""
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature

from signing import device
from signing.errors import (
    BadDeviceSignature, BadScannerSignature, BadSignature, Expired, FuturePresentation,
    NotYetValid, OutOfScope, Revoked, StalePresentation,
)
from signing.keys import PublicKeyset
from signing.tokens import (
    KIND_PRESENTATION, KIND_SCANNER_RECORD, KIND_TICKET, KIND_VOUCHER, SIGNATURE_LENGTH, STEP_SECONDS,
    Credential, Presentation, ScannerRecord, TicketCredential, VoucherCredential, read_unverified,
)

#: How far apart the wallet's and the scanner's clocks may be (operators can change it).
DEFAULT_MAX_SKEW_SECONDS = 90


@dataclass(frozen=True)
class Revocations:
    """What the revocation list says. Device keys as 33-byte compressed points."""

    voucher_ids: frozenset[int] = field(default_factory=frozenset)
    ticket_ids: frozenset[int] = field(default_factory=frozenset)
    device_keys: frozenset[bytes] = field(default_factory=frozenset)

    @classmethod
    def from_entries(cls, entries) -> "Revocations":
        """From the bootstrap bundle's list: ``[{"kind": "voucher" | "ticket" | "device_key",
        "value": "12"}, ...]``, ids in decimal, device keys in hex. Kinds this version does
        not know are skipped, as the scanner does (pwa/src/tokens/verify.js
        ``revocationsFromEntries``); a value that cannot be read raises ``ValueError``."""
        lists = {"voucher": set(), "ticket": set(), "device_key": set()}
        for entry in entries:
            try:
                kind, value = entry["kind"], entry["value"]
                if kind == "device_key":
                    lists[kind].add(bytes.fromhex(value))
                elif kind in lists:
                    lists[kind].add(int(value))
            except (KeyError, TypeError, ValueError):
                raise ValueError(f"unreadable revocation entry: {entry!r}") from None
        return cls(frozenset(lists["voucher"]), frozenset(lists["ticket"]), frozenset(lists["device_key"]))


NO_REVOCATIONS = Revocations()


@dataclass(frozen=True)
class Scope:
    """Where and on what the credential is being spent: the scanner's venue, the
    category of the event or course bought, and the event for tickets."""

    venue_id: int
    category: int | None = None
    event_id: int | None = None


def _check_issuer_signature(credential: Credential, signed: bytes, keys: PublicKeyset, now: int) -> None:
    issuer_key = keys.key_for(credential.key_id, now)
    try:
        issuer_key.public_key.verify(credential.signature, signed)
    except InvalidSignature:
        raise BadSignature() from None


def _check_credential_fields(credential: Credential, now: int, revoked: Revocations) -> None:
    if isinstance(credential, VoucherCredential):
        if credential.voucher_id in revoked.voucher_ids:
            raise Revoked("this voucher has been frozen")
    elif credential.ticket_id in revoked.ticket_ids:
        raise Revoked("this ticket has been cancelled")
    if credential.device_key in revoked.device_keys:
        raise Revoked("this wallet device has been revoked")
    # Both ends included (docs/tokens.md, step 6): valid at exactly valid_until.
    if now < credential.valid_from:
        raise NotYetValid()
    if now > credential.valid_until:
        raise Expired()


def _check_scope(credential: Credential, scope: Scope) -> None:
    if isinstance(credential, VoucherCredential):
        if credential.venue_ids and scope.venue_id not in credential.venue_ids:
            raise OutOfScope("this voucher cannot be spent at this venue")
        if scope.category is None or scope.category not in credential.categories:
            raise OutOfScope("this voucher cannot be spent on this category")
    else:
        if credential.venue_id != scope.venue_id:
            raise OutOfScope("this ticket is for another venue")
        if scope.event_id is not None and credential.event_id != scope.event_id:
            raise OutOfScope("this ticket is for another event")


def verify_credential(text: str, *, keys: PublicKeyset, now: int,
                      revoked: Revocations = NO_REVOCATIONS) -> Credential:
    """A voucher or ticket credential as issued (what the wallet stores)."""
    credential, data = read_unverified(text, expected_kinds=(KIND_VOUCHER, KIND_TICKET))
    _check_issuer_signature(credential, data[:-SIGNATURE_LENGTH], keys, now)
    _check_credential_fields(credential, now, revoked)
    return credential


def verify_presentation(text: str, *, keys: PublicKeyset, now: int, scope: Scope | None,
                        revoked: Revocations = NO_REVOCATIONS,
                        max_skew_seconds: int = DEFAULT_MAX_SKEW_SECONDS) -> Presentation:
    """What a scanner checks at the door. ``scope=None`` skips the scope check and must be
    said explicitly (support tools only); a scanner always passes its venue."""
    presentation = verify_presentation_signatures(text, keys=keys, now=now)
    check_presentation(presentation, now=now, scope=scope, revoked=revoked, max_skew_seconds=max_skew_seconds)
    return presentation


def verify_presentation_signatures(text: str, *, keys: PublicKeyset, now: int) -> Presentation:
    """Steps 1-4 only: structure, key id, issuer and device signatures. The result is
    authentic but NOT yet acceptable: ``check_presentation`` must follow. (The server's
    sync does the costly signature work first, outside any database transaction.)"""
    presentation, data = read_unverified(text, expected_kinds=(KIND_PRESENTATION,))
    credential = presentation.credential
    credential_end = 2 + data[1]
    _check_issuer_signature(credential, data[2:credential_end - SIGNATURE_LENGTH], keys, now)
    device_key = device.load_public_key(credential.device_key)
    if device_key is None or not device.verify(device_key, presentation.signature, data[:-SIGNATURE_LENGTH]):
        raise BadDeviceSignature()
    return presentation


def check_presentation(presentation: Presentation, *, now: int, scope: Scope | None, revoked: Revocations,
                       max_skew_seconds: int = DEFAULT_MAX_SKEW_SECONDS) -> None:
    """Steps 5-8 on a presentation whose signatures were verified: revocation, validity,
    time step, scope."""
    credential = presentation.credential
    _check_credential_fields(credential, now, revoked)
    # The step's 15 s interval must overlap [now - skew, now + skew].
    step_start = presentation.time_step * STEP_SECONDS
    if step_start + STEP_SECONDS <= now - max_skew_seconds:
        raise StalePresentation()
    if step_start > now + max_skew_seconds:
        raise FuturePresentation("the wallet's clock is ahead: check the phone's time")
    if scope is not None:
        _check_scope(credential, scope)


def verify_scanner_record(text: str, *, scanner_key: bytes) -> ScannerRecord:
    """A scanner's signed decision, checked against the key enrolled for that scanner."""
    record, data = read_unverified(text, expected_kinds=(KIND_SCANNER_RECORD,))
    public_key = device.load_public_key(scanner_key)
    if public_key is None or not device.verify(public_key, record.signature, data[:-SIGNATURE_LENGTH]):
        raise BadScannerSignature()
    return record
