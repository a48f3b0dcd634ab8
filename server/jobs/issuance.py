"""Direct issuance of many vouchers as a job (issue 14): the request that asks for it
only checks, records the job and holds its room in the allocation (an
``IssuanceReservation``: no request after it can take that room, so the job does not
run out of it partway); a worker issues the vouchers in chunks.

Each chunk (``JOBS_ISSUANCE_CHUNK`` vouchers, default 5,000) is one transaction:
the vouchers, their ledger postings, the allocation's count, what the job's hold has
issued and the job's progress commit together. Chunks commit in order, so ``progress_done`` is always a prefix of
the keys: a worker killed mid-chunk loses the chunks in flight only, and the next
attempt starts at ``progress_done``. No device key is issued twice, the books balance
at every commit.

On PostgreSQL two chunks are in flight, each on a connection of its own (a *lane*):
while one chunk settles and commits, the next one writes its rows. The database's
share of the work is as much CPU as the signatures' (it checks every foreign key row
by row), and one connection is one server process, on one core; the credentials are
signed in other processes meanwhile (server/vouchers/signing_pool.py). A chunk writes
without locking anything the other chunk needs (its foreign key checks hold KEY SHARE
locks only), its voucher rows last, each with its credential (stored for the wallet's
first fetch: server/vouchers/README.md), waits for the chunk before it to commit, and
only then locks the job row, the allocation and its account (those two FOR NO KEY
UPDATE, which KEY SHARE does not block), checks that the progress is where it starts,
counts, debits and commits. The signing of the next two chunks is started before a
lane takes them. SQLite has one writer at a time: one lane there.

Measured: server/jobs/README.md (bench/issuance.py --job).
"""
import logging
from collections import Counter, deque
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app

from server import bulk, keys
from server.errors import InvalidInput
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs.exceptions import LeaseLost
from server.vouchers import api as vouchers_api
from server.vouchers.models import Allocation

log = logging.getLogger(__name__)

KIND = "vouchers.issue_direct"
DEFAULT_CHUNK = 5_000
LANES = 2  # chunks in flight on PostgreSQL
SIGNED_AHEAD = 2  # chunks whose signing starts before a lane takes them


def enqueue_direct(*, parts: list[tuple[Allocation, list[bytes]]], created_by: int | None,
                   organisation_id: int | None) -> jobs_api.Job:
    """Check what can be checked now (no device twice, room in each allocation), record
    the job and hold its room in each allocation (``vouchers_api.reserve``): from now
    on no request, direct or for claim codes, can take it, so the job, once accepted,
    does not run out of room partway. ``parts``: (allocation, device keys) pairs,
    issued in order. ``NoCodesLeft`` when an allocation has not the room; the caller's
    transaction is then to be rolled back, the job with it."""
    everything = [device_key for _, part in parts for device_key in part]
    if len(set(everything)) != len(everything):
        raise InvalidInput("Lo stesso dispositivo compare due volte.", code="duplicate_device", field="device_keys")
    counts = Counter()
    for allocation, device_keys in parts:
        counts[allocation.id] += len(device_keys)
    args = {"parts": [{"allocation_id": allocation.id, "device_keys": [k.hex() for k in device_keys]}
                      for allocation, device_keys in parts]}
    job = jobs_api.enqueue(KIND, args, total=len(everything), created_by=created_by,
                           organisation_id=organisation_id)
    vouchers_api.reserve(job_id=job.id, counts=dict(counts))
    return job


