"""Builds the shared test vectors (tests/vectors/*.json) from fixed keys.

Everything is deterministic (fixed keys, Ed25519, RFC 6979 ECDSA), so running
``python -m tests.vectors.generate`` again gives the same files; a test checks the
committed files are current. The PWA's JavaScript verifier reads the same files.
"""
import dataclasses
import json
import sys
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from signing import base45
from signing.cli import describe
from signing.device import DeviceKey
from signing.issue import issue_ticket, issue_voucher, present, record_scan
from signing.keys import IssuerKeyset
from signing.tokens import KIND_PRESENTATION, KIND_TICKET, KIND_VOUCHER, PREFIXES, to_text

HERE = Path(__file__).parent
NOW = 1_800_000_000  # 2027-01-15T08:00:00Z: every case is verified at a fixed time
DAY = 86_400
STEP = 15  # seconds per presentation time step (part of the format)
MUSEUM, THEATRE, COURSES = 1, 0, 4  # category codes used below
VENUE, OTHER_VENUE, EVENT = 31, 32, 501


def _keys():
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW - 400 * DAY, lifetime_seconds=420 * DAY,
                  private_key=ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32))))
    keyset.rotate(now=NOW - 30 * DAY, lifetime_seconds=730 * DAY,
                  private_key=ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32, 64))))
    return keyset


def _case(name, verify_as, token, expected, **extra):
    case = {"name": name, "verify_as": verify_as, "token": token, "verify_at": extra.pop("verify_at", NOW)}
    case.update(extra)
    case["expected"] = expected
    return case


def _fields(token):
    """The fields a verifier must read from a valid token (signatures and ISO copies left out)."""
    def clean(value):
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()
                    if not k.endswith("_iso") and k not in ("signature", "device_signature")}
        return value
    return clean(describe(token))


def _included_bound(subject, bound, verify_as, token, at, fields, *, after, code, **extra):
    """Two cases around a bound that is included: "ok" at exactly ``at``, ``code`` one
    second outside (after it, or before it)."""
    outside, side = (at + 1, "after") if after else (at - 1, "before")
    return [
        _case(f"{subject} at exactly its {bound} (included)", verify_as, token, "ok", verify_at=at, fields=fields,
              **extra),
        _case(f"{subject} one second {side} its {bound}", verify_as, token, code, verify_at=outside, **extra),
    ]


def _retext(token_text: str, mutate) -> str:
    """Decode, change the binary with ``mutate(bytearray)``, encode again with the same prefix."""
    data = bytearray(base45.decode(token_text[3:]))
    mutate(data)
    return token_text[:3] + base45.encode(bytes(data))


def _flip_last(data: bytearray) -> None:
    data[-1] ^= 0x01


