"""Direct issuance of many vouchers as a job (issue 14): the request that asks for it
only checks and records; a worker issues the vouchers in chunks.

Each chunk (``JOBS_ISSUANCE_CHUNK`` vouchers, default 5,000) is one transaction:
the vouchers, their ledger postings, the allocation's count and the job's progress
commit together. A worker killed mid-chunk loses that chunk only, and the next attempt
starts at ``progress_done``: no device key is issued twice, the books balance at
every commit.
"""
import logging
from datetime import datetime, timezone

import sqlalchemy as sa
from flask import current_app

from server import keys
from server.errors import InvalidInput
from server.extensions import db
from server.jobs import api as jobs_api
from server.vouchers import api as vouchers_api
from server.vouchers.exceptions import NoCodesLeft
from server.vouchers.models import Allocation

log = logging.getLogger(__name__)

KIND = "vouchers.issue_direct"
DEFAULT_CHUNK = 5_000


def enqueue_direct(*, parts: list[tuple[Allocation, list[bytes]]], created_by: int | None,
                   organisation_id: int | None, key: str | None = None) -> jobs_api.Job:
    """Check what can be checked now (room in each allocation, no device twice) and
    record the job. ``parts``: (allocation, device keys) pairs, issued in order."""
    everything = [device_key for _, part in parts for device_key in part]
    if len(set(everything)) != len(everything):
        raise InvalidInput("Lo stesso dispositivo compare due volte.", code="duplicate_device", field="device_keys")
    for allocation, device_keys in parts:
        if allocation.codes_issued + len(device_keys) > allocation.voucher_count:
            raise NoCodesLeft(left=allocation.voucher_count - allocation.codes_issued)
    args = {"parts": [{"allocation_id": allocation.id, "device_keys": [k.hex() for k in device_keys]}
                      for allocation, device_keys in parts]}
    return jobs_api.enqueue(KIND, args, key=key, total=len(everything), created_by=created_by,
                            organisation_id=organisation_id)


@jobs_api.handler(KIND)
def issue_direct(job, run) -> dict:
    parts = job.args["parts"]
    total = sum(len(part["device_keys"]) for part in parts)
    chunk = int(current_app.config.get("JOBS_ISSUANCE_CHUNK") or DEFAULT_CHUNK)
    keyset = keys.issuer_keyset()
    db.session.commit()  # end the read transaction: on SQLite it would hold the write lock
    while True:
        done = run.lock()
        if done >= total:
            db.session.rollback()
            return {"vouchers": total}
        part, offset = _position(parts, done)
        device_keys = [bytes.fromhex(key) for key in part["device_keys"][offset:offset + chunk]]
        allocation = db.session.scalar(sa.select(Allocation).filter_by(id=part["allocation_id"]).with_for_update())
        vouchers_api.issue_direct(allocation=allocation, device_keys=device_keys, keyset=keyset,
                                  now=datetime.now(timezone.utc))
        run.checkpoint(done=done + len(device_keys))
        log.info("issuance chunk", extra={"job_id": run.job_id, "done": done + len(device_keys), "total": total})


def _position(parts: list[dict], done: int) -> tuple[dict, int]:
    """The part and offset of the ``done``-th device key (0-based)."""
    for part in parts:
        if done < len(part["device_keys"]):
            return part, done
        done -= len(part["device_keys"])
    raise IndexError(done)
