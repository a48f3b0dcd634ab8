"""Token layouts (format version 1) and their text form. See docs/tokens.md.

This module only turns bytes into objects and back. It checks structure, never
signatures: ``parse_unverified`` says so in its name, and nothing it returns may be
trusted before ``signing.verify`` has checked it.
"""
import functools
import struct
from dataclasses import dataclass, field
from typing import ClassVar, Union

from signing import base45
from signing.errors import Malformed, UnsupportedVersion, WrongKind

FORMAT_VERSION = 1
SIGNATURE_LENGTH = 64  # Ed25519, and ECDSA P-256 as r || s (32 bytes each)
DEVICE_KEY_LENGTH = 33  # SEC1 compressed P-256 point
MAX_VENUES = 4  # more would push a presentation past QR version 10 at level M
MAX_SCANNED_PAYLOAD = 1024
#: Presentations rotate: the wallet signs the current step, floor(unix time / STEP_SECONDS).
STEP_SECONDS = 15
MAX_TOKEN_TEXT = 4096  # far above any real token; refuse before doing any work

KIND_VOUCHER = 1
KIND_TICKET = 2
KIND_PRESENTATION = 3
KIND_SCANNER_RECORD = 4

PREFIXES = {KIND_VOUCHER: "MV:", KIND_TICKET: "MT:", KIND_PRESENTATION: "MP:", KIND_SCANNER_RECORD: "MR:"}
KIND_BY_PREFIX = {prefix: kind for kind, prefix in PREFIXES.items()}

_U32_MAX = 0xFFFFFFFF


def _u32(name: str, value: int) -> int:
    if not isinstance(value, int) or not 0 <= value <= _U32_MAX:
        raise ValueError(f"{name} must be an integer in 0..{_U32_MAX}, got {value!r}")
    return value


MAX_CATEGORIES = 16  # category codes 0..15, assigned by the taxonomy configuration
MAX_OFFLINE_ALLOWANCE_CENTS = 0xFFFF  # 655.35 EUR; larger purchases are booked online
MAX_VALIDITY_HOURS = 0xFFFF


def categories_to_mask(categories) -> int:
    mask = 0
    for code in categories:
        if not isinstance(code, int) or not 0 <= code < MAX_CATEGORIES:
            raise ValueError(f"category codes are 0..{MAX_CATEGORIES - 1}, got {code!r}")
        mask |= 1 << code
    return mask


@functools.lru_cache(maxsize=1024)
def mask_to_categories(mask: int) -> frozenset[int]:
    return frozenset(code for code in range(MAX_CATEGORIES) if mask >> code & 1)


def _header(kind: int) -> bytes:
    return bytes(((FORMAT_VERSION << 4) | kind,))


