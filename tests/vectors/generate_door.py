"""Builds the door decision vectors (tests/vectors/door/*.json) from fixed keys.

Each case: a bundle as the server serves it, the scanner's memory (replay keys seen,
cents spent per voucher credential), a scanned text, an amount and an event, the time of
the scan (``now``: the door phone's clock corrected by the server's time, which the record
carries as its scan time) and the phone's own clock (``phone_now``, the record's clock
trailer), then
- ``scanner``: what decide.js must decide offline (pwa/tests/door-vectors.test.mjs);
- ``server``: what the sync does with a record of that scan marked *accepted*, which an
  honest scanner sends only when it accepted (tests/server/door/test_door_vectors.py
  runs server/door/rules.py on it). ``server_facts`` adds what only the server knows:
  what other scanners of the venue spent, whether the phone was retired.

So the two sides cannot drift: where the scanner accepts the server pays, and where it
refuses for a door rule the server refuses a dishonest scanner's "accepted" too.
``python -m tests.vectors.generate_door`` rewrites the files; a test checks they are current.
"""
import sys

from signing.device import DeviceKey
from signing.issue import issue_ticket, issue_voucher, present
from signing.tokens import to_text
from tests.vectors.generate import DAY, HERE, NOW, STEP, _keys, render

DOOR = HERE / "door"
VENUE, EVENT, OTHER_EVENT = 31, 501, 502
THEATRE, MUSEUM, COURSES = 0, 1, 4
VOUCHER_ID, SCOPED_ID, REVOKED_ID, TICKET_ID = 70101, 70102, 70103, 90101


