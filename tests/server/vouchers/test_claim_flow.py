"""Campaign → school allocation → claim codes → wallet claim → signed credential."""
import pytest

from server.extensions import db
from server.ledger import api as ledger
from signing import PublicKeyset, present, to_text, verify_credential, verify_presentation
from signing.verify import Scope
from tests.server import factories
from tests.server.factories import ApiClient, wallet_client


@pytest.fixture
def pilot(app):
    """A funded campaign (1,000 EUR, 25 EUR vouchers, 15 EUR offline) and an approved school."""
    with app.app_context():
        sponsor_owner = factories.user()
        sponsor = factories.organisation("sponsor", owner=sponsor_owner)
        campaign = factories.funded_campaign(sponsor, amount_cents=100_000, risk_reserve_bps=0)
        school_owner = factories.user()
        school = factories.organisation("school", owner=school_owner)
        db.session.commit()
        return {"sponsor_email": sponsor_owner.email, "campaign_id": campaign.id,
                "school_email": school_owner.email, "school_id": school.id}


def _allocate_and_issue(app, pilot, vouchers=4, codes=2):
    sponsor = ApiClient(app.test_client()).login(pilot["sponsor_email"])
    allocated = sponsor.post(f"/api/v1/campaigns/{pilot['campaign_id']}/allocations",
                             json={"school_id": pilot["school_id"], "voucher_count": vouchers})
    assert allocated.status_code == 201, allocated.get_json()
    school = ApiClient(app.test_client()).login(pilot["school_email"])
    issued = school.post(f"/api/v1/schools/{pilot['school_id']}/allocations/{allocated.get_json()['id']}/codes",
                         json={"count": codes})
    assert issued.status_code == 201, issued.get_json()
    return allocated.get_json()["id"], [c["code"] for c in issued.get_json()["codes"]], school


def test_a_student_claims_a_voucher_and_gets_a_credential_bound_to_the_phone(app, pilot):
    allocation_id, codes, school = _allocate_and_issue(app, pilot)
    wallet, device = wallet_client(app)
    claimed = wallet.post("/api/v1/wallet/claims", json={"code": codes[0].lower().replace("-", " ")})
    assert claimed.status_code == 201, claimed.get_json()
    voucher = claimed.get_json()
    assert voucher["balance_cents"] == 2_500 and voucher["sponsors"]
    assert voucher["categories"] == ["teatro", "musei"]

    keys = PublicKeyset.from_jwks(wallet.get("/api/v1/issuer-keys").get_json())
    import time
    now = int(time.time())
    credential = verify_credential(voucher["credential"], keys=keys, now=now)
    assert credential.voucher_id == voucher["id"] and credential.device_key == device.public_bytes
    assert credential.offline_allowance_cents == 1_500
    shown = to_text(present(credential, device, now=now))
    assert verify_presentation(shown, keys=keys, now=now, scope=Scope(venue_id=1, category=0))

    summary = school.get(f"/api/v1/schools/{pilot['school_id']}/allocations").get_json()[0]
    assert summary["codes_issued"] == 2 and "claimed" not in summary  # students: the school report only
    with app.app_context():
        assert ledger.account("voucher", voucher["id"]).balance_cents == 2_500
        assert ledger.account("school_allocation", allocation_id).balance_cents == 3 * 2_500
        assert ledger.account("campaign", pilot["campaign_id"]).balance_cents == 100_000 - 4 * 2_500


def test_a_code_claims_once_ever(app, pilot):
    _, codes, _ = _allocate_and_issue(app, pilot)
    first, _ = wallet_client(app)
    second, _ = wallet_client(app)
    voucher_id = first.post("/api/v1/wallet/claims", json={"code": codes[0]}).get_json()["id"]
    assert first.post("/api/v1/wallet/claims", json={"code": codes[0]}).get_json()["id"] == voucher_id
    refused = second.post("/api/v1/wallet/claims", json={"code": codes[0]})
    assert refused.status_code == 409 and refused.get_json()["code"] == "code_already_claimed"


def test_a_mistyped_code_is_caught_by_its_check_symbol(app, pilot):
    _, codes, _ = _allocate_and_issue(app, pilot)
    wallet, _ = wallet_client(app)
    code = codes[0]
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = wallet.post("/api/v1/wallet/claims", json={"code": wrong})
    assert response.status_code == 422 and response.get_json()["code"] == "invalid_claim_code"


