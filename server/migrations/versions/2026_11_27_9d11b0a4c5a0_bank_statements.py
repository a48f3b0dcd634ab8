"""bank statement imports

bank_statement: one row per imported camt.053/camt.054 file (its SHA-256 unique, so
the same file twice is one import); bank_line: each booked movement in it, unique by
the bank's reference (AcctSvcrRef, '#n' for a batch's parts, or a content hash), with
what became of it: matched a top-up or payout on import, or queued for the operator
and then confirmed or set aside (server/banking/README.md).

Revision ID: 9d11b0a4c5a0
Revises: 8d11a5e771e0
Create Date: 2026-11-27 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d11b0a4c5a0'
down_revision = '8d11a5e771e0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('bank_statement',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('version', sa.String(length=8), nullable=False),
    sa.Column('message_id', sa.String(length=35), nullable=False),
    sa.Column('account_iban', sa.String(length=34), nullable=False),
    sa.Column('already_known', sa.Integer(), nullable=False),
    sa.Column('not_booked', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['imported_by'], ['user_account.id'], name=op.f('fk_bank_statement_imported_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_statement')),
    sa.UniqueConstraint('sha256', name=op.f('uq_bank_statement_sha256'))
    )
    op.create_table('bank_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('bank_reference', sa.String(length=64), nullable=False),
    sa.Column('direction', sa.String(length=8), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('booked_on', sa.Date(), nullable=False),
    sa.Column('reference', sa.String(length=35), nullable=True),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=True),
    sa.Column('counterparty_name', sa.String(length=140), nullable=True),
    sa.Column('counterparty_iban', sa.String(length=34), nullable=True),
    sa.Column('remittance', sa.String(length=500), nullable=False),
    sa.Column('bank_transaction_code', sa.String(length=35), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('queue_reason', sa.String(length=32), nullable=True),
    sa.Column('topup_id', sa.Integer(), nullable=True),
    sa.Column('payout_id', sa.Integer(), nullable=True),
    sa.Column('decided_by', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.String(length=500), nullable=True),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_bank_line_amount_positive')),
    sa.ForeignKeyConstraint(['decided_by'], ['user_account.id'], name=op.f('fk_bank_line_decided_by_user_account')),
    sa.ForeignKeyConstraint(['payout_id'], ['payout.id'], name=op.f('fk_bank_line_payout_id_payout')),
    sa.ForeignKeyConstraint(['statement_id'], ['bank_statement.id'], name=op.f('fk_bank_line_statement_id_bank_statement')),
    sa.ForeignKeyConstraint(['topup_id'], ['topup.id'], name=op.f('fk_bank_line_topup_id_topup')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bank_line')),
    sa.UniqueConstraint('bank_reference', name=op.f('uq_bank_line_bank_reference'))
    )
    with op.batch_alter_table('bank_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_line_end_to_end_id'), ['end_to_end_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_payout_id'), ['payout_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_reference'), ['reference'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_statement_id'), ['statement_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_bank_line_topup_id'), ['topup_id'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_line_topup_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_status'))
        batch_op.drop_index(batch_op.f('ix_bank_line_statement_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_reference'))
        batch_op.drop_index(batch_op.f('ix_bank_line_payout_id'))
        batch_op.drop_index(batch_op.f('ix_bank_line_end_to_end_id'))

    op.drop_table('bank_line')
    op.drop_table('bank_statement')
