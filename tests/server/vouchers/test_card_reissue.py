"""Cards that survive: numbered cards, void and reissue of lost ones, PDF and CSV sheets
made from codes posted back (server/vouchers/cards.py)."""
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from PIL import Image
from pyzbar import pyzbar

from server.extensions import db
from server.ledger import api as ledger
from server.ledger.models import Posting
from server.vouchers.models import ClaimCode
from tests.server import factories
from tests.server.factories import ApiClient, wallet_client

FACE = 2_500


@pytest.fixture
def school(app):
    """A funded campaign, a school with 4 vouchers of it and 3 cards printed (1, 2, 3),
    and another approved school."""
    with app.app_context():
        sponsor_owner = factories.user()
        sponsor = factories.organisation("sponsor", owner=sponsor_owner, name="Forno Rossi & figli")
        campaign = factories.funded_campaign(sponsor, amount_cents=100_000, risk_reserve_bps=0)
        school_owner, other_owner = factories.user(), factories.user()
        school = factories.organisation("school", owner=school_owner, name="Liceo Parini")
        other = factories.organisation("school", owner=other_owner)
        db.session.commit()
        ids = {"campaign": campaign.id, "school": school.id, "other": other.id}
        emails = sponsor_owner.email, school_owner.email, other_owner.email
    sponsor_client = ApiClient(app.test_client()).login(emails[0])
    allocated = sponsor_client.post(f"/api/v1/campaigns/{ids['campaign']}/allocations",
                                    json={"school_id": ids["school"], "voucher_count": 4})
    assert allocated.status_code == 201, allocated.get_json()
    client = ApiClient(app.test_client()).login(emails[1])
    base = f"/api/v1/schools/{ids['school']}/allocations/{allocated.get_json()['id']}"
    issued = client.post(f"{base}/codes", json={"count": 3})
    assert issued.status_code == 201, issued.get_json()
    return {**ids, "allocation": allocated.get_json()["id"], "client": client, "base": base,
            "codes": issued.get_json()["codes"], "other_email": emails[2]}


def _claim(app, code):
    wallet, _ = wallet_client(app)
    return wallet.post("/api/v1/wallet/claims", json={"code": code})


def _balances(app, school):
    with app.app_context():
        return (ledger.account("school_allocation", school["allocation"]).balance_cents,
                ledger.account("campaign", school["campaign"]).balance_cents,
                db.session.scalar(sa.select(sa.func.count()).select_from(Posting)))


def test_cards_are_numbered_in_issue_order_and_more_codes_continue_the_numbers(app, school):
    assert [c["serial"] for c in school["codes"]] == [1, 2, 3]
    more = school["client"].post(f"{school['base']}/codes", json={"count": 1})
    assert [c["serial"] for c in more.get_json()["codes"]] == [4]


def test_a_reissued_card_refuses_its_old_code_and_its_new_code_claims_the_same_money(app, school):
    before = _balances(app, school)
    old = school["codes"][1]
    answer = school["client"].post(f"{school['base']}/codes/reissue", json={"serials": [2]})
    assert answer.status_code == 201, answer.get_json()
    (new,) = answer.get_json()["codes"]
    assert new["serial"] == 2 and new["code"] != old["code"] and new["link"].endswith(new["code"])
    # No money moved: no posting, the allocation still holds all four vouchers.
    assert _balances(app, school) == before == (4 * FACE, 100_000 - 4 * FACE, before[2])

    refused = _claim(app, old["code"])
    assert refused.status_code == 409 and refused.get_json()["code"] == "claim_code_voided"
    assert "annullato" in refused.get_json()["detail"].lower()

    claimed = _claim(app, new["code"])
    assert claimed.status_code == 201, claimed.get_json()
    assert claimed.get_json()["balance_cents"] == FACE
    with app.app_context():
        assert ledger.account("school_allocation", school["allocation"]).balance_cents == 3 * FACE
        assert ledger.check_books() == []
        rows = db.session.scalars(sa.select(ClaimCode).filter_by(allocation_id=school["allocation"], serial=2)
                                  .order_by(ClaimCode.id)).all()
        assert [r.status for r in rows] == ["voided", "claimed"] and rows[0].replaced_by_id == rows[1].id
    summary = school["client"].get(f"/api/v1/schools/{school['school']}/allocations").get_json()[0]
    assert summary["codes_issued"] == 3 and "claimed" not in summary  # students: the school report only


