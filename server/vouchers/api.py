"""From campaign to student: allocations to schools, claim codes, claims, credentials.

Use cases flush, never commit. Money moves only through the ledger.
"""
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa

from server import bulk
from server.accounts.models import SCHOOL, Organisation, Wallet
from server.campaigns import api as campaigns_api
from server.campaigns.models import Campaign
from server.errors import InvalidInput, NotFound
from server.extensions import db
from server.ledger import api as ledger
from server.ledger.exceptions import InsufficientFunds
from server.vouchers import claim_codes, direct_rows, signing_pool
from server.vouchers.exceptions import (
    CodeAlreadyClaimed, CodeVoided, InvalidCode, NoCodesLeft, NotASchool, VoucherFrozen, VoucherNotFound,
)
from server.jobs.models import QUEUED, RUNNING, Job
from server.vouchers.models import (
    ACTIVE, CLAIMED, UNCLAIMED, VOIDED, Allocation, ClaimCode, IssuanceReservation, Voucher,
)
from signing import IssuerKeyset, TokenError, issue_voucher, to_text
from signing.issue import _whole_hours
from signing.tokens import KIND_VOUCHER, parse_unverified

log = logging.getLogger(__name__)

MAX_ALLOCATION = 10_000
MAX_CODES_PER_REQUEST = 1_000
# A credential lives a week: refreshed whenever the wallet is online, so the offline
# allowance it carries follows the real balance and a frozen voucher stops soon.
CREDENTIAL_LIFETIME = timedelta(days=7)
# The credential signed at a direct issuance is served to the wallet's first fetch only
# with at least this much of it left: a wallet that goes offline after that fetch would
# otherwise carry one that ends within hours, where a fresh one lasts the week.
ISSUED_CREDENTIAL_MIN_LEFT = timedelta(days=1)


def allocate(*, campaign: Campaign, school: Organisation, voucher_count: int, today: date) -> Allocation:
    """Give ``voucher_count`` vouchers of the campaign to a school: one ledger transfer."""
    if school.kind != SCHOOL or not school.is_approved:
        raise NotASchool("Le assegnazioni vanno a scuole approvate.", field="school_id")
    if not 1 <= voucher_count <= MAX_ALLOCATION:
        raise InvalidInput(f"Da 1 a {MAX_ALLOCATION} buoni per assegnazione.", code="invalid_count",
                           field="voucher_count", params={"min": 1, "max": MAX_ALLOCATION})
    campaigns_api.require_active(campaign, today=today)
    allocation = Allocation(campaign_id=campaign.id, school_id=school.id, voucher_count=voucher_count,
                            face_value_cents=campaign.face_value_cents, codes_issued=0)
    db.session.add(allocation)
    db.session.flush()
    try:
        ledger.move(idempotency_key=f"allocation:{allocation.id}", kind="school_allocation",
                    source=ledger.account("campaign", campaign.id),
                    destination=ledger.account("school_allocation", allocation.id),
                    amount_cents=voucher_count * campaign.face_value_cents)
    except InsufficientFunds as error:
        raise error.for_holder()  # the sponsor's own campaign: what it holds helps them choose
    log.info("allocation", extra={"allocation_id": allocation.id, "campaign_id": campaign.id,
                                  "school_id": school.id, "voucher_count": voucher_count})
    return allocation


def get_allocation(allocation_id: int, *, school: Organisation, for_update: bool = False) -> Allocation:
    select = sa.select(Allocation).filter_by(id=allocation_id, school_id=school.id)
    allocation = db.session.scalar(select.with_for_update() if for_update else select)
    if allocation is None:
        raise NotFound("Assegnazione non trovata.", code="allocation_not_found")
    return allocation


