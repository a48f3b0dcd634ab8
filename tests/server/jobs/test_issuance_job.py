"""Direct issuance above 1,000 keys answers with a job that issues in chunks; a worker
killed between chunks is resumed where it stopped, nothing issued twice; the job holds
its room in the allocation from its acceptance until it is done or failed."""
from datetime import datetime, timedelta, timezone

import pytest

from server import keys as server_keys
from server.extensions import db
from server.jobs import api as jobs_api
from server.jobs import issuance
from server.jobs.models import DONE, Job
from server.vouchers import api as vouchers_api
from server.vouchers.models import Allocation, Voucher
from server.accounts.models import MEMBER, SCHOOL, Membership, Wallet
from signing import verify_credential
from tests.server import factories


def _member(app, scene):
    return factories.ApiClient(app.test_client()).login(scene.member_email)


def _issued(allocation_id):
    vouchers = db.session.scalars(db.select(Voucher).filter_by(allocation_id=allocation_id)).all()
    return len(vouchers), len({v.wallet_id for v in vouchers})


def test_more_than_a_thousand_keys_become_a_job_the_member_follows(app, scene, device_keys):
    app.config["JOBS_ISSUANCE_CHUNK"] = 400
    api = _member(app, scene)

    answer = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_001)]})

    assert answer.status_code == 202, answer.get_json()
    job = answer.get_json()
    assert job["kind"] == "vouchers.issue_direct"
    followed = api.get(f"/api/v1/jobs/{job['id']}").get_json()  # inline: done by now
    assert followed["state"] == "done" and followed["progress"] == {"done": 1_001, "total": 1_001}
    assert followed["result"] == {"vouchers": 1_001}
    with app.app_context():
        assert _issued(scene.allocation_id) == (1_001, 1_001)
        assert db.session.get(Allocation, scene.allocation_id).codes_issued == 1_001


def test_a_retried_post_gets_the_same_job_and_where_to_follow_it(app, scene, device_keys, held_jobs):
    api = _member(app, scene)
    body = {"device_keys": [k.hex() for k in device_keys(1_001)]}
    first = api.post(scene.direct_url, json=body, idempotency_key="direct-big-1")
    again = api.post(scene.direct_url, json=body, idempotency_key="direct-big-1")
    assert (first.status_code, again.status_code) == (202, 202)
    assert again.get_json() == first.get_json() and again.headers["Idempotency-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"] == f"/api/v1/jobs/{first.get_json()['id']}"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1
        assert [jobs_api.run(job_id) for job_id in held_jobs] == [DONE]


def test_prefer_respond_async_makes_a_job_of_a_few_keys(app, scene, device_keys):
    api = _member(app, scene)
    answer = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(3)]},
                      headers={"Prefer": "respond-async"})
    assert answer.status_code == 202 and answer.headers["Preference-Applied"] == "respond-async"
    assert api.get(answer.headers["Location"]).get_json()["result"] == {"vouchers": 3}


def test_a_thousand_keys_are_still_issued_in_the_answer(app, scene, device_keys):
    answer = _member(app, scene).post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_000)]})
    assert answer.status_code == 201 and len(answer.get_json()["vouchers"]) == 1_000


def test_a_job_is_refused_at_once_when_the_allocation_has_no_room(app, scene, device_keys):
    with app.app_context():
        db.session.get(Allocation, scene.allocation_id).codes_issued = 2_000
        db.session.commit()
    answer = _member(app, scene).post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_001)]})
    assert answer.status_code == 409 and answer.get_json()["code"] == "no_codes_left"
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 0


class Killed(BaseException):
    """A worker dying mid-chunk (not an Exception: nothing in the job catches it)."""


