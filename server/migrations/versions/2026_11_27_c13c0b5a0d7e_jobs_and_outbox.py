"""jobs: mail outbox and issuance jobs (issue 14)

Placeholder in the chain, filled in by its change.

Revision ID: c13c0b5a0d7e
Revises: c13b9b11c0a6
Create Date: 2026-11-27 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13c0b5a0d7e'
down_revision = 'c13b9b11c0a6'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
