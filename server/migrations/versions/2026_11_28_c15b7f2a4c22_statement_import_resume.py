"""statement imports resume after a failed job

PLACEHOLDER (filled in by its change; empty until then).

Revision ID: c15b7f2a4c22
Revises: c15a3e8d0b11
Create Date: 2026-11-28 04:00:02

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c15b7f2a4c22'
down_revision = 'c15a3e8d0b11'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
