"""Checks of the identifiers an organisation gives when it signs up.

Each function takes what the person typed and returns it in normal form, or
raises `InvalidField` with a stable code and an Italian message. `field` names
the form field in the error; it defaults to the function's name.

Municipalities: `data/municipalities_mi.csv` ships 133 rows, all the
municipalities of the Città metropolitana di Milano (ISTAT codes 015xxx, as they
stand since Vermezzo and Zelo Surrigone merged into Vermezzo con Zelo in 2019),
which is the pilot area. The rows were transcribed from a public mirror of
ISTAT's list, not from ISTAT's own file. Before onboarding anyone outside the
pilot, the list must be completed from ISTAT's official "Elenco dei comuni
italiani" (and these rows re-checked against it). Names are then no longer
unique across Italy, so a lookup by name will need the province as well.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidLength, ValidationError
from stdnum.it import iva

from server.onboarding.exceptions import InvalidField

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


@dataclass(frozen=True)
class Municipality:
    istat_code: str
    name: str
    province: str


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
    """A municipality of the pilot area, by ISTAT code ("015146") or by name
    ("milano", "Cassina de Pecchi": case, accents, spaces and apostrophes do not
    matter)."""
    text = value.strip() if isinstance(value, str) else ""
    if _DIGITS.fullmatch(text) and len(text) == 6:
        found = _MUNICIPALITIES_BY_CODE.get(text)
    else:
        found = _MUNICIPALITIES_BY_NAME.get(_name_key(text)) if text else None
    if found is None:
        raise InvalidField(
            field,
            "unknown_municipality",
            "Comune non trovato: indica il nome o il codice ISTAT di un comune "
            "della Città metropolitana di Milano.",
        )
    return found


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


def _name_key(name: str) -> str:
    """What is left of a name once case, accents, spaces and punctuation go."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _load_municipalities() -> tuple[Municipality, ...]:
    data = resources.files("server.onboarding") / "data" / "municipalities_mi.csv"
    rows = csv.DictReader(io.StringIO(data.read_text(encoding="utf-8")))
    return tuple(Municipality(row["istat_code"], row["name"], row["province"]) for row in rows)


MUNICIPALITIES = _load_municipalities()
_MUNICIPALITIES_BY_CODE = {place.istat_code: place for place in MUNICIPALITIES}
_MUNICIPALITIES_BY_NAME = {_name_key(place.name): place for place in MUNICIPALITIES}
