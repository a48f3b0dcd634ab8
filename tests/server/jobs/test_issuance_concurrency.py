"""Two issuance jobs asked at the same moment for the last room of an allocation: one
holds it, the other is refused up front (the allocation's row lock is taken before its
room is read)."""
import threading

import pytest
import sqlalchemy as sa

from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs import issuance
from server.jobs.models import DONE, Job
from server.vouchers import api as vouchers_api
from server.vouchers.exceptions import NoCodesLeft
from server.vouchers.models import Allocation
from tests.server.concurrency import at_once
from tests.server.waiting import until, waiting_on_a_lock

pytestmark = pytest.mark.postgres


def _enqueue(app, scene, keys):
    with app.app_context():
        try:
            allocation = db.session.get(Allocation, scene.allocation_id)  # not locked: enqueue_direct locks it
            job_id = issuance.enqueue_direct(parts=[(allocation, keys)], created_by=scene.member_id,
                                             organisation_id=scene.school_id).id
            db.session.commit()
            return job_id
        except Exception:
            db.session.rollback()
            raise
        finally:
            db.session.remove()


def test_two_jobs_asked_at_once_for_the_last_room_one_holds_it_the_other_is_refused(
        app, scene, device_keys, held_jobs):
    # Both requests are made to meet at the lock: a transaction holds the allocation
    # until both wait on it, so neither can have read the room before the other waits.
    holder_ready, release = threading.Event(), threading.Event()

    def hold_the_allocation():
        with app.app_context():
            db.session.scalar(sa.select(Allocation).filter_by(id=scene.allocation_id).with_for_update())
            holder_ready.set()
            release.wait()
            db.session.commit()
            db.session.remove()

    holder = threading.Thread(target=hold_the_allocation)
    holder.start()
    holder_ready.wait()
    results = []
    asking = threading.Thread(target=lambda: results.extend(at_once([
        lambda: _enqueue(app, scene, device_keys(2_000)), lambda: _enqueue(app, scene, device_keys(2_000))])))
    asking.start()
    try:
        until(lambda: waiting_on_a_lock(app) >= 2)
    finally:
        release.set()
        holder.join()
        asking.join()

    assert sorted(type(r).__name__ for r in results) == ["NoCodesLeft", "int"], results
    refused = next(r for r in results if isinstance(r, NoCodesLeft))
    assert refused.params == {"left": 1_000}
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 1
        assert vouchers_api.room(db.session.get(Allocation, scene.allocation_id)) == 1_000
        assert [jobs_api.run(job_id) for job_id in held_jobs] == [DONE]
        assert db.session.get(Allocation, scene.allocation_id).codes_issued == 2_000
