"""Importing statements over the API: credits confirm top-ups on an exact match, the
rest waits in the queue with suggestions, and the operator decides."""
import sqlalchemy as sa

from server.banking.models import BankLine, BankStatement
from server.extensions import db
from server.ledger import api as ledger_api
from tests.server.banking.builder import Camt, Entry, Tx


def _bank_balance(app) -> int:
    with app.app_context():
        return ledger_api.account("bank").balance_cents


def _rows(app):
    with app.app_context():
        return (db.session.scalar(sa.select(sa.func.count()).select_from(BankStatement)),
                db.session.scalar(sa.select(sa.func.count()).select_from(BankLine)))


def test_an_exact_credit_confirms_its_topup_and_moves_the_money(desk):
    topup_id, reference = desk.topup(25_000)
    data = Camt().credit(25_000, reference=reference, name="Forno Brambilla di Niccolò Brambilla").xml()

    response = desk.import_(data, file_name="BPM_20261127.xml")

    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["replayed"] is False and body["kind"] == "camt.053" and body["file_name"] == "BPM_20261127.xml"
    assert body["counts"]["credits_matched"] == 1 and body["counts"]["queued"] == 0
    (line,) = body["lines"]
    assert (line["status"], line["topup_id"], line["reference"]) == ("matched", topup_id, reference)
    assert desk.status(topup_id) == "confirmed"
    assert _bank_balance(desk.app) == 25_000


def test_the_preview_says_what_would_happen_and_changes_nothing(desk):
    topup_id, reference = desk.topup(25_000)
    data = Camt().credit(25_000, reference=reference).credit(9_999, ustrd="bonifico senza riferimento").xml()

    response = desk.preview(data, idempotency_key=None)

    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [(line["status"], line["queue_reason"], line["topup_id"]) for line in body["lines"]] == [
        ("matched", None, topup_id), ("queued", "unknown", None)]
    assert body["counts"]["credits_matched"] == 1 and body["counts"]["queued"] == 1
    assert body["already_imported_id"] is None
    assert desk.status(topup_id) == "pending" and _bank_balance(desk.app) == 0
    assert _rows(desk.app) == (0, 0)


def test_the_reference_is_also_found_in_the_free_text(desk):
    topup_id, reference = desk.topup(10_000)
    spaced = " ".join(reference[i:i + 4] for i in range(0, len(reference), 4))
    data = Camt(version="02").credit(10_000, ustrd=f"RICARICA MENTORING {spaced} CAMPAGNA TEATRO").xml()
    assert desk.import_(data).get_json()["lines"][0]["status"] == "matched"
    assert desk.status(topup_id) == "confirmed"


def test_the_same_file_twice_is_one_import(desk):
    topup_id, reference = desk.topup(25_000)
    data = Camt().credit(25_000, reference=reference).xml()
    first = desk.import_(data).get_json()

    again = desk.import_(data, file_name="di-nuovo.xml")

    assert again.status_code == 200
    body = again.get_json()
    assert body["replayed"] is True and body["id"] == first["id"] and body["file_name"] == "estratto.xml"
    assert body["lines"] == first["lines"]
    assert _rows(desk.app) == (1, 1) and _bank_balance(desk.app) == 25_000
    assert desk.preview(data).get_json()["already_imported_id"] == first["id"]


def test_a_movement_another_file_brought_is_not_acted_on_twice(desk):
    topup_id, reference = desk.topup(25_000)
    notification = Camt(kind="054", message_id="NTF-1").credit(25_000, reference=reference)
    day = Camt(kind="053", message_id="MSG-1").credit(25_000, reference=reference)
    day.entries[0].bank_reference = notification.entries[0].bank_reference = "BPM-2026-000123"
    desk.import_(notification.xml())

    body = desk.import_(day.xml()).get_json()

    assert body["counts"]["already_known"] == 1 and body["lines"] == []
    assert _rows(desk.app) == (2, 1) and _bank_balance(desk.app) == 25_000


