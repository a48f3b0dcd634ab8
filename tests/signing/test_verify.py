"""Rules the vectors do not pin down on their own: clock skew edges, scope and kinds."""
import pytest

from signing import Scope, present, to_text, verify_credential, verify_presentation
from signing.errors import FuturePresentation, OutOfScope, StalePresentation, WrongKind
from signing.tokens import STEP_SECONDS

from .conftest import NOW

SKEW = 60
AT_DOOR = Scope(venue_id=5, category=3)


def _verify(keyset, text, now, scope=AT_DOOR):
    return verify_presentation(text, keys=keyset.public(), now=now, scope=scope, max_skew_seconds=SKEW)


def test_a_step_is_accepted_while_it_overlaps_the_skew_window(keyset, voucher, wallet):
    made_at = NOW - NOW % STEP_SECONDS  # first second of a step
    text = to_text(present(voucher, wallet, now=made_at))
    last_good = made_at + STEP_SECONDS - 1 + SKEW
    assert _verify(keyset, text, last_good).time_step == made_at // STEP_SECONDS
    with pytest.raises(StalePresentation):
        _verify(keyset, text, last_good + 1)


def test_a_step_ahead_of_the_scanner_clock_is_accepted_within_skew(keyset, voucher, wallet):
    made_at = NOW - NOW % STEP_SECONDS
    text = to_text(present(voucher, wallet, now=made_at))
    assert _verify(keyset, text, made_at - SKEW)
    with pytest.raises(FuturePresentation):
        _verify(keyset, text, made_at - SKEW - 1)


def test_a_voucher_needs_the_category_of_what_is_bought(keyset, voucher, wallet):
    text = to_text(present(voucher, wallet, now=NOW))
    with pytest.raises(OutOfScope):
        _verify(keyset, text, NOW, scope=Scope(venue_id=5))


def test_scope_none_skips_the_scope_check_only(keyset, voucher, wallet):
    text = to_text(present(voucher, wallet, now=NOW))
    assert _verify(keyset, text, NOW, scope=None).credential.voucher_id == voucher.voucher_id
    with pytest.raises(StalePresentation):
        _verify(keyset, text, NOW + 10 * SKEW, scope=None)


def test_a_presentation_is_not_a_credential(keyset, voucher, wallet):
    with pytest.raises(WrongKind):
        verify_credential(to_text(present(voucher, wallet, now=NOW)), keys=keyset.public(), now=NOW)


def test_validity_is_widened_to_whole_hours(keyset, wallet):
    from signing import issue_voucher

    voucher = issue_voucher(keyset, now=NOW, voucher_id=1, campaign_id=1, categories={0}, offline_allowance_cents=0,
                            valid_from=NOW + 10, valid_until=NOW + 3601, device_key=wallet.public_bytes)
    assert voucher.valid_from <= NOW + 10 and voucher.valid_until >= NOW + 3601
    assert voucher.valid_from % 3600 == 0 and voucher.valid_until % 3600 == 0


def test_batch_issuance_gives_the_same_credentials(keyset):
    from signing import DeviceKey, issue_voucher
    from signing.issue import issue_vouchers_batch

    devices = [DeviceKey.generate().public_bytes for _ in range(3)]
    common = dict(now=NOW, campaign_id=9, categories={1, 4}, offline_allowance_cents=700,
                  valid_from=NOW - 100, valid_until=NOW + 86_400)
    batch = issue_vouchers_batch(keyset, holders=[(10 + n, key) for n, key in enumerate(devices)], **common)
    one_by_one = [to_text(issue_voucher(keyset, voucher_id=10 + n, device_key=key, **common))
                  for n, key in enumerate(devices)]
    assert batch == one_by_one
    assert verify_credential(batch[2], keys=keyset.public(), now=NOW).voucher_id == 12


def test_revocations_read_from_the_bundle_entries():
    from signing import Revocations

    key = bytes(range(33))
    revoked = Revocations.from_entries([
        {"kind": "voucher", "value": "12"}, {"kind": "ticket", "value": 7}, {"kind": "device_key", "value": key.hex()},
        {"kind": "campaign", "value": "3"},  # a kind this version does not know is skipped, as on the scanner
    ])
    assert revoked == Revocations(frozenset({12}), frozenset({7}), frozenset({key}))
    with pytest.raises(ValueError):
        Revocations.from_entries([{"kind": "voucher", "value": "twelve"}])
    with pytest.raises(ValueError):
        Revocations.from_entries([{"kind": "device_key"}])
