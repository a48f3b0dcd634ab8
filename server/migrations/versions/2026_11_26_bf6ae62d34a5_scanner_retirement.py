"""scanner retirement

A venue retires a lost or replaced phone: the time it was retired, after which the
phone's records are not paid (status becomes 'retired').

Revision ID: bf6ae62d34a5
Revises: 3b0d0c666221
Create Date: 2026-11-26 01:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bf6ae62d34a5'
down_revision = '3b0d0c666221'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.drop_column('retired_at')
