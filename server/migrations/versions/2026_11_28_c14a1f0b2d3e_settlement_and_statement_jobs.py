"""settlement runs and statement imports as jobs (issue 14)

settlement_run.venue_cursor: how far the job computing a big run has got (the venues up
to this id are settled); at most one run is computing at a time (a partial unique
index). bank_statement.status (importing | imported) and content: the uploaded file a
job imports in chunks, erased once imported.

Revision ID: c14a1f0b2d3e
Revises: c13d4e9017a1
Create Date: 2026-11-28 01:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c14a1f0b2d3e'
down_revision = 'c13d4e9017a1'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('settlement_run', sa.Column('venue_cursor', sa.Integer(), nullable=True))
    op.create_index('uq_settlement_run_computing', 'settlement_run', ['status'], unique=True,
                    sqlite_where=sa.text("status = 'computing'"), postgresql_where=sa.text("status = 'computing'"))
    op.add_column('bank_statement', sa.Column('status', sa.String(length=16), server_default='imported',
                                              nullable=False))
    op.add_column('bank_statement', sa.Column('content', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('bank_statement', schema=None) as batch_op:
        batch_op.drop_column('content')
        batch_op.drop_column('status')
    op.drop_index('uq_settlement_run_computing', table_name='settlement_run')
    with op.batch_alter_table('settlement_run', schema=None) as batch_op:
        batch_op.drop_column('venue_cursor')

