"""The camt reader: versions, batch bookings, references, and what it refuses."""
import pytest

from server.banking import camt
from server.payments.reference import topup_reference
from tests.server.banking.builder import PLATFORM_IBAN, Camt, Entry, Tx

RF = topup_reference(42)  # RF15MNT0000000042


@pytest.mark.parametrize("kind", ["053", "054"])
@pytest.mark.parametrize("version", ["02", "08"])
def test_credits_and_a_batch_debit_are_read_in_every_supported_version(kind, version):
    built = Camt(kind=kind, version=version).credit(25_000, reference=RF, name="Pasticceria Sàn Babila s.r.l.",
                                                    iban="IT02L1234512345123456789012")
    built.debit_batch(Tx(12_000, end_to_end_id="MENT-1-1", name="Teatro Nuovo"),
                      Tx(3_450, end_to_end_id="MENT-1-2", name="Museo Poldi Pezzoli"))

    statement = camt.parse(built.xml(), platform_iban=PLATFORM_IBAN)

    assert (statement.kind, statement.version) == (f"camt.{kind}", f"001.{version}")
    credit, first, second = statement.transactions
    assert (credit.direction, credit.amount_cents, credit.structured_reference) == ("credit", 25_000, RF)
    assert credit.counterparty_name == "Pasticceria Sàn Babila s.r.l."
    assert credit.counterparty_iban == "IT02L1234512345123456789012"
    assert credit.bank_transaction_code == "PMNT-RCDT-ESCT"
    assert [(t.direction, t.amount_cents, t.end_to_end_id, t.counterparty_name) for t in (first, second)] == [
        ("debit", 12_000, "MENT-1-1", "Teatro Nuovo"), ("debit", 3_450, "MENT-1-2", "Museo Poldi Pezzoli")]
    # One bank reference per part of the batch, all different.
    assert len({t.bank_reference for t in statement.transactions}) == 3
    assert first.bank_reference.endswith("#1") and second.bank_reference.endswith("#2")


def test_pending_entries_are_counted_not_read():
    built = Camt().credit(1_000, reference=RF)
    built.entries.append(Entry("CRDT", [Tx(2_000)], status="PDNG"))
    statement = camt.parse(built.xml(), platform_iban=PLATFORM_IBAN)
    assert [t.amount_cents for t in statement.transactions] == [1_000]
    assert statement.skipped_not_booked == 1


def test_an_entry_without_a_bank_reference_is_named_by_its_content():
    built = Camt()
    built.entries.append(Entry("CRDT", [Tx(1_000, ustrd="ricarica")], bank_reference=None))
    built.entries.append(Entry("CRDT", [Tx(1_000, ustrd="ricarica bis")], bank_reference=None))
    first, second = camt.parse(built.xml(), platform_iban=PLATFORM_IBAN).transactions
    assert first.bank_reference.startswith("sha256:") and first.bank_reference != second.bank_reference
    again = camt.parse(built.xml(), platform_iban=PLATFORM_IBAN).transactions[0]
    assert again.bank_reference == first.bank_reference


def test_the_platform_iban_is_compared_without_spaces_or_case():
    built = Camt(iban="it60 x054 2811 1010 0000 0123 456")
    assert camt.parse(built.credit(1_000).xml(), platform_iban=PLATFORM_IBAN).account_iban == PLATFORM_IBAN


def _code(data):
    with pytest.raises(camt.StatementRefused) as refused:
        camt.parse(data, platform_iban=PLATFORM_IBAN)
    return refused.value.code, refused.value.params


def test_another_account_is_refused():
    code, params = _code(Camt(iban="IT02L1234512345123456789012").credit(1_000).xml())
    assert code == "statement_wrong_account" and params == {"iban": "IT02L1234512345123456789012"}


@pytest.mark.parametrize("namespace", [
    "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03",
    "urn:iso:std:iso:20022:tech:xsd:camt.052.001.02",
    "urn:iso:std:iso:20022:tech:xsd:camt.053.001.99",
    "",
])
def test_other_messages_are_not_camt(namespace):
    data = Camt(namespace=namespace or None).credit(1_000).xml()
    if not namespace:
        data = data.replace(b' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"', b"")
    assert _code(data)[0] == "statement_not_camt"


@pytest.mark.parametrize("broken, where", [
    (b"<Amt Ccy=\"EUR\">250.00</Amt>", b"<Amt Ccy=\"EUR\">250,00</Amt>"),
    (b"<Amt Ccy=\"EUR\">250.00</Amt>", b"<Amt Ccy=\"EUR\">-250.00</Amt>"),
    (b"<Amt Ccy=\"EUR\">250.00</Amt>", b"<Amt Ccy=\"EUR\">250.001</Amt>"),
    (b"<Amt Ccy=\"EUR\">250.00</Amt>", b"<Amt>250.00</Amt>"),
    (b"250.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>", b"250.00</Amt><CdtDbtInd>BOTH</CdtDbtInd>"),
    (b"<BookgDt><Dt>2026-11-27</Dt></BookgDt>", b"<BookgDt><Dt>27/11/2026</Dt></BookgDt>"),
    (b"<BookgDt><Dt>2026-11-27</Dt></BookgDt>", b""),
    (b"<MsgId>MSG-20261127-0001</MsgId>", b""),
])
def test_an_incomplete_entry_refuses_the_whole_file(broken, where):
    data = Camt().credit(25_000).xml()
    assert broken in data
    assert _code(data.replace(broken, where, 1))[0] == "statement_not_camt"


def test_a_batch_whose_parts_do_not_add_up_is_refused():
    built = Camt().debit_batch(Tx(1_000, end_to_end_id="A"), Tx(2_000, end_to_end_id="B"), amount_cents=3_001)
    assert _code(built.xml()) == ("statement_not_camt", {"problem": "Stmt/Ntry[1]/NtryDtls/TxDtls/Amt"})


@pytest.mark.parametrize("data, reason", [
    (b"", "empty"),
    (b"%PDF-1.7 not a statement", "not_xml"),
    (b"<Document><unclosed></Document>", "not_xml"),
    (b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "aaaa">]><Document>&a;</Document>', "dtd_not_allowed"),
])
def test_what_is_not_xml_is_unreadable(data, reason):
    assert _code(data) == ("statement_unreadable", {"reason": reason})


def test_the_size_is_capped_before_parsing():
    assert _code(b" " * (camt.MAX_STATEMENT_BYTES + 1))[0] == "statement_too_large"


def test_an_rf_reference_is_found_in_free_text_spaced_and_followed_by_words():
    from server.banking.matching import references_in

    tx = camt.Transaction("r", "credit", 1, "EUR", None, unstructured="Ricarica campagna RF15 MNT0 0000 0004 2 grazie")
    assert RF in references_in(tx)
    assert references_in(camt.Transaction("r", "credit", 1, "EUR", None, unstructured="RF16MNT0000000042")) == []
