"""The one exception hierarchy of the token library.

Every failure to decode or verify a token raises a subclass of ``TokenError`` with
a stable ``code`` string (used in API problems, scanner verdicts, test vectors and
the CLI's exit status). Nothing else escapes the decoders: no ``IndexError``,
``ValueError`` or ``struct.error`` from deep inside.
"""


class TokenError(Exception):
    """A token could not be accepted. ``code`` is stable; the message is for humans."""

    code = "token_error"
    #: Process exit status used by ``mentoring token verify`` (documented in docs/tokens.md).
    exit_status = 1

    def __init__(self, message: str | None = None):
        super().__init__(message or self.__doc__.strip().splitlines()[0])

    @property
    def message(self) -> str:
        return str(self)


class Malformed(TokenError):
    """The token is not a well-formed Mentoring token."""

    code = "malformed"
    exit_status = 10


class UnsupportedVersion(Malformed):
    """The token uses a format version this software does not know."""

    code = "unsupported_version"
    exit_status = 11


class WrongKind(Malformed):
    """The token is of another kind than the one expected here."""

    code = "wrong_kind"
    exit_status = 12


class UnknownKey(TokenError):
    """No issuer key with this key id is valid at this time."""

    code = "unknown_key"
    exit_status = 20


class BadSignature(TokenError):
    """The issuer signature does not match the token."""

    code = "bad_signature"
    exit_status = 21


class BadDeviceSignature(TokenError):
    """The wallet device signature of the presentation does not match."""

    code = "bad_device_signature"
    exit_status = 22


class BadScannerSignature(TokenError):
    """The scanner signature of the record does not match the enrolled scanner key."""

    code = "bad_scanner_signature"
    exit_status = 23


class Expired(TokenError):
    """The credential's validity window has ended."""

    code = "expired"
    exit_status = 30


class NotYetValid(TokenError):
    """The credential's validity window has not started yet."""

    code = "not_yet_valid"
    exit_status = 31


class StalePresentation(TokenError):
    """The presentation's time step is too old: it may be a screenshot or a replay."""

    code = "stale_presentation"
    exit_status = 32


class FuturePresentation(TokenError):
    """The presentation's time step is ahead of this clock by more than the allowed skew."""

    code = "future_presentation"
    exit_status = 33


class Revoked(TokenError):
    """The credential, its voucher or its device key has been revoked."""

    code = "revoked"
    exit_status = 40


class OutOfScope(TokenError):
    """The credential may not be spent on this venue, category or event."""

    code = "out_of_scope"
    exit_status = 41


ALL_ERRORS = (
    Malformed,
    UnsupportedVersion,
    WrongKind,
    UnknownKey,
    BadSignature,
    BadDeviceSignature,
    BadScannerSignature,
    Expired,
    NotYetValid,
    StalePresentation,
    FuturePresentation,
    Revoked,
    OutOfScope,
)
ERRORS_BY_CODE = {cls.code: cls for cls in ALL_ERRORS}


class SigningError(Exception):
    """A token could not be *made* (a programming or configuration error, not bad input)."""


class NoSigningKey(SigningError):
    """No issuer key is valid for the whole life of the credential to be signed."""


class KeyStoreError(Exception):
    """The issuer key file is unreadable, tampered with or the passphrase is wrong."""
