"""settlement runs and payouts

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: 8d11a5e771e0
Revises: 7c15a0c10c4e
Create Date: 2026-11-27 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d11a5e771e0'
down_revision = '7c15a0c10c4e'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
