"""Two scanners syncing spends of the same voucher at the same moment, on PostgreSQL."""
import threading

import pytest

from server.ledger import api as ledger

pytestmark = pytest.mark.postgres


def test_two_syncs_spending_the_same_voucher(door, now):
    a, b = door.scanners
    records = {a: door.record(a, at=now - 60, amount=1_500), b: door.record(b, at=now - 30, amount=1_500)}
    barrier = threading.Barrier(2)
    results = {}

    def sync(scanner_id):
        client = door.app.test_client()
        barrier.wait()
        response = client.post(f"/api/v1/scanners/{scanner_id}/sync", json={"records": [records[scanner_id]]})
        results[scanner_id] = response.get_json()["results"][0]

    threads = [threading.Thread(target=sync, args=(scanner_id,)) for scanner_id in (a, b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert {r["outcome"] for r in results.values()} == {"redeemed"}
    assert sorted(r["overspend_cents"] for r in results.values()) == [0, 500]
    with door.app.app_context():
        assert ledger.account("voucher", door.voucher_id).balance_cents == 0
        assert ledger.account("venue_payable", door.venue_id).balance_cents == 3_000
