"""login sessions and used wallet challenges

Member sessions kept on the server, so that logout, a password change or removal from
an organisation ends them (server/accounts/sessions.py); the nonces of wallet challenges
already used, where no Redis is configured (server/accounts/challenges.py). Both new
tables: nothing to carry over (cookies from before log in again).

Revision ID: 11ac59c75efb
Revises: 579cea2d2d0e
Create Date: 2026-11-27 16:15:57.922079

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '11ac59c75efb'
down_revision = '579cea2d2d0e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('used_wallet_challenge',
    sa.Column('nonce', sa.String(length=64), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('nonce', name=op.f('pk_used_wallet_challenge'))
    )
    with op.batch_alter_table('used_wallet_challenge', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_used_wallet_challenge_expires_at'), ['expires_at'], unique=False)

    op.create_table('login_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.LargeBinary(length=32), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_login_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_session')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_login_session_token_hash'))
    )
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_session_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('login_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_session_user_id'))

    op.drop_table('login_session')
    with op.batch_alter_table('used_wallet_challenge', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_used_wallet_challenge_expires_at'))

    op.drop_table('used_wallet_challenge')
