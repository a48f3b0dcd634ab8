"""scan clock: corrected and raw scan times

A scanner now dates its scans on the server's time (its clock corrected by the offset it
measured on its last contact) and signs its own raw clock beside it (the record's clock
trailer, docs/tokens.md). ``scan_record.scanned_at`` keeps the corrected time every rule
judges; the new ``phone_scanned_at`` the phone's own, null for records without the
trailer (all records synced before this revision).

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
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('phone_scanned_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.drop_column('phone_scanned_at')
