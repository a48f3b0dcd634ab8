"""the door's territory rule and what the scanner could know

scanner_device.bundle_downloaded_at and previous_bundle_downloaded_at: the scanner's last
two bundle downloads, the moments the campaigns its bundle names are as of. The sync
waives a campaign's territory for a record scanned before the scanner's bundle could
name the campaign (server/door/README.md, "A campaign's territory"). last_bootstrap_at
cannot say it: a sync answer moves it and carries no campaigns. Existing scanners start
from last_bootstrap_at, no earlier than their real download: at worst a campaign counts
as known, as before this change, until their next download.
scanner_device.previous_bootstrap_at: the whole revocation list's moment before
last_bootstrap_at (a bundle download must not hide what an earlier sync answer gave).

Revision ID: c15c9d1e6a33
Revises: c15b7f2a4c22
Create Date: 2026-11-28 04:00:03

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c15c9d1e6a33'
down_revision = 'c15b7f2a4c22'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('scanner_device', sa.Column('bundle_downloaded_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('scanner_device', sa.Column('previous_bundle_downloaded_at', sa.DateTime(timezone=True),
                                              nullable=True))
    op.add_column('scanner_device', sa.Column('previous_bootstrap_at', sa.DateTime(timezone=True), nullable=True))
    op.execute("UPDATE scanner_device SET bundle_downloaded_at = last_bootstrap_at")


def downgrade():
    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.drop_column('previous_bootstrap_at')
        batch_op.drop_column('previous_bundle_downloaded_at')
        batch_op.drop_column('bundle_downloaded_at')