def held_by_jobs(allocation: Allocation) -> int:
    """How many vouchers of the allocation queued or running issuance jobs hold and have
    yet to issue (``reserve``); a failed job's hold is over."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(IssuanceReservation.vouchers - IssuanceReservation.issued), 0))
        .join(Job, Job.id == IssuanceReservation.job_id)
        .where(IssuanceReservation.allocation_id == allocation.id, Job.state.in_((QUEUED, RUNNING))))


def room(allocation: Allocation, *, held: int | None = None) -> int:
    """How many vouchers a new request may still draw from the allocation: its count,
    less those issued and those that queued or running issuance jobs hold and have yet
    to issue (``held_by_jobs``, or ``held`` when the caller has just read it). A request
    that draws on it holds the allocation's row lock, taken before this read: every
    change to the room is made under it."""
    if held is None:
        held = held_by_jobs(allocation)
    return allocation.voucher_count - allocation.codes_issued - held


def _require_room(allocation: Allocation, count: int) -> None:
    left = room(allocation)
    if count > left:
        raise NoCodesLeft(left=max(left, 0))


def reserve(*, job_id: int, counts: dict[int, int]) -> None:
    """Hold room for a direct issuance job: ``counts`` vouchers of each allocation (by
    id), from now until the job has issued them or failed. Each allocation is locked
    (in id order, so two jobs naming the same ones cannot deadlock) before its room is
    read: two requests at once cannot both take the last of it. ``NoCodesLeft`` when
    one does not have the room; the caller's transaction is then to be rolled back."""
    allocations = db.session.scalars(
        sa.select(Allocation).where(Allocation.id.in_(list(counts))).order_by(Allocation.id)
        .with_for_update(key_share=True).execution_options(populate_existing=True))
    for allocation in allocations:
        _require_room(allocation, counts[allocation.id])
        db.session.add(IssuanceReservation(allocation_id=allocation.id, job_id=job_id,
                                           vouchers=counts[allocation.id], issued=0))
    db.session.flush()


def reservation(*, job_id: int, allocation_id: int) -> IssuanceReservation | None:
    """A job's hold on an allocation's room, read afresh (a job queued before holds
    existed has none)."""
    return db.session.scalar(sa.select(IssuanceReservation).filter_by(job_id=job_id, allocation_id=allocation_id)
                             .execution_options(populate_existing=True))


def issue_codes(*, allocation: Allocation, count: int, secret: str) -> list[str]:
    """New claim codes for an allocation, in plain text: the only time they exist.
    The caller must hold the allocation row lock (``get_allocation(for_update=True)``).
    The i-th code is card number ``codes_issued + i`` (before this call) of the
    allocation: ``serials_of`` gives them back in order."""
    if not 1 <= count <= MAX_CODES_PER_REQUEST:
        raise InvalidInput(f"Da 1 a {MAX_CODES_PER_REQUEST} codici per volta.", code="invalid_count", field="count",
                           params={"min": 1, "max": MAX_CODES_PER_REQUEST})
    _require_room(allocation, count)
    first = allocation.codes_issued + 1
    codes = new_codes(allocation=allocation, serials=range(first, first + count), secret=secret)
    allocation.codes_issued += count
    db.session.flush()
    return codes


def new_codes(*, allocation: Allocation, serials, secret: str) -> list[str]:
    """A fresh random code for each card number, stored as its HMAC only."""
    codes = []
    for serial in serials:
        while True:
            code = claim_codes.generate()
            digest = claim_codes.hash_code(code, secret)
            if db.session.scalar(sa.select(ClaimCode.id).filter_by(code_hash=digest)) is None:
                break
        codes.append(code)
        db.session.add(ClaimCode(allocation_id=allocation.id, serial=serial, code_hash=digest, status=UNCLAIMED))
    db.session.flush()
    return codes


def claim(*, wallet: Wallet, code_text: str, secret: str, today: date) -> Voucher:
    """A wallet claims a code: once, ever. The same wallet repeating its claim gets
    the same voucher back (a retry after a lost answer)."""
    try:
        digest = claim_codes.hash_code(code_text, secret)
    except claim_codes.InvalidClaimCode as error:
        raise InvalidCode(error.message, field="code") from None
    row = db.session.scalar(sa.select(ClaimCode).filter_by(code_hash=digest).with_for_update())
    if row is None:
        # A recovery code (a lost phone, server/recovery) is typed in the same box.
        from server.recovery import api as recovery_api
        recovered = recovery_api.complete(wallet=wallet, code_text=code_text, secret=secret,
                                          now=datetime.now(timezone.utc))
        if recovered is not None:
            return recovered
        raise InvalidCode("Codice inesistente: controlla di averlo scritto bene.", field="code")
    if row.status == VOIDED:
        raise CodeVoided("Codice annullato: la scuola ha dato una nuova scheda al suo posto.", field="code")
    if row.status == CLAIMED:
        voucher = db.session.get(Voucher, row.voucher_id)
        if voucher.wallet_id == wallet.id:
            return voucher
        raise CodeAlreadyClaimed("Questo codice è già stato usato.")
    allocation = db.session.get(Allocation, row.allocation_id)
    campaign = db.session.get(Campaign, allocation.campaign_id)
    campaigns_api.require_active(campaign, today=today)
    voucher = Voucher(campaign_id=campaign.id, allocation_id=allocation.id, wallet_id=wallet.id,
                      face_value_cents=allocation.face_value_cents)
    db.session.add(voucher)
    db.session.flush()
    ledger.move(idempotency_key=f"claim:{row.id}", kind="voucher_claim",
                source=ledger.account("school_allocation", allocation.id),
                destination=ledger.account("voucher", voucher.id), amount_cents=allocation.face_value_cents)
    row.status, row.voucher_id, row.claimed_at = CLAIMED, voucher.id, datetime.now(timezone.utc)
    db.session.flush()
    log.info("voucher claimed", extra={"voucher_id": voucher.id, "allocation_id": allocation.id})
    return voucher


