"""venue stories and student thanks (issue 13)

Placeholder in the chain, filled in by its change.

Revision ID: c13a0570e1e5
Revises: b12d0ca7a104
Create Date: 2026-11-27 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13a0570e1e5'
down_revision = 'b12d0ca7a104'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
