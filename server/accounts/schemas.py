import marshmallow as ma
from marshmallow import validate

from server.accounts.models import MEMBER, ORGANISATION_KINDS, STAFF
from server.catalogue import taxonomy
from server.http.fields import Id, Instant, Int32, Text



def _categories_in():
    return ma.fields.List(Text(50), validate=validate.Length(max=16),
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
    email = Text(254, required=True)
    password = Text(200, required=True, load_only=True)


class PasswordChange(ma.Schema):
    current_password = Text(200, required=True, load_only=True)
    new_password = Text(200, required=True, load_only=True)


class Membership(ma.Schema):
    organisation_id = Id()
    name = ma.fields.String(attribute="organisation.name")
    kind = ma.fields.String(attribute="organisation.kind")
    status = ma.fields.String(attribute="organisation.status")
    role = ma.fields.String()


class Me(ma.Schema):
    id = Id()
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
    name = Text(200, required=True)
    municipality = Text(100, required=True,
                                    metadata={"description": "ISTAT code or name"})
    vat_number = Text(20, metadata={"description": "sponsors, venues"})
    school_code = Text(20, metadata={"description": "schools"})
    iban = Text(50, metadata={"description": "venues"})
    address = Text(300)
    categories = _categories_in()


class OrganisationPatch(ma.Schema):
    """Only the fields sent change. The VAT number and the school code cannot."""

    name = Text(200)
    municipality = Text(100, metadata={"description": "ISTAT code or name"})
    address = Text(300, allow_none=True,
                               metadata={"description": "null or empty clears it"})
    categories = _categories_in()
    iban = Text(50, metadata={"description": "venues"})


class Organisation(ma.Schema):
    id = Id()
    kind = ma.fields.String()
    name = ma.fields.String()
    status = ma.fields.String()
    vat_number = ma.fields.String(allow_none=True)
    school_code = ma.fields.String(allow_none=True)
    iban = ma.fields.String(allow_none=True, metadata={"description": "venues: the approved IBAN payouts go to"})
    iban_pending = ma.fields.String(allow_none=True,
                                    metadata={"description": "venues: a new IBAN waiting for the operator"})
    iban_requested_at = Instant(allow_none=True)
    municipality_code = ma.fields.String()
    address = ma.fields.String(allow_none=True)
    categories = CategorySlugs(attribute="category_mask", metadata={"description": "Venues: category slugs"})


class OrganisationQuery(ma.Schema):
    status = ma.fields.String(validate=validate.OneOf(["pending", "approved", "rejected"]))
    iban_change_pending = ma.fields.Boolean(metadata={"description": "true: only venues whose IBAN change waits"})


class Decision(ma.Schema):
    approve = ma.fields.Boolean(required=True)


class InvitationIn(ma.Schema):
    email = Text(254, required=True)
    role = ma.fields.String(load_default=MEMBER, validate=validate.OneOf([MEMBER, STAFF]))


class Member(ma.Schema):
    id = Id(metadata={"description": "The membership's id (to remove it)"})
    email = ma.fields.String(attribute="user.email")
    role = ma.fields.String(metadata={"description": "owner, member or (venues) staff"})


class Invitation(ma.Schema):
    token = ma.fields.String()
    link = ma.fields.String()


class InvitationAccept(ma.Schema):
    token = Text(1000, required=True)
    password = Text(200, required=True, load_only=True)


class WalletChallengeIn(ma.Schema):
    device_key = Text(200, required=True,
                                  metadata={"description": "P-256 public key, SEC1 hex (compressed or not)"})


class WalletChallenge(ma.Schema):
    challenge = ma.fields.String(metadata={"description": "Sign its UTF-8 bytes with the device key"})


class WalletProof(ma.Schema):
    device_key = Text(200, required=True)
    challenge = Text(500, required=True)
    signature = Text(200, required=True,
                                 metadata={"description": "ECDSA P-256/SHA-256, r||s hex (WebCrypto)"})


class WalletSession(ma.Schema):
    wallet_id = Id()
    token = ma.fields.String(metadata={"description": "Send as Authorization: Bearer"})


class MagicLinkIn(ma.Schema):
    email = Text(254, required=True)


class MagicLinkSent(ma.Schema):
    detail = ma.fields.String(metadata={"description": "The same whether or not the address has an account"})
    expires_in_seconds = Int32(0)


class MagicLinkRedeem(ma.Schema):
    token = Text(1000, required=True,
                             metadata={"description": "The `magic` parameter of the mailed link"})