def wallet_voucher(*, wallet: Wallet, voucher_id: int) -> Voucher:
    voucher = db.session.get(Voucher, voucher_id)
    if voucher is None or voucher.wallet_id != wallet.id:
        raise VoucherNotFound("Buono non trovato.")
    return voucher


def vouchers_of(wallet: Wallet) -> list[Voucher]:
    return list(db.session.scalars(sa.select(Voucher).filter_by(wallet_id=wallet.id).order_by(Voucher.id)))


def balance(voucher: Voucher) -> int:
    return ledger.account("voucher", voucher.id).balance_cents


def credential(*, voucher: Voucher, wallet: Wallet, keyset: IssuerKeyset, now: datetime) -> str:
    """A signed credential: current offline allowance (never above the balance), valid a
    week or to the campaign's end, bound to the wallet's device key. The first fetch of
    a voucher issued directly gets the credential signed with it, if that one still
    says all this (``_issued_credential_still_good``); every other fetch a fresh one."""
    if voucher.status != ACTIVE:  # frozen, or recovered to another voucher: never again
        raise VoucherFrozen("Questo buono è sospeso: contatta la scuola.")
    campaign = db.session.get(Campaign, voucher.campaign_id)
    allowance = min(campaign.offline_allowance_cents, balance(voucher))
    issued, voucher.issued_credential = voucher.issued_credential, None  # served once at most
    if issued is not None and _issued_credential_still_good(issued, voucher=voucher, wallet=wallet, keyset=keyset,
                                                            allowance=allowance, now=now):
        db.session.flush()
        return issued
    campaign_end = datetime.combine(campaign.valid_until, time.max, tzinfo=timezone.utc)
    valid_until = min(now + CREDENTIAL_LIFETIME, campaign_end)
    signed = issue_voucher(
        keyset, now=int(now.timestamp()), voucher_id=voucher.id, campaign_id=campaign.id,
        categories=campaign.category_codes, offline_allowance_cents=allowance,
        valid_from=int(now.timestamp()), valid_until=int(valid_until.timestamp()), device_key=wallet.device_key,
    )
    voucher.credential_issued_at = now
    voucher.credential_valid_until = datetime.fromtimestamp(signed.valid_until, timezone.utc)
    db.session.flush()
    return to_text(signed)


def _issued_credential_still_good(text: str, *, voucher: Voucher, wallet: Wallet, keyset: IssuerKeyset,
                                  allowance: int, now: datetime) -> bool:
    """Whether the credential stored at issuance may be served instead of a fresh one:
    this voucher and this wallet's key, an allowance the balance still covers (money
    spent online since lowers it), an issuer key still in the keyset and covering it,
    and at least ``ISSUED_CREDENTIAL_MIN_LEFT`` to run. Parsed, not verified: we wrote
    it, and checking its signature would cost more than signing anew."""
    try:
        issued = parse_unverified(text, expected_kinds=(KIND_VOUCHER,))
    except TokenError:
        return False
    return (issued.voucher_id == voucher.id and issued.device_key == wallet.device_key
            and issued.offline_allowance_cents <= allowance
            and issued.valid_until >= (now + ISSUED_CREDENTIAL_MIN_LEFT).timestamp()
            and any(key.key_id == issued.key_id and key.not_after >= issued.valid_until for key in keyset.keys))


def issue_direct(*, allocation: Allocation, device_keys: list[bytes], keyset: IssuerKeyset, now: datetime) -> list[tuple[int, str]]:
    """Vouchers straight into wallets whose device keys the school collected (a teacher
    scanning each student's wallet QR in class), without paper codes: the same money
    path as claims, in bulk. The caller holds the allocation row lock. Returns
    (voucher id, credential) pairs in the order of ``device_keys``."""
    _require_room(allocation, len(device_keys))  # before the signing starts; settle_direct decides
    started = start_direct(allocation=allocation, device_keys=device_keys, keyset=keyset, now=now)
    return settle_direct(write_direct(allocation=allocation, device_keys=device_keys, started=started),
                         allocation=allocation)


@dataclass
class DirectStart:
    """A direct issuance's voucher ids, and its credentials being signed (``start_direct``)."""

    voucher_ids: list[int]
    signing: object  # its result() is the credential texts (signing_pool.sign_vouchers)
    now: datetime
    valid_until: datetime