def build() -> dict[str, dict]:
    keyset = _keys()
    jwks = keyset.public().to_jwks()
    wallet = DeviceKey.from_secret(0x5EED_0001)
    stranger = DeviceKey.from_secret(0x5EED_0002)
    scanner = DeviceKey.from_secret(0x5CA1_0001)
    voucher_args = dict(now=NOW, voucher_id=70001, campaign_id=12, categories={THEATRE, MUSEUM},
                        offline_allowance_cents=1500, valid_from=NOW - DAY, valid_until=NOW + 90 * DAY,
                        device_key=wallet.public_bytes)
    voucher = issue_voucher(keyset, **voucher_args)
    scoped = issue_voucher(keyset, **{**voucher_args, "voucher_id": 70002, "venue_ids": (VENUE, 33)})
    old_key_voucher = issue_voucher(keyset, **{**voucher_args, "now": NOW - 100 * DAY, "voucher_id": 70003,
                                               "valid_from": NOW - 100 * DAY, "valid_until": NOW + 10 * DAY})
    ticket = issue_ticket(keyset, now=NOW, ticket_id=90001, event_id=EVENT, venue_id=VENUE,
                          valid_from=NOW - DAY, valid_until=NOW + 2 * DAY, device_key=wallet.public_bytes)
    v_text, t_text = to_text(voucher), to_text(ticket)
    # The edges of the key windows (nbf <= now <= exp, both included): a voucher that ends
    # exactly when the older key does, and one whose validity starts before the newer key.
    older_key, newer_key = keyset.keys
    key_end_voucher = issue_voucher(keyset, **{**voucher_args, "now": NOW - 100 * DAY, "voucher_id": 70004,
                                               "valid_from": NOW - 100 * DAY, "valid_until": older_key.not_after})
    assert key_end_voucher.key_id == older_key.key_id
    key_start_voucher = issue_voucher(keyset, **{**voucher_args, "voucher_id": 70005,
                                                 "valid_from": newer_key.not_before - DAY})
    assert key_start_voucher.key_id == newer_key.key_id
    key_end_text, key_start_text = to_text(key_end_voucher), to_text(key_start_voucher)

    def show(credential, device=wallet, at=NOW):
        return to_text(present(credential, device, now=at, deterministic=True))

    revoked_none = {"voucher_ids": [], "ticket_ids": [], "device_keys": []}
    common = {"max_skew_seconds": 90, "revoked": revoked_none}
    door = {"venue_id": VENUE, "category": THEATRE, "event_id": None}

    credentials = [
        _case("valid voucher", "credential", v_text, "ok", fields=_fields(voucher)),
        _case("valid voucher scoped to two venues", "credential", to_text(scoped), "ok", fields=_fields(scoped)),
        _case("valid voucher signed by the older, still valid key", "credential", to_text(old_key_voucher), "ok",
              fields=_fields(old_key_voucher)),
        _case("valid ticket", "credential", t_text, "ok", fields=_fields(ticket)),
        _case("voucher after its validity", "credential", v_text, "expired", verify_at=NOW + 91 * DAY),
        _case("voucher before its validity", "credential", v_text, "not_yet_valid", verify_at=NOW - 2 * DAY),
        _case("ticket after its validity", "credential", t_text, "expired", verify_at=NOW + 3 * DAY),
        _case("issuer key unknown", "credential",
              to_text(dataclasses.replace(voucher, key_id=9)), "unknown_key"),
        _case("older key past its own validity", "credential", to_text(old_key_voucher), "unknown_key",
              verify_at=NOW + 20 * DAY + 1),
        _case("issuer signature damaged", "credential", _retext(v_text, _flip_last), "bad_signature"),
        _case("allowance raised after signing", "credential",
              to_text(dataclasses.replace(voucher, offline_allowance_cents=50000)), "bad_signature"),
        _case("voucher revoked", "credential", v_text, "revoked",
              revoked={**revoked_none, "voucher_ids": [70001]}),
        _case("ticket revoked", "credential", t_text, "revoked",
              revoked={**revoked_none, "ticket_ids": [90001]}),
        _case("wallet device revoked", "credential", v_text, "revoked",
              revoked={**revoked_none, "device_keys": [wallet.public_bytes.hex()]}),
        _case("presentation where a credential is expected", "credential", show(voucher), "wrong_kind"),
        # Both ends of the validity window are included.
        *_included_bound("voucher", "valid_until", "credential", v_text, voucher.valid_until, _fields(voucher),
                         after=True, code="expired"),
        *_included_bound("voucher", "valid_from", "credential", v_text, voucher.valid_from, _fields(voucher),
                         after=False, code="not_yet_valid"),
        *_included_bound("ticket", "valid_until", "credential", t_text, ticket.valid_until, _fields(ticket),
                         after=True, code="expired"),
        # Both ends of a key's window are included; the key is checked before the validity
        # (the voucher starting before its key's nbf is itself valid then).
        *_included_bound("voucher", "key's exp", "credential", key_end_text, older_key.not_after,
                         _fields(key_end_voucher), after=True, code="unknown_key"),
        *_included_bound("voucher", "key's nbf", "credential", key_start_text, newer_key.not_before,
                         _fields(key_start_voucher), after=False, code="unknown_key"),
        # Revocation comes before the validity window.
        _case("voucher revoked and expired", "credential", v_text, "revoked",
              verify_at=voucher.valid_until + 1, revoked={**revoked_none, "voucher_ids": [70001]}),
    ]
    for case in credentials:
        case.setdefault("revoked", revoked_none)

    scoped_door = {"venue_id": VENUE, "category": MUSEUM, "event_id": None}
    presentations = [
        _case("voucher presented at the door", "presentation", show(voucher), "ok", scope=door,
              fields=_fields(present(voucher, wallet, now=NOW, deterministic=True))),
        _case("ticket presented at its event", "presentation", show(ticket), "ok",
              scope={"venue_id": VENUE, "category": None, "event_id": EVENT},
              fields=_fields(present(ticket, wallet, now=NOW, deterministic=True))),
        _case("venue-scoped voucher at one of its venues", "presentation", show(scoped), "ok", scope=scoped_door,
              fields=_fields(present(scoped, wallet, now=NOW, deterministic=True))),
        _case("presentation 89 s old, within skew", "presentation", show(voucher, at=NOW - 89), "ok", scope=door,
              fields=_fields(present(voucher, wallet, now=NOW - 89, deterministic=True))),
        _case("presentation two minutes old (a screenshot)", "presentation", show(voucher, at=NOW - 120),
              "stale_presentation", scope=door),
        _case("presentation from a phone clock five minutes ahead", "presentation", show(voucher, at=NOW + 300),
              "future_presentation", scope=door),
        _case("presentation signed by another device", "presentation", show(voucher, device=stranger),
              "bad_device_signature", scope=door),
        _case("device signature damaged", "presentation", _retext(show(voucher), _flip_last),
              "bad_device_signature", scope=door),
        _case("credential inside altered", "presentation",
              show(dataclasses.replace(voucher, campaign_id=13)), "bad_signature", scope=door),
        _case("voucher at a venue outside its scope", "presentation", show(scoped), "out_of_scope",
              scope={**scoped_door, "venue_id": OTHER_VENUE}),
        _case("voucher for a category it does not cover", "presentation", show(voucher), "out_of_scope",
              scope={**door, "category": COURSES}),
        _case("ticket at another event", "presentation", show(ticket), "out_of_scope",
              scope={"venue_id": VENUE, "category": None, "event_id": EVENT + 1}),
        _case("ticket at another venue", "presentation", show(ticket), "out_of_scope",
              scope={"venue_id": OTHER_VENUE, "category": None, "event_id": None}),
        _case("frozen voucher presented", "presentation", show(voucher), "revoked", scope=door,
              revoked={**revoked_none, "voucher_ids": [70001]}),
        _case("expired voucher presented", "presentation", show(voucher, at=NOW + 91 * DAY), "expired",
              scope=door, verify_at=NOW + 91 * DAY),
        _case("bare credential shown instead of a presentation", "presentation", v_text, "wrong_kind", scope=door),
        _case("voucher checked with no category (scope category null)", "presentation", show(voucher),
              "out_of_scope", scope={**door, "category": None}),
        # The validity window and the key window are checked at the scanner's now.
        *_included_bound("voucher presented", "valid_until", "presentation", show(voucher, at=voucher.valid_until),
                         voucher.valid_until,
                         _fields(present(voucher, wallet, now=voucher.valid_until, deterministic=True)),
                         after=True, code="expired", scope=door),
        *_included_bound("presentation", "key's exp", "presentation", show(key_end_voucher, at=older_key.not_after),
                         older_key.not_after,
                         _fields(present(key_end_voucher, wallet, now=older_key.not_after, deterministic=True)),
                         after=True, code="unknown_key", scope=door),
        # The step [S, S + 15) must overlap [now - 90, now + 90]; NOW is a step start S.
        _case("skew edge: step ended 89 s ago, just inside", "presentation", show(voucher), "ok", scope=door,
              verify_at=NOW + STEP + 89, fields=_fields(present(voucher, wallet, now=NOW, deterministic=True))),
        _case("skew edge: step ended 90 s ago, just outside", "presentation", show(voucher),
              "stale_presentation", scope=door, verify_at=NOW + STEP + 90),
        _case("skew edge: step starts 90 s ahead, just inside", "presentation", show(voucher), "ok", scope=door,
              verify_at=NOW - 90, fields=_fields(present(voucher, wallet, now=NOW, deterministic=True))),
        _case("skew edge: step starts 91 s ahead, just outside", "presentation", show(voucher),
              "future_presentation", scope=door, verify_at=NOW - 91),
    ]
    for case in presentations:
        for key, value in common.items():
            case.setdefault(key, value)

    record_args = dict(record_id=bytes(range(16)), scanner_id=7, scanned_at=NOW, event_id=EVENT,
                       amount_cents=1200, result="accepted", scanned_text=show(voucher), deterministic=True)
    accepted = record_scan(scanner, **record_args)
    refused = record_scan(scanner, **{**record_args, "record_id": bytes(range(1, 17)), "amount_cents": 0,
                                      "result": "already_presented"})
    retired = record_scan(scanner, **{**record_args, "record_id": bytes(range(2, 18)), "amount_cents": 0,
                                      "result": "scanner_retired"})
    # A door phone 10 minutes behind: the scan time on the server's clock, its own in the trailer.
    corrected = record_scan(scanner, **{**record_args, "record_id": bytes(range(3, 19)), "phone_at": NOW - 600})
    clock_wrong = record_scan(scanner, **{**record_args, "record_id": bytes(range(4, 20)), "amount_cents": 0,
                                          "result": "scanner_clock_wrong", "phone_at": NOW - 3 * DAY})
    scanner_hex = scanner.public_bytes.hex()
    records = [
        _case("accepted scan", "scanner_record", to_text(accepted), "ok", scanner_key=scanner_hex,
              fields=_fields(accepted)),
        _case("refused scan is recorded too", "scanner_record", to_text(refused), "ok", scanner_key=scanner_hex,
              fields=_fields(refused)),
        _case("record signed by another scanner", "scanner_record",
              to_text(record_scan(stranger, **record_args)), "bad_scanner_signature", scanner_key=scanner_hex),
        _case("refusal by a scanner its venue retired (result 53)", "scanner_record", to_text(retired), "ok",
              scanner_key=scanner_hex, fields=_fields(retired)),
        _case("scan time corrected by the server's clock, the phone's own in the clock trailer", "scanner_record",
              to_text(corrected), "ok", scanner_key=scanner_hex, fields=_fields(corrected)),
        _case("refusal by a scanner whose clock is past any correction (result 54)", "scanner_record",
              to_text(clock_wrong), "ok", scanner_key=scanner_hex, fields=_fields(clock_wrong)),
        _case("clock trailer removed after signing", "scanner_record",
              _retext(to_text(corrected), lambda d: d.__delitem__(slice(len(d) - 68, len(d) - 64))),
              "bad_scanner_signature",
              scanner_key=scanner_hex),
        _case("a trailer of 2 bytes is no clock trailer", "scanner_record",
              _retext(to_text(accepted), lambda d: d.__setitem__(slice(len(d) - 64, len(d) - 64), b"\x00\x01")),
              "malformed", scanner_key=scanner_hex),
        _case("amount raised after signing", "scanner_record",
              to_text(dataclasses.replace(accepted, amount_cents=99999)), "bad_scanner_signature",
              scanner_key=scanner_hex),
    ]

    header = bytes(((1 << 4) | KIND_VOUCHER,))
    malformed = [
        _case("empty", "credential", "", "malformed"),
        _case("prefix only", "credential", "MV:", "malformed"),
        _case("unknown prefix", "credential", "HC1:" + v_text[3:], "malformed"),
        _case("lower-case prefix", "credential", v_text.lower(), "malformed"),
        _case("character outside Base45", "credential", v_text[:40] + "#" + v_text[41:], "malformed"),
        _case("impossible Base45 length", "credential", v_text + "0", "malformed"),
        _case("Base45 group above 16 bits", "credential", "MV:GGW", "malformed"),
        _case("truncated by one byte", "credential", _retext(v_text, lambda d: d.pop()), "malformed"),
        _case("trailing byte", "credential", _retext(v_text, lambda d: d.append(0)), "malformed"),
        _case("prefix says voucher, header says ticket", "credential", PREFIXES[KIND_VOUCHER] + t_text[3:],
              "malformed"),
        _case("format version 2", "credential",
              _retext(v_text, lambda d: d.__setitem__(0, (2 << 4) | KIND_VOUCHER)), "unsupported_version"),
        _case("header only", "credential", "MV:" + base45.encode(header), "malformed"),
        _case("too long", "credential", "MV:" + "0" * 5000, "malformed"),
        _case("presentation with a truncated credential", "presentation",
              _retext(show(voucher), lambda d: d.__setitem__(1, d[1] - 1)), "malformed",
              scope=door, max_skew_seconds=90, revoked=revoked_none),
        # Nothing is trimmed: a space is a Base45 digit.
        _case("trailing space (nothing is trimmed)", "credential", v_text + " ", "malformed"),
        _case("trailing line end (nothing is trimmed)", "credential", v_text + "\n", "malformed"),
        _case("leading space (nothing is trimmed)", "credential", " " + v_text, "malformed"),
        # The order of the structure checks: the first that fails is the result.
        _case("MP: garbage checked as a credential (the prefix decides first)", "credential",
              "MP:garbage, not Base45", "wrong_kind"),
        _case("MP: garbage checked as a presentation", "presentation", "MP:garbage, not Base45", "malformed",
              scope=door),
        _case("too long, with the prefix of another kind (the length limit decides first)", "credential",
              "MP:" + "0" * 5000, "malformed"),
        _case("format version 2 under the prefix of another kind (version before kind)", "credential",
              _retext(v_text, lambda d: d.__setitem__(0, (2 << 4) | KIND_TICKET)), "unsupported_version"),
        _case("format version 2, header only (version before lengths)", "credential",
              "MV:" + base45.encode(bytes(((2 << 4) | KIND_VOUCHER,))), "unsupported_version"),
        _case("presentation whose credential has a kind-3 header", "presentation",
              _retext(show(voucher), lambda d: d.__setitem__(2, (1 << 4) | KIND_PRESENTATION)), "wrong_kind",
              scope=door),
        _case("presentation whose credential has format version 2", "presentation",
              _retext(show(voucher), lambda d: d.__setitem__(2, (2 << 4) | KIND_VOUCHER)), "unsupported_version",
              scope=door),
        _case("presentation whose credential length runs past the end (lengths before the inner header)",
              "presentation", _retext(show(voucher), lambda d: (d.__setitem__(1, 255), d.__setitem__(2, 0x13))),
              "malformed", scope=door),
    ]
    for case in malformed:
        case.setdefault("revoked", revoked_none)
        if case["verify_as"] == "presentation":
            for key, value in common.items():
                case.setdefault(key, value)

    def document(description, cases):
        return {"description": description, "format_version": 1, "keys": jwks, "cases": cases}

    return {
        "credentials.json": document("Voucher and ticket credentials as stored in the wallet.", credentials),
        "presentations.json": document("What wallets show at the door; scope is the scanner's.", presentations),
        "scanner_records.json": document("Scanner decisions as synced; checked with the scanner's key.", records),
        "malformed.json": document("Inputs that are not valid tokens at all.", malformed),
    }


def render(document: dict) -> str:
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def main() -> int:
    for name, document in build().items():
        (HERE / name).write_text(render(document))
        print(f"wrote tests/vectors/{name}: {len(document['cases'])} cases")
    return 0


if __name__ == "__main__":
    sys.exit(main())
