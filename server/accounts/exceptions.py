from server.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthenticated


class InvalidCredentials(Unauthenticated):
    code = "invalid_credentials"


class EmailTaken(Conflict):
    code = "email_taken"


class EmailConfusable(Conflict):
    """The address looks like an existing login's (Unicode TR39 skeleton): someone could
    pass for that person."""

    code = "email_confusable"


class WeakPassword(InvalidInput):
    code = "weak_password"


class OrganisationNotFound(NotFound):
    code = "organisation_not_found"


class OrganisationNotApproved(Forbidden):
    code = "organisation_not_approved"


class NotAMember(Forbidden):
    code = "not_a_member"


class BadInvitation(InvalidInput):
    code = "bad_invitation"


class BadWalletProof(Unauthenticated):
    code = "bad_wallet_proof"


class MagicLinkExpired(Unauthenticated):
    code = "magic_link_expired"


class MagicLinkUsed(Unauthenticated):
    code = "magic_link_used"


class MagicLinkInvalid(Unauthenticated):
    code = "magic_link_invalid"


class MemberNotFound(NotFound):
    code = "member_not_found"


class LastOwner(Conflict):
    code = "last_owner"


class WalletChallengeUsed(Unauthenticated):
    code = "wallet_challenge_used"
