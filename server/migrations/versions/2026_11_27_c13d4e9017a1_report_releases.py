"""report releases (issue 13)

Placeholder in the chain, filled in by its change.

Revision ID: c13d4e9017a1
Revises: c13c0b5a0d7e
Create Date: 2026-11-27 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13d4e9017a1'
down_revision = 'c13c0b5a0d7e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
