"""Use cases for people, organisations and wallets. They flush, never commit."""
import logging
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from werkzeug.security import check_password_hash, generate_password_hash

from server.accounts import challenges, emails, iban_changes, sessions
from server.accounts import exceptions as exc
from server.accounts import mail
from server.accounts.models import (
    APPROVED, MEMBER, ORGANISATION_KINDS, OWNER, PENDING, REJECTED, SCHOOL, STAFF, VENUE, Membership,
    Organisation, User, Wallet,
)
from server.catalogue import taxonomy
from server.errors import InvalidInput
from server.extensions import db
from server.onboarding import validation
from signing import device

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10
INVITATION_MAX_AGE = 7 * 24 * 3600
MAGIC_LINK_MAX_AGE = 15 * 60
MAX_ADDRESS_LENGTH = 300
PROFILE_FIELDS = ("name", "municipality", "address", "categories", "iban")
WALLET_CHALLENGE_MAX_AGE = 300
# Timing-safe login for unknown emails: compare against a real hash of nothing.
_DUMMY_HASH = generate_password_hash(secrets.token_hex(16))


def _normal_email(email: str) -> str:
    return emails.normalise(email)


def normal_email(email: str) -> str:
    """The one spelling logins are looked up by (InvalidInput if it is no address): what
    a per-account rate limit counts under, so no other spelling gets a budget of its own."""
    return _normal_email(email)


def _user_by_email(email: str) -> User | None:
    """The login with this address, in whichever form it was stored (emails.stored_forms)."""
    forms = emails.stored_forms(email)
    return db.session.scalar(sa.select(User).where(User.email.in_(forms)).order_by(User.id).limit(1))


def _password_hash(password: str, *, field: str = "password") -> str:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise exc.WeakPassword(f"La password deve avere almeno {MIN_PASSWORD_LENGTH} caratteri.", field=field,
                               params={"min_length": MIN_PASSWORD_LENGTH})
    # scrypt by default; the test suite configures a fast method (it hashes thousands).
    return generate_password_hash(password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))


def create_user(*, email: str, password: str, is_platform_admin: bool = False) -> User:
    email = _normal_email(email)
    password_hash = _password_hash(password)
    if db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None:
        raise exc.EmailTaken("Esiste già un account con questa email.", field="email")
    skeleton = emails.skeleton_digest(email)
    if db.session.scalar(sa.select(User.id).filter_by(email_skeleton=skeleton).limit(1)) is not None:
        raise exc.EmailConfusable("Esiste già un account con un indirizzo che si confonde con questo.",
                                  field="email")
    user = User(email=email, email_skeleton=skeleton, password_hash=password_hash,
                is_platform_admin=is_platform_admin)
    db.session.add(user)
    db.session.flush()
    log.info("user created", extra={"user_id": user.id, "admin": is_platform_admin})
    return user


def authenticate(*, email: str, password: str) -> User:
    user = _user_by_email(email)
    if user is None or not user.password_hash:
        check_password_hash(_DUMMY_HASH, password or "")
        raise exc.InvalidCredentials("Email o password non corretti.")
    if not check_password_hash(user.password_hash, password or ""):
        raise exc.InvalidCredentials("Email o password non corretti.")
    return user


def change_password(*, user: User, current_password: str, new_password: str) -> User:
    """A new password, given the current one. Every session of the person ends (the
    caller opens a new one for the browser that asked): whoever else knew the old
    password is logged out."""
    if not check_password_hash(user.password_hash or _DUMMY_HASH, current_password or ""):
        raise exc.InvalidCredentials("La password attuale non è corretta.", field="current_password")
    user.password_hash = _password_hash(new_password, field="new_password")
    db.session.flush()
    sessions.end_all(user=user)
    log.info("password changed", extra={"user_id": user.id})
    return user


def record_login(*, user: User, now: datetime) -> None:
    """Every login (password, invitation, magic link, registration) passes here."""
    user.last_login_at = now
    db.session.flush()


# --- organisations -------------------------------------------------------------------

