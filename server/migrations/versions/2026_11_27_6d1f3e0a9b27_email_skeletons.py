"""email skeletons

Each login keeps the SHA-256 of its address's Unicode TR39 skeleton, so that a new
login whose address looks like an existing one (a Cyrillic "о", "rn" for "m") is
refused. Existing logins get theirs here; look-alikes among them keep working (the
index is not unique).

The backfill calls server.accounts.emails.skeleton_digest, the function registration
uses: a later change of the skeleton needs a migration that recomputes the column.

Revision ID: 6d1f3e0a9b27
Revises: 11ac59c75efb
Create Date: 2026-11-27 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6d1f3e0a9b27'
down_revision = '11ac59c75efb'
branch_labels = None
depends_on = None


def upgrade():
    from server.accounts.emails import skeleton_digest

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_skeleton', sa.LargeBinary(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_email_skeleton'), ['email_skeleton'], unique=False)

    users = sa.table('user_account', sa.column('id', sa.Integer), sa.column('email', sa.String),
                     sa.column('email_skeleton', sa.LargeBinary))
    connection = op.get_bind()
    for user_id, email in connection.execute(sa.select(users.c.id, users.c.email)).all():
        connection.execute(users.update().where(users.c.id == user_id)
                           .values(email_skeleton=skeleton_digest(email)))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_email_skeleton'))
        batch_op.drop_column('email_skeleton')
