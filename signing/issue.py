"""Making tokens: issuer-signed credentials, wallet presentations, scanner records."""
import dataclasses

from signing.device import DeviceKey
from signing.keys import IssuerKeyset
from signing import base45
from signing.tokens import (
    DEVICE_KEY_LENGTH, KIND_VOUCHER, PREFIXES, STEP_SECONDS, Credential, Presentation, ScannerRecord,
    TicketCredential, VoucherCredential,
)


def time_step(now: int) -> int:
    """The presentation time step containing unix time ``now``."""
    return int(now) // STEP_SECONDS


def _whole_hours(valid_from: int, valid_until: int) -> tuple[int, int]:
    """Tokens carry validity in whole hours: widen the window to the hours around it."""
    return valid_from - valid_from % 3600, -(-valid_until // 3600) * 3600


def _sign(keyset: IssuerKeyset, unsigned, *, now: int):
    key = keyset.signing_key(now=now, valid_until=unsigned.valid_until)
    keyed = dataclasses.replace(unsigned, key_id=key.key_id)
    return dataclasses.replace(keyed, signature=key.private_key.sign(keyed.body()))


def issue_voucher(keyset: IssuerKeyset, *, now: int, voucher_id: int, campaign_id: int,
                  categories, offline_allowance_cents: int, valid_from: int, valid_until: int,
                  device_key: bytes, venue_ids=()) -> VoucherCredential:
    """A voucher credential signed with the newest issuer key that outlives it."""
    valid_from, valid_until = _whole_hours(valid_from, valid_until)
    unsigned = VoucherCredential(0, voucher_id, campaign_id, frozenset(categories), offline_allowance_cents,
                                 valid_from, valid_until, device_key, tuple(venue_ids))
    return _sign(keyset, unsigned, now=now)


def issue_ticket(keyset: IssuerKeyset, *, now: int, ticket_id: int, event_id: int, venue_id: int,
                 valid_from: int, valid_until: int, device_key: bytes) -> TicketCredential:
    valid_from, valid_until = _whole_hours(valid_from, valid_until)
    unsigned = TicketCredential(0, ticket_id, event_id, venue_id, valid_from, valid_until, device_key)
    return _sign(keyset, unsigned, now=now)


def present(credential: Credential, device: DeviceKey, *, now: int, deterministic: bool = False) -> Presentation:
    """What the wallet shows at the door (in Python: for tests, vectors and benchmarks;
    the PWA makes its own with WebCrypto)."""
    unsigned = Presentation(credential, time_step(now))
    return dataclasses.replace(unsigned, signature=device.sign(unsigned.body(), deterministic=deterministic))


def record_scan(scanner: DeviceKey, *, record_id: bytes, scanner_id: int, scanned_at: int, event_id: int,
                amount_cents: int, result: str, scanned_text: str, phone_at: int | None = None,
                deterministic: bool = False) -> ScannerRecord:
    """``scanned_at`` on the server's time as the scanner knows it; ``phone_at`` the phone's
    own clock, when the two may differ (None: the record has no clock trailer)."""
    unsigned = ScannerRecord(record_id, scanner_id, scanned_at, event_id, amount_cents, result, scanned_text,
                             phone_at=phone_at)
    return dataclasses.replace(unsigned, signature=scanner.sign(unsigned.body(), deterministic=deterministic))


def issue_vouchers_batch(keyset: IssuerKeyset, *, now: int, campaign_id: int, categories,
                         offline_allowance_cents: int, valid_from: int, valid_until: int,
                         holders: list[tuple[int, bytes]]) -> list[str]:
    """Credential texts for many vouchers of one campaign at once: ``holders`` are
    (voucher id, wallet device key). Byte for byte what ``to_text(issue_voucher(...))``
    gives (Ed25519 is deterministic), without building an object per voucher: the
    fields they share are packed once."""
    valid_from, valid_until = _whole_hours(valid_from, valid_until)
    key = keyset.signing_key(now=now, valid_until=valid_until)
    template = VoucherCredential(key.key_id, 0, campaign_id, frozenset(categories), offline_allowance_cents,
                                 valid_from, valid_until, bytes(DEVICE_KEY_LENGTH))
    body = template.body()  # header, key id, voucher id (0), shared fields, device key
    head, shared = body[:2], body[6:-DEVICE_KEY_LENGTH]
    sign, prefix = key.private_key.sign, PREFIXES[KIND_VOUCHER]
    texts = []
    for voucher_id, device_key in holders:
        if len(device_key) != DEVICE_KEY_LENGTH:
            raise ValueError("device keys are 33-byte compressed points")
        signed = head + voucher_id.to_bytes(4, "big") + shared + device_key
        texts.append(prefix + base45.encode(signed + sign(signed)))
    return texts
