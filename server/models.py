"""Imports every domain's models so that metadata (create_all, Alembic) sees them all."""
from server.accounts import models as accounts_models  # noqa: F401
from server.banking import models as banking_models  # noqa: F401
from server.bookings import models as bookings_models  # noqa: F401
from server.campaigns import models as campaigns_models  # noqa: F401
from server.catalogue import models as catalogue_models  # noqa: F401
from server.documents import models as documents_models  # noqa: F401
from server.idempotency import models as idempotency_models  # noqa: F401
from server.ledger import models as ledger_models  # noqa: F401
from server.payments import models as payments_models  # noqa: F401
from server.recovery import models as recovery_models  # noqa: F401
from server.settlement import models as settlement_models  # noqa: F401
from server.sponsors_public import models as sponsors_public_models  # noqa: F401
from server.door import models as door_models  # noqa: F401
from server.stories import models as stories_models  # noqa: F401
from server.thanks import models as thanks_models  # noqa: F401
from server.vouchers import models as vouchers_models  # noqa: F401