def _organisation_name(name: str | None) -> str:
    name = (name or "").strip()
    if not 2 <= len(name) <= 200:
        raise InvalidInput("Il nome deve avere da 2 a 200 caratteri.", code="invalid_name", field="name",
                           params={"min_length": 2, "max_length": 200})
    return name


def _address(address: str | None) -> str | None:
    address = (address or "").strip() or None
    if address is not None and len(address) > MAX_ADDRESS_LENGTH:
        raise InvalidInput(f"L'indirizzo può avere al massimo {MAX_ADDRESS_LENGTH} caratteri.",
                           code="invalid_address", field="address", params={"max_length": MAX_ADDRESS_LENGTH})
    return address


def _category_mask(kind: str, slugs: list[str] | None) -> int:
    """Venues say what they offer with slugs of the configured taxonomy; stored as
    the bit mask campaigns use, so "which venues can this voucher be spent at" is a
    bitwise AND."""
    if not slugs:
        return 0
    if kind != VENUE:
        raise InvalidInput("Solo i luoghi della cultura indicano delle categorie.", code="categories_not_allowed",
                           field="categories")
    mask = 0
    for slug in slugs:
        try:
            mask |= 1 << taxonomy.by_slug(slug).code
        except InvalidInput as error:
            raise InvalidInput(error.message, code=error.code, field="categories") from None
    return mask


def register_organisation(*, owner: User, kind: str, name: str, municipality: str, vat_number: str | None = None,
                          school_code: str | None = None, iban: str | None = None,
                          address: str | None = None, categories: list[str] | None = None) -> Organisation:
    """A new organisation, pending until a platform admin approves it; ``owner`` its first member."""
    if kind not in ORGANISATION_KINDS:
        raise InvalidInput("Tipo di organizzazione sconosciuto.", code="invalid_kind", field="kind")
    organisation = Organisation(kind=kind, name=_organisation_name(name), status=PENDING, address=_address(address),
                                municipality_code=validation.municipality(municipality).istat_code,
                                category_mask=_category_mask(kind, categories))
    if kind == SCHOOL:
        code = validation.school_code(school_code or "")
        if db.session.scalar(sa.select(Organisation.id).filter_by(school_code=code)) is not None:
            raise exc.EmailTaken("Questa scuola è già registrata.", code="school_taken", field="school_code")
        organisation.school_code = code
    else:
        organisation.vat_number = validation.vat_number(vat_number or "")
    if kind == VENUE:
        organisation.iban = validation.iban(iban or "")
    db.session.add(organisation)
    db.session.add(Membership(user=owner, organisation=organisation, role=OWNER))
    db.session.flush()
    log.info("organisation registered", extra={"organisation_id": organisation.id, "kind": kind})
    return organisation


def update_organisation(*, organisation: Organisation, user: User | None = None, now: datetime | None = None,
                        **fields) -> Organisation:
    """Change the profile fields given (``PROFILE_FIELDS``) with the checks of
    onboarding; nothing changes if any of them is refused. The VAT number and the
    school code are the organisation's identity, checked at approval: not here. A new
    IBAN of an approved venue waits for the operator (server/accounts/iban_changes.py)."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not profile fields: {sorted(unknown)}")
    changes = {}
    if "name" in fields:
        changes["name"] = _organisation_name(fields["name"])
    if "municipality" in fields:
        changes["municipality_code"] = validation.municipality(fields["municipality"]).istat_code
    if "address" in fields:
        changes["address"] = _address(fields["address"])
    if "categories" in fields:
        changes["category_mask"] = _category_mask(organisation.kind, fields["categories"])
    if "iban" in fields:
        if organisation.kind != VENUE:
            raise InvalidInput("Solo i luoghi della cultura indicano un IBAN.", code="iban_not_allowed",
                               field="iban")
        changes["iban"] = validation.iban(fields["iban"] or "")
    asked_iban = None if iban_changes.applies_at_once(organisation) else changes.pop("iban", None)
    changed = sorted(name for name, value in changes.items() if getattr(organisation, name) != value)
    for name, value in changes.items():
        setattr(organisation, name, value)
    db.session.flush()
    if asked_iban is not None:
        iban_changes.request_change(organisation=organisation, iban=asked_iban, user=user, now=now)
    # Field names only: an IBAN change is worth an audit line, its value is not.
    log.info("organisation updated", extra={"organisation_id": organisation.id, "fields": changed})
    return organisation


def decide_organisation(*, organisation: Organisation, approve: bool) -> Organisation:
    if organisation.status != PENDING:
        raise exc.OrganisationNotApproved("L'organizzazione è già stata valutata.", code="already_decided")
    organisation.status = APPROVED if approve else REJECTED
    db.session.flush()
    log.info("organisation decided", extra={"organisation_id": organisation.id, "status": organisation.status})
    return organisation


def get_organisation(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise exc.OrganisationNotFound("Organizzazione non trovata.")
    return organisation


def membership(*, user: User, organisation: Organisation, must_be_approved: bool = True,
               roles: tuple[str, ...] = (OWNER, MEMBER)) -> Membership:
    """The user's membership of the organisation, if it lets them act; else Forbidden."""
    found = db.session.scalar(sa.select(Membership).filter_by(user_id=user.id, organisation_id=organisation.id))
    if found is None or found.removed_at is not None or found.role not in roles:
        raise exc.NotAMember("Non fai parte di questa organizzazione.")
    if must_be_approved and not organisation.is_approved:
        raise exc.OrganisationNotApproved("L'organizzazione è in attesa di approvazione.")
    return found


