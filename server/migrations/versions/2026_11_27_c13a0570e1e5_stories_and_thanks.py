"""venue stories and student thanks (issue 13)

story: a venue's few lines about an event, with the poster's confirmation that no minor
is recognisable, and the admins' hiding (when, who, why). story_photo: its photo
re-encoded by us as WebP without metadata (server/stories). thanks: one preset thanks
per used voucher, nothing else about the student (server/thanks).

Revision ID: c13a0570e1e5
Revises: b12d0ca7a104
Create Date: 2026-11-27 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13a0570e1e5'
down_revision = 'b12d0ca7a104'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('story',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('venue_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.String(length=500), nullable=False),
    sa.Column('no_minor_recognisable', sa.Boolean(), nullable=False),
    sa.Column('posted_by_id', sa.Integer(), nullable=False),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('photo_version', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=300), nullable=True),
    sa.CheckConstraint('no_minor_recognisable', name=op.f('ck_story_no_minor_recognisable_confirmed')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_story_event_id_event')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['user_account.id'], name=op.f('fk_story_hidden_by_id_user_account')),
    sa.ForeignKeyConstraint(['posted_by_id'], ['user_account.id'], name=op.f('fk_story_posted_by_id_user_account')),
    sa.ForeignKeyConstraint(['venue_id'], ['organisation.id'], name=op.f('fk_story_venue_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_story'))
    )
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_story_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_story_posted_at'), ['posted_at'], unique=False)
        batch_op.create_index('ix_story_venue_posted_at', ['venue_id', 'posted_at'], unique=False)

    op.create_table('story_photo',
    sa.Column('story_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.SmallInteger(), nullable=False),
    sa.Column('height', sa.SmallInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['story_id'], ['story.id'], name=op.f('fk_story_photo_story_id_story'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('story_id', name=op.f('pk_story_photo'))
    )

    op.create_table('thanks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('voucher_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['voucher_id'], ['voucher.id'], name=op.f('fk_thanks_voucher_id_voucher')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_thanks')),
    sa.UniqueConstraint('voucher_id', name=op.f('uq_thanks_voucher_id'))
    )
    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_thanks_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('thanks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_thanks_created_at'))
    op.drop_table('thanks')
    op.drop_table('story_photo')
    with op.batch_alter_table('story', schema=None) as batch_op:
        batch_op.drop_index('ix_story_venue_posted_at')
        batch_op.drop_index(batch_op.f('ix_story_posted_at'))
        batch_op.drop_index(batch_op.f('ix_story_event_id'))
    op.drop_table('story')
