"""The pain.001 of a run: valid against its XSD, one transfer per payout, the same file
on every download; then paid, by the statement import's call or by the operator."""
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import xmlschema
from lxml import etree

from server.extensions import db
from server.settlement import api as settlement
from server.settlement import exceptions as exc
from server.settlement import sepa
from tests.server.settlement.helpers import IBAN_A, IBAN_B, balance, give_ibans, run


def _paid_run(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700), door.record(a, at=now - 500, amount=500))
    door.sync(door.away, door.record(door.away, at=now - 400, amount=333))
    return run(door.app)


def _export(app, run_id):
    with app.app_context():
        xml = settlement.export_pain(settlement.get_run(run_id), now=datetime.now(timezone.utc))
        db.session.commit()
        return xml


@pytest.mark.parametrize("version", sepa.VERSIONS)
def test_the_payment_file_is_valid_and_pays_each_payout(door, now, version):
    door.app.config["SEPA_PAIN_VERSION"] = version
    run_id = _paid_run(door, now)
    xml = _export(door.app, run_id)
    xmlschema.XMLSchema(sepa.schema(version).url).validate(xml.decode())  # a fresh load of the XSD, not our cache
    tree = etree.fromstring(xml)
    ns = {"p": f"urn:iso:std:iso:20022:tech:xsd:{version}"}
    assert tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", namespaces=ns) == f"MENT-RUN-{run_id}"
    assert tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "2"
    assert Decimal(tree.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns)) == Decimal("15.33")
    assert tree.findtext(".//p:DbtrAcct/p:Id/p:IBAN", namespaces=ns) == door.app.config["PLATFORM_IBAN"]
    transfers = {t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns): (
        Decimal(t.findtext("p:Amt/p:InstdAmt", namespaces=ns)), t.findtext("p:PmtId/p:EndToEndId", namespaces=ns),
        t.findtext("p:RmtInf/p:Ustrd", namespaces=ns)) for t in tree.iterfind(".//p:CdtTrfTxInf", ns)}
    with door.app.app_context():
        made = settlement.get_run(run_id)
        expected = {p.iban: (Decimal(p.amount_cents) / 100, p.end_to_end_id, p.remittance) for p in made.payouts}
        assert made.status == "exported" and {p.status for p in made.payouts} == {"exported"}
        assert made.message_id == f"MENT-RUN-{run_id}" and made.pain_version == version
    assert transfers == expected
    assert transfers[IBAN_A][0] == Decimal("12.00") and transfers[IBAN_B][0] == Decimal("3.33")
    assert all(f"pagamento {run_id} estratto P-" in remittance for _, _, remittance in transfers.values())


def test_a_second_download_is_the_same_file_even_after_the_configuration_changed(door, now):
    run_id = _paid_run(door, now)
    first = _export(door.app, run_id)
    door.app.config["SEPA_PAIN_VERSION"] = "pain.001.001.09"
    assert _export(door.app, run_id) == first


def test_a_run_without_payouts_has_no_file(door, now):
    give_ibans(door)
    run_id = run(door.app)
    with door.app.app_context(), pytest.raises(exc.NothingToExport):
        settlement.export_pain(settlement.get_run(run_id), now=datetime.now(timezone.utc))


def test_paid_moves_the_money_out_of_the_bank_once_and_the_run_is_paid_with_its_last_payout(door, now):
    run_id = _paid_run(door, now)
    bank_before = balance(door.app, "bank")
    with door.app.app_context():
        first, second = settlement.get_run(run_id).payouts
        with pytest.raises(exc.NotExported):  # money that never left in a file cannot be paid
            settlement.mark_payout_paid(first, booked_on=date.today(), bank_reference=None,
                                        now=datetime.now(timezone.utc))
        db.session.rollback()
    _export(door.app, run_id)
    with door.app.app_context():
        first, second = settlement.get_run(run_id).payouts
        found = settlement.find_payout_by_end_to_end_id(first.end_to_end_id)
        assert found.id == first.id
        for _ in range(2):  # the statement imported twice
            settlement.mark_payout_paid(found, booked_on=date(2026, 12, 1), bank_reference="BANK-1",
                                        now=datetime.now(timezone.utc))
        first_id, second_id, paid_first = first.id, second.id, first.amount_cents
        db.session.commit()
        assert settlement.get_run(run_id).status == "exported"
    assert balance(door.app, "bank") == bank_before - paid_first
    assert balance(door.app, "payout_in_transit") == 1_533 - paid_first
    with door.app.app_context():
        made = settlement.confirm_run_paid(settlement.get_run(run_id), booked_on=date(2026, 12, 2),
                                           bank_reference=None, now=datetime.now(timezone.utc))
        db.session.commit()
        assert made.status == "paid" and made.paid_at is not None
        got = {p.id: (p.status, p.booked_on, p.bank_reference) for p in made.payouts}
        assert got[first_id] == ("paid", date(2026, 12, 1), "BANK-1")  # confirmed by the statement first
        assert got[second_id][:2] == ("paid", date(2026, 12, 2))
    assert balance(door.app, "payout_in_transit") == 0
    assert balance(door.app, "bank") == bank_before - 1_533


def test_an_unknown_end_to_end_id_finds_nothing(app):
    with app.app_context():
        assert settlement.find_payout_by_end_to_end_id("MENT-9-9") is None
