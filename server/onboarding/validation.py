"""Checks of the identifiers an organisation gives when it signs up.

Each function takes what the person typed and returns it in normal form, or
raises `InvalidField` with a stable code and an Italian message. `field` names
the form field in the error; it defaults to the function's name.

Municipalities: every Italian municipality, from ISTAT's list (territory.py).
"""
import re

from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.it import iva

from server.onboarding import territory
from server.onboarding.exceptions import InvalidField
from server.onboarding.territory import Municipality

# Abbreviations ("sigle") of the 107 current provinces, metropolitan cities and
# equivalent bodies.
PROVINCES = frozenset("""
    AG AL AN AO AP AQ AR AT AV BA BG BI BL BN BO BR BS BT BZ CA
    CB CE CH CL CN CO CR CS CT CZ EN FC FE FG FI FM FR GE GO GR
    IM IS KR LC LE LI LO LT LU MB MC ME MI MN MO MS MT NA NO NU
    OR PA PC PD PE PG PI PN PO PR PT PU PV PZ RA RC RE RG RI RM
    RN RO SA SI SO SP SR SS SU SV TA TE TN TO TP TR TS TV UD VA
    VB VC VE VI VR VT VV
""".split())

# Former sigle: Forlì (FO, now FC), Pesaro e Urbino (PS, now PU) and the
# Sardinian provinces of 2005-2016 (CI, VS, OG, OT). Accepted in school codes
# because a code assigned under a former province may still be in use; which of
# them actually occur has not been confirmed.
FORMER_PROVINCES = frozenset({"FO", "PS", "CI", "VS", "OG", "OT"})

_SCHOOL_CODE = re.compile(r"[A-Z]{2}[A-Z]{2}[A-Z0-9]{6}")
_DIGITS = re.compile(r"[0-9]+")

_VAT_MESSAGES = {
    InvalidLength: "La partita IVA deve avere 11 cifre.",
    InvalidChecksum: "La partita IVA non è valida: la cifra di controllo non corrisponde.",
    InvalidComponent: "La partita IVA non è valida: il codice dell'ufficio provinciale non esiste.",
}
_VAT_DEFAULT = "La partita IVA non è valida: servono 11 cifre, eventualmente precedute da IT."

_IBAN_MESSAGES = {
    InvalidChecksum: "L'IBAN non è valido: le cifre di controllo non corrispondono. "
    "Controlla di averlo copiato per intero.",
    InvalidComponent: "L'IBAN non è valido: il codice del paese non è riconosciuto.",
}
_IBAN_DEFAULT = "L'IBAN non è valido: lunghezza o formato non corrispondono a quelli del suo paese."


def vat_number(value: str, *, field: str = "vat_number") -> str:
    """An Italian partita IVA: 11 digits with a Luhn check digit. Spaces and a
    leading "IT" are accepted; the 11 digits are returned."""
    try:
        return iva.validate(_ascii(value, field, "invalid_vat_number", _VAT_DEFAULT))
    except ValidationError as error:
        message = _VAT_MESSAGES.get(type(error), _VAT_DEFAULT)
        raise InvalidField(field, "invalid_vat_number", message) from None


def iban(value: str, *, field: str = "iban") -> str:
    """An IBAN of any country (ISO 13616: mod-97 check digits, the country's
    length and layout). Spaces and lower case are accepted; the compact upper
    case form is returned. The Italian CIN letter is not checked on its own."""
    try:
        return stdnum_iban.validate(_ascii(value, field, "invalid_iban", _IBAN_DEFAULT))
    except ValidationError as error:
        message = _IBAN_MESSAGES.get(type(error), _IBAN_DEFAULT)
        raise InvalidField(field, "invalid_iban", message) from None


def school_code(value: str, *, field: str = "school_code") -> str:
    """A school's "codice meccanografico", e.g. MIIS00900T: province sigla, two
    letters for the kind of school, five letters or digits, one check character.

    Only the shape and the province are checked. The last character is a check
    character, but we know of no documented algorithm for it and do not guess
    one, so a mistyped code of the right shape gets through.
    """
    message = (
        "Il codice meccanografico deve avere 10 caratteri: sigla della provincia, "
        "due lettere per il tipo di scuola e sei lettere o cifre (es. MIIS00900T)."
    )
    code = "".join(_ascii(value, field, "invalid_school_code", message).split()).upper()
    if not _SCHOOL_CODE.fullmatch(code):
        raise InvalidField(field, "invalid_school_code", message)
    if code[:2] not in PROVINCES | FORMER_PROVINCES:
        raise InvalidField(
            field,
            "invalid_school_code",
            f"Il codice meccanografico non è valido: «{code[:2]}» non è la sigla di una provincia.",
        )
    return code


def municipality(value: str, *, field: str = "municipality") -> Municipality:
    """An Italian municipality by ISTAT code or by name (territory.py)."""
    return territory.municipality(value, field=field)


def postal_code(value: str, *, field: str = "postal_code") -> str:
    """An Italian CAP: 5 digits. Only the shape is checked, not that it exists."""
    message = "Il CAP deve essere di 5 cifre."
    code = _ascii(value, field, "invalid_postal_code", message).strip()
    if not (_DIGITS.fullmatch(code) and len(code) == 5):
        raise InvalidField(field, "invalid_postal_code", message)
    return code


def _ascii(value, field: str, code: str, message: str) -> str:
    """`value` if it is text that could be an identifier. Non-ASCII is refused
    up front: int() and the like read other scripts' digits as digits."""
    if not isinstance(value, str) or not value.isascii():
        raise InvalidField(field, code, message)
    return value
