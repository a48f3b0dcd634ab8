"""Sponsor receipts: issued when a top-up is confirmed. They flush, never commit.

Numbered per calendar year in Europe/Rome ("2026/000123"), in issue order, with no gaps
and no duplicates: the year's counter row is locked (SELECT … FOR UPDATE) from taking
the number until the transaction ends, so a concurrent confirmation waits for it, and
a confirmation that rolls back takes its number back with it.
"""
import logging
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from server.accounts.models import Organisation
from server.campaigns.models import Campaign
from server.documents import pdf
from server.documents.models import ReceiptCounter, SponsorReceipt
from server.errors import Conflict, NotFound
from server.extensions import db
from server.payments.models import CONFIRMED, TopUp

log = logging.getLogger(__name__)


class TopUpNotConfirmed(Conflict):
    code = "topup_not_confirmed"


class ReceiptNotFound(NotFound):
    code = "receipt_not_found"


def _locked_counter(year: int) -> ReceiptCounter:
    select = (sa.select(ReceiptCounter).filter_by(year=year).with_for_update()
              .execution_options(populate_existing=True))
    counter = db.session.scalar(select)
    if counter is None:
        try:
            # The year's first receipt. A savepoint: if a concurrent confirmation made the
            # row first, only this insert is undone and we wait for theirs below.
            with db.session.begin_nested():
                db.session.add(ReceiptCounter(year=year, last_number=0))
        except IntegrityError:
            pass
        counter = db.session.scalar(select)
    return counter


def issue_receipt(*, topup: TopUp, now: datetime) -> SponsorReceipt:
    """The receipt of a confirmed top-up, issued now if it has none (at most one each)."""
    existing = db.session.scalar(sa.select(SponsorReceipt).filter_by(topup_id=topup.id))
    if existing is not None:
        return existing
    sponsor = db.session.get(Organisation, topup.sponsor_id)
    campaign = db.session.get(Campaign, topup.campaign_id)
    config = current_app.config
    year = pdf.rome(now).year
    counter = _locked_counter(year)
    counter.last_number += 1
    receipt = SponsorReceipt(
        topup_id=topup.id, sponsor_id=sponsor.id, year=year, number=counter.last_number, issued_at=now,
        amount_cents=topup.amount_cents, reference=topup.reference, campaign_name=campaign.name,
        sponsor_name=sponsor.name, sponsor_vat=sponsor.vat_number, sponsor_address=sponsor.address,
        platform_name=config["PLATFORM_NAME"], platform_vat=config["PLATFORM_VAT"],
        platform_address=config["PLATFORM_ADDRESS"])
    db.session.add(receipt)
    db.session.flush()
    log.info("receipt issued", extra={"topup_id": topup.id, "receipt": receipt.label})
    return receipt


def receipt_of(topup: TopUp) -> SponsorReceipt:
    """409 `topup_not_confirmed` before the money arrived (a receipt says it did)."""
    if topup.status != CONFIRMED:
        raise TopUpNotConfirmed("La ricevuta c'è quando la ricarica è confermata.", params={"status": topup.status})
    found = db.session.scalar(sa.select(SponsorReceipt).filter_by(topup_id=topup.id))
    if found is None:  # confirmed before receipts existed
        raise ReceiptNotFound("Questa ricarica non ha una ricevuta.")
    return found


def receipts_of(sponsor_id: int) -> list[SponsorReceipt]:
    """A sponsor's receipts, newest first."""
    return list(db.session.scalars(sa.select(SponsorReceipt).filter_by(sponsor_id=sponsor_id)
                                   .order_by(SponsorReceipt.year.desc(), SponsorReceipt.number.desc())))


def filename(receipt: SponsorReceipt) -> str:
    return f"ricevuta-{receipt.year}-{receipt.number:06d}.pdf"


def receipt_pdf(receipt: SponsorReceipt) -> bytes:
    """The receipt as an Italian company books it: who received, who paid (with their
    partita IVA), how much, when, for what, and the transfer's RF reference."""
    document = pdf.Document(title=f"Ricevuta {receipt.label}", issuer=receipt.platform_name)
    document.heading(f"Ricevuta n. {receipt.label}")
    document.paragraph(f"Data di emissione: {pdf.date_text(receipt.issued_at)}")
    document.ln(4)
    document.paragraph("Emessa da", bold=True)
    document.facts([("Denominazione", receipt.platform_name),
                    ("Partita IVA / C.F.", receipt.platform_vat),
                    ("Sede", receipt.platform_address)])
    document.paragraph("Ricevuto da", bold=True)
    document.facts([("Denominazione", receipt.sponsor_name),
                    ("Partita IVA", receipt.sponsor_vat or "—"),
                    ("Indirizzo", receipt.sponsor_address or "—")])
    document.paragraph("Pagamento", bold=True)
    document.facts([("Importo", pdf.euro(receipt.amount_cents)),
                    ("Data", pdf.date_text(receipt.issued_at)),
                    ("Mezzo", "Bonifico SEPA"),
                    ("Riferimento RF", receipt.reference),
                    ("Causale", f"Ricarica della campagna «{receipt.campaign_name}»")])
    document.ln(2)
    document.paragraph(
        "Somma ricevuta per finanziare buoni per attività culturali destinati a studenti, "
        "distribuiti tramite le scuole della campagna indicata. Documento emesso a fronte "
        "dell'accredito del bonifico.", size=9)
    return document.bytes()
