"""bank statement imports

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: 9d11b0a4c5a0
Revises: 8d11a5e771e0
Create Date: 2026-11-27 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d11b0a4c5a0'
down_revision = '8d11a5e771e0'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
