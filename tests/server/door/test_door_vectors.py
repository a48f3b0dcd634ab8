"""The door decision vectors (tests/vectors/door/) through the server's rules: for each
case, what the sync does with a record of that scan marked accepted. decide.js runs the
same cases (pwa/tests/door-vectors.test.mjs), so scanner and server cannot drift."""
import json
from types import SimpleNamespace

import pytest

from server.door import rules
from signing import PublicKeyset, Revocations, TokenError
from signing.verify import verify_presentation_signatures
from tests.vectors import generate_door

FILES = sorted(generate_door.DOOR.glob("*.json"))
MILANO = "015146"  # where the vectors' venue is, unless a case's server facts say otherwise
CASES = [(path.name, case) for path in FILES for case in json.loads(path.read_text())["cases"]]


def _replay_keys(seen):
    """decide.js's replay keys ("voucher:ID:STEP") as the server's (voucher id, time step)."""
    return {(int(key.split(":")[1]), int(key.split(":")[2])) for key in seen if key.startswith("voucher:")}


def _spent(spent):
    return {tuple(int(part) for part in key.split(":")): cents for key, cents in spent.items()}


def server_verdict(case) -> rules.Verdict:
    bundle, facts, now = case["bundle"], case["server_facts"], case["now"]
    scanner = rules.Scanner(
        venue_id=bundle["venue_id"], enrolled_at=now - 86_400, retired_at=facts.get("retired_at"),
        allowance_share_bp=facts.get("allowance_share_bp", bundle.get("allowance_share_bp")),
        venue_categories=tuple(bundle["venue_categories"]), municipality_code=facts.get("municipality_code", MILANO))
    events = {e["id"]: rules.Event(e["id"], bundle["venue_id"], e["category_code"], scanner.municipality_code)
              for e in bundle["events"]}
    # The campaigns' territories, as the server stores them (the bundle says only which
    # campaigns are not valid here: bundle.campaigns_not_here).
    territories = {int(campaign): areas for campaign, areas in facts.get("territories", {}).items()}
    amount = case["amount_cents"] if case["amount_cents"] is not None else _price(bundle, case["event_id"])
    record = SimpleNamespace(result="accepted", scanned_at=now, phone_at=case["phone_now"], event_id=case["event_id"],
                             amount_cents=amount)
    entries = bundle["revocations"]["entries"]
    revoked = Revocations(voucher_ids=frozenset(int(e["value"]) for e in entries if e["kind"] == "voucher"))
    try:
        presentation = verify_presentation_signatures(case["text"], keys=PublicKeyset.from_jwks(bundle["issuer_keys"]),
                                                      now=now)
        error = None
    except TokenError as failure:
        presentation, error = None, failure.code
    verdict = rules.judge_before_payment(record=record, presentation=presentation, signature_error=error,
                                         scanner=scanner, event=events.get(case["event_id"]), revoked=revoked,
                                         now=now, max_skew_seconds=bundle["policy"]["max_skew_seconds"],
                                         territories=territories)
    if verdict is not None:
        return verdict
    credential = presentation.credential
    spent = _spent(case["spent"])
    venue_spent = {key: cents + facts.get("venue_spent_elsewhere", 0) for key, cents in spent.items()}
    if not venue_spent and facts.get("venue_spent_elsewhere"):
        venue_spent = {(credential.voucher_id, credential.valid_from): facts["venue_spent_elsewhere"]}
    book = rules.Ledger(paid_presentations=_replay_keys(case["seen"]), scanner_spent=spent, venue_spent=venue_spent,
                        known_vouchers={getattr(credential, "voucher_id", None)},
                        known_tickets={getattr(credential, "ticket_id", None)})
    return rules.judge_payment(record=record, presentation=presentation, scanner=scanner,
                               event=events.get(case["event_id"]), ledger=book)


def _price(bundle, event_id):
    return next((e["price_cents"] for e in bundle["events"] if e["id"] == event_id), 0)  # as the scanner records it


def test_there_are_door_vectors():
    assert len(CASES) >= 20


@pytest.mark.parametrize("case", [case for _, case in CASES], ids=[case["name"] for _, case in CASES])
def test_the_server_judges_a_door_vector_as_stated(case):
    verdict = server_verdict(case)
    assert (verdict.outcome, verdict.code) == (case["server"]["outcome"], case["server"]["code"])


@pytest.mark.parametrize("case", [case for _, case in CASES], ids=[case["name"] for _, case in CASES])
def test_what_the_scanner_accepts_the_server_pays(case):
    """The property the vectors exist for: an honest scanner never loses an acceptance."""
    if case["scanner"]["code"] == "accepted":
        assert case["server"]["outcome"] in ("redeemed", "checked_in")


def test_the_committed_door_vectors_are_current():
    for name, document in generate_door.build().items():
        assert (generate_door.DOOR / name).read_text() == generate_door.render(document), (
            "run python -m tests.vectors.generate_door")
