"""The category taxonomy: configuration, not code.

Each category has a stable numeric ``code`` (0-15: it is a bit in every voucher
credential, docs/tokens.md) and a slug. A new vertical such as sport is added by
listing it in ``CATEGORIES`` in the instance config; no code changes.
"""
from dataclasses import dataclass

from flask import current_app

from server.errors import InvalidInput
from signing.tokens import MAX_CATEGORIES

DEFAULT_CATEGORIES = [
    {"code": 0, "slug": "teatro", "it": "Teatro", "en": "Theatre"},
    {"code": 1, "slug": "musei", "it": "Musei e mostre", "en": "Museums and exhibitions"},
    {"code": 2, "slug": "cinema", "it": "Cinema", "en": "Cinema"},
    {"code": 3, "slug": "musica", "it": "Concerti e musica", "en": "Concerts and music"},
    {"code": 4, "slug": "corsi", "it": "Corsi e laboratori", "en": "Courses and workshops"},
    {"code": 5, "slug": "danza", "it": "Danza", "en": "Dance"},
    {"code": 6, "slug": "libri", "it": "Libri e incontri", "en": "Books and talks"},
]


@dataclass(frozen=True)
class Category:
    code: int
    slug: str
    it: str
    en: str


def categories() -> dict[str, Category]:
    """The configured categories by slug."""
    configured = current_app.config.get("CATEGORIES") or DEFAULT_CATEGORIES
    found = {entry["slug"]: Category(**entry) for entry in configured}
    if any(not 0 <= c.code < MAX_CATEGORIES for c in found.values()) or \
            len({c.code for c in found.values()}) != len(found):
        raise RuntimeError("CATEGORIES: codes must be unique and within 0..15")
    return found


def by_slug(slug: str) -> Category:
    try:
        return categories()[slug]
    except KeyError:
        raise InvalidInput(f"Categoria sconosciuta: {slug}.", code="unknown_category", field="category") from None


def by_code(code: int) -> Category:
    for category in categories().values():
        if category.code == code:
            return category
    raise InvalidInput(f"Categoria sconosciuta: {code}.", code="unknown_category", field="category")