@jobs_api.handler(KIND)
def issue_direct(job, run) -> dict:
    parts = job.args["parts"]
    total = sum(len(part["device_keys"]) for part in parts)
    size = int(current_app.config.get("JOBS_ISSUANCE_CHUNK") or DEFAULT_CHUNK)
    keyset = keys.issuer_keyset()
    done = run.lock()
    lanes = LANES if bulk.is_postgresql() else 1
    db.session.commit()  # end the read transaction: on SQLite it would hold the write lock
    chunks = _chunks(parts, done, total, size)  # lazily: a million keys are 70 MB as bytes
    if lanes == 1:
        for chunk in chunks:
            _issue_chunk(run, chunk, keyset, started=None, previous=None)
        return {"vouchers": total}
    app = current_app._get_current_object()

    def in_lane(chunk, started, previous):
        with app.app_context():  # a session, and so a connection, of its own
            _issue_chunk(run, chunk, keyset, started=started, previous=previous)

    # The signing of the next chunks starts before a lane is free for them (the ids are
    # taken from the sequence on this thread's session): the signing processes never
    # wait for a lane to commit.
    ahead: deque = deque()

    def sign_ahead():
        while len(ahead) < SIGNED_AHEAD and (chunk := next(chunks, None)) is not None:
            _, allocation_id, device_keys = chunk
            ahead.append((chunk, vouchers_api.start_direct(
                allocation=db.session.get(Allocation, allocation_id), device_keys=device_keys, keyset=keyset,
                now=datetime.now(timezone.utc))))
            db.session.commit()  # nothing written: the sequence's values are taken for good

    futures: list[Future] = []
    with ThreadPoolExecutor(max_workers=lanes, thread_name_prefix="issuance-lane") as executor:
        try:
            sign_ahead()
            while ahead:
                if len(futures) >= lanes:
                    futures[-lanes].result()  # a lane is free; raises what its chunk raised
                chunk, started = ahead.popleft()
                futures.append(executor.submit(in_lane, chunk, started, futures[-1] if futures else None))
                sign_ahead()
            for future in futures:
                future.result()
        except BaseException:
            for future in futures:
                future.cancel()
            db.session.rollback()
            raise
    return {"vouchers": total}


def _chunks(parts: list[dict], done: int, total: int, size: int):
    """(start, allocation id, device keys) of each chunk still to issue; a chunk never
    spans two parts."""
    while done < total:
        part, offset = _position(parts, done)
        device_keys = [bytes.fromhex(key) for key in part["device_keys"][offset:offset + size]]
        yield done, part["allocation_id"], device_keys
        done += len(device_keys)


def _issue_chunk(run, chunk: tuple[int, int, list[bytes]], keyset, *, started: vouchers_api.DirectStart | None,
                 previous: Future | None) -> None:
    start, allocation_id, device_keys = chunk
    try:
        allocation = db.session.get(Allocation, allocation_id)
        if started is None:
            started = vouchers_api.start_direct(allocation=allocation, device_keys=device_keys, keyset=keyset,
                                                now=datetime.now(timezone.utc))
        # Waits for the credentials (they are written in the voucher rows) before any
        # lock: a chunk holding the job row while its signatures finish would hold up
        # the next chunk's commit.
        issuance = vouchers_api.write_direct(allocation=allocation, device_keys=device_keys, started=started)
        if previous is not None:
            previous.result()  # in order: a failed chunk before this one fails this one too
        if run.lock() != start:  # the job row, locked: chunks commit one at a time, in order
            raise LeaseLost(run.job_id)
        allocation = db.session.scalar(sa.select(Allocation).filter_by(id=allocation_id)
                                       .with_for_update(key_share=True).execution_options(populate_existing=True))
        vouchers_api.settle_direct(issuance, allocation=allocation,
                                   reservation=vouchers_api.reservation(job_id=run.job_id, allocation_id=allocation_id))
        run.checkpoint(done=start + len(device_keys))
    except BaseException:
        db.session.rollback()
        raise
    log.info("issuance chunk", extra={"job_id": run.job_id, "done": start + len(device_keys)})


def _position(parts: list[dict], done: int) -> tuple[dict, int]:
    """The part and offset of the ``done``-th device key (0-based)."""
    for part in parts:
        if done < len(part["device_keys"]):
            return part, done
        done -= len(part["device_keys"])
    raise IndexError(done)