def test_partial_excess_duplicate_and_unknown_credits_wait_and_move_nothing(desk):
    partial_id, partial_ref = desk.topup(25_000)
    excess_id, excess_ref = desk.topup(10_000)
    paid_id, paid_ref = desk.topup(5_000)
    built = (Camt().credit(20_000, reference=partial_ref).credit(10_500, reference=excess_ref)
             .credit(5_000, reference=paid_ref).credit(5_000, reference=paid_ref)
             .credit(7_777, ustrd="Erogazione liberale"))

    body = desk.import_(built.xml()).get_json()

    assert [(line["status"], line["queue_reason"]) for line in body["lines"]] == [
        ("queued", "partial"), ("queued", "excess"), ("matched", None), ("queued", "duplicate"),
        ("queued", "unknown")]
    assert [desk.status(i) for i in (partial_id, excess_id, paid_id)] == ["pending", "pending", "confirmed"]
    # Only the exact match entered the books; the rest waits outside them.
    assert _bank_balance(desk.app) == 5_000


def test_a_topup_confirmed_by_hand_is_matched_by_its_credit_not_called_a_duplicate(desk):
    topup_id, reference = desk.topup(5_000)
    assert desk.api.post(f"/api/v1/admin/topups/{topup_id}/confirm").status_code == 200
    body = desk.import_(Camt().credit(5_000, reference=reference).xml()).get_json()
    assert body["lines"][0]["status"] == "matched" and _bank_balance(desk.app) == 5_000


def test_the_queue_suggests_topups_and_the_operator_confirms_one(desk):
    topup_id, reference = desk.topup(15_000)
    mistyped = reference[:-1] + ("1" if reference[-1] != "1" else "2")
    data = Camt().credit(15_000, ustrd=f"ricarica {mistyped[4:]}", name="Libreria Àncora").xml()
    desk.import_(data)

    (line,) = desk.api.get("/api/v1/admin/bank-lines").get_json()
    assert line["queue_reason"] == "unknown"
    (suggestion,) = line["suggestions"]
    assert suggestion["topup_id"] == topup_id and set(suggestion["reasons"]) == {"same_amount", "similar_reference"}

    decided = desk.api.post(f"/api/v1/admin/bank-lines/{line['id']}/decision",
                            json={"action": "confirm_topup", "topup_id": topup_id})

    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "confirmed" and decided.get_json()["topup_id"] == topup_id
    assert desk.status(topup_id) == "confirmed" and _bank_balance(desk.app) == 15_000
    assert desk.api.get("/api/v1/admin/bank-lines").get_json() == []
    again = desk.api.post(f"/api/v1/admin/bank-lines/{line['id']}/decision", json={"action": "set_aside", "note": "x"})
    assert again.status_code == 409 and again.get_json()["code"] == "bank_line_decided"


def test_a_payer_seen_before_is_suggested_for_their_sponsors_topups(desk):
    _, first_ref = desk.topup(10_000)
    second_id, _ = desk.topup(30_000)
    desk.import_(Camt(message_id="A").credit(10_000, reference=first_ref, name="Caffè Cova S.p.A.").xml())
    desk.import_(Camt(message_id="B").credit(12_345, ustrd="contributo", name="CAFFÈ COVA S.P.A.").xml())
    (line,) = desk.api.get("/api/v1/admin/bank-lines").get_json()
    assert [(s["topup_id"], s["reasons"]) for s in line["suggestions"]] == [(second_id, ["same_payer"])]


