"""idempotency keys

One row per (principal, Idempotency-Key): what was sent under it and the first
answer, sealed; kept until expires_at (server/idempotency/README.md).

Revision ID: 579cea2d2d0e
Revises: bb0e01d882c2
Create Date: 2026-11-27 16:15:08.412966

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '579cea2d2d0e'
down_revision = 'bb0e01d882c2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('idempotency_record',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principal', sa.String(length=40), nullable=False),
    sa.Column('key_digest', sa.String(length=64), nullable=False),
    sa.Column('method', sa.String(length=10), nullable=False),
    sa.Column('path', sa.String(length=255), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('response_status', sa.SmallInteger(), nullable=True),
    sa.Column('response_content_type', sa.String(length=100), nullable=True),
    sa.Column('response_sealed', sa.LargeBinary(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_record')),
    sa.UniqueConstraint('principal', 'key_digest', name='uq_idempotency_record_principal_key')
    )
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_record_expires_at'), ['expires_at'], unique=False)


def downgrade():
    with op.batch_alter_table('idempotency_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_record_expires_at'))

    op.drop_table('idempotency_record')
