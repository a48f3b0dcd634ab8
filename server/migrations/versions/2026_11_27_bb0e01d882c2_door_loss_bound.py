"""door loss bound

A presentation is paid once on the platform (the time step is kept, a partial unique
index backs the check); record ids are unique per scanner; scanners hold a slot and a
share of the offline allowance; a record's amount and event id are stored as signed
(32 unsigned bits); the redemption that crossed its voucher's balance is marked.
Scanners enrolled before get slots in enrolment order and the default half share.

Revision ID: bb0e01d882c2
Revises: bf6ae62d34a5
Create Date: 2026-11-27 15:15:40.627730

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'bb0e01d882c2'
down_revision = 'bf6ae62d34a5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_step', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('crossed_balance', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.alter_column('event_id',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=True)
        batch_op.alter_column('amount_cents',
               existing_type=sa.INTEGER(),
               type_=sa.BigInteger(),
               existing_nullable=False)
        batch_op.drop_constraint(batch_op.f('uq_scan_record_record_id'), type_='unique')
        batch_op.create_index('uq_scan_record_paid_presentation', ['voucher_id', 'time_step'], unique=True, sqlite_where=sa.text("outcome = 'redeemed'"), postgresql_where=sa.text("outcome = 'redeemed'"))
        batch_op.create_unique_constraint('uq_scan_record_scanner_record', ['scanner_id', 'record_id'])

    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slot', sa.SmallInteger(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('allowance_share_bp', sa.Integer(), nullable=False, server_default='5000'))
    op.execute("UPDATE scanner_device SET slot = (SELECT COUNT(*) FROM scanner_device AS earlier "
               "WHERE earlier.venue_id = scanner_device.venue_id AND earlier.id <= scanner_device.id)")
    # The models set these; the defaults were only for the rows already there.
    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.alter_column('slot', server_default=None)
        batch_op.alter_column('allowance_share_bp', server_default=None)
    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.alter_column('crossed_balance', server_default=None)



def downgrade():
    with op.batch_alter_table('scanner_device', schema=None) as batch_op:
        batch_op.drop_column('allowance_share_bp')
        batch_op.drop_column('slot')

    with op.batch_alter_table('scan_record', schema=None) as batch_op:
        batch_op.drop_constraint('uq_scan_record_scanner_record', type_='unique')
        batch_op.drop_index('uq_scan_record_paid_presentation', sqlite_where=sa.text("outcome = 'redeemed'"), postgresql_where=sa.text("outcome = 'redeemed'"))
        batch_op.create_unique_constraint(batch_op.f('uq_scan_record_record_id'), ['record_id'])
        batch_op.alter_column('amount_cents',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=False)
        batch_op.alter_column('event_id',
               existing_type=sa.BigInteger(),
               type_=sa.INTEGER(),
               existing_nullable=True)
        batch_op.drop_column('crossed_balance')
        batch_op.drop_column('time_step')

