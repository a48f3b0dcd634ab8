"""door typed codes

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: b12c0d00c0d3
Revises: b12b0ecc0e02
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b12c0d00c0d3'
down_revision = 'b12b0ecc0e02'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
