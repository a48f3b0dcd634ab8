"""voucher recovery and anomaly decisions

A voucher's balance can move to a new voucher: a student's lost phone (the school
starts it from the card's number, the new wallet claims a one-time code stored as an
HMAC) or an overspent voucher the operator unfreezes (a fresh voucher id in the same
wallet). The operator's decisions on frozen vouchers are kept with their note.
Voucher.status gains the value 'recovered' (a string column: no change needed).

Revision ID: b12b0ecc0e02
Revises: b12a0c0de5a1
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa



# revision identifiers, used by Alembic.
revision = 'b12b0ecc0e02'
down_revision = 'b12a0c0de5a1'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'voucher_recovery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('old_voucher_id', sa.Integer(), nullable=False),
        sa.Column('claim_code_id', sa.Integer(), nullable=True),
        sa.Column('code_hash', sa.String(length=64), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('new_voucher_id', sa.Integer(), nullable=True),
        sa.Column('moved_cents', sa.BigInteger(), nullable=True),
        sa.Column('old_credential_valid_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('started_by', sa.Integer(), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['claim_code_id'], ['claim_code.id'], name=op.f('fk_voucher_recovery_claim_code_id_claim_code')),
        sa.ForeignKeyConstraint(['new_voucher_id'], ['voucher.id'], name=op.f('fk_voucher_recovery_new_voucher_id_voucher')),
        sa.ForeignKeyConstraint(['old_voucher_id'], ['voucher.id'], name=op.f('fk_voucher_recovery_old_voucher_id_voucher')),
        sa.ForeignKeyConstraint(['started_by'], ['user_account.id'], name=op.f('fk_voucher_recovery_started_by_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_recovery')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_voucher_recovery_code_hash')),
        sa.UniqueConstraint('new_voucher_id', name=op.f('uq_voucher_recovery_new_voucher_id')),
    )
    with op.batch_alter_table('voucher_recovery', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_recovery_claim_code_id'), ['claim_code_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voucher_recovery_old_voucher_id'), ['old_voucher_id'], unique=False)

    op.create_table(
        'voucher_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('voucher_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.String(length=16), nullable=False),
        sa.Column('note', sa.String(length=500), nullable=False),
        sa.Column('decided_by', sa.Integer(), nullable=False),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recovery_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_voucher_decision_decided_by_user_account')),
        sa.ForeignKeyConstraint(['recovery_id'], ['voucher_recovery.id'], name=op.f('fk_voucher_decision_recovery_id_voucher_recovery')),
        sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_voucher_decision_voucher_id_voucher')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_decision')),
    )
    with op.batch_alter_table('voucher_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_decision_voucher_id'), ['voucher_id'], unique=False)


def downgrade():
    with op.batch_alter_table('voucher_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_decision_voucher_id'))
    op.drop_table('voucher_decision')
    with op.batch_alter_table('voucher_recovery', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_recovery_old_voucher_id'))
        batch_op.drop_index(batch_op.f('ix_voucher_recovery_claim_code_id'))
    op.drop_table('voucher_recovery')