def test_many_cards_at_once_and_a_card_reissued_twice(app, school):
    first = school["client"].post(f"{school['base']}/codes/reissue", json={"serials": [3, 1, 3]})
    assert first.status_code == 201, first.get_json()
    assert [c["serial"] for c in first.get_json()["codes"]] == [1, 3]
    again = school["client"].post(f"{school['base']}/codes/reissue", json={"serials": [3]})
    assert again.status_code == 201
    assert _claim(app, first.get_json()["codes"][1]["code"]).get_json()["code"] == "claim_code_voided"
    assert _claim(app, again.get_json()["codes"][0]["code"]).status_code == 201
    with app.app_context():
        assert ledger.check_books() == []


def test_a_claimed_card_cannot_be_reissued_and_nothing_of_the_request_happens(app, school):
    assert _claim(app, school["codes"][0]["code"]).status_code == 201
    refused = school["client"].post(f"{school['base']}/codes/reissue", json={"serials": [1, 2]})
    assert refused.status_code == 409, refused.get_json()
    assert refused.get_json()["code"] == "cards_already_claimed" and refused.get_json()["params"]["serials"] == "1"
    # Card 2 was not voided with it: all or nothing.
    assert _claim(app, school["codes"][1]["code"]).status_code == 201


def test_unknown_card_numbers_are_named(app, school):
    refused = school["client"].post(f"{school['base']}/codes/reissue", json={"serials": [2, 4, 9]})
    assert refused.status_code == 422 and refused.get_json()["code"] == "unknown_cards"
    assert refused.get_json()["params"]["serials"] == "4, 9"


def test_another_school_reaches_neither_reissue_nor_sheets(app, school):
    other = ApiClient(app.test_client()).login(school["other_email"])
    for path, body in (("codes/reissue", {"serials": [1]}),
                       ("cards.pdf", {"cards": [{"serial": 1, "code": school["codes"][0]["code"]}]})):
        direct = other.post(f"{school['base']}/{path}", json=body)
        assert direct.status_code == 403 and direct.get_json()["code"] == "not_a_member"
        crossed = other.post(f"/api/v1/schools/{school['other']}/allocations/{school['allocation']}/{path}", json=body)
        assert crossed.status_code == 404 and crossed.get_json()["code"] == "allocation_not_found"
    assert _claim(app, school["codes"][0]["code"]).status_code == 201


def test_reissue_needs_an_idempotency_key_and_a_replay_gives_the_same_codes(app, school):
    url = f"{school['base']}/codes/reissue"
    missing = school["client"].post(url, json={"serials": [1]}, idempotency_key=None)
    assert missing.status_code == 428 or missing.get_json()["code"] == "idempotency_key_missing"
    first = school["client"].post(url, json={"serials": [1]}, idempotency_key="reissue-1")
    again = school["client"].post(url, json={"serials": [1]}, idempotency_key="reissue-1")
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert again.get_json() == first.get_json()
    assert _claim(app, first.get_json()["codes"][0]["code"]).status_code == 201


@pytest.mark.parametrize("body", [
    {}, {"serials": []}, {"serials": [0]}, {"serials": [-1]}, {"serials": [10_001]}, {"serials": [2**63]},
    {"serials": ["1"]}, {"serials": [1.5]}, {"serials": None}, {"serials": "1-3"}, {"serials": [1] * 1001},
])
def test_hostile_reissue_bodies_are_422(app, school, body):
    answer = school["client"].post(f"{school['base']}/codes/reissue", json=body)
    assert answer.status_code == 422, answer.get_data(True)
    assert answer.mimetype == "application/problem+json"


