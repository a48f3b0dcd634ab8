"""the door's territory rule and what the scanner could know

PLACEHOLDER (filled in by its change; empty until then).

Revision ID: c15c9d1e6a33
Revises: c15b7f2a4c22
Create Date: 2026-11-28 04:00:03

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c15c9d1e6a33'
down_revision = 'c15b7f2a4c22'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
