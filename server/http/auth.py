"""Who is calling: a member (session cookie), a platform admin, or a wallet (bearer).

Members log in and get a signed session cookie (HttpOnly, SameSite=Lax, Secure
outside development) plus a CSRF token that every cookie-authenticated write must
echo in ``X-CSRF-Token``. Wallets hold no cookie: they send ``Authorization: Bearer``
with a token they obtained by signing a challenge with their device key, so they are
not exposed to CSRF.
"""
import hmac
import secrets

from flask import current_app, g, request, session
from itsdangerous import BadSignature, URLSafeTimedSerializer

from server.accounts.models import User, Wallet
from server.errors import Forbidden, Unauthenticated
from server.extensions import db

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
WALLET_TOKEN_MAX_AGE = 30 * 24 * 3600


def log_in(user: User) -> str:
    """Start a member session; returns the CSRF token the client must send back."""
    session.clear()
    session.permanent = True
    session["user_id"] = user.id
    session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def csrf_token() -> str | None:
    """The current member session's CSRF token (a reloaded PWA reads it from /auth/me)."""
    return session.get("csrf") if "user_id" in session else None


def log_out() -> None:
    session.clear()


def check_csrf() -> None:
    """before_request hook: cookie-authenticated writes must carry the session's token."""
    if request.method in SAFE_METHODS or "user_id" not in session:
        return
    if request.headers.get("Authorization", "").startswith("Bearer "):
        return
    sent = request.headers.get("X-CSRF-Token", "")
    if not hmac.compare_digest(sent, session.get("csrf", "")):
        raise Forbidden("Token CSRF mancante o non valido.", code="csrf_failed")


def current_user() -> User | None:
    if "current_user" not in g:
        user_id = session.get("user_id")
        g.current_user = db.session.get(User, user_id) if user_id else None
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


def require_wallet() -> Wallet:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise Unauthenticated("Serve il portafoglio: apri l'app e riprova.", code="wallet_required")
    try:
        data = _wallet_tokens().loads(header[len("Bearer "):], max_age=WALLET_TOKEN_MAX_AGE)
    except BadSignature:
        raise Unauthenticated("Sessione del portafoglio scaduta o non valida.", code="wallet_required") from None
    wallet = db.session.get(Wallet, data.get("wallet"))
    if wallet is None:
        raise Unauthenticated("Portafoglio sconosciuto.", code="wallet_required")
    return wallet
