"""public sponsor page opt-in (issue 13)

Placeholder in the chain, filled in by its change.

Revision ID: c13b9b11c0a6
Revises: c13a0570e1e5
Create Date: 2026-11-27 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13b9b11c0a6'
down_revision = 'c13a0570e1e5'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
