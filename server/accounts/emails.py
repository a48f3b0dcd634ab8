"""E-mail addresses of people's logins: their normal form and their look-alikes.

`normalise` is email-validator's syntax check (RFC 5321/6531 with IDNA domains; no
controls, zero-width or other invisible characters; no quoted local parts or IP
literals), then lower case, which is how addresses have always been stored here.

`skeleton` is the Unicode TR39 skeleton: two addresses with the same skeleton look
alike (`оperatore@…` with a Cyrillic "о", `rnario@…` and `mario@…`), so a new login
whose skeleton an existing one has is refused (`api.create_user`). The prototypes come
from confusables.txt as the confusable_homoglyphs package ships it. That package keeps
each pair both ways without saying which is the prototype, so the direction is read
back from the file's order (`_prototypes`); its parser also skipped about a sixth of the
file's lines, most of them right-to-left scripts. NFKC before the mapping folds the
compatibility forms (full-width letters, Arabic presentation forms) those lines held.
"""
import hashlib
import unicodedata

import email_validator
from confusable_homoglyphs import confusables as homoglyphs

from server.errors import InvalidInput

MAX_LENGTH = 254

# Left-to-right marks the package's parser kept around right-to-left prototypes.
_MARKS = str.maketrans("", "", "\u200e\u200f")


def normalise(address: str) -> str:
    """The address as stored; `InvalidInput` (`invalid_email`) if it is not one."""
    try:
        checked = email_validator.validate_email((address or "").strip(), check_deliverability=False)
    except email_validator.EmailNotValidError:
        raise InvalidInput("Indirizzo email non valido.", code="invalid_email", field="email") from None
    normal = checked.normalized.lower()
    if len(normal) > MAX_LENGTH:
        raise InvalidInput("Indirizzo email non valido.", code="invalid_email", field="email")
    return normal


def stored_forms(address: str) -> set[str]:
    """Every form in which a login with this address may be stored: today's normal form
    and, for logins made before email-validator (stored stripped and in lower case, the
    domain as typed), the address as typed and with its domain in ASCII (IDNA)."""
    forms = {(address or "").strip().lower()}
    try:
        checked = email_validator.validate_email((address or "").strip(), check_deliverability=False)
    except email_validator.EmailNotValidError:
        return forms
    forms.add(checked.normalized.lower())
    if checked.ascii_email:
        forms.add(checked.ascii_email.lower())
    return forms


def skeleton(address: str) -> str:
    """TR39 skeleton: NFKC, NFD, each character by its prototype, NFD again."""
    text = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", address))
    return unicodedata.normalize("NFD", "".join(_PROTOTYPES.get(char, char) for char in text))


def skeleton_digest(address: str) -> bytes:
    """What `User.email_skeleton` holds: fixed length, however long the skeleton grows."""
    return hashlib.sha256(skeleton(address).encode("utf-8")).digest()


def _prototypes(pairs: dict) -> dict[str, str]:
    """Source character → prototype, from the package's two-way table.

    In confusables.txt every source is one character and maps to one prototype, and no
    prototype is itself a source. So a character with several partners is a prototype,
    a multi-character partner is a prototype, and the remaining pairs (two characters
    that only have each other) are told apart by order: the package adds the source of
    a line to its table before the prototype, and JSON keeps that order.
    """
    order = {key: index for index, key in enumerate(pairs)}
    found = {}
    for key, partners in pairs.items():
        if len(key) != 1 or len(partners) != 1:
            continue
        partner = partners[0]["c"]
        if len(partner) != 1 or len(pairs.get(partner, ())) > 1 or order[key] < order.get(partner, -1):
            found[key] = partner.translate(_MARKS)
    return found


_PROTOTYPES = _prototypes(homoglyphs.confusables_data)