def test_a_worker_killed_mid_job_is_resumed_after_the_sweep_without_issuing_twice(
        app, scene, device_keys, held_jobs, monkeypatch):
    app.config["JOBS_ISSUANCE_CHUNK"] = 300
    keys = device_keys(1_000)
    with app.app_context():
        allocation = db.session.get(Allocation, scene.allocation_id)
        job_id = issuance.enqueue_direct(parts=[(allocation, keys)], created_by=scene.member_id,
                                         organisation_id=scene.school_id).id
        db.session.commit()

        real = vouchers_api.settle_direct
        calls = []

        def dies_in_the_third_chunk(issuance, **kwargs):
            calls.append(1)
            issued = real(issuance, **kwargs)
            if len(calls) == 3:
                raise Killed()  # after its vouchers were written and counted, before its checkpoint
            return issued

        monkeypatch.setattr(vouchers_api, "settle_direct", dies_in_the_third_chunk)
        with pytest.raises(Killed):
            jobs_api.run(job_id)
        db.session.rollback()  # what the database does with a dead connection's transaction
        assert db.session.get(Job, job_id).progress_done == 600
        assert _issued(scene.allocation_id) == (600, 600)
        assert _room(scene.allocation_id) == 2_000  # abandoned, not failed: the 400 left stay its own

        monkeypatch.setattr(vouchers_api, "settle_direct", real)
        assert jobs_api.run(job_id) is None  # still leased to the dead worker
        jobs_api.sweep(now=datetime.now(timezone.utc) + timedelta(hours=1))
        assert jobs_api.run(job_id) == DONE

        job = db.session.get(Job, job_id)
        assert (job.progress_done, job.attempts) == (1_000, 2)
        assert _issued(scene.allocation_id) == (1_000, 1_000)
        assert db.session.get(Allocation, scene.allocation_id).codes_issued == 1_000
        assert _room(scene.allocation_id) == 2_000
        _each_voucher_stores_its_own_credential(scene.allocation_id, keys)


def _each_voucher_stores_its_own_credential(allocation_id, device_keys):
    """Stored once with its row, signed by the issuer for that voucher and its wallet."""
    issuer, now = server_keys.public_keyset(), int(datetime.now(timezone.utc).timestamp())
    rows = db.session.execute(db.select(Voucher.id, Voucher.issued_credential, Wallet.device_key)
                              .join(Wallet, Wallet.id == Voucher.wallet_id).filter(Voucher.allocation_id == allocation_id))
    stored = {voucher_id: (verify_credential(text, keys=issuer, now=now), device_key)
              for voucher_id, text, device_key in rows}
    assert sorted(device_key for _, device_key in stored.values()) == sorted(device_keys)
    assert all((credential.voucher_id, credential.device_key) == (voucher_id, device_key)
               for voucher_id, (credential, device_key) in stored.items())


def test_the_same_device_twice_is_refused_before_a_job_is_made(app, scene, device_keys):
    keys = [k.hex() for k in device_keys(1_000)]
    answer = _member(app, scene).post(scene.direct_url, json={"device_keys": keys + keys[:5]})
    assert answer.status_code == 422 and answer.get_json()["code"] == "duplicate_device"


@pytest.mark.parametrize("who, status", [("creator", 200), ("colleague", 200), ("admin", 200),
                                         ("other school", 404), ("stranger", 404)])
def test_a_job_is_seen_by_its_creator_its_organisation_and_admins(app, scene, held_jobs, who, status):
    with app.app_context():
        job_id = jobs_api.enqueue(issuance.KIND, {"parts": []}, created_by=scene.member_id,
                                  organisation_id=scene.school_id).id
        if who == "creator":
            email = scene.member_email
        elif who == "colleague":
            colleague = factories.user()
            db.session.add(Membership(user_id=colleague.id, organisation_id=scene.school_id, role=MEMBER))
            email = colleague.email
        elif who == "admin":
            email = factories.user(admin=True).email
        elif who == "other school":
            other = factories.user()
            factories.organisation(SCHOOL, owner=other)
            email = other.email
        else:
            email = factories.user().email
        db.session.commit()
    answer = factories.ApiClient(app.test_client()).login(email).get(f"/api/v1/jobs/{job_id}")
    assert answer.status_code == status, answer.get_json()
    if status == 404:
        assert answer.get_json()["code"] == "job_not_found"


def test_a_job_asks_for_a_login(client):
    assert client.get("/api/v1/jobs/1").status_code == 401


def _room(allocation_id):
    return vouchers_api.room(db.session.get(Allocation, allocation_id))