@dataclass
class DirectIssuance:
    """A direct issuance whose rows are written but not yet counted (``write_direct``)."""

    voucher_ids: list[int]
    signing: object
    funding: ledger.Funding


def start_direct(*, allocation: Allocation, device_keys: list[bytes], keyset: IssuerKeyset,
                 now: datetime) -> DirectStart:
    """The checks, the voucher ids and the credentials' signing, started in other
    processes (signing_pool): the credentials need only the ids. On PostgreSQL the ids
    come from the sequence, so the issuance job starts the next chunks' signing before
    their rows are written, on a transaction of its own (server/jobs/issuance.py); on
    SQLite they are the ids after the largest and must be taken in the transaction that
    writes the rows."""
    if allocation.codes_issued + len(device_keys) > allocation.voucher_count:  # early; settle_direct decides
        raise NoCodesLeft(left=max(allocation.voucher_count - allocation.codes_issued, 0))
    if len(set(device_keys)) != len(device_keys):
        raise InvalidInput("Lo stesso dispositivo compare due volte.", code="duplicate_device", field="device_keys")
    campaign = db.session.get(Campaign, allocation.campaign_id)
    campaigns_api.require_active(campaign, today=now.date())
    campaign_end = datetime.combine(campaign.valid_until, time.max, tzinfo=timezone.utc)
    valid_until = min(now + CREDENTIAL_LIFETIME, campaign_end)
    # The rows keep the validity the credentials carry (whole hours), as a refresh does.
    valid_until = datetime.fromtimestamp(_whole_hours(int(now.timestamp()), int(valid_until.timestamp()))[1],
                                         timezone.utc)
    voucher_ids = bulk.fresh_ids(Voucher.__table__, len(device_keys))
    signing = signing_pool.sign_vouchers(
        keyset, now=int(now.timestamp()), campaign_id=campaign.id, categories=campaign.category_codes,
        offline_allowance_cents=min(campaign.offline_allowance_cents, allocation.face_value_cents),
        valid_from=int(now.timestamp()), valid_until=int(valid_until.timestamp()),
        holders=list(zip(voucher_ids, device_keys)))
    return DirectStart(voucher_ids, signing, now, valid_until)


def write_direct(*, allocation: Allocation, device_keys: list[bytes], started: DirectStart) -> DirectIssuance:
    """Accounts and postings, wallets, then the vouchers with their credentials, with no
    lock taken on the allocation or its account. ``settle_direct`` must follow in the
    same transaction, holding the allocation's lock. Split so that the issuance job
    writes one chunk while the previous one settles. The vouchers go last because each
    row is written with its credential (one INSERT, not an UPDATE after it): what does
    not need the credentials is written while they are being signed."""
    funding = ledger.open_funded(idempotency_key=f"direct:{allocation.id}:{started.voucher_ids[0]}",
                                 kind="voucher_direct", source=ledger.account("school_allocation", allocation.id),
                                 new_kind="voucher", owner_ids=started.voucher_ids,
                                 amount_each=allocation.face_value_cents)
    direct_rows.store(voucher_ids=started.voucher_ids, device_keys=device_keys, campaign_id=allocation.campaign_id,
                      allocation_id=allocation.id, face_value_cents=allocation.face_value_cents, status=ACTIVE,
                      now=started.now, valid_until=started.valid_until, signing=started.signing)
    return DirectIssuance(started.voucher_ids, started.signing, funding)


def settle_direct(issuance: DirectIssuance, *, allocation: Allocation,
                  reservation: IssuanceReservation | None = None) -> list[tuple[int, str]]:
    """Count the vouchers in the allocation (locked by the caller, its count fresh) and
    take their value from its account; returns the credentials (signed and stored by
    ``write_direct``) with their voucher ids. A job's chunk
    draws on the room its ``reservation`` holds; a request (or a chunk beyond its hold)
    on the room no one holds (``room``). Either way, never past the allocation's count."""
    count = len(issuance.voucher_ids)
    if reservation is not None and reservation.issued + count <= reservation.vouchers:
        reservation.issued += count
    else:
        _require_room(allocation, count)
    if allocation.codes_issued + count > allocation.voucher_count:  # the last word, whatever the holds say
        raise NoCodesLeft(left=max(allocation.voucher_count - allocation.codes_issued, 0))
    ledger.debit_funding(issuance.funding)
    allocation.codes_issued += count
    db.session.flush()
    texts = issuance.signing.result()
    log.info("direct issuance", extra={"allocation_id": allocation.id, "vouchers": len(issuance.voucher_ids)})
    return list(zip(issuance.voucher_ids, texts))
