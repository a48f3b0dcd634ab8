"""settlement runs and payouts

Paying venues (issue 11): a settlement run closes a period at a cut-off and turns what
each venue is owed into one payout with its lines; venues it could not pay and lines
held back (open anomalies, the operator's word) are recorded beside it.

Revision ID: 8d11a5e771e0
Revises: 7c15a0c10c4e
Create Date: 2026-11-27 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d11a5e771e0'
down_revision = '7c15a0c10c4e'
branch_labels = None
depends_on = None

ACTIVE = sa.text("released_at IS NULL")


def upgrade():
    op.create_table('settlement_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cut_off', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('exported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('message_id', sa.String(length=35), nullable=True),
    sa.Column('pain_version', sa.String(length=20), nullable=True),
    sa.Column('pain_xml', sa.LargeBinary(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_settlement_run_created_by_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_run'))
    )
    op.create_table('payout',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('iban', sa.String(length=34), nullable=False),
    sa.Column('end_to_end_id', sa.String(length=35), nullable=False),
    sa.Column('remittance', sa.String(length=140), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('booked_on', sa.Date(), nullable=True),
    sa.Column('bank_reference', sa.String(length=140), nullable=True),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_payout_run_id_settlement_run')),
    sa.ForeignKeyConstraint(['venue_id'], ['organisation.id'], name=op.f('fk_payout_venue_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout')),
    sa.UniqueConstraint('end_to_end_id', name=op.f('uq_payout_end_to_end_id')),
    sa.UniqueConstraint('run_id', 'venue_id', name='uq_payout_run_venue')
    )
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_run_id'), ['run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payout_venue_id'), ['venue_id'], unique=False)

    op.create_table('payout_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('payout_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.BigInteger(), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['payout_id'], ['payout.id'], name=op.f('fk_payout_line_payout_id_payout')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_payout_line')),
    sa.UniqueConstraint('kind', 'source_id', name='uq_payout_line_source')
    )
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payout_line_payout_id'), ['payout_id'], unique=False)

    op.create_table('settlement_skipped_venue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('line_count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_skipped_venue_run_id_settlement_run')),
    sa.ForeignKeyConstraint(['venue_id'], ['organisation.id'], name=op.f('fk_settlement_skipped_venue_venue_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_skipped_venue')),
    sa.UniqueConstraint('run_id', 'venue_id', name='uq_settlement_skipped_run_venue')
    )
    with op.batch_alter_table('settlement_skipped_venue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_skipped_venue_run_id'), ['run_id'], unique=False)

    op.create_table('settlement_hold',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.BigInteger(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('released_by', sa.Integer(), nullable=True),
    sa.Column('release_reason', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['user_account.id'], name=op.f('fk_settlement_hold_created_by_user_account')),
    sa.ForeignKeyConstraint(['released_by'], ['user_account.id'], name=op.f('fk_settlement_hold_released_by_user_account')),
    sa.ForeignKeyConstraint(['run_id'], ['settlement_run.id'], name=op.f('fk_settlement_hold_run_id_settlement_run')),
    sa.ForeignKeyConstraint(['venue_id'], ['organisation.id'], name=op.f('fk_settlement_hold_venue_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_settlement_hold'))
    )
    with op.batch_alter_table('settlement_hold', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settlement_hold_venue_id'), ['venue_id'], unique=False)
        batch_op.create_index('ix_settlement_hold_source', ['kind', 'source_id'], unique=False)
        batch_op.create_index('uq_settlement_hold_active', ['kind', 'source_id'], unique=True,
                              sqlite_where=ACTIVE, postgresql_where=ACTIVE)


def downgrade():
    with op.batch_alter_table('settlement_hold', schema=None) as batch_op:
        batch_op.drop_index('uq_settlement_hold_active', sqlite_where=ACTIVE, postgresql_where=ACTIVE)
        batch_op.drop_index('ix_settlement_hold_source')
        batch_op.drop_index(batch_op.f('ix_settlement_hold_venue_id'))
    op.drop_table('settlement_hold')
    with op.batch_alter_table('settlement_skipped_venue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settlement_skipped_venue_run_id'))
    op.drop_table('settlement_skipped_venue')
    with op.batch_alter_table('payout_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_line_payout_id'))
    op.drop_table('payout_line')
    with op.batch_alter_table('payout', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_payout_venue_id'))
        batch_op.drop_index(batch_op.f('ix_payout_run_id'))
    op.drop_table('payout')
    op.drop_table('settlement_run')
