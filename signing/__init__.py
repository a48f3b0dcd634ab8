"""Mentoring's token library: issuer keys, token formats, offline verification, QR.

Pure Python on top of ``cryptography``; it knows nothing of Flask or the database.
The byte layouts are specified in docs/tokens.md; the PWA's JavaScript verifier is
its twin and passes the same vectors (tests/vectors/).
"""
from signing.device import DeviceKey
from signing.errors import ERRORS_BY_CODE, Malformed, NoSigningKey, TokenError
from signing.issue import issue_ticket, issue_voucher, present, record_scan, time_step
from signing.keys import IssuerKeyset, PublicKeyset
from signing.tokens import (
    Presentation, ScannerRecord, TicketCredential, VoucherCredential, parse_unverified, to_text,
)
from signing.verify import (
    DEFAULT_MAX_SKEW_SECONDS, NO_REVOCATIONS, Revocations, Scope,
    verify_credential, verify_presentation, verify_scanner_record,
)

__all__ = [
    "DEFAULT_MAX_SKEW_SECONDS", "DeviceKey", "ERRORS_BY_CODE", "IssuerKeyset", "Malformed",
    "NO_REVOCATIONS", "NoSigningKey", "Presentation", "PublicKeyset", "Revocations",
    "ScannerRecord", "Scope", "TicketCredential", "TokenError", "VoucherCredential",
    "issue_ticket", "issue_voucher", "parse_unverified", "present", "record_scan",
    "time_step", "to_text", "verify_credential", "verify_presentation", "verify_scanner_record",
]