def test_a_queued_job_owns_its_room_requests_after_it_get_the_rest_and_the_job_finishes(
        app, scene, device_keys, held_jobs):
    """Room taken after the job was accepted, by direct issuance and by claim codes:
    only what the job left is given, the next request is refused up front, and the job
    issues all it was accepted for."""
    app.config["JOBS_ISSUANCE_CHUNK"] = 300
    api = _member(app, scene)
    job = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_000)]},
                   headers={"Prefer": "respond-async"})
    assert job.status_code == 202, job.get_json()
    with app.app_context():
        assert _room(scene.allocation_id) == 2_000  # 3,000 places, 1,000 held by the job

    direct = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_000)]})
    codes = api.post(f"{scene.direct_url.removesuffix('/direct')}/codes", json={"count": 1_000})
    too_many = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1)]})
    assert (direct.status_code, codes.status_code) == (201, 201)
    assert too_many.status_code == 409 and too_many.get_json()["code"] == "no_codes_left"
    assert too_many.get_json()["params"] == {"left": 0}

    with app.app_context():
        assert [jobs_api.run(job_id) for job_id in held_jobs] == [DONE]
        assert db.session.get(Job, job.get_json()["id"]).progress_done == 1_000
        assert _issued(scene.allocation_id) == (2_000, 2_000)
        assert db.session.get(Allocation, scene.allocation_id).codes_issued == 3_000
        assert _room(scene.allocation_id) == 0


def test_the_schools_allocations_show_the_room_a_queued_job_holds(app, scene, device_keys, held_jobs):
    """The school's page offers what the server will give: not what a queued job holds."""
    api = _member(app, scene)
    api.post(f"{scene.direct_url.removesuffix('/direct')}/codes", json={"count": 200})
    job = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_001)]})
    assert job.status_code == 202, job.get_json()

    [listed] = api.get(f"/api/v1/schools/{scene.school_id}/allocations").get_json()
    assert (listed["voucher_count"], listed["codes_issued"]) == (3_000, 200)
    assert (listed["held_by_jobs"], listed["room"]) == (1_001, 1_799)

    with app.app_context():
        assert [jobs_api.run(job_id) for job_id in held_jobs] == [DONE]
    [listed] = api.get(f"/api/v1/schools/{scene.school_id}/allocations").get_json()
    assert (listed["codes_issued"], listed["held_by_jobs"], listed["room"]) == (1_201, 0, 1_799)


def test_a_second_job_is_refused_up_front_when_the_first_holds_the_room(app, scene, device_keys, held_jobs):
    api = _member(app, scene)
    first = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(2_000)]})
    second = api.post(scene.direct_url, json={"device_keys": [k.hex() for k in device_keys(1_001)]})
    assert first.status_code == 202
    assert second.status_code == 409 and second.get_json()["params"] == {"left": 1_000}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Job)) == 1


def test_a_failed_job_gives_back_the_room_it_had_not_used(app, scene, device_keys, held_jobs, monkeypatch):
    from server.campaigns.exceptions import CampaignNotActive

    app.config["JOBS_ISSUANCE_CHUNK"] = 300
    with app.app_context():
        allocation = db.session.get(Allocation, scene.allocation_id)
        job_id = issuance.enqueue_direct(parts=[(allocation, device_keys(1_000))], created_by=scene.member_id,
                                         organisation_id=scene.school_id).id
        db.session.commit()
        real = vouchers_api.settle_direct
        calls = []

        def campaign_closed_after_the_first_chunk(issuance, **kwargs):
            calls.append(1)
            if len(calls) == 2:
                raise CampaignNotActive("La campagna non è attiva.")
            return real(issuance, **kwargs)

        monkeypatch.setattr(vouchers_api, "settle_direct", campaign_closed_after_the_first_chunk)
        assert jobs_api.run(job_id) == "failed"

        job = db.session.get(Job, job_id)
        assert (job.error, job.progress_done) == ("campaign_not_active", 300)
        assert _issued(scene.allocation_id) == (300, 300)
        assert _room(scene.allocation_id) == 2_700  # the 700 it did not issue are free again
