"""A venue's IBAN changes only with the operator's approval. They flush, never commit.

Payouts go to ``Organisation.iban`` and nowhere else, so that column holds only an IBAN
the operator has seen: the one given at registration, approved with the organisation,
or a later change approved here. Whoever takes over an owner's login must not be able
to redirect the venue's money quietly: a change waits in ``iban_pending``, every owner
is mailed about it (and about the decision), and the operator approves or refuses it.
Mails and logs name an IBAN by its last four characters only.
"""
import logging
from datetime import datetime

import sqlalchemy as sa

from server.accounts import mail
from server.accounts.models import OWNER, PENDING, Membership, Organisation, User
from server.errors import Conflict
from server.extensions import db

log = logging.getLogger(__name__)


class NoIbanChange(Conflict):
    code = "no_iban_change"


def masked(iban: str | None) -> str:
    """"IT60X0542811101000000123456" → "…3456": enough to recognise one's own account."""
    return f"…{iban[-4:]}" if iban else "—"


def applies_at_once(organisation: Organisation) -> bool:
    """An organisation not yet approved is paid nothing: its IBAN is checked with the
    rest of it when the operator approves it, so owners fix it freely until then."""
    return organisation.status == PENDING


def request_change(*, organisation: Organisation, iban: str, user: User | None, now: datetime) -> None:
    """``iban`` (already validated) is what the owners want: wait for the operator.
    Asking for the IBAN already approved withdraws a pending change."""
    if iban == organisation.iban:
        if organisation.iban_pending is not None:
            _clear(organisation)
            log.info("IBAN change withdrawn", extra={"organisation_id": organisation.id})
        return
    if iban == organisation.iban_pending:
        return  # asked again: one request, one mail
    organisation.iban_pending = iban
    organisation.iban_requested_at = now
    organisation.iban_requested_by = user.id if user is not None else None
    db.session.flush()
    _mail_owners(organisation, subject="Richiesta di cambio IBAN / IBAN change requested",
                 body=REQUESTED_MAIL.format(name=organisation.name, new=masked(iban), old=masked(organisation.iban),
                                            by=user.email if user is not None else "—"))
    log.info("IBAN change requested", extra={"organisation_id": organisation.id, "ending": iban[-4:]})


def decide(*, organisation: Organisation, approve: bool) -> Organisation:
    """The operator's decision on the pending change (409 `no_iban_change` if none)."""
    new = organisation.iban_pending
    if new is None:
        raise NoIbanChange("Nessun cambio di IBAN in attesa per questa organizzazione.")
    if approve:
        organisation.iban = new
    _clear(organisation)
    template = APPROVED_MAIL if approve else REFUSED_MAIL
    _mail_owners(organisation, subject="Cambio IBAN: esito / IBAN change: decision",
                 body=template.format(name=organisation.name, new=masked(new), current=masked(organisation.iban)))
    log.info("IBAN change decided", extra={"organisation_id": organisation.id, "approved": approve})
    return organisation


def with_pending_change() -> sa.Select:
    return sa.select(Organisation).where(Organisation.iban_pending.is_not(None)).order_by(Organisation.iban_requested_at)


def _clear(organisation: Organisation) -> None:
    organisation.iban_pending = organisation.iban_requested_at = organisation.iban_requested_by = None
    db.session.flush()


def _mail_owners(organisation: Organisation, *, subject: str, body: str) -> None:
    owners = db.session.scalars(
        sa.select(User).join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation.id, Membership.role == OWNER,
               Membership.removed_at.is_(None)).order_by(User.id))
    for owner in owners:
        mail.send(mail.message(to=owner.email, subject=subject, body=body))


REQUESTED_MAIL = """Ciao,

per {name} è stato chiesto di ricevere i pagamenti su un nuovo IBAN, che termina con {new}
(richiesta di {by}). Finché Mentoring non la approva, i pagamenti continuano ad
arrivare sull'IBAN che termina con {old}.

Se non l'avete chiesto voi, rispondete subito a questo messaggio: qualcuno potrebbe
usare l'account di un titolare.

---

Hello,

{name} asked to be paid into a new IBAN, ending in {new} (asked by {by}). Until
Mentoring approves it, payments keep going to the IBAN ending in {old}.

If you did not ask for this, answer this message at once: someone may be using an
owner's account.
"""

APPROVED_MAIL = """Ciao,

il nuovo IBAN di {name}, che termina con {new}, è stato approvato: i prossimi pagamenti
arriveranno lì.

---

Hello,

the new IBAN of {name}, ending in {new}, has been approved: the next payments go there.
"""

REFUSED_MAIL = """Ciao,

il cambio di IBAN chiesto per {name} (che termina con {new}) non è stato approvato.
I pagamenti continuano ad arrivare sull'IBAN che termina con {current}.

---

Hello,

the IBAN change asked for {name} (ending in {new}) was not approved. Payments keep
going to the IBAN ending in {current}.
"""