def test_a_partial_credit_cannot_confirm_a_topup_and_is_set_aside_with_a_note(desk):
    topup_id, reference = desk.topup(25_000)
    desk.import_(Camt().credit(20_000, reference=reference).xml())
    (line,) = desk.api.get("/api/v1/admin/bank-lines").get_json()
    url = f"/api/v1/admin/bank-lines/{line['id']}/decision"

    refused = desk.api.post(url, json={"action": "confirm_topup", "topup_id": topup_id})
    assert refused.status_code == 422 and refused.get_json()["code"] == "topup_amount_differs"
    assert refused.get_json()["params"] == {"line_amount_cents": 20_000, "topup_amount_cents": 25_000}
    no_note = desk.api.post(url, json={"action": "set_aside"})
    assert no_note.status_code == 422 and no_note.get_json()["code"] == "note_required"

    done = desk.api.post(url, json={"action": "set_aside", "note": "Da restituire: importo parziale"})

    assert done.status_code == 200 and done.get_json()["status"] == "set_aside"
    assert done.get_json()["decision_note"] == "Da restituire: importo parziale"
    assert desk.status(topup_id) == "pending" and _bank_balance(desk.app) == 0


def test_money_posts_need_an_idempotency_key_and_a_retry_gets_the_first_answer(desk):
    topup_id, reference = desk.topup(25_000)
    data = Camt().credit(25_000, reference=reference).xml()
    missing = desk.import_(data, idempotency_key=None)
    assert missing.status_code == 400 and missing.get_json()["code"] == "idempotency_key_missing"
    first = desk.import_(data, idempotency_key="import-1")
    retry = desk.import_(data, idempotency_key="import-1")
    assert first.status_code == retry.status_code == 201
    assert retry.headers.get("Idempotency-Replayed") == "true"


def test_imports_are_listed_newest_first(desk):
    desk.import_(Camt(message_id="A").credit(1_000, ustrd="x").xml(), file_name="a.xml")
    desk.import_(Camt(message_id="B").credit(2_000, ustrd="y").xml(), file_name="b.xml")
    listed = desk.api.get("/api/v1/admin/bank-statements").get_json()
    assert [s["file_name"] for s in listed] == ["b.xml", "a.xml"]
    assert listed[0]["counts"]["queued"] == 1 and listed[0]["counts"]["credit_cents"] == 2_000
    detail = desk.api.get(f"/api/v1/admin/bank-statements/{listed[1]['id']}").get_json()
    assert detail["lines"][0]["amount_cents"] == 1_000
    assert desk.api.get("/api/v1/admin/bank-statements/999999").status_code == 404


def test_an_italian_banks_day_statement(desk):
    """Several entries as an Italian bank exports them: credits with the RF in
    Strd/CdtrRefInf, one in the free text, a bank fee, a pending entry, accents."""
    a_id, a_ref = desk.topup(50_000)
    b_id, b_ref = desk.topup(12_050)
    built = Camt(version="02", message_id="CBI-BPM-20261127-0042")
    built.credit(50_000, reference=a_ref, name="Società Cooperativa Sociale «Il Girasole»",
                 iban="IT60X0542811101000000654321", ustrd="RICARICA CAMPAGNA CULTURA PER TUTTI")
    built.credit(12_050, ustrd=f"/ROC/{b_ref}/ Pasticceria Marchési 1824 contributo", name="Pasticceria Marchési")
    built.entries.append(Entry("DBIT", [Tx(250, ustrd="COMMISSIONI BONIFICI")], code=("ACMT", "MCOP", "CHRG")))
    built.entries.append(Entry("CRDT", [Tx(99_900, ustrd="in lavorazione")], status="PDNG"))

    body = desk.import_(built.xml()).get_json()

    assert body["message_id"] == "CBI-BPM-20261127-0042"
    assert [(l["direction"], l["status"], l["queue_reason"]) for l in body["lines"]] == [
        ("credit", "matched", None), ("credit", "matched", None), ("debit", "queued", "unknown")]
    assert body["lines"][0]["counterparty_name"] == "Società Cooperativa Sociale «Il Girasole»"
    assert body["lines"][2]["bank_transaction_code"] == "ACMT-MCOP-CHRG"
    assert body["counts"]["not_booked"] == 1
    assert [desk.status(a_id), desk.status(b_id)] == ["confirmed", "confirmed"]
    assert _bank_balance(desk.app) == 62_050