def build() -> dict[str, dict]:
    keyset = _keys()
    wallet, stranger = DeviceKey.from_secret(0x5EED_0101), DeviceKey.from_secret(0x5EED_0102)
    base = dict(now=NOW, campaign_id=12, categories={THEATRE, MUSEUM}, offline_allowance_cents=2_400,
                valid_from=NOW - DAY, valid_until=NOW + 6 * DAY, device_key=wallet.public_bytes)
    voucher = issue_voucher(keyset, voucher_id=VOUCHER_ID, **base)
    elsewhere = issue_voucher(keyset, voucher_id=SCOPED_ID, venue_ids=(33,), **base)
    frozen = issue_voucher(keyset, voucher_id=REVOKED_ID, **base)
    ticket = issue_ticket(keyset, now=NOW, ticket_id=TICKET_ID, event_id=EVENT, venue_id=VENUE,
                          valid_from=NOW - DAY, valid_until=NOW + DAY, device_key=wallet.public_bytes)
    expired = issue_voucher(keyset, voucher_id=VOUCHER_ID, **{**base, "valid_from": NOW - 8 * DAY,
                                                               "valid_until": NOW - DAY, "now": NOW - 8 * DAY})

    def show(credential, at=NOW, device=wallet):
        return to_text(present(credential, device, now=at, deterministic=True))

    bundle = {
        "scanner_id": 7, "venue_id": VENUE, "status": "active", "slot": 1, "slots": 2, "allowance_share_bp": 5_000,
        "venue_categories": [MUSEUM, COURSES], "campaigns_not_here": [], "generated_at": NOW - 3_600,
        "issuer_keys": keyset.public().to_jwks(),
        "revocations": {"entries": [{"kind": "voucher", "value": str(REVOKED_ID)}], "since": 4, "more": False,
                        "full": True},
        "events": [{"id": EVENT, "title": "Amleto", "category_code": THEATRE, "starts_at": NOW - 600,
                    "ends_at": NOW + 7_200, "price_cents": 1_200}],
        "policy": {"max_data_age_seconds": DAY, "max_skew_seconds": 90, "max_clock_correction_seconds": DAY,
                   "step_seconds": STEP},
    }
    credential_key = f"{VOUCHER_ID}:{voucher.valid_from}"
    step = NOW // STEP

    def case(name, text, scanner_code, server, *, amount=None, event=EVENT, seen=(), spent=None, retired=False,
             bundle_changes=None, facts=None, drop=(), phone_now=NOW):
        changed = {key: value for key, value in {**bundle, **(bundle_changes or {})}.items() if key not in drop}
        return {"name": name, "bundle": changed, "seen": list(seen),
                "spent": spent or {}, "now": NOW, "phone_now": phone_now, "text": text, "amount_cents": amount, "event_id": event,
                "retired": retired, "scanner": {"code": scanner_code, "accepted": scanner_code == "accepted"},
                "server": {"outcome": server[0], "code": server[1]}, "server_facts": facts or {}}

    paid = ("redeemed", None)
    cases = [
        case("a voucher at the event's price", show(voucher), "accepted", paid),
        case("a typed price at the door pays for a category both the venue and the voucher have",
             show(voucher), "accepted", paid, amount=900, event=0),
        case("a typed price where the venue offers nothing the voucher allows", show(voucher), "out_of_scope",
             ("rejected", "out_of_scope"), amount=900, event=0, bundle_changes={"venue_categories": [COURSES]}),
        case("exactly this scanner's share (half of 24 EUR)", show(voucher), "accepted", paid,
             amount=600, spent={credential_key: 600}),
        case("one cent over this scanner's share", show(voucher), "allowance_exceeded",
             ("rejected", "allowance_exceeded"), amount=601, spent={credential_key: 600}),
        case("a whole allowance on a venue's only scanner", show(voucher), "accepted", paid, amount=2_400,
             bundle_changes={"allowance_share_bp": 10_000, "slots": 1}),
        case("a bundle from before shares counts as the whole allowance", show(voucher), "accepted", paid,
             amount=2_400, drop=("allowance_share_bp", "slot", "slots"), facts={"allowance_share_bp": 10_000}),
        case("this scanner's whole share while the venue's other scanner took all of its own", show(voucher),
             "accepted", paid, amount=1_200, facts={"venue_spent_elsewhere": 1_200}),
        case("an amount the format allows and no allowance reaches", show(voucher), "allowance_exceeded",
             ("rejected", "invalid_amount"), amount=70_000),
        case("no amount", show(voucher), "invalid_amount", ("rejected", "invalid_amount"), amount=0, event=0),
        case("the same presentation again on this scanner", show(voucher), "already_presented",
             ("rejected", "presentation_replayed"), seen=[f"voucher:{VOUCHER_ID}:{step}"]),
        case("the next time step of a voucher seen before", show(voucher, at=NOW + STEP), "accepted", paid,
             seen=[f"voucher:{VOUCHER_ID}:{step}"]),
        case("a voucher frozen in the bundle's revocation list", show(frozen), "revoked", ("rejected", "revoked")),
        case("a voucher for another venue", show(elsewhere), "out_of_scope", ("rejected", "out_of_scope")),
        case("an event not on at this venue", show(voucher), "out_of_scope", ("rejected", "event_not_at_venue"),
             event=OTHER_EVENT),
        case("a screenshot from two minutes ago", show(voucher, at=NOW - 120), "stale_presentation",
             ("rejected", "stale_presentation")),
        case("a phone clock two minutes ahead", show(voucher, at=NOW + 120), "future_presentation",
             ("rejected", "future_presentation")),
        case("at the skew edge: a step that began 90 s ago", show(voucher, at=NOW - 90), "accepted", paid),
        case("past the skew edge: a step that ended 90 s ago", show(voucher, at=NOW - 105), "stale_presentation",
             ("rejected", "stale_presentation")),
        # The door phone's own clock is wrong; it decides (and dates the record) on the
        # server's time it measured, and signs its own clock beside it.
        case("a door phone ten minutes behind decides on the server's time", show(voucher), "accepted", paid,
             phone_now=NOW - 600),
        case("a door phone ten minutes ahead decides on the server's time", show(voucher), "accepted", paid,
             phone_now=NOW + 600),
        case("a correction of exactly the maximum (a day) is still a clock", show(voucher), "accepted", paid,
             phone_now=NOW + DAY),
        case("a door phone more than a day off decides red", show(voucher), "scanner_clock_wrong",
             ("rejected", "clock_correction_too_large"), phone_now=NOW - DAY - 1),
        case("a bundle from before the correction policy allows a day", show(voucher), "scanner_clock_wrong",
             ("rejected", "clock_correction_too_large"), phone_now=NOW + DAY + 1,
             bundle_changes={"policy": {"max_data_age_seconds": DAY, "max_skew_seconds": 90, "step_seconds": STEP}}),
        case("signed by another phone", show(voucher, device=stranger), "bad_device_signature",
             ("rejected", "bad_device_signature")),
        case("an expired credential", show(expired), "expired", ("rejected", "expired")),
        case("not a Mentoring code", "MP:NOT A TOKEN", "malformed", ("rejected", "malformed")),
        case("a bare credential instead of a presentation", to_text(voucher), "wrong_kind", ("rejected", "wrong_kind")),
        case("data older than the scanner may use: the server still pays what the rules allow", show(voucher),
             "scanner_data_stale", paid, bundle_changes={"generated_at": NOW - DAY - 1}),
        case("a retired scanner decides red", show(voucher), "scanner_retired", ("rejected", "scanner_retired"),
             retired=True, facts={"retired_at": NOW - 60}),
        case("a retired scanner with old data says it is retired, not that its data is old", show(voucher),
             "scanner_retired", ("rejected", "scanner_retired"), retired=True,
             bundle_changes={"generated_at": NOW - DAY - 1}, facts={"retired_at": NOW - 60}),
        # A campaign given to a territory: the venue (in Milan, the server's facts) is in
        # it or not. The bundle names the campaigns not good here; the server knows their areas.
        case("a voucher of a campaign for the venue's province", show(voucher), "accepted", paid,
             facts={"territories": {"12": ["P015"]}}),
        case("a voucher of a campaign for another province", show(voucher), "out_of_scope",
             ("rejected", "outside_campaign_area"), bundle_changes={"campaigns_not_here": [12]},
             facts={"territories": {"12": ["P058"]}}),
        case("a typed price for a campaign of another region", show(voucher), "out_of_scope",
             ("rejected", "outside_campaign_area"), amount=900, event=0, bundle_changes={"campaigns_not_here": [12]},
             facts={"territories": {"12": ["R12"]}}),
        case("another campaign kept out of here does not touch this one", show(voucher), "accepted", paid,
             bundle_changes={"campaigns_not_here": [11, 13]},
             facts={"territories": {"11": ["058091"], "12": ["015146"], "13": ["R12"]}}),
        case("a ticket for the event at the door", show(ticket), "accepted", ("checked_in", None)),
        case("a ticket for another event", show(ticket), "out_of_scope", ("rejected", "out_of_scope"),
             event=OTHER_EVENT, bundle_changes={"events": bundle["events"] + [
                 {"id": OTHER_EVENT, "title": "Otello", "category_code": THEATRE, "starts_at": NOW,
                  "ends_at": NOW + 7_200, "price_cents": 1_500}]}),
    ]
    return {"decisions.json": {
        "description": "Door decisions: decide.js (scanner) and server/door/rules.py (server, for a record "
                       "marked accepted) on the same bundle, memory and scan. See generate_door.py.",
        "cases": cases}}


def main() -> int:
    DOOR.mkdir(exist_ok=True)
    for name, document in build().items():
        (DOOR / name).write_text(render(document))
        print(f"wrote tests/vectors/door/{name}: {len(document['cases'])} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
