"""issuance jobs reserve their allocation room

PLACEHOLDER (filled in by its change; empty until then).

Revision ID: c15a3e8d0b11
Revises: c14b7e5a9c10
Create Date: 2026-11-28 04:00:01

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c15a3e8d0b11'
down_revision = 'c14b7e5a9c10'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
