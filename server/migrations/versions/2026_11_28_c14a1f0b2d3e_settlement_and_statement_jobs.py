"""settlement runs and statement imports as jobs (issue 14)

Placeholder in the chain, filled in by its change (empty if nothing is stored).

Revision ID: c14a1f0b2d3e
Revises: c13d4e9017a1
Create Date: 2026-11-28 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14a1f0b2d3e'
down_revision = 'c13d4e9017a1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
