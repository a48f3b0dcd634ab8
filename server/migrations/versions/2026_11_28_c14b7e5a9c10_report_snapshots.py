"""report snapshots (issue 14)

Placeholder in the chain, filled in by its change.

Revision ID: c14b7e5a9c10
Revises: c14a1f0b2d3e
Create Date: 2026-11-28 01:00:01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14b7e5a9c10'
down_revision = 'c14a1f0b2d3e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
