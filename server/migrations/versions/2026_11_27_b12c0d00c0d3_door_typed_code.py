"""door typed codes: scan_record.typed marks a redemption entered as a typed door code
(voucher number and six digits) and checked online, not read from a QR.

Revision ID: b12c0d00c0d3
Revises: b12b0ecc0e02
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b12c0d00c0d3'
down_revision = 'b12b0ecc0e02'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('typed', sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.drop_column('typed')
