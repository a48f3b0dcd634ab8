"""sponsor receipts and IBAN approval

Sponsor receipts, numbered per year from a counter row locked while a number is given
(server/documents/README.md). A venue's IBAN change waits for the operator in
organisation.iban_pending; organisation.iban stays the approved one, the only one
payouts go to. A sponsor may cancel a pending top-up (topup.cancelled_at, _by).

Revision ID: ad11c0d0c5a0
Revises: 9d11b0a4c5a0
Create Date: 2026-11-27 18:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad11c0d0c5a0'
down_revision = '9d11b0a4c5a0'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'receipt_counter',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_receipt_counter')),
    )
    op.create_table(
        'sponsor_receipt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('topup_id', sa.Integer(), nullable=False),
        sa.Column('sponsor_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('amount_cents', sa.BigInteger(), nullable=False),
        sa.Column('reference', sa.String(length=35), nullable=False),
        sa.Column('campaign_name', sa.String(length=200), nullable=False),
        sa.Column('sponsor_name', sa.String(length=200), nullable=False),
        sa.Column('sponsor_vat', sa.String(length=11), nullable=True),
        sa.Column('sponsor_address', sa.String(length=300), nullable=True),
        sa.Column('platform_name', sa.String(length=200), nullable=False),
        sa.Column('platform_vat', sa.String(length=16), nullable=False),
        sa.Column('platform_address', sa.String(length=300), nullable=False),
        sa.CheckConstraint('amount_cents > 0', name=op.f('ck_sponsor_receipt_amount_positive')),
        sa.ForeignKeyConstraint(['sponsor_id'], ['organisation.id'],
                                name=op.f('fk_sponsor_receipt_sponsor_id_organisation')),
        sa.ForeignKeyConstraint(['topup_id'], ['topup.id'], name=op.f('fk_sponsor_receipt_topup_id_topup')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sponsor_receipt')),
        sa.UniqueConstraint('topup_id', name=op.f('uq_sponsor_receipt_topup_id')),
        sa.UniqueConstraint('year', 'number', name='uq_sponsor_receipt_year_number'),
    )
    with op.batch_alter_table('sponsor_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsor_receipt_sponsor_id'), ['sponsor_id'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('iban_pending', sa.String(length=34), nullable=True))
        batch_op.add_column(sa.Column('iban_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('iban_requested_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organisation_iban_requested_by_user_account'), 'user_account',
                                    ['iban_requested_by'], ['id'])

    with op.batch_alter_table('topup', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_by', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_topup_cancelled_by_user_account'), 'user_account',
                                    ['cancelled_by'], ['id'])


def downgrade():
    with op.batch_alter_table('topup', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_topup_cancelled_by_user_account'), type_='foreignkey')
        batch_op.drop_column('cancelled_by')
        batch_op.drop_column('cancelled_at')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organisation_iban_requested_by_user_account'), type_='foreignkey')
        batch_op.drop_column('iban_requested_by')
        batch_op.drop_column('iban_requested_at')
        batch_op.drop_column('iban_pending')

    with op.batch_alter_table('sponsor_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sponsor_receipt_sponsor_id'))

    op.drop_table('sponsor_receipt')
    op.drop_table('receipt_counter')
