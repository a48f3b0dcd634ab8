"""Credentials signed in the worker processes are the ones the inline path makes."""
import os

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


def test_the_issuing_process_is_never_forked(monkeypatch):
    """Its threads may hold locks at the instant of a fork, which the child would keep
    forever (Python 3.12 warns): the workers come from the fork server."""
    keyset = IssuerKeyset()
    keyset.rotate(now=1_700_000_000)
    fields = {"now": 1_700_000_100, "campaign_id": 7, "categories": [1],
              "offline_allowance_cents": 0, "valid_from": 1_700_000_100, "valid_until": 1_700_600_000}
    holders = [(voucher_id, bytes([2]) + voucher_id.to_bytes(32, "big")) for voucher_id in range(1, 4)]

    def no_fork():
        raise AssertionError("the issuing process forked")

    monkeypatch.setattr(os, "fork", no_fork)
    monkeypatch.setattr(signing_pool, "MIN_POOLED", 1)
    try:
        pooled = signing_pool.sign_vouchers(keyset, holders=holders, **fields).result()
    finally:
        signing_pool.shutdown()
    assert pooled == issue_vouchers_batch(keyset, holders=holders, **fields)


def test_the_workers_outlive_a_key_rotation(monkeypatch):
    """Started once, they sign with whichever key each batch is sent."""
    keyset = IssuerKeyset()
    keyset.rotate(now=1_700_000_000)
    fields = {"now": 1_700_000_100, "campaign_id": 7, "categories": [1],
              "offline_allowance_cents": 0, "valid_from": 1_700_000_100, "valid_until": 1_700_600_000}
    holders = [(voucher_id, bytes([2]) + voucher_id.to_bytes(32, "big")) for voucher_id in range(1, 4)]
    monkeypatch.setattr(signing_pool, "MIN_POOLED", 1)
    try:
        before = signing_pool.sign_vouchers(keyset, holders=holders, **fields).result()
        pool = signing_pool._pool
        keyset.rotate(now=1_700_000_050)
        after = signing_pool.sign_vouchers(keyset, holders=holders, **fields).result()
        assert signing_pool._pool is pool
    finally:
        signing_pool.shutdown()
    assert before != after
    assert after == issue_vouchers_batch(keyset, holders=holders, **fields)
