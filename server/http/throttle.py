"""Rate limits: what is counted, per whom, and how a refusal reads.

Every limit is Flask-Limiter's, counted in its storage (Redis when ``REDIS_URL`` is
set, so all workers share the counts; memory, per process, otherwise) with the
moving-window strategy, so a burst cannot straddle two fixed windows.

Two kinds of key:

- **per subject**, the tight ones: an account (login, password change), a wallet
  (claims), a device key (wallet login), a scanner (sync). An attacker who rotates
  addresses still counts against the account or wallet they aim at.
- **per address**, loose ceilings against floods. A school puts a class of 30 phones
  behind one NAT address, a venue its scanners, a mobile carrier thousands of phones:
  these ceilings are sized for a class claiming its vouchers within a minute. The
  address is the client's as the trusted proxies report it (``TRUSTED_PROXY_HOPS``,
  server/__init__.py), never a client-chosen header otherwise.

Keys for accounts and devices are keyed hashes: the limiter's storage holds no e-mail
addresses.
"""
import hashlib
import hmac
import math
import time

from flask import current_app, request
from flask_limiter import RateLimitExceeded, RequestLimit
from flask_limiter.util import get_remote_address
from limits import parse

from server.accounts import api as accounts_api
from server.errors import InvalidInput
from server.extensions import limiter
from server.http import auth, problems

# Per address.
LOGIN_PER_ADDRESS = "10 per minute"
# 30 phones behind one school address, each opening its wallet and claiming, with a few
# retries and typos: four requests a phone a minute.
CLASSROOM_PER_ADDRESS = "120 per minute"
# Scanners of several venues may share a carrier's address; each also has its own limit.
SYNC_PER_ADDRESS = "600 per minute"

# Per subject.
# Password attempts (right or wrong) on one account, from anywhere: past this the account
# is locked until the oldest attempt leaves the window, and its owner gets a mail.
ATTEMPTS_PER_ACCOUNT = "10 per 15 minutes"
ACCOUNT_SCOPE = "account-password"
MAGIC_LINKS_PER_ADDRESS_ASKED = "5 per 15 minutes"  # one inbox is not flooded from many clients
CLAIMS_PER_WALLET = "10 per minute"
WALLET_LOGINS_PER_DEVICE = "10 per minute"
SYNCS_PER_SCANNER = "120 per minute"
# Typed door codes (server/door/typed.py): a door lets in a few people a minute by typed
# code; a guesser gets 20 tries a minute per phone (and per voucher, 5 wrong in 15 minutes).
TYPED_CODES_PER_SCANNER = "20 per minute"

# One lockout mail per account per window, however long the attack goes on.
_LOCKOUT_NOTICES = parse("1 per 15 minutes")

# The clock the limits count with (the `limits` storages read time.time()); a module
# attribute so that a test can move both together.
clock = time.time


def _keyed(kind: str, text: str) -> str:
    digest = hmac.new(current_app.secret_key.encode(), f"{kind}:{text}".encode(), hashlib.sha256)
    return f"{kind}:{digest.hexdigest()}"


def _body_text(name: str) -> str | None:
    body = request.get_json(silent=True)
    value = body.get(name) if isinstance(body, dict) else None
    return value.strip().lower() if isinstance(value, str) and value.strip() else None


def address() -> str:
    return get_remote_address()


def _account(email: str) -> str:
    """Every spelling of one address (case, Unicode forms) counts as the account's."""
    try:
        email = accounts_api.normal_email(email)
    except InvalidInput:
        pass  # no address: no account to protect, but still one key per text
    return _keyed("account", email)


def requested_account() -> str:
    """The account a login names (its e-mail in the body), known or not: an unknown
    address is limited alike, so a 429 tells nothing about which accounts exist."""
    email = _body_text("email")
    return _account(email) if email else address()


def current_account() -> str:
    """The logged-in member's account (a password change): the same key as their login."""
    user = auth.current_user()
    return _account(user.email) if user is not None else address()


def requested_inbox() -> str:
    email = _body_text("email")
    return _keyed("magic-link", email) if email else address()


def requesting_device() -> str:
    device_key = _body_text("device_key")
    return _keyed("device", device_key) if device_key else address()


def requesting_wallet() -> str:
    """The wallet of a verified bearer token; a request without one is counted by address
    (and refused by the route)."""
    wallet = auth.verified_wallet()
    return f"wallet:{wallet.id}" if wallet is not None else address()


def scanner_in_path() -> str:
    """Sync needs no login (each record proves its scanner): the scanner id in the path."""
    return f"scanner:{(request.view_args or {}).get('scanner_id')}"


def account_locked(request_limit: RequestLimit) -> None:
    """on_breach of the per-account limit: mail the account's owner, once a window."""
    if request.endpoint == "accounts.change_password":
        user = auth.current_user()
        email = user.email if user is not None else None
    else:
        email = _body_text("email")
    if email is None or not limiter.limiter.hit(_LOCKOUT_NOTICES, "lockout-notice", request_limit.key):
        return
    accounts_api.send_lockout_notice(email=email, minutes=request_limit.limit.get_expiry() // 60)


def retry_after_seconds() -> int:
    """Whole seconds until every breached limit of this request has a free slot again.
    A moving window still counts an attempt at exactly its reset time, hence the second
    past it rather than the reset time rounded up."""
    now = clock()
    waits = [limit.window.reset_time - now for limit in limiter.current_limits if limit.breached]
    if not waits and limiter.current_limit is not None:
        waits = [limiter.current_limit.window.reset_time - now]
    return max(1, math.floor(max(waits, default=59)) + 1)


def refused(error: RateLimitExceeded):
    """The error handler of every limit: problem+json with when to retry."""
    return problems.too_many_requests(retry_after_seconds())