def _cards(school, *indexes):
    return [{"serial": school["codes"][i]["serial"], "code": school["codes"][i]["code"]} for i in indexes]


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_the_pdf_prints_each_card_from_the_posted_codes(app, school, tmp_path):
    answer = school["client"].post(f"{school['base']}/cards.pdf", json={"cards": _cards(school, 2, 0), "label": "3B"})
    assert answer.status_code == 200, answer.get_data(True)
    assert answer.mimetype == "application/pdf" and "no-store" in answer.headers["Cache-Control"]
    assert answer.headers["Content-Disposition"].startswith("attachment")
    path = tmp_path / "schede.pdf"
    path.write_bytes(answer.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    for card in school["codes"][0], school["codes"][2]:
        assert card["code"] in text and card["link"].split("://")[1] in text
    assert school["codes"][1]["code"] not in text
    assert "Scheda n. 1 · classe 3B" in text and "Scheda n. 3" in text
    assert "Offerto da Forno Rossi & figli" in text and "€ 25,00" in text and "Liceo Parini" in text
    assert "Da attivare entro il" in text
    # Each card's QR, drawn as vectors, reads back as its claim link.
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(path), str(tmp_path / "page")], check=True)
    (page,) = tmp_path.glob("page*.png")
    found = pyzbar.decode(Image.open(page).convert("L"), symbols=[pyzbar.ZBarSymbol.QRCODE])
    assert sorted(f.data.decode() for f in found) == sorted([school["codes"][0]["link"], school["codes"][2]["link"]])


def test_the_csv_has_one_row_a_card_and_no_formulas(app, school):
    answer = school["client"].post(f"{school['base']}/cards.csv",
                                   json={"cards": _cards(school, 0, 1, 2), "label": "=HYPERLINK(1)"})
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    lines = answer.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("Scheda;Classe;Codice;Link")
    assert [line.split(";")[0] for line in lines[1:]] == ["1", "2", "3"]
    assert all(line.split(";")[1] == "'=HYPERLINK(1)" for line in lines[1:])
    assert school["codes"][1]["code"] in lines[2] and ";25,00;" in lines[2]


@pytest.mark.parametrize("tamper", ["made_up", "wrong_serial", "voided", "garbage"])
def test_a_sheet_refuses_codes_that_are_not_live_cards_of_the_allocation(app, school, tamper):
    cards = _cards(school, 0, 1)
    if tamper == "made_up":
        from server.vouchers import claim_codes
        cards[1]["code"] = claim_codes.generate()
    elif tamper == "wrong_serial":
        cards[1]["serial"] = 3
    elif tamper == "garbage":
        cards[1]["code"] = "not a code"
    else:
        assert school["client"].post(f"{school['base']}/codes/reissue", json={"serials": [2]}).status_code == 201
    answer = school["client"].post(f"{school['base']}/cards.pdf", json={"cards": cards})
    expected = (409, "claim_code_voided") if tamper == "voided" else (422, "card_code_mismatch")
    assert (answer.status_code, answer.get_json()["code"]) == expected


@pytest.mark.parametrize("body", [
    {}, {"cards": []}, {"cards": [{"serial": 1}]}, {"cards": [{"serial": 1, "code": "x" * 41}]},
    {"cards": [{"serial": 0, "code": "0000-0000-0000"}]}, {"cards": [{"serial": 1, "code": "A\u0000B"}]},
    {"cards": [{"serial": 1, "code": "0000-0000-0000"}] * 1001}, {"cards": "all"},
    {"cards": [{"serial": 1, "code": "0000-0000-0000"}], "label": "x" * 21},
])
def test_hostile_sheet_bodies_are_422(app, school, body):
    answer = school["client"].post(f"{school['base']}/cards.csv", json=body)
    assert answer.status_code == 422, answer.get_data(True)
    assert answer.mimetype == "application/problem+json"
