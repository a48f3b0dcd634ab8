"""The SEPA credit transfer file (ISO 20022 pain.001) that pays a run's payouts.

Built with sepaxml, then given what sepaxml would make random or local: the MsgId and
PmtInfId name the run, the creation time is the export's, and a debtor with no BIC
says so the EPC way (FinInstnId/Othr/Id NOTPROVIDED). The result is checked against
the version's XSD before anyone can send it to a bank. pain.001.001.03 is what every
Italian bank takes; pain.001.001.09 (the 2019 rulebook) is chosen by SEPA_PAIN_VERSION.
"""
import functools
import os
from datetime import datetime
from zoneinfo import ZoneInfo

import sepaxml
from lxml import etree
from sepaxml import SepaTransfer

VERSIONS = ("pain.001.001.03", "pain.001.001.09")
DEFAULT_VERSION = VERSIONS[0]
ITALY = ZoneInfo("Europe/Rome")


@functools.lru_cache(maxsize=None)
def schema(version: str):
    import xmlschema  # loads the XSD once per process: it takes a while

    return xmlschema.XMLSchema(os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{version}.xsd"))


def message_id(run_id: int) -> str:
    """GrpHdr/MsgId: unique per file for the bank (it refuses a MsgId seen before)."""
    return f"MENT-RUN-{run_id}"


def credit_transfers(*, run_id: int, payments: list[dict], debtor: dict, version: str, now: datetime) -> bytes:
    """One pain.001 paying ``payments`` (dicts: name, iban, amount_cents, remittance,
    end_to_end_id) from ``debtor`` (name, iban, bic or ''), executed on ``now``'s day."""
    if version not in VERSIONS:
        raise RuntimeError(f"SEPA_PAIN_VERSION must be one of {VERSIONS}, not {version!r}")
    if not payments:
        raise ValueError("a payment file pays something")
    config = {"name": debtor["name"], "IBAN": debtor["iban"], "batch": True, "currency": "EUR"}
    if debtor.get("bic"):
        config["BIC"] = debtor["bic"]
    transfer = SepaTransfer(config, schema=version)
    local = now.astimezone(ITALY).replace(microsecond=0)
    for payment in payments:
        transfer.add_payment({"name": payment["name"], "IBAN": payment["iban"], "amount": payment["amount_cents"],
                              "execution_date": local.date(), "description": payment["remittance"],
                              "endtoend_id": payment["end_to_end_id"]})
    document = etree.fromstring(transfer.export(validate=False))
    ns = {"p": document.nsmap[None]}
    document.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", ns).text = message_id(run_id)
    document.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm", ns).text = local.isoformat()
    for number, info in enumerate(document.iterfind("p:CstmrCdtTrfInitn/p:PmtInf", ns), start=1):
        info.find("p:PmtInfId", ns).text = f"{message_id(run_id)}-{number}"
        institution = info.find("p:DbtrAgt/p:FinInstnId", ns)
        if len(institution) == 0:
            other = etree.SubElement(institution, f"{{{ns['p']}}}Othr")
            etree.SubElement(other, f"{{{ns['p']}}}Id").text = "NOTPROVIDED"
    etree.indent(document, space="  ")
    xml = etree.tostring(document, xml_declaration=True, encoding="UTF-8")
    schema(version).validate(xml.decode())  # raises: a file the bank would refuse never leaves
    return xml
