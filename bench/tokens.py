"""Token benchmark: signing and verification rates against raw `cryptography` in the
same run, and the QR version of every token kind at error correction M.

    .venv/bin/python bench/tokens.py [--count N] [--rounds R]

The machine is shared and noisy, so each comparison is paired: our code and the raw
baseline run alternately on the same small batch, and the figure is the median of
the per-batch cost ratios; rates are medians over batches. Targets (DESIGN.md section 7, issue 2):
verification costs <= 1.2x the raw signature checks it makes; credentials fit QR
version 7 and presentations version 10 at level M. The last line is one JSON object.
"""
import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature  # noqa: E402

from signing import (  # noqa: E402
    DeviceKey, IssuerKeyset, Scope, issue_ticket, issue_voucher, present, record_scan, to_text, verify_presentation,
)
from signing.qr import qr_version  # noqa: E402
from signing.tokens import MAX_VENUES, SIGNATURE_LENGTH, read_unverified  # noqa: E402

NOW = 1_800_000_000
DAY = 86_400


BATCH = 50


def _seconds(function, items) -> float:
    started = time.perf_counter()
    for item in items:
        function(item)
    return time.perf_counter() - started


def _paired(ours, ours_items, raw, raw_items, rounds):
    """(our rate, raw rate, median cost ratio) from alternating batches."""
    ours_rates, raw_rates, ratios = [], [], []
    for round_number in range(rounds):
        for start in range(0, len(ours_items), BATCH):
            if round_number % 2:  # alternate who goes first: no order bias
                raw_time = _seconds(raw, raw_items[start:start + BATCH])
                ours_time = _seconds(ours, ours_items[start:start + BATCH])
            else:
                ours_time = _seconds(ours, ours_items[start:start + BATCH])
                raw_time = _seconds(raw, raw_items[start:start + BATCH])
            count = len(ours_items[start:start + BATCH])
            ours_rates.append(count / ours_time)
            raw_rates.append(count / raw_time)
            ratios.append(ours_time / raw_time)
    return statistics.median(ours_rates), statistics.median(raw_rates), statistics.median(ratios)


def _voucher(keyset, wallet, voucher_id, venue_ids=()):
    return issue_voucher(keyset, now=NOW, voucher_id=voucher_id, campaign_id=12, categories={0, 1},
                         offline_allowance_cents=1500, valid_from=NOW - DAY, valid_until=NOW + 90 * DAY,
                         device_key=wallet.public_bytes, venue_ids=venue_ids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="tokens per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    keyset = IssuerKeyset()
    keyset.rotate(now=NOW - DAY)
    issuer = keyset.keys[-1]
    public = keyset.public()
    wallets = [DeviceKey.generate() for _ in range(args.count)]
    scope = Scope(venue_id=7, category=1)

    vouchers = [_voucher(keyset, wallet, 100_000 + i) for i, wallet in enumerate(wallets)]
    presentations = [to_text(present(v, w, now=NOW)) for v, w in zip(vouchers, wallets)]
    # The raw checks a presentation needs, given the bytes already split apart: the
    # issuer's Ed25519 verify, loading the wallet's P-256 key from its 33 bytes, and
    # the ECDSA verify. This is the floor any verifier pays with `cryptography`.
    raw_inputs = []
    for text in presentations:
        presentation, data = read_unverified(text)
        credential = presentation.credential
        end = 2 + data[1]
        signature = presentation.signature
        der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
        raw_inputs.append((credential.signature, data[2:end - SIGNATURE_LENGTH], credential.device_key, der,
                           data[:-SIGNATURE_LENGTH]))
    issuer_public = issuer.private_key.public_key()
    curve, ecdsa = ec.SECP256R1(), ec.ECDSA(hashes.SHA256())

    def raw_verify(item):
        issuer_signature, credential_body, device_point, der, presentation_body = item
        issuer_public.verify(issuer_signature, credential_body)
        ec.EllipticCurvePublicKey.from_encoded_point(curve, device_point).verify(der, presentation_body, ecdsa)

    def our_verify(text):
        verify_presentation(text, keys=public, now=NOW, scope=scope)

    unsigned_bodies = [v.body() for v in vouchers]

    def raw_sign(body):
        issuer.private_key.sign(body)

    def our_sign(index):
        to_text(_voucher(keyset, wallets[index], 200_000 + index))

    median = {}
    median["verify"], median["raw_verify"], verify_cost = _paired(
        our_verify, presentations, raw_verify, raw_inputs, args.rounds)
    median["sign"], median["raw_sign"], sign_cost = _paired(
        our_sign, list(range(args.count)), raw_sign, unsigned_bodies, args.rounds)

    wallet = wallets[0]
    voucher = vouchers[0]
    widest = _voucher(keyset, wallet, 2**32 - 1, venue_ids=[2**32 - 1] * MAX_VENUES)
    ticket = issue_ticket(keyset, now=NOW, ticket_id=90001, event_id=501, venue_id=31, valid_from=NOW - DAY,
                          valid_until=NOW + DAY, device_key=wallet.public_bytes)
    record = record_scan(wallets[1], record_id=bytes(16), scanner_id=7, scanned_at=NOW, event_id=501,
                         amount_cents=1200, result="accepted", scanned_text=presentations[0])
    texts = {
        "voucher_credential": to_text(voucher),
        "voucher_credential_4_venues": to_text(widest),
        "ticket_credential": to_text(ticket),
        "voucher_presentation": presentations[0],
        "voucher_presentation_4_venues": to_text(present(widest, wallet, now=NOW)),
        "ticket_presentation": to_text(present(ticket, wallet, now=NOW)),
        "scanner_record": to_text(record),
    }
    qr = {name: {"chars": len(text), "qr_version_m": qr_version(text)} for name, text in texts.items()}

    print(f"presentations verified/s  {median['verify']:10.0f}   raw checks/s {median['raw_verify']:10.0f}"
          f"   cost ratio {verify_cost:.2f}x (target <= 1.2x)")
    print(f"credentials signed/s      {median['sign']:10.0f}   raw signs/s  {median['raw_sign']:10.0f}"
          f"   cost ratio {sign_cost:.2f}x")
    for name, figures in qr.items():
        print(f"{name:31s} {figures['chars']:4d} chars  QR version {figures['qr_version_m']:2d} at M")
    summary = {
        "presentations_verified_per_s": round(median["verify"]),
        "raw_presentation_checks_per_s": round(median["raw_verify"]),
        "verify_cost_ratio": round(verify_cost, 3),
        "credentials_signed_per_s": round(median["sign"]),
        "raw_ed25519_signs_per_s": round(median["raw_sign"]),
        "sign_cost_ratio": round(sign_cost, 3),
        "qr": qr,
        "count": args.count,
        "rounds": args.rounds,
    }
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
