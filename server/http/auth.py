"""Who is calling: a member (session cookie), a platform admin, or a wallet (bearer).

Members log in and get a signed session cookie (HttpOnly, SameSite=Lax, Secure
outside development) naming a session kept on the server (server/accounts/sessions.py:
logout and the rest end it at once), plus a CSRF token that every cookie-authenticated
write must echo in ``X-CSRF-Token``. Wallets hold no cookie: they send
``Authorization: Bearer`` with a token they obtained by signing a challenge with their
device key, so they are not exposed to CSRF.
"""
import hmac
import secrets
from datetime import datetime, timezone

from flask import current_app, g, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from server.accounts import sessions
from server.accounts.models import User, Wallet
from server.errors import Forbidden, Unauthenticated
from server.extensions import db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
WALLET_TOKEN_MAX_AGE = 30 * 24 * 3600


def _now() -> datetime:
    return datetime.now(timezone.utc)


def log_in(user: User, *, now: datetime | None = None) -> str:
    """Start a member session; returns the CSRF token the client must send back."""
    session.clear()
    session.permanent = True
    session["sid"] = sessions.start(user=user, now=now or _now(), lifetime=current_app.permanent_session_lifetime)
    session["csrf"] = secrets.token_urlsafe(24)
    g.current_user = user
    return session["csrf"]


def csrf_token() -> str | None:
    """The current member session's CSRF token (a reloaded PWA reads it from /auth/me)."""
    return session.get("csrf") if current_user() is not None else None


def log_out() -> None:
    """End this browser's session on the server too: a copy of the cookie is worth nothing."""
    sessions.end(session.get("sid"))
    session.clear()
    g.current_user = None


def check_csrf() -> None:
    """before_request hook: cookie-authenticated writes must carry the session's token.

    Skipped only for a request whose wallet bearer token verifies (a wallet holds no
    cookie, and a page of another site cannot set that header), never for the mere
    presence of an ``Authorization`` header; and when the cookie names no live session,
    as it then carries no authority a forged request could borrow."""
    if request.method in SAFE_METHODS or _ignores_the_cookie() or verified_wallet() is not None \
            or current_user() is None:
        return
    sent = request.headers.get("X-CSRF-Token", "").encode()
    if not hmac.compare_digest(sent, session.get("csrf", "").encode()):
        raise Forbidden("Token CSRF mancante o non valido.", code="csrf_failed")


def ignores_the_cookie(view):
    """Marks a write that never reads the member session (a wallet's login steps), so that
    a forged request could borrow no authority from the cookie and needs no CSRF token: a
    teacher's phone that is also a student's wallet can open the wallet. Put it right
    under the route decorator."""
    view.ignores_the_cookie = True
    return view


def _ignores_the_cookie() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "ignores_the_cookie", False)


def current_user() -> User | None:
    """The member of this request's live session. A cookie whose session has ended
    (logout elsewhere, password change, removal) or expired is dropped."""
    if "current_user" not in g:
        user = sessions.user_of(session.get("sid"), now=_now()) if "sid" in session else None
        if user is None and session:
            session.clear()
        g.current_user = user
    return g.current_user


def require_user() -> User:
    user = current_user()
    if user is None:
        raise Unauthenticated("Accedi per continuare.", code="login_required")
    return user


def require_admin() -> User:
    user = require_user()
    if not user.is_platform_admin:
        raise Forbidden("Riservato agli operatori della piattaforma.", code="admin_only")
    return user


def _wallet_tokens() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="mentoring.wallet-session")


def wallet_token(wallet: Wallet) -> str:
    return _wallet_tokens().dumps({"wallet": wallet.id})


def _bearer_wallet() -> tuple[Wallet | None, str]:
    """The wallet named by a valid bearer token, or None and why not."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None, "Serve il portafoglio: apri l'app e riprova."
    try:
        data = _wallet_tokens().loads(header[len("Bearer "):], max_age=WALLET_TOKEN_MAX_AGE)
    except BadSignature:
        return None, "Sessione del portafoglio scaduta o non valida."
    wallet_id = data.get("wallet") if isinstance(data, dict) else None
    wallet = db.session.get(Wallet, wallet_id) if isinstance(wallet_id, int) else None
    if wallet is None:
        return None, "Portafoglio sconosciuto."
    return wallet, ""


def verified_wallet() -> Wallet | None:
    """The wallet this request's bearer token proves, checked once per request."""
    if "wallet" not in g:
        g.wallet, g.wallet_refusal = _bearer_wallet()
    return g.wallet


def require_wallet() -> Wallet:
    wallet = verified_wallet()
    if wallet is None:
        raise Unauthenticated(g.wallet_refusal, code="wallet_required")
    return wallet
