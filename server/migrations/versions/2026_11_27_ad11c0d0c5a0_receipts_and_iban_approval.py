"""sponsor receipts and IBAN approval

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: ad11c0d0c5a0
Revises: 9d11b0a4c5a0
Create Date: 2026-11-27 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad11c0d0c5a0'
down_revision = '9d11b0a4c5a0'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
