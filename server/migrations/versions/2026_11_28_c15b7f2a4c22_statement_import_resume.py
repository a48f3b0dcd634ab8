"""statement imports resume after a failed job: no schema change

A failed import is told apart by its job (``job.state = 'failed'`` for a statement still
``importing``: server/banking/jobs.py ``status_of``) and resumed by putting that job back
in the queue, so no column was needed. The revision stays, empty, because the revisions
after it were already chained to it.

Revision ID: c15b7f2a4c22
Revises: c15a3e8d0b11
Create Date: 2026-11-28 04:00:02

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


# revision identifiers, used by Alembic.
revision = 'c15b7f2a4c22'
down_revision = 'c15a3e8d0b11'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
