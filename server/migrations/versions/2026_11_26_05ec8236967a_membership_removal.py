"""membership removal

Owners remove people from their organisation: the membership row stays, marked with
the time of removal, so that an invitation issued before it cannot bring them back.

Revision ID: 05ec8236967a
Revises: 424cd89acc12
Create Date: 2026-11-26 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '05ec8236967a'
down_revision = '424cd89acc12'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.add_column(sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('membership', schema=None) as batch_op:
        batch_op.drop_column('removed_at')
