"""issued credentials are stored with their vouchers

voucher.issued_credential: the credential a direct issuance signs for each voucher,
written in the same INSERT as the voucher row and served to the wallet's first fetch
while still valid instead of being signed again (server/vouchers/README.md). Existing
vouchers have none: their wallets get a fresh credential, as before.

Revision ID: c15d4b2e7f44
Revises: c15c9d1e6a33
Create Date: 2026-11-28 04:35:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c15d4b2e7f44'
down_revision = 'c15c9d1e6a33'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('voucher', sa.Column('issued_credential', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('voucher', schema=None) as batch_op:
        batch_op.drop_column('issued_credential')
