"""public sponsor page opt-in (issue 13)

sponsor_public_page: one row per sponsor that ever switched its public page on (its
owner's choice); the slug is made once from the name and kept, enabled_at is null while
the page is off (server/sponsors_public/).

Revision ID: c13b9b11c0a6
Revises: c13a0570e1e5
Create Date: 2026-11-27 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c13b9b11c0a6'
down_revision = 'c13a0570e1e5'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sponsor_public_page',
    sa.Column('organisation_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('slug', sa.String(length=80), nullable=False),
    sa.Column('enabled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                            name=op.f('fk_sponsor_public_page_organisation_id_organisation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organisation_id', name=op.f('pk_sponsor_public_page')),
    sa.UniqueConstraint('slug', name=op.f('uq_sponsor_public_page_slug'))
    )


def downgrade():
    op.drop_table('sponsor_public_page')