def members(organisation: Organisation) -> list[Membership]:
    """The people of an organisation now (owners first, then by address)."""
    select = (sa.select(Membership).join(Membership.user)
              .where(Membership.organisation_id == organisation.id, Membership.removed_at.is_(None))
              .order_by(sa.case((Membership.role == OWNER, 0), else_=1), User.email))
    return list(db.session.scalars(select))


def remove_member(*, organisation: Organisation, membership_id: int, now: datetime) -> Membership:
    """Take a person out of the organisation: at once they lose its pages and can no longer
    refresh a scanner's offline bundle (what their scanner recorded still syncs and is
    paid). An organisation always keeps an owner, so the last one cannot be removed."""
    found = db.session.get(Membership, membership_id)
    if found is None or found.organisation_id != organisation.id or found.removed_at is not None:
        raise exc.MemberNotFound("Questa persona non fa parte dell'organizzazione.")
    if found.role == OWNER:
        owners = db.session.scalar(sa.select(sa.func.count()).select_from(Membership).where(
            Membership.organisation_id == organisation.id, Membership.role == OWNER,
            Membership.removed_at.is_(None)))
        if owners <= 1:
            raise exc.LastOwner("L'organizzazione deve avere almeno un titolare: non puoi rimuovere l'ultimo.")
    found.removed_at = now
    db.session.flush()
    # Their access to this organisation ended with removed_at; their sessions end too, so
    # a browser left open (or a cookie copied) is logged out at its next request.
    sessions.end_all(user=found.user)
    return found


# --- invitations: a signed link, nothing stored until it is accepted -----------------

def _invitations(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="mentoring.invitation")


def invitation_token(*, organisation: Organisation, email: str, role: str, secret_key: str) -> str:
    """Signed, not encrypted: whoever holds the link can read it. ``name`` is there for
    the invitee's page to say which organisation invites them before they accept;
    accepting trusts only the signed ``org``."""
    allowed = (MEMBER, STAFF) if organisation.kind == VENUE else (MEMBER,)
    if role not in allowed:
        raise InvalidInput("Ruolo non previsto per questa organizzazione.", code="invalid_role", field="role")
    return _invitations(secret_key).dumps({"org": organisation.id, "name": organisation.name,
                                           "email": _normal_email(email), "role": role})


