import pytest

from signing import DeviceKey, IssuerKeyset, issue_ticket, issue_voucher

NOW = 1_800_000_000
DAY = 86_400


@pytest.fixture(scope="session")
def keyset():
    keys = IssuerKeyset()
    keys.rotate(now=NOW - 10 * DAY)
    return keys


@pytest.fixture(scope="session")
def wallet():
    return DeviceKey.generate()


@pytest.fixture(scope="session")
def voucher(keyset, wallet):
    return issue_voucher(keyset, now=NOW, voucher_id=4242, campaign_id=7, categories={0, 3},
                         offline_allowance_cents=2000, valid_from=NOW - DAY, valid_until=NOW + 30 * DAY,
                         device_key=wallet.public_bytes)


@pytest.fixture(scope="session")
def ticket(keyset, wallet):
    return issue_ticket(keyset, now=NOW, ticket_id=11, event_id=22, venue_id=33,
                        valid_from=NOW - DAY, valid_until=NOW + DAY, device_key=wallet.public_bytes)
