"""The settlement API as the operator's page and a venue use it."""
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from server.door.models import ScanRecord
from server.extensions import db
from tests.server import factories
from tests.server.settlement.helpers import give_ibans


def _operator(app):
    with app.app_context():
        admin = factories.user(admin=True)
        db.session.commit()
        return factories.ApiClient(app.test_client()).login(admin.email)


def test_the_operator_runs_exports_and_confirms_a_settlement(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700))
    api = _operator(door.app)
    today = datetime.now(timezone.utc).date()
    refused = api.post("/api/v1/admin/settlement-runs", json={"cut_off": (today + timedelta(days=2)).isoformat()})
    assert refused.status_code == 422 and refused.get_json()["code"] == "settlement_cut_off_in_future"
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert api.post("/api/v1/admin/settlement-runs", json={"cut_off": "2026-13-01"}).status_code == 422
    assert api.post("/api/v1/admin/settlement-runs", json={"cut_off": today.isoformat()},
                    idempotency_key=None).status_code in (400, 428)
    # Yesterday's cut-off: the scan just now is today, so it waits; today's day is not over.
    created = api.post("/api/v1/admin/settlement-runs", json={"cut_off": (today - timedelta(days=1)).isoformat()})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["payouts"] == [] and created.get_json()["status"] == "paid"
    with door.app.app_context():  # move the scan to two days ago: now the same cut-off pays it
        db.session.execute(sa.update(ScanRecord).values(scanned_at=datetime.now(timezone.utc) - timedelta(days=2)))
        db.session.commit()
    key = "run-1"
    body = {"cut_off": (today - timedelta(days=1)).isoformat()}
    created = api.post("/api/v1/admin/settlement-runs", json=body, idempotency_key=key)
    replay = api.post("/api/v1/admin/settlement-runs", json=body, idempotency_key=key)
    assert replay.get_json() == created.get_json()  # a retried click creates one run
    run = created.get_json()
    assert run["cut_off_day"] == body["cut_off"] and run["status"] == "open"
    (payout,) = run["payouts"]
    assert (payout["venue_id"], payout["amount_cents"], payout["line_count"]) == (door.venue_id, 700, 1)
    listed = api.get("/api/v1/admin/settlement-runs").get_json()
    assert [(r["id"], r["payout_count"], r["total_cents"]) for r in listed][:1] == [(run["id"], 1, 700)]

    early = api.post(f"/api/v1/admin/settlement-runs/{run['id']}/confirm-paid", json={"booked_on": today.isoformat()})
    assert early.status_code == 409 and early.get_json()["code"] == "settlement_not_exported"
    xml = api.get(f"/api/v1/admin/settlement-runs/{run['id']}/pain.001.xml")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b"<EndToEndId>" + payout["end_to_end_id"].encode() + b"</EndToEndId>" in xml.data
    assert api.get(f"/api/v1/admin/settlement-runs/{run['id']}/pain.001.xml").data == xml.data
    paid = api.post(f"/api/v1/admin/settlement-runs/{run['id']}/confirm-paid",
                    json={"booked_on": today.isoformat(), "bank_reference": "CRO 123"})
    assert paid.status_code == 200 and paid.get_json()["status"] == "paid"
    assert paid.get_json()["payouts"][0]["bank_reference"] == "CRO 123"


def test_a_venue_sees_its_payouts_and_their_lines_and_not_another_venues(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700))
    door.sync(door.away, door.record(door.away, at=now - 500, amount=300))
    api = _operator(door.app)
    with door.app.app_context():
        db.session.execute(sa.update(ScanRecord).values(scanned_at=datetime.now(timezone.utc) - timedelta(days=2)))
        owner = factories.user()
        from server.accounts.models import MEMBER, Membership
        db.session.add(Membership(user_id=owner.id, organisation_id=door.venue_id, role=MEMBER))
        db.session.commit()
        email = owner.email
    api.post("/api/v1/admin/settlement-runs", json={"cut_off": (date.today() - timedelta(days=1)).isoformat()})
    venue = factories.ApiClient(door.app.test_client()).login(email)
    (mine,) = venue.get(f"/api/v1/venues/{door.venue_id}/payouts").get_json()
    assert mine["amount_cents"] == 700 and mine["statement_number"] == f"P-{mine['id']}"
    detail = venue.get(f"/api/v1/payouts/{mine['id']}").get_json()
    assert [(line["kind"], line["amount_cents"], line["label"]) for line in detail["lines"]] == [
        ("redemption", 700, "Amleto")]
    assert venue.get(f"/api/v1/venues/{door.away_venue_id}/payouts").status_code == 403
    (theirs,) = api.get(f"/api/v1/venues/{door.away_venue_id}/payouts").get_json()
    assert venue.get(f"/api/v1/payouts/{theirs['id']}").status_code == 403


def test_the_operator_holds_and_releases_a_line(door, now):
    give_ibans(door)
    a, _ = door.scanners
    door.sync(a, door.record(a, at=now - 600, amount=700))
    api = _operator(door.app)
    (line,) = api.get(f"/api/v1/admin/venues/{door.venue_id}/settlement-lines").get_json()
    assert (line["kind"], line["amount_cents"], line["hold_id"]) == ("redemption", 700, None)
    held = api.post("/api/v1/admin/settlement-holds", json={"kind": "redemption", "source_id": line["source_id"],
                                                            "reason": "Biglietto contestato"})
    assert held.status_code == 201, held.get_json()
    again = api.post("/api/v1/admin/settlement-holds", json={"kind": "redemption", "source_id": line["source_id"],
                                                             "reason": "Di nuovo"})
    assert again.status_code == 409 and again.get_json()["code"] == "settlement_line_already_held"
    missing = api.post("/api/v1/admin/settlement-holds", json={"kind": "booking", "source_id": 999, "reason": "x"})
    assert missing.status_code == 404 and missing.get_json()["code"] == "settlement_line_not_found"
    assert [h["id"] for h in api.get("/api/v1/admin/settlement-holds").get_json()] == [held.get_json()["id"]]
    released = api.post(f"/api/v1/admin/settlement-holds/{held.get_json()['id']}/release",
                        json={"reason": "Verificato"})
    assert released.status_code == 200 and released.get_json()["release_reason"] == "Verificato"
    twice = api.post(f"/api/v1/admin/settlement-holds/{held.get_json()['id']}/release", json={"reason": "x"})
    assert twice.status_code == 409
    assert api.get("/api/v1/admin/settlement-holds").get_json() == []
