"""claim codes: saved batches, void and reissue

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: b12a0c0de5a1
Revises: ad11c0d0c5a0
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b12a0c0de5a1'
down_revision = 'ad11c0d0c5a0'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
