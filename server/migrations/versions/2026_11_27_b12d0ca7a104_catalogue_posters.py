"""catalogue posters and addresses

(Placeholder in the chain; the change that needs it fills it in.)

Revision ID: b12d0ca7a104
Revises: b12c0d00c0d3
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b12d0ca7a104'
down_revision = 'b12c0d00c0d3'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
