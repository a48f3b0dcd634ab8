import marshmallow as ma
from marshmallow import validate

from server.accounts.models import MEMBER, ORGANISATION_KINDS, STAFF
from server.catalogue import taxonomy



def _categories_in():
    return ma.fields.List(ma.fields.String(validate=validate.Length(max=50)), validate=validate.Length(max=16),
                          metadata={"description": "Category slugs, see /api/v1/categories (venues only)"})


class CategorySlugs(ma.fields.List):
    """A category bit mask, shown as the slugs of the configured taxonomy. A category
    dropped from the configuration is left out rather than breaking the read."""

    def __init__(self, **kwargs):
        super().__init__(ma.fields.String(), **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        slugs = {category.code: slug for slug, category in taxonomy.categories().items()}
        mask = value or 0
        return [slugs[code] for code in sorted(slugs) if mask >> code & 1]


class Credentials(ma.Schema):
    email = ma.fields.String(required=True, validate=validate.Length(max=254))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class Membership(ma.Schema):
    organisation_id = ma.fields.Integer()
    name = ma.fields.String(attribute="organisation.name")
    kind = ma.fields.String(attribute="organisation.kind")
    status = ma.fields.String(attribute="organisation.status")
    role = ma.fields.String()


class Me(ma.Schema):
    id = ma.fields.Integer()
    email = ma.fields.String()
    is_platform_admin = ma.fields.Boolean()
    memberships = ma.fields.List(ma.fields.Nested(Membership))


class CurrentUser(Me):
    csrf_token = ma.fields.String(metadata={"description": "This session's token: send it back as X-CSRF-Token"})


class Session(ma.Schema):
    user = ma.fields.Nested(Me)
    csrf_token = ma.fields.String(metadata={"description": "Send back as X-CSRF-Token on every write"})


class OrganisationIn(ma.Schema):
    kind = ma.fields.String(required=True, validate=validate.OneOf(ORGANISATION_KINDS))
    name = ma.fields.String(required=True, validate=validate.Length(max=200))
    municipality = ma.fields.String(required=True, validate=validate.Length(max=100),
                                    metadata={"description": "ISTAT code or name"})
    vat_number = ma.fields.String(validate=validate.Length(max=20), metadata={"description": "sponsors, venues"})
    school_code = ma.fields.String(validate=validate.Length(max=20), metadata={"description": "schools"})
    iban = ma.fields.String(validate=validate.Length(max=50), metadata={"description": "venues"})
    address = ma.fields.String(validate=validate.Length(max=300))
    categories = _categories_in()


class OrganisationPatch(ma.Schema):
    """Only the fields sent change. The VAT number and the school code cannot."""

    name = ma.fields.String(validate=validate.Length(max=200))
    municipality = ma.fields.String(validate=validate.Length(max=100), metadata={"description": "ISTAT code or name"})
    address = ma.fields.String(allow_none=True, validate=validate.Length(max=300),
                               metadata={"description": "null or empty clears it"})
    categories = _categories_in()
    iban = ma.fields.String(validate=validate.Length(max=50), metadata={"description": "venues"})


class Organisation(ma.Schema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    name = ma.fields.String()
    status = ma.fields.String()
    vat_number = ma.fields.String(allow_none=True)
    school_code = ma.fields.String(allow_none=True)
    iban = ma.fields.String(allow_none=True)
    municipality_code = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    categories = CategorySlugs(attribute="category_mask", metadata={"description": "Venues: category slugs"})


class OrganisationQuery(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(["pending", "approved", "rejected"]))


class Decision(ma.Schema):
    approve = ma.fields.Boolean(required=True)


class InvitationIn(ma.Schema):
    email = ma.fields.String(required=True, validate=validate.Length(max=254))
    role = ma.fields.String(load_default=MEMBER, validate=validate.OneOf([MEMBER, STAFF]))


class Member(ma.Schema):
    id = ma.fields.Integer(metadata={"description": "The membership's id (to remove it)"})
    email = ma.fields.String(attribute="user.email")
    role = ma.fields.String(metadata={"description": "owner, member or (venues) staff"})


class Invitation(ma.Schema):
    token = ma.fields.String()
    link = ma.fields.String()


class InvitationAccept(ma.Schema):
    token = ma.fields.String(required=True, validate=validate.Length(max=1000))
    password = ma.fields.String(required=True, load_only=True, validate=validate.Length(max=200))


class WalletChallengeIn(ma.Schema):
    device_key = ma.fields.String(required=True, validate=validate.Length(max=200),
                                  metadata={"description": "P-256 public key, SEC1 hex (compressed or not)"})


class WalletChallenge(ma.Schema):
    challenge = ma.fields.String(metadata={"description": "Sign its UTF-8 bytes with the device key"})


class WalletProof(ma.Schema):
    device_key = ma.fields.String(required=True, validate=validate.Length(max=200))
    challenge = ma.fields.String(required=True, validate=validate.Length(max=500))
    signature = ma.fields.String(required=True, validate=validate.Length(max=200),
                                 metadata={"description": "ECDSA P-256/SHA-256, r||s hex (WebCrypto)"})


class WalletSession(ma.Schema):
    wallet_id = ma.fields.Integer()
    token = ma.fields.String(metadata={"description": "Send as Authorization: Bearer"})


class MagicLinkIn(ma.Schema):
    email = ma.fields.String(required=True, validate=validate.Length(max=254))


class MagicLinkSent(ma.Schema):
    detail = ma.fields.String(metadata={"description": "The same whether or not the address has an account"})
    expires_in_seconds = ma.fields.Integer()


class MagicLinkRedeem(ma.Schema):
    token = ma.fields.String(required=True, validate=validate.Length(max=1000),
                             metadata={"description": "The `magic` parameter of the mailed link"})
