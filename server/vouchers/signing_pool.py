"""Credentials for many vouchers signed in other processes (issue 14).

Signing is CPU work in Python (Ed25519 plus base45 text) and so is writing the rows:
on one thread they take turns on the GIL. Here the signing runs in worker processes,
on the other core, while the issuing process writes the vouchers and the ledger.

The workers are started once per process and reused by every batch after, whatever
its key: each part is sent with a keyset of the one issuer key it needs, and they run
the same ``issue_vouchers_batch`` as the inline path: the texts are byte for byte the
same (Ed25519 is deterministic). Small batches (a class, a test) are signed inline:
starting processes would cost more.

Workers come from a fork server, not from a fork of the issuing process: that process
has threads (gthread workers, the job runner's, the pool's own manager), and a fork
copies whatever lock one of them held at that instant (Python 3.12 warns about it).
The fork server is a fresh interpreter started once (a fork and exec) with the signing
library imported, so a worker forked from it starts at once. What a worker is sent
names only the signing library (``signing.issue``, ``signing.keys``), never this
module: unpickling a name from ``server`` would import the whole server package in the
fork server, seconds on a busy machine, for every process that issues. A worker does
import the process's main module, as multiprocessing does for any process it does not
fork: a script that issues big batches keeps its work under ``if __name__ == "__main__":``.
"""
import atexit
import multiprocessing
import os
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from multiprocessing.reduction import ForkingPickler

from cryptography.hazmat.primitives.asymmetric import ed25519

from signing import IssuerKeyset
from signing.issue import _whole_hours, issue_vouchers_batch

# Below this many credentials the batch is signed inline, on the calling thread.
MIN_POOLED = 2_000
# A big batch is sent in parts of at most this many, handed back in order as each is
# done (``in_parts``): the voucher rows are written with their credentials, so the
# issuing process writes the first part's rows while the rest are being signed.
PART = 2_500
WORKERS = max(1, min(2, os.cpu_count() or 1))

_pool: ProcessPoolExecutor | None = None
# gthread workers and job threads issue at once: one of them makes the pool.
_pool_lock = threading.Lock()


def _reduce_private_key(private_key: ed25519.Ed25519PrivateKey):
    return ed25519.Ed25519PrivateKey.from_private_bytes, (private_key.private_bytes_raw(),)


# A private key goes to the signing workers as its raw bytes. Registered with
# multiprocessing's own pickler only: anything else that tries to pickle a private key
# (a cache, a log) still fails, as the key's type wants.
ForkingPickler.register(type(ed25519.Ed25519PrivateKey.generate()), _reduce_private_key)


class _Done:
    """A finished result with the interface of the pooled one."""

    def __init__(self, value):
        self._value = value

    def result(self):
        return self._value

    def in_parts(self):
        yield 0, self._value


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
    sent = IssuerKeyset([key])
    step = min(-(-len(holders) // WORKERS), PART)
    with _pool_lock:
        pool = _started_pool()
        # Submitted under the lock: shutdown() at exit cannot close the pool in between.
        parts = [pool.submit(issue_vouchers_batch, sent, holders=holders[start:start + step], **fields)
                 for start in range(0, len(holders), step)]
    return _Joined(parts)


class _Joined:
    def __init__(self, parts: list[Future]):
        self._parts = parts
        self._texts = None

    def result(self) -> list[str]:
        if self._texts is None:  # asked twice: when the rows are written, and when they are settled
            texts = []
            for part in self._parts:
                texts += part.result()
            self._texts = texts
        return self._texts

    def in_parts(self):
        """(offset, texts) of each part, in order, each as soon as it is signed."""
        start = 0
        for part in self._parts:
            texts = part.result()
            yield start, texts
            start += len(texts)


def warm_up() -> None:
    """Start the workers now, in a process that will issue (``mentoring worker``): each
    imports the process's main module first (multiprocessing's rule for a process not
    forked from it; for `mentoring` that is the server package), while this process
    waits for work rather than while a big batch waits for them. Returns at once."""
    with _pool_lock:
        pool = _started_pool()
        for _ in range(WORKERS):  # a worker is started for each task none is idle for
            pool.submit(int)


def _context():
    if "forkserver" not in multiprocessing.get_all_start_methods():  # not on a POSIX system
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    # Heeded only before the process's one fork server starts.
    context.set_forkserver_preload(["signing.issue"])
    return context


def _started_pool() -> ProcessPoolExecutor:
    global _pool
    if _pool is None:
        _pool = ProcessPoolExecutor(max_workers=WORKERS, mp_context=_context())
    return _pool


def shutdown() -> None:
    """Stop the workers, dropping what they were not yet given (at exit)."""
    global _pool
    with _pool_lock:
        if _pool is not None:
            _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


atexit.register(shutdown)
