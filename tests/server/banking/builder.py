"""Builds camt.053 / camt.054 files for tests, in version 001.02 or 001.08.

Shaped like what banks export: a group header, one statement (or notification) of one
account, booked entries with AcctSvcrRef and a bank transaction code, batch bookings
(one debit entry, several TxDtls), RF references in RmtInf/Strd/CdtrRefInf or in the
free text."""
from dataclasses import dataclass, field
from datetime import date
from xml.sax.saxutils import escape

PLATFORM_IBAN = "IT60X0542811101000000123456"


@dataclass
class Tx:
    amount_cents: int
    reference: str | None = None  # RF in Strd/CdtrRefInf/Ref
    ustrd: str | None = None
    end_to_end_id: str | None = None
    name: str | None = None  # the debtor of a credit, the creditor of a debit
    iban: str | None = None
    tx_reference: str | None = None  # TxDtls/Refs/AcctSvcrRef


@dataclass
class Entry:
    direction: str  # "CRDT" | "DBIT"
    txs: list[Tx]
    bank_reference: str | None = "AUTO"  # Ntry/AcctSvcrRef; None: none given
    booked_on: date = date(2026, 11, 27)
    status: str = "BOOK"
    currency: str = "EUR"
    code: tuple = ("PMNT", "RCDT", "ESCT")
    amount_cents: int | None = None  # default: the sum of the transactions
    reversal: bool = False


@dataclass
class Camt:
    kind: str = "053"  # "053" | "054"
    version: str = "08"  # "02" | "08"
    iban: str = PLATFORM_IBAN
    message_id: str = "MSG-20261127-0001"
    entries: list[Entry] = field(default_factory=list)
    namespace: str | None = None  # override, to test refusals

    def credit(self, amount_cents, **tx):
        self.entries.append(Entry("CRDT", [Tx(amount_cents, **tx)]))
        return self

    def debit_batch(self, *txs: Tx, **entry):
        self.entries.append(Entry("DBIT", list(txs), code=("PMNT", "ICDT", "ESCT"), **entry))
        return self

    def xml(self) -> bytes:
        ns = self.namespace or f"urn:iso:std:iso:20022:tech:xsd:camt.{self.kind}.001.{self.version}"
        message, report = {"053": ("BkToCstmrStmt", "Stmt"), "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}[self.kind]
        entries = "".join(self._entry(e, n) for n, e in enumerate(self.entries, start=1))
        balances = ""
        if self.kind == "053":
            balances = ("<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy=\"EUR\">1000.00</Amt>"
                        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-27</Dt></Dt></Bal>")
        return (f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{ns}" '
                f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><{message}>'
                f"<GrpHdr><MsgId>{self.message_id}</MsgId><CreDtTm>2026-11-27T18:00:00+01:00</CreDtTm></GrpHdr>"
                f"<{report}><Id>{self.message_id}-1</Id><CreDtTm>2026-11-27T18:00:00+01:00</CreDtTm>"
                f"<Acct><Id><IBAN>{self.iban}</IBAN></Id><Ccy>EUR</Ccy>"
                f"<Svcr><FinInstnId><BIC>BPMOIT22XXX</BIC></FinInstnId></Svcr></Acct>"
                f"{balances}{entries}</{report}></{message}></Document>").encode()

    def _status(self, status):
        return f"<Sts><Cd>{status}</Cd></Sts>" if self.version == "08" else f"<Sts>{status}</Sts>"

    def _party(self, name):
        inner = f"<Nm>{escape(name)}</Nm>"
        return f"<Pty>{inner}</Pty>" if self.version == "08" else inner

    def _entry(self, entry: Entry, number: int) -> str:
        total = entry.amount_cents if entry.amount_cents is not None else sum(t.amount_cents for t in entry.txs)
        reference = f"CBI{self.message_id[-4:]}{number:06d}" if entry.bank_reference == "AUTO" else entry.bank_reference
        code = (f"<BkTxCd><Domn><Cd>{entry.code[0]}</Cd><Fmly><Cd>{entry.code[1]}</Cd>"
                f"<SubFmlyCd>{entry.code[2]}</SubFmlyCd></Fmly></Domn><Prtry><Cd>48</Cd><Issr>CBI</Issr></Prtry></BkTxCd>")
        batch = len(entry.txs) > 1
        details = "".join(self._tx(t, entry, batch) for t in entry.txs)
        batch_info = f"<Btch><NbOfTxs>{len(entry.txs)}</NbOfTxs></Btch>" if batch else ""
        return (f"<Ntry><NtryRef>{number}</NtryRef><Amt Ccy=\"{entry.currency}\">{_money(total)}</Amt>"
                f"<CdtDbtInd>{entry.direction}</CdtDbtInd>"
                + ("<RvslInd>true</RvslInd>" if entry.reversal else "")
                + f"{self._status(entry.status)}<BookgDt><Dt>{entry.booked_on.isoformat()}</Dt></BookgDt>"
                f"<ValDt><Dt>{entry.booked_on.isoformat()}</Dt></ValDt>"
                + (f"<AcctSvcrRef>{reference}</AcctSvcrRef>" if reference else "")
                + f"{code}<NtryDtls>{batch_info}{details}</NtryDtls></Ntry>")

    def _tx(self, tx: Tx, entry: Entry, batch: bool) -> str:
        refs = "".join(filter(None, [
            f"<AcctSvcrRef>{tx.tx_reference}</AcctSvcrRef>" if tx.tx_reference else None,
            f"<EndToEndId>{escape(tx.end_to_end_id)}</EndToEndId>" if tx.end_to_end_id else
            "<EndToEndId>NOTPROVIDED</EndToEndId>"]))
        amount = ""
        if batch:
            amount = (f"<AmtDtls><TxAmt><Amt Ccy=\"{entry.currency}\">{_money(tx.amount_cents)}</Amt></TxAmt></AmtDtls>"
                      if self.version == "02" else f"<Amt Ccy=\"{entry.currency}\">{_money(tx.amount_cents)}</Amt>"
                      f"<CdtDbtInd>{entry.direction}</CdtDbtInd>")
        party, account = ("Dbtr", "DbtrAcct") if entry.direction == "CRDT" else ("Cdtr", "CdtrAcct")
        parties = ""
        if tx.name or tx.iban:
            parties = ("<RltdPties>" + (f"<{party}>{self._party(tx.name)}</{party}>" if tx.name else "")
                       + (f"<{account}><Id><IBAN>{tx.iban}</IBAN></Id></{account}>" if tx.iban else "")
                       + "</RltdPties>")
        remittance = ""
        if tx.reference or tx.ustrd:
            remittance = "<RmtInf>" + (f"<Ustrd>{escape(tx.ustrd)}</Ustrd>" if tx.ustrd else "") + (
                f"<Strd><CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry></Tp><Ref>{tx.reference}</Ref>"
                f"</CdtrRefInf></Strd>" if tx.reference else "") + "</RmtInf>"
        return f"<TxDtls><Refs>{refs}</Refs>{amount}{parties}{remittance}</TxDtls>"


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"