def _pack_validity(valid_from: int, valid_until: int) -> bytes:
    """Validity is whole hours: 3 bytes of start hour (unix time / 3600), 2 of length."""
    if valid_from % 3600 or valid_until % 3600:
        raise ValueError("validity bounds must be whole hours (use issue_* which rounds them)")
    hours = (valid_until - valid_from) // 3600
    if not 0 <= hours <= MAX_VALIDITY_HOURS or not 0 <= valid_from // 3600 < 1 << 24:
        raise ValueError("validity window out of range")
    return (valid_from // 3600).to_bytes(3, "big") + hours.to_bytes(2, "big")


def _validity(start_hour: bytes, hours: int) -> tuple[int, int]:
    start = int.from_bytes(start_hour, "big")
    return start * 3600, (start + hours) * 3600


# Fixed parts of the layouts after the header byte (docs/tokens.md).
_VOUCHER_FIXED = struct.Struct(">BIIHH3sH33s")
_TICKET = struct.Struct(">BIII3sH33s64s")
_RECORD_FIXED = struct.Struct(">16sIIIIBH")
_U8 = struct.Struct(">B")
_U32 = struct.Struct(">I")
_VENUES = [struct.Struct(f">{count}I") for count in range(MAX_VENUES + 1)]


class _Reader:
    """Reads fixed-width fields; running past the end is ``Malformed``, not ``struct.error``."""

    def __init__(self, data: bytes):
        self.data = data
        self.offset = 0

    def take(self, length: int) -> bytes:
        end = self.offset + length
        if end > len(self.data):
            raise Malformed("token is truncated")
        chunk = self.data[self.offset:end]
        self.offset = end
        return chunk

    def unpack(self, layout: struct.Struct):
        return layout.unpack(self.take(layout.size))

    def remaining(self) -> int:
        return len(self.data) - self.offset

    def finish(self) -> None:
        if self.offset != len(self.data):
            raise Malformed("token has trailing bytes")


@dataclass(frozen=True)
class VoucherCredential:
    """What a voucher may do while nobody can check online. Signed by an issuer key."""

    KIND: ClassVar[int] = KIND_VOUCHER
    key_id: int
    voucher_id: int
    campaign_id: int
    categories: frozenset[int]
    offline_allowance_cents: int
    valid_from: int
    valid_until: int
    device_key: bytes
    venue_ids: tuple[int, ...] = ()
    signature: bytes = field(default=b"", repr=False)

    def body(self) -> bytes:
        """The signed bytes: everything before the signature."""
        if len(self.device_key) != DEVICE_KEY_LENGTH or len(self.venue_ids) > MAX_VENUES:
            raise ValueError(f"device key must be 33 bytes and at most {MAX_VENUES} venues")
        if not 0 <= self.offline_allowance_cents <= MAX_OFFLINE_ALLOWANCE_CENTS:
            raise ValueError("offline allowance out of range")
        return (
            _header(KIND_VOUCHER)
            + struct.pack(">BIIHH", self.key_id, _u32("voucher_id", self.voucher_id),
                          _u32("campaign_id", self.campaign_id), categories_to_mask(self.categories),
                          self.offline_allowance_cents)
            + _pack_validity(self.valid_from, self.valid_until)
            + self.device_key
            + b"".join(struct.pack(">I", _u32("venue_id", v)) for v in self.venue_ids)
        )

    def to_bytes(self) -> bytes:
        return self.body() + self.signature

    @classmethod
    def _read(cls, reader: _Reader) -> "VoucherCredential":
        key_id, voucher_id, campaign_id, mask, allowance, start_hour, hours, device_key = (
            reader.unpack(_VOUCHER_FIXED))
        valid_from, valid_until = _validity(start_hour, hours)
        # The venue list has no count: it fills what is left before the signature.
        venue_bytes = reader.remaining() - SIGNATURE_LENGTH
        if venue_bytes < 0 or venue_bytes % 4 or venue_bytes // 4 > MAX_VENUES:
            raise Malformed("bad venue scope length")
        venue_ids = reader.unpack(_VENUES[venue_bytes // 4])
        return cls(key_id, voucher_id, campaign_id, mask_to_categories(mask), allowance,
                   valid_from, valid_until, device_key, venue_ids, reader.take(SIGNATURE_LENGTH))


@dataclass(frozen=True)
class TicketCredential:
    """A booked place at one event, bound to the wallet's device key. Signed by an issuer key."""

    KIND: ClassVar[int] = KIND_TICKET
    key_id: int
    ticket_id: int
    event_id: int
    venue_id: int
    valid_from: int
    valid_until: int
    device_key: bytes
    signature: bytes = field(default=b"", repr=False)

    def body(self) -> bytes:
        if len(self.device_key) != DEVICE_KEY_LENGTH:
            raise ValueError("device key must be 33 bytes")
        return (
            _header(KIND_TICKET)
            + struct.pack(">BIII", self.key_id, _u32("ticket_id", self.ticket_id),
                          _u32("event_id", self.event_id), _u32("venue_id", self.venue_id))
            + _pack_validity(self.valid_from, self.valid_until)
            + self.device_key
        )

    def to_bytes(self) -> bytes:
        return self.body() + self.signature

    @classmethod
    def _read(cls, reader: _Reader) -> "TicketCredential":
        key_id, ticket_id, event_id, venue_id, start_hour, hours, device_key, signature = (
            reader.unpack(_TICKET))
        valid_from, valid_until = _validity(start_hour, hours)
        return cls(key_id, ticket_id, event_id, venue_id, valid_from, valid_until, device_key, signature)


Credential = Union[VoucherCredential, TicketCredential]


@dataclass(frozen=True)
class Presentation:
    """A credential plus the wallet's device signature over it and the current time step."""

    KIND: ClassVar[int] = KIND_PRESENTATION
    credential: Credential
    time_step: int
    signature: bytes = field(default=b"", repr=False)

    def body(self) -> bytes:
        credential = self.credential.to_bytes()
        return (_header(KIND_PRESENTATION) + bytes((len(credential),))
                + credential + struct.pack(">I", _u32("time_step", self.time_step)))

    def to_bytes(self) -> bytes:
        return self.body() + self.signature

    @classmethod
    def _read(cls, reader: _Reader) -> "Presentation":
        (length,) = reader.unpack(_U8)
        credential = _parse_binary(reader.take(length), expected=(KIND_VOUCHER, KIND_TICKET))
        (time_step,) = reader.unpack(_U32)
        return cls(credential, time_step, reader.take(SIGNATURE_LENGTH))


@dataclass(frozen=True)
class ScannerRecord:
    """One decision of a scanner (accepted or refused), signed by its enrolled key, for sync."""

    KIND: ClassVar[int] = KIND_SCANNER_RECORD
    record_id: bytes  # 16 bytes, generated on the scanner (a UUID)
    scanner_id: int
    scanned_at: int
    event_id: int  # 0 when the scan is not for an event (pay at the door with a typed price)
    amount_cents: int
    result: str  # "accepted" or a refusal code, see RESULT_CODES
    scanned_text: str  # exactly what the camera or the keyboard gave, even if unreadable
    signature: bytes = field(default=b"", repr=False)
    # The phone's own clock at the scan when ``scanned_at`` is corrected by the server's
    # time (docs/tokens.md, clock trailer); None in records without the trailer, whose
    # scan time is the phone's clock as it was.
    phone_at: int | None = None

    def body(self) -> bytes:
        payload = self.scanned_text.encode("utf-8")
        if len(self.record_id) != 16 or len(payload) > MAX_SCANNED_PAYLOAD:
            raise ValueError("record id must be 16 bytes and the scanned text at most 1024 bytes")
        return _header(KIND_SCANNER_RECORD) + struct.pack(
            ">16sIIIIBH",
            self.record_id,
            _u32("scanner_id", self.scanner_id), _u32("scanned_at", self.scanned_at),
            _u32("event_id", self.event_id), _u32("amount_cents", self.amount_cents),
            RESULT_NUMBERS[self.result], len(payload),
        ) + payload + (b"" if self.phone_at is None else _U32.pack(_u32("phone_at", self.phone_at)))

    def to_bytes(self) -> bytes:
        return self.body() + self.signature

    @classmethod
    def _read(cls, reader: _Reader) -> "ScannerRecord":
        record_id, scanner_id, scanned_at, event_id, amount, result, length = reader.unpack(_RECORD_FIXED)
        if result not in RESULT_CODES:
            raise Malformed("unknown scanner result code")
        if length > MAX_SCANNED_PAYLOAD:
            raise Malformed("scanned text too long")
        try:
            scanned_text = reader.take(length).decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("scanned text is not UTF-8") from None
        # The optional clock trailer: exactly 4 bytes between the text and the signature.
        trailer = reader.remaining() - SIGNATURE_LENGTH
        if trailer > 0 and trailer != _U32.size:
            raise Malformed("scanner record has a trailer of unknown length")
        phone_at = reader.unpack(_U32)[0] if trailer == _U32.size else None
        return cls(record_id, scanner_id, scanned_at, event_id, amount, RESULT_CODES[result],
                   scanned_text, reader.take(SIGNATURE_LENGTH), phone_at)


Token = Union[VoucherCredential, TicketCredential, Presentation, ScannerRecord]
_CLASSES = {cls.KIND: cls for cls in (VoucherCredential, TicketCredential, Presentation, ScannerRecord)}

#: Verdicts a scanner records, as one byte. Numbers are part of the format: never reuse one.
RESULT_CODES = {
    0: "accepted",
    10: "malformed", 11: "unsupported_version", 12: "wrong_kind",
    20: "unknown_key", 21: "bad_signature", 22: "bad_device_signature",
    30: "expired", 31: "not_yet_valid", 32: "stale_presentation", 33: "future_presentation",
    40: "revoked", 41: "out_of_scope",
    # Decided by the scanner's own memory and data, not by the token alone.
    50: "already_presented", 51: "allowance_exceeded", 52: "scanner_data_stale",
    53: "scanner_retired",  # the scanner knows its venue retired it: every scan is refused
    # Its clock is further from the server's than any correction may reach: it decides red.
    54: "scanner_clock_wrong",
}
RESULT_NUMBERS = {code: number for number, code in RESULT_CODES.items()}


def _parse_binary(data: bytes, *, expected: tuple[int, ...]) -> Token:
    if not data:
        raise Malformed("token is empty")
    version, kind = data[0] >> 4, data[0] & 0x0F
    if version != FORMAT_VERSION:
        raise UnsupportedVersion(f"format version {version} is not supported")
    if kind not in expected:
        raise WrongKind(f"token kind {kind} is not expected here")
    reader = _Reader(data)
    reader.take(1)
    token = _CLASSES[kind]._read(reader)
    reader.finish()
    return token


def to_text(token: Token) -> str:
    """The token as its QR text: prefix + Base45 of the binary layout."""
    return PREFIXES[token.KIND] + base45.encode(token.to_bytes())


def parse_unverified(text: str, *, expected_kinds: tuple[int, ...] = tuple(_CLASSES)) -> Token:
    """Parse a token's text WITHOUT checking any signature. Never trust the result as is."""
    return read_unverified(text, expected_kinds=expected_kinds)[0]


def read_unverified(text: str, *, expected_kinds: tuple[int, ...] = tuple(_CLASSES)) -> tuple[Token, bytes]:
    """Like ``parse_unverified``, also returning the binary form: verifiers check
    signatures over the bytes as received, not over a re-encoding."""
    # No stripping: a space is a Base45 digit, so trimming could change the token.
    if not isinstance(text, str):
        raise Malformed("a token is text")
    if len(text) > MAX_TOKEN_TEXT:
        raise Malformed("token is too long")
    kind = KIND_BY_PREFIX.get(text[:3])
    if kind is None:
        raise Malformed("not a Mentoring token: unknown prefix")
    if kind not in expected_kinds:
        raise WrongKind(f"a {PREFIXES[kind]} token is not expected here")
    data = base45.decode(text[3:])
    if data and data[0] >> 4 == FORMAT_VERSION and data[0] & 0x0F != kind:
        raise Malformed("the prefix and the token kind disagree")
    return _parse_binary(data, expected=(kind,)), data
