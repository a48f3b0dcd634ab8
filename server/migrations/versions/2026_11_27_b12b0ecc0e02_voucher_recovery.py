"""voucher recovery and anomaly decisions

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: b12b0ecc0e02
Revises: b12a0c0de5a1
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b12b0ecc0e02'
down_revision = 'b12a0c0de5a1'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
