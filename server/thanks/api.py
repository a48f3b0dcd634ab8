"""Students' thanks to the sponsors: a few preset choices, no free text (so no names).

One thanks per voucher, only once the voucher was used (a redemption at a door, or a
ticket it paid for checked in). The row holds the voucher, the choice and the time:
nothing else about the student. Sponsors read only counts, through the impact report's
small-cell suppression (server/reports)."""
import logging
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from server.bookings.models import Booking
from server.door.models import ScanRecord
from server.extensions import db
from server.thanks import exceptions as exc
from server.thanks.models import Thanks
from server.vouchers.models import Voucher

log = logging.getLogger(__name__)

# The preset choices, in the order the wallet shows them (slug, Italian label).
CHOICES: tuple[tuple[str, str], ...] = (
    ("grazie", "Grazie!"),
    ("scoperta", "Ho scoperto qualcosa di nuovo"),
    ("ci-torno", "Ci tornerò"),
    ("consiglio", "Lo consiglio a un amico"),
)
SLUGS = tuple(slug for slug, _ in CHOICES)


def was_used(voucher: Voucher) -> bool:
    redeemed = sa.select(ScanRecord.id).where(ScanRecord.voucher_id == voucher.id,
                                              ScanRecord.outcome.in_(("redeemed", "checked_in")))
    checked_in = sa.select(Booking.id).where(Booking.voucher_id == voucher.id, Booking.checked_in_at.is_not(None))
    return bool(db.session.scalar(sa.select(sa.or_(redeemed.exists(), checked_in.exists()))))


def sent_for(voucher: Voucher) -> Thanks | None:
    return db.session.scalar(sa.select(Thanks).filter_by(voucher_id=voucher.id))


def send(*, voucher: Voucher, choice: str, now: datetime) -> Thanks:
    """The wallet's thanks for a used voucher. ``voucher`` is the wallet's own."""
    if choice not in SLUGS:
        raise exc.UnknownChoice("Scegli uno dei ringraziamenti proposti.", field="choice",
                                params={"choices": list(SLUGS)})
    if sent_for(voucher) is not None:
        raise exc.AlreadySent("Hai già ringraziato per questo buono.")
    if not was_used(voucher):
        raise exc.VoucherNotUsedYet("Potrai ringraziare dopo aver usato il buono.")
    thanks = Thanks(voucher_id=voucher.id, choice=choice, created_at=now)
    try:
        with db.session.begin_nested():  # two taps at once: the unique index decides
            db.session.add(thanks)
    except IntegrityError:
        raise exc.AlreadySent("Hai già ringraziato per questo buono.") from None
    log.info("thanks sent", extra={"campaign_id": voucher.campaign_id, "choice": choice})
    return thanks


def counts_for_campaign(campaign_id: int, until: datetime | None = None) -> dict[str, tuple[int, int]]:
    """choice slug -> (thanks sent, distinct wallets that sent it), for thanks recorded
    before ``until`` (all when None) on the campaign's vouchers. Every choice is there,
    with (0, 0) when nobody chose it."""
    select = (sa.select(Thanks.choice, sa.func.count(Thanks.id), sa.func.count(sa.distinct(Voucher.wallet_id)))
              .join(Voucher, Voucher.id == Thanks.voucher_id)
              .where(Voucher.campaign_id == campaign_id).group_by(Thanks.choice))
    if until is not None:
        select = select.where(Thanks.created_at < until)
    found = {choice: (sent, wallets) for choice, sent, wallets in db.session.execute(select)}
    return {slug: found.get(slug, (0, 0)) for slug in SLUGS}
