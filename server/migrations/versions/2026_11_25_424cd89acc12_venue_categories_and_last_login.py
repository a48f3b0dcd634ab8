"""venue categories and last login

Venues' categories as a bit mask (0 for existing organisations: none chosen yet);
users' last login, which one-time magic links are bound to (NULL: never logged in
since this revision, which is as good as any value for that binding).

Revision ID: 424cd89acc12
Revises: b66b1ef2410d
Create Date: 2026-11-25 11:34:35.136342

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '424cd89acc12'
down_revision = 'b66b1ef2410d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('category_mask', sa.Integer(), server_default='0', nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('last_login_at')

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('category_mask')
