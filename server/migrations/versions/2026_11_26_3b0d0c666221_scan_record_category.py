"""scan record category

What a redeemed voucher paid for: the event's category or, at the door with no event,
the door category. NULL for records synced before this revision (reports then use the
event's category, as they did).

Revision ID: 3b0d0c666221
Revises: 05ec8236967a
Create Date: 2026-11-26 01:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3b0d0c666221'
down_revision = '05ec8236967a'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_code', sa.SmallInteger(), nullable=True))


def downgrade():
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.drop_column('category_code')
