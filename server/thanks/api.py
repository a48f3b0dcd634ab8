"""Students' thanks to the sponsors: a few preset choices, no free text (so no names).

Skeleton of the interface the reports use; filled in by the thanks change."""
from datetime import datetime

# The preset choices, in the order the wallet shows them (slug, Italian label).
CHOICES: tuple[tuple[str, str], ...] = (
    ("grazie", "Grazie!"),
    ("scoperta", "Ho scoperto qualcosa di nuovo"),
    ("ci-torno", "Ci tornerò"),
    ("consiglio", "Lo consiglio a un amico"),
)


def counts_for_campaign(campaign_id: int, until: datetime | None = None) -> dict[str, tuple[int, int]]:
    """choice slug -> (thanks sent, distinct wallets that sent it), for thanks recorded
    before ``until`` (all when None) on the campaign's vouchers."""
    return {}
