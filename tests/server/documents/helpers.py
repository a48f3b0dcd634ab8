"""Document test helpers: PDF text through pdftotext, and a payout with chosen lines."""
import subprocess
from datetime import datetime, timezone

from server.accounts.models import MEMBER, STAFF, Membership
from server.extensions import db
from server.settlement.models import BOOKING, REDEMPTION, Payout, PayoutLine, SettlementRun
from tests.server import factories

VENUE_IBAN = "IT60X0542811101000000123456"


def pdf_text(data: bytes) -> str:
    """What a reader sees: pdftotext's layout text (poppler-utils, scripts/sysdeps.sh)."""
    assert data.startswith(b"%PDF-"), data[:20]
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True).stdout.decode()


def flat(text: str) -> str:
    """Layout text with runs of spaces collapsed: columns become single spaces."""
    return " ".join(text.split())


def payout_world():
    """A venue (owner, member, staff) with a paid payout of three lines; another venue's
    owner; a platform admin. Rows written directly, as a run would have left them (no
    ledger postings: the books are not involved). Returns emails and ids."""
    owner, member, staff, other, admin = (factories.user() for _ in range(4)), None, None, None, None
    owner, member, staff, other = list(owner)
    admin = factories.user(admin=True)
    venue = factories.organisation("venue", owner=owner, name="Teatro Città Alta")
    factories.organisation("venue", owner=other)
    db.session.add_all([Membership(user=member, organisation=venue, role=MEMBER),
                        Membership(user=staff, organisation=venue, role=STAFF)])
    run = SettlementRun(cut_off=datetime(2026, 3, 1, 23, 0, tzinfo=timezone.utc), status="paid")
    db.session.add(run)
    db.session.flush()
    payout = Payout(run_id=run.id, venue_id=venue.id, amount_cents=3_650, iban=VENUE_IBAN,
                    end_to_end_id=f"MENT-{run.id}-1", remittance=f"Mentoring pagamento {run.id} estratto P-1",
                    status="paid", bank_reference="BANCA-778")
    db.session.add(payout)
    db.session.flush()
    db.session.add_all([
        # 23:30 UTC on 28 February is 00:30 on 1 March in Italy.
        PayoutLine(payout_id=payout.id, kind=REDEMPTION, source_id=11, label="Teatro",
                   occurred_at=datetime(2026, 2, 28, 23, 30, tzinfo=timezone.utc), amount_cents=1_200),
        PayoutLine(payout_id=payout.id, kind=BOOKING, source_id=12, label="Amleto à la carte",
                   occurred_at=datetime(2026, 2, 27, 18, 0, tzinfo=timezone.utc), amount_cents=1_450),
        PayoutLine(payout_id=payout.id, kind=BOOKING, source_id=13, label="=HYPERLINK(\"http://x\")",
                   occurred_at=datetime(2026, 2, 26, 9, 5, tzinfo=timezone.utc), amount_cents=1_000),
    ])
    db.session.commit()
    return {"owner": owner.email, "member": member.email, "staff": staff.email, "other": other.email,
            "admin": admin.email, "payout": payout.id, "venue": venue.id, "run": run.id}
