"""report snapshots (issue 14)

report_snapshot: the released, protected part of a campaign's impact or a sponsor's
public figures, computed once after a month closed by the job reports.snapshot and
served instead of computing it again (server/reports/snapshots.py). One row per
subject, month and method version.

Revision ID: c14b7e5a9c10
Revises: c14a1f0b2d3e
Create Date: 2026-11-28 01:00:01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14b7e5a9c10'
down_revision = 'c14a1f0b2d3e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('report_snapshot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=10), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('method_version', sa.String(length=60), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("subject IN ('campaign', 'sponsor')", name=op.f('ck_report_snapshot_subject_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_snapshot')),
    sa.UniqueConstraint('subject', 'subject_id', 'month', 'method_version', name='uq_report_snapshot_release')
    )


def downgrade():
    op.drop_table('report_snapshot')
