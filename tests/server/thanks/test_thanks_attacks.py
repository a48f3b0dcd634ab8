"""Thanks attacked: another wallet's voucher, ids that are not there, replays and many
taps at once, and choices that only look like the preset ones."""
import pytest
import sqlalchemy as sa

from server.extensions import db
from server.thanks import api as thanks_api
from server.thanks.models import Thanks
from tests.server import factories
from tests.server.concurrency import at_once

THANKS = "/api/v1/wallet/vouchers/{}/thanks"


def _redeem(door, now):
    a, _ = door.scanners
    (result,) = door.sync(a, door.record(a, at=now))
    assert result["outcome"] == "redeemed"


def _stored(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Thanks.choice)))


def test_another_wallet_neither_thanks_for_a_used_voucher_nor_learns_it_was_used(app, door, now):
    _redeem(door, now)
    other, _ = factories.wallet_client(app)

    sent = other.post(THANKS.format(door.voucher_id), json={"choice": "grazie"})
    state = other.get(THANKS.format(door.voucher_id))

    for response in (sent, state):
        assert response.status_code == 404 and response.get_json()["code"] == "voucher_not_found"
        assert "used" not in response.get_json()
    assert _stored(app) == []


@pytest.mark.parametrize("voucher_id", [999_999, 2**31 - 1])
def test_a_voucher_id_that_is_not_there_is_not_found(app, door, voucher_id):
    api = door.wallet_api()

    for response in (api.post(THANKS.format(voucher_id), json={"choice": "grazie"}), api.get(THANKS.format(voucher_id))):
        assert response.status_code == 404 and response.get_json()["code"] == "voucher_not_found"


@pytest.mark.parametrize("voucher_id", [0, 2**31, 2**63, 10**30])
def test_a_voucher_id_past_the_columns_range_matches_no_route(app, door, voucher_id):
    """server/http/api.IdConverter: no route takes the id, so the answer says nothing of
    vouchers (a POST: not found; a GET: only POST routes match the path), never a 500
    from the database's integer range."""
    api = door.wallet_api()

    posted = api.post(THANKS.format(voucher_id), json={"choice": "grazie"})
    read = api.get(THANKS.format(voucher_id))

    assert posted.status_code == 404 and posted.mimetype == "application/problem+json"
    assert read.status_code == 405 and read.mimetype == "application/problem+json"
    assert _stored(app) == []


def test_a_member_session_is_no_wallet_even_with_the_csrf_token(app, door, now):
    """The wallet is the bearer token: a logged-in member's cookie thanks for nothing."""
    _redeem(door, now)
    with app.app_context():
        email = factories.user().email
        db.session.commit()
    member = factories.ApiClient(app.test_client()).login(email)

    response = member.post(THANKS.format(door.voucher_id), json={"choice": "grazie"})

    assert response.status_code == 401 and response.get_json()["code"] == "wallet_required"
    assert _stored(app) == []


def test_a_forged_bearer_token_is_no_wallet(app, door, now):
    _redeem(door, now)
    real = door.wallet_api()
    forged = factories.ApiClient(app.test_client())
    forged.bearer = real.bearer[:-4] + ("AAAA" if not real.bearer.endswith("AAAA") else "BBBB")

    response = forged.post(THANKS.format(door.voucher_id), json={"choice": "grazie"})

    assert response.status_code == 401
    assert _stored(app) == []


def test_a_replayed_thanks_with_the_same_idempotency_key_stores_one(app, door, now):
    _redeem(door, now)
    api = door.wallet_api()

    first = api.post(THANKS.format(door.voucher_id), json={"choice": "grazie"}, idempotency_key="tap-1")
    replay = api.post(THANKS.format(door.voucher_id), json={"choice": "consiglio"}, idempotency_key="tap-1")

    assert first.status_code == 201
    assert replay.status_code in (201, 409, 422)  # the first answer again, or refused: never a second row
    assert _stored(app) == ["grazie"]


def test_many_taps_at_once_from_two_phones_of_the_wallet_store_one_thanks(app, door, now):
    """Five requests race past the "none sent yet" read; the unique index lets one in and
    every other is told it was sent (409), none fails (500)."""
    _redeem(door, now)
    phones = [door.wallet_api() for _ in range(5)]
    choices = list(thanks_api.SLUGS) + ["grazie"]

    responses = at_once([lambda api=api, choice=choice: api.post(THANKS.format(door.voucher_id),
                                                                  json={"choice": choice})
                         for api, choice in zip(phones, choices)])

    statuses = sorted(getattr(response, "status_code", response) for response in responses)
    assert statuses == [201, 409, 409, 409, 409]
    assert all(response.get_json()["code"] == "thanks_already_sent"
               for response in responses if response.status_code == 409)
    assert len(_stored(app)) == 1 and _stored(app)[0] in thanks_api.SLUGS


@pytest.mark.parametrize("choice", [
    " grazie", "grazie ", "grazie\u200b", "gr\u0430zie",  # a space, a zero-width space, a Cyrillic a
    "\u202egrazie", "Grazie", "grazie\n", "grazie'; DROP TABLE thanks; --", "__proto__", "constructor",
    "../grazie", "grazie%00", "ci_torno", None, ["grazie"], {"choice": "grazie"}, True, 1.5,
])
def test_a_choice_that_only_looks_preset_is_refused_and_nothing_stored(app, door, now, choice):
    _redeem(door, now)

    response = door.wallet_api().post(THANKS.format(door.voucher_id), json={"choice": choice})

    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    assert _stored(app) == []
    # The voucher may still be thanked properly afterwards: the refusal stored nothing.
    assert door.wallet_api().post(THANKS.format(door.voucher_id), json={"choice": "grazie"}).status_code == 201


def test_a_body_that_is_not_an_object_is_refused(app, door, now):
    _redeem(door, now)
    api = door.wallet_api()

    for body in (["grazie"], "grazie", 5, None):
        response = api.post(THANKS.format(door.voucher_id), json=body)
        assert response.status_code in (400, 422), body
    not_json = api.post(THANKS.format(door.voucher_id), data="choice=grazie",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert not_json.status_code in (400, 415, 422)
    assert _stored(app) == []
