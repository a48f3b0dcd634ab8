"""Who is on the platform: approved schools and venues, for members who need to pick
one (a sponsor allocating vouchers to a school). Only what the organisations publish
about themselves; pending and rejected ones are not listed."""
import marshmallow as ma
import sqlalchemy as sa
from flask_smorest import Blueprint

from server.accounts.models import APPROVED, SCHOOL, VENUE, Organisation
from server.extensions import db
from server.http import auth
from server.http.fields import Id
from server.onboarding import validation

bp = Blueprint("directory", __name__, url_prefix="/api/v1/directory",
               description="Approved schools and venues, for members")

LIMIT = 500  # the pilot area holds a few hundred schools; no paging needed yet


class Entry(ma.Schema):
    id = Id()
    name = ma.fields.String()
    municipality_code = ma.fields.String()
    municipality = ma.fields.String()


def _listing(kind: str) -> list[dict]:
    auth.require_user()
    rows = db.session.execute(
        sa.select(Organisation.id, Organisation.name, Organisation.municipality_code)
        .where(Organisation.kind == kind, Organisation.status == APPROVED)
        .order_by(Organisation.name, Organisation.id).limit(LIMIT)).all()
    return [{"id": row.id, "name": row.name, "municipality_code": row.municipality_code,
             "municipality": _municipality_name(row.municipality_code)} for row in rows]


def _municipality_name(code: str) -> str:
    try:
        return validation.municipality(code).name
    except validation.InvalidField:  # a code from an older list: show it as it is
        return code


@bp.get("/schools")
@bp.response(200, Entry(many=True))
def schools():
    """Approved schools (logged-in members)."""
    return _listing(SCHOOL)


@bp.get("/venues")
@bp.response(200, Entry(many=True))
def venues():
    """Approved venues (logged-in members)."""
    return _listing(VENUE)