def accept_invitation(*, token: str, password: str, secret_key: str) -> Membership:
    try:
        data, issued_at = _invitations(secret_key).loads(token, max_age=INVITATION_MAX_AGE, return_timestamp=True)
    except SignatureExpired:
        raise exc.BadInvitation("L'invito è scaduto: chiedine uno nuovo.") from None
    except BadSignature:
        raise exc.BadInvitation("Invito non valido.") from None
    organisation = get_organisation(data["org"])
    user = db.session.scalar(sa.select(User).filter_by(email=data["email"]))
    if user is None:
        user = create_user(email=data["email"], password=password)
    elif not check_password_hash(user.password_hash or _DUMMY_HASH, password or ""):
        raise exc.InvalidCredentials("Hai già un account: usa la tua password per accettare.")
    existing = db.session.scalar(sa.select(Membership).filter_by(user_id=user.id, organisation_id=organisation.id))
    if existing is not None and existing.removed_at is None:
        return existing
    if existing is not None:
        # Removed earlier: only an invitation issued after the removal brings them back
        # (the token's time has one-second resolution, hence "after", never "at").
        if issued_at <= existing.removed_at.replace(microsecond=0):
            raise exc.BadInvitation("Questo invito è precedente alla tua uscita dall'organizzazione: "
                                    "chiedine uno nuovo.")
        existing.removed_at, existing.role = None, data["role"]
        db.session.flush()
        return existing
    member = Membership(user=user, organisation=organisation, role=data["role"])
    db.session.add(member)
    db.session.flush()
    return member


# --- wallets: a device key proves itself by signing a server challenge ---------------

def _challenges(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="mentoring.wallet-challenge")


def _device_key(device_key_hex: str) -> bytes:
    try:
        return device.compress(bytes.fromhex(device_key_hex or ""))
    except ValueError:
        raise InvalidInput("Chiave del dispositivo non valida.", code="invalid_device_key",
                           field="device_key") from None


def wallet_challenge(*, device_key_hex: str, secret_key: str) -> str:
    key = _device_key(device_key_hex)
    return _challenges(secret_key).dumps({"key": key.hex(), "nonce": secrets.token_urlsafe(16)})


def open_wallet(*, device_key_hex: str, challenge: str, signature_hex: str, secret_key: str,
                now: datetime) -> Wallet:
    """Check the device signed our recent challenge, once; the wallet for that key (new or not)."""
    key = _device_key(device_key_hex)
    try:
        data, issued_at = _challenges(secret_key).loads(challenge, max_age=WALLET_CHALLENGE_MAX_AGE,
                                                        return_timestamp=True)
        signature = bytes.fromhex(signature_hex or "")
    except (BadSignature, ValueError):
        raise exc.BadWalletProof("Sfida scaduta o non valida: riprova.") from None
    public_key = device.load_public_key(key)
    if data.get("key") != key.hex() or not device.verify(public_key, signature, challenge.encode("utf-8")):
        raise exc.BadWalletProof("La firma del dispositivo non corrisponde.")
    # Only after the signature verified: nobody else can use up a device's challenge.
    expires_at = issued_at + timedelta(seconds=WALLET_CHALLENGE_MAX_AGE)
    if not challenges.consume(str(data.get("nonce")), expires_at=expires_at, now=now):
        raise exc.WalletChallengeUsed("Questa sfida è già stata usata: chiedine una nuova.")
    wallet = db.session.scalar(sa.select(Wallet).filter_by(device_key=key))
    if wallet is None:
        wallet = Wallet(device_key=key)
        db.session.add(wallet)
        db.session.flush()
    return wallet


# --- magic links: a signed login link by mail, usable once ----------------------------

class _ClockSigner(TimestampSigner):
    """The timestamp signer with an injected clock (for both signing and max_age)."""

    def __init__(self, *args, now: datetime, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now.timestamp())


def _magic_links(secret_key: str, now: datetime) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt="mentoring.magic-link", signer=_ClockSigner,
                                  signer_kwargs={"now": now})


def _last_login(user: User) -> str | None:
    return user.last_login_at.isoformat() if user.last_login_at else None


def magic_link_token(*, user: User, secret_key: str, now: datetime) -> str:
    """Signed, valid ``MAGIC_LINK_MAX_AGE`` seconds, and bound to the user's last login:
    redeeming it is a login, which moves ``last_login_at`` and so voids the token."""
    return _magic_links(secret_key, now).dumps({"user": user.id, "last": _last_login(user)})


