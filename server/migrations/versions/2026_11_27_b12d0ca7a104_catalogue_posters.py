"""catalogue posters and addresses

event.address: where an event happens when not at its venue's address (the catalogue
shows one or the other, with a link to OpenStreetMap). event.poster_version/width/height:
the current poster, if any (its version is in the poster's URL). event_poster: the
poster re-encoded by us as WebP, one row per stored width (server/catalogue/posters.py).

Revision ID: b12d0ca7a104
Revises: b12c0d00c0d3
Create Date: 2026-11-27 19:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b12d0ca7a104'
down_revision = 'b12c0d00c0d3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('address', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('poster_version', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('poster_width', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('poster_height', sa.SmallInteger(), nullable=True))
    op.create_table('event_poster',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('width', sa.SmallInteger(), nullable=False),
    sa.Column('height', sa.SmallInteger(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_poster_event_id_event'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'width', name=op.f('pk_event_poster'))
    )


def downgrade():
    op.drop_table('event_poster')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('poster_height')
        batch_op.drop_column('poster_width')
        batch_op.drop_column('poster_version')
        batch_op.drop_column('address')
