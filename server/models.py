"""Imports every domain's models so that metadata (create_all, Alembic) sees them all."""
from server.ledger import models as ledger_models  # noqa: F401