def test_claiming_needs_a_wallet(app, pilot):
    _, codes, _ = _allocate_and_issue(app, pilot)
    response = app.test_client().post("/api/v1/wallet/claims", json={"code": codes[0]})
    assert response.status_code == 401 and response.get_json()["code"] == "wallet_required"


def test_an_allocation_cannot_exceed_the_campaign_funds(app, pilot):
    sponsor = ApiClient(app.test_client()).login(pilot["sponsor_email"])
    response = sponsor.post(f"/api/v1/campaigns/{pilot['campaign_id']}/allocations",
                            json={"school_id": pilot["school_id"], "voucher_count": 41})
    assert response.status_code == 409 and response.get_json()["code"] == "insufficient_funds"


def test_codes_cannot_outnumber_vouchers(app, pilot):
    allocation_id, _, school = _allocate_and_issue(app, pilot, vouchers=2, codes=2)
    response = school.post(f"/api/v1/schools/{pilot['school_id']}/allocations/{allocation_id}/codes",
                           json={"count": 1})
    assert response.status_code == 409 and response.get_json()["code"] == "no_codes_left"


def test_only_the_school_issues_its_codes_and_only_sponsors_allocate(app, pilot):
    allocation_id, _, _ = _allocate_and_issue(app, pilot)
    sponsor = ApiClient(app.test_client()).login(pilot["sponsor_email"])
    response = sponsor.post(f"/api/v1/schools/{pilot['school_id']}/allocations/{allocation_id}/codes",
                            json={"count": 1})
    assert response.status_code == 403
    school = ApiClient(app.test_client()).login(pilot["school_email"])
    response = school.post(f"/api/v1/campaigns/{pilot['campaign_id']}/allocations",
                           json={"school_id": pilot["school_id"], "voucher_count": 1})
    assert response.status_code == 403


def test_refresh_gives_a_new_credential_for_the_same_voucher(app, pilot):
    _, codes, _ = _allocate_and_issue(app, pilot)
    wallet, _ = wallet_client(app)
    voucher_id = wallet.post("/api/v1/wallet/claims", json={"code": codes[0]}).get_json()["id"]
    refreshed = wallet.post(f"/api/v1/wallet/vouchers/{voucher_id}/credential")
    assert refreshed.status_code == 200 and refreshed.get_json()["credential"].startswith("MV:")
    other, _ = wallet_client(app)
    assert other.post(f"/api/v1/wallet/vouchers/{voucher_id}/credential").status_code == 404


def test_a_school_issues_vouchers_straight_to_wallets(app, pilot):
    import time as clock

    from signing import DeviceKey

    sponsor = ApiClient(app.test_client()).login(pilot["sponsor_email"])
    allocation_id = sponsor.post(f"/api/v1/campaigns/{pilot['campaign_id']}/allocations",
                                 json={"school_id": pilot["school_id"], "voucher_count": 3}).get_json()["id"]
    school = ApiClient(app.test_client()).login(pilot["school_email"])
    phones = [DeviceKey.generate() for _ in range(3)]
    url = f"/api/v1/schools/{pilot['school_id']}/allocations/{allocation_id}/direct"
    issued = school.post(url, json={"device_keys": [p.public_bytes.hex() for p in phones]})
    assert issued.status_code == 201, issued.get_json()
    vouchers = issued.get_json()["vouchers"]
    keys = PublicKeyset.from_jwks(school.get("/api/v1/issuer-keys").get_json())
    for phone, voucher in zip(phones, vouchers):
        credential = verify_credential(voucher["credential"], keys=keys, now=int(clock.time()))
        assert credential.device_key == phone.public_bytes and credential.voucher_id == voucher["voucher_id"]
    with app.app_context():
        assert [ledger.account("voucher", v["voucher_id"]).balance_cents for v in vouchers] == [2_500] * 3
        assert ledger.account("school_allocation", allocation_id).balance_cents == 0
    again = school.post(url, json={"device_keys": [DeviceKey.generate().public_bytes.hex()]})
    assert again.status_code == 409 and again.get_json()["code"] == "no_codes_left"
