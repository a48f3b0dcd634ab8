"""Credentials for many vouchers signed in other processes (issue 14).

Signing is CPU work in Python (Ed25519 plus base45 text) and so is writing the rows:
on one thread they take turns on the GIL. Here the signing runs in worker processes,
on the other core, while the issuing process writes the vouchers and the ledger.

The workers get the one issuer key a batch needs (its raw private bytes, once per
worker when the pool starts) and run the same ``issue_vouchers_batch`` as the inline
path: the texts are byte for byte the same (Ed25519 is deterministic). Small batches
(a class, a test) are signed inline: starting processes would cost more.
"""
import atexit
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from signing import IssuerKeyset
from signing.issue import _whole_hours, issue_vouchers_batch
from signing.keys import IssuerKey

# Below this many credentials the batch is signed inline, on the calling thread.
MIN_POOLED = 2_000
WORKERS = max(1, min(2, os.cpu_count() or 1))

_pool: ProcessPoolExecutor | None = None
# gthread workers and job threads issue at once: one of them makes (or replaces) the pool.
_pool_lock = threading.Lock()
_pool_key: tuple | None = None
_worker_keyset: IssuerKeyset | None = None


class _Done:
    """A finished result with the interface of the pooled one."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value


def sign_vouchers(keyset: IssuerKeyset, *, now: int, campaign_id: int, categories, offline_allowance_cents: int,
                  valid_from: int, valid_until: int, holders: list[tuple[int, bytes]]):
    """Start signing: returns an object whose ``result()`` is the credential texts, in
    the order of ``holders`` (what ``issue_vouchers_batch`` returns)."""
    fields = {"now": now, "campaign_id": campaign_id, "categories": sorted(categories),
              "offline_allowance_cents": offline_allowance_cents, "valid_from": valid_from,
              "valid_until": valid_until}
    if len(holders) < MIN_POOLED:
        return _Done(issue_vouchers_batch(keyset, holders=holders, **fields))
    # The key chosen here is the key the inline path would choose: the worker holds only it.
    key = keyset.signing_key(now=now, valid_until=_whole_hours(valid_from, valid_until)[1])
    with _pool_lock:
        pool = _pool_for(key)
        step = -(-len(holders) // WORKERS)
        # Submitted under the lock: another key's batch cannot shut this pool down in between.
        parts = [pool.submit(_sign_part, fields, holders[start:start + step])
                 for start in range(0, len(holders), step)]
    return _Joined(parts)


class _Joined:
    def __init__(self, parts: list[Future]):
        self._parts = parts
        self._texts = None

    def result(self) -> list[str]:
        if self._texts is None:  # asked twice by the issuance job: before it locks, and when it settles
            texts = []
            for part in self._parts:
                texts += part.result()
            self._texts = texts
        return self._texts


def _pool_for(key: IssuerKey) -> ProcessPoolExecutor:
    global _pool, _pool_key
    raw = key.private_key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                        serialization.NoEncryption())
    wanted = (key.key_id, raw, key.not_before, key.not_after)
    if _pool is None or _pool_key != wanted:
        if _pool is not None:  # a new issuer key: the old pool finishes what it was given first
            _pool.shutdown(wait=True)
        # fork: a spawned worker would import the whole server package first (seconds on
        # a busy machine). The forked workers never touch the database connections they
        # inherit, and leave by os._exit, which closes nothing of the parent's.
        context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=context,
                                    initializer=_start_worker, initargs=wanted)
        _pool_key = wanted
    return _pool


def shutdown() -> None:
    """Stop the workers, dropping what they were not yet given (at exit)."""
    global _pool, _pool_key
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
    _pool = _pool_key = None


atexit.register(shutdown)


def _start_worker(key_id: int, raw: bytes, not_before: int, not_after: int) -> None:
    global _worker_keyset
    private_key = ed25519.Ed25519PrivateKey.from_private_bytes(raw)
    _worker_keyset = IssuerKeyset([IssuerKey(key_id, private_key, not_before, not_after)])


def _sign_part(fields: dict, holders: list[tuple[int, bytes]]) -> list[str]:
    return issue_vouchers_batch(_worker_keyset, holders=holders, **fields)
