"""claim codes: card serials, void and reissue

Every claim code gets its card's number within the allocation (``serial``, printed on
the card, not secret), so a school can say "card 17 is lost" and reissue that slot: the
old row is kept, voided (``voided_at``, ``replaced_by_id``), and a new row takes the
same serial. A partial unique index keeps one live code per card. Codes issued before
are numbered in issue order (their ids) within their allocation. Plain codes are still
never stored (server/vouchers/README.md).

Revision ID: b12a0c0de5a1
Revises: ad11c0d0c5a0
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b12a0c0de5a1'
down_revision = 'ad11c0d0c5a0'
branch_labels = None
depends_on = None

LIVE = sa.text("voided_at IS NULL")


def upgrade():
    with op.batch_alter_table('claim_code', schema=None) as batch_op:
        batch_op.add_column(sa.Column('serial', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
    op.execute("UPDATE claim_code SET serial = (SELECT count(*) FROM claim_code AS earlier "
               "WHERE earlier.allocation_id = claim_code.allocation_id AND earlier.id <= claim_code.id)")
    with op.batch_alter_table('claim_code', schema=None) as batch_op:
        batch_op.alter_column('serial', existing_type=sa.Integer(), nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_claim_code_replaced_by_id_claim_code'), 'claim_code',
                                    ['replaced_by_id'], ['id'])
        batch_op.create_index('uq_claim_code_live_serial', ['allocation_id', 'serial'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)


def downgrade():
    # Voided rows go with the columns that say they are void: left behind they would
    # be claimable again.
    op.execute("DELETE FROM claim_code WHERE voided_at IS NOT NULL")
    with op.batch_alter_table('claim_code', schema=None) as batch_op:
        batch_op.drop_index('uq_claim_code_live_serial', sqlite_where=LIVE, postgresql_where=LIVE)
        batch_op.drop_constraint(batch_op.f('fk_claim_code_replaced_by_id_claim_code'), type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('voided_at')
        batch_op.drop_column('serial')
