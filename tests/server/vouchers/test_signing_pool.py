"""Credentials signed in the worker processes are the ones the inline path makes."""
from signing import IssuerKeyset
from signing.issue import issue_vouchers_batch

from server.vouchers import signing_pool


def test_pooled_signing_gives_the_inline_texts(monkeypatch):
    keyset = IssuerKeyset()
    keyset.rotate(now=1_700_000_000)
    fields = {"now": 1_700_000_100, "campaign_id": 7, "categories": [0, 3],
              "offline_allowance_cents": 1_500, "valid_from": 1_700_000_100, "valid_until": 1_700_600_000}
    holders = [(voucher_id, bytes([2]) + voucher_id.to_bytes(32, "big")) for voucher_id in range(1, 6)]
    monkeypatch.setattr(signing_pool, "MIN_POOLED", 1)
    try:
        pooled = signing_pool.sign_vouchers(keyset, holders=holders, **fields).result()
    finally:
        signing_pool.shutdown()
    assert pooled == issue_vouchers_batch(keyset, holders=holders, **fields)