def request_magic_link(*, email: str, base_url: str, secret_key: str, now: datetime) -> None:
    """Mail a login link to the address if a member account has it; otherwise do
    nothing, and say nothing either: the caller answers the same in both cases.
    Platform admins log in with their password only (an inbox is not enough for them)."""
    _normal_email(email)  # one answer for any malformed address, known or not
    user = _user_by_email(email)
    if user is None or user.is_platform_admin:
        log.info("magic link not sent: no member account")
        return
    token = magic_link_token(user=user, secret_key=secret_key, now=now)
    link = f"{base_url.rstrip('/')}/login?magic={token}"
    minutes = MAGIC_LINK_MAX_AGE // 60
    mail.send(mail.message(to=user.email, subject="Il tuo link per accedere a Mentoring / Your Mentoring login link",
                           body=MAGIC_LINK_MAIL.format(link=link, minutes=minutes)))
    log.info("magic link sent", extra={"user_id": user.id})


MAGIC_LINK_MAIL = """Ciao,

per accedere a Mentoring apri questo link entro {minutes} minuti:

{link}

Il link funziona una volta sola. Se non hai chiesto tu di accedere, ignora questo messaggio.

---

Hello,

to log in to Mentoring open this link within {minutes} minutes:

{link}

The link works only once. If you did not ask to log in, ignore this message.
"""


def redeem_magic_link(*, token: str, secret_key: str, now: datetime) -> User:
    """The user the link was sent to, logged in now; once per link. The check and
    the move of ``last_login_at`` are one conditional UPDATE, so two requests racing
    with the same link cannot both win."""
    try:
        data = _magic_links(secret_key, now).loads(token, max_age=MAGIC_LINK_MAX_AGE)
    except SignatureExpired:
        raise exc.MagicLinkExpired("Il link è scaduto: chiedine uno nuovo.") from None
    except BadSignature:
        raise exc.MagicLinkInvalid("Link di accesso non valido.") from None
    user_id, last = (data.get("user"), data.get("last")) if isinstance(data, dict) else (None, None)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.is_platform_admin or not (last is None or isinstance(last, str)):
        raise exc.MagicLinkInvalid("Link di accesso non valido.")
    try:
        seen = User.last_login_at.is_(None) if last is None else User.last_login_at == datetime.fromisoformat(last)
    except ValueError:
        raise exc.MagicLinkInvalid("Link di accesso non valido.") from None
    moved = db.session.execute(
        sa.update(User).where(User.id == user.id, seen).values(last_login_at=now)
        .execution_options(synchronize_session=False))
    if moved.rowcount != 1:
        raise exc.MagicLinkUsed("Questo link è già stato usato: chiedine uno nuovo.")
    user.last_login_at = now
    db.session.flush()
    log.info("magic link redeemed", extra={"user_id": user.id})
    return user


# --- lockout: too many password attempts on one account --------------------------

def send_lockout_notice(*, email: str, minutes: int) -> None:
    """Tell the account's owner that password logins are paused (server/http/throttle.py
    locks them; this only informs). Nothing for an address with no account, and the
    caller's answer is the same either way."""
    user = _user_by_email(email)
    if user is None:
        return
    mail.send(mail.message(to=user.email, subject="Accesso a Mentoring sospeso / Mentoring login paused",
                           body=LOCKOUT_MAIL.format(minutes=minutes)), even_if_rolled_back=True)
    log.warning("account locked after repeated password attempts", extra={"user_id": user.id})


LOCKOUT_MAIL = """Ciao,

qualcuno ha provato molte volte ad accedere al tuo account Mentoring con una password
sbagliata. Per proteggerlo, l'accesso con password è sospeso per {minutes} minuti.

Se eri tu, aspetta e riprova, oppure chiedi un link di accesso via email dalla pagina
di login. Se non eri tu, qualcuno sta cercando di indovinare la tua password: se è
corta o la usi anche altrove, cambiala appena accedi.

---

Hello,

someone tried many times to log in to your Mentoring account with a wrong password.
To protect it, password login is paused for {minutes} minutes.

If it was you, wait and try again, or ask for a login link by email on the login
page. If it was not you, someone is trying to guess your password: if it is short or
you use it elsewhere too, change it as soon as you log in.
"""
