"""scan clock: corrected and raw scan times

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: 7c15a0c10c4e
Revises: 6d1f3e0a9b27
Create Date: 2026-11-27 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7c15a0c10c4e'
down_revision = '6d1f3e0a9b27'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
