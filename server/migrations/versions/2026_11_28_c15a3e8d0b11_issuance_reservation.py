"""issuance jobs reserve their allocation room; stored answers keep their headers

issuance_reservation: the room in an allocation that a direct issuance job holds from
its acceptance (vouchers of its keys for that allocation, issued so far); only a queued
or running job's counts (server/vouchers/models.py). Jobs queued before this revision
have none and draw on the free room chunk by chunk, as before.
idempotency_record.response_headers_sealed: the headers a replay carries again
(Location of a 202's job), sealed as the body is.

Revision ID: c15a3e8d0b11
Revises: c14b7e5a9c10
Create Date: 2026-11-28 04:00:01

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c15a3e8d0b11'
down_revision = 'c14b7e5a9c10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'issuance_reservation',
        sa.Column('allocation_id', sa.Integer(), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=False),
        sa.Column('vouchers', sa.Integer(), nullable=False),
        sa.Column('issued', sa.Integer(), nullable=False),
        sa.CheckConstraint('issued >= 0 AND issued <= vouchers', name=op.f('ck_issuance_reservation_issued_within')),
        sa.ForeignKeyConstraint(['allocation_id'], ['allocation.id'],
                                name=op.f('fk_issuance_reservation_allocation_id_allocation')),
        sa.ForeignKeyConstraint(['job_id'], ['job.id'], name=op.f('fk_issuance_reservation_job_id_job')),
        sa.PrimaryKeyConstraint('allocation_id', 'job_id', name=op.f('pk_issuance_reservation')),
    )
    op.add_column('idempotency_record', sa.Column('response_headers_sealed', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_column('response_headers_sealed')
    op.drop_table('issuance_reservation')
