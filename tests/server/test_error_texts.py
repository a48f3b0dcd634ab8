"""One source of user text: the server answers with codes and params, the PWA owns every
word. Every error code the server can emit has an `error.<code>` text in Italian and in
English, and a refusal for lack of money names no account, owner or ledger figure."""
import ast
import json
import subprocess
from collections import defaultdict
from pathlib import Path

from server.accounts.models import Organisation
from server.extensions import db
from server.http import problems
from server.ledger import api as ledger_api
from tests.server import factories
from tests.server.catalogue import factories as catalogue_factories

ROOT = Path(__file__).resolve().parents[2]
SERVER = ROOT / "server"
CODE = r"^[a-z][a-z0-9_]*$"

# Callables with a parameter named `code` whose codes are not problems: a sync answer's
# per-record outcome (200 OK), which the scanner words itself (scanner.* texts).
NOT_PROBLEM_CODES = {"_outcome"}


def _trees():
    return {path: ast.parse(path.read_text()) for path in sorted(SERVER.rglob("*.py"))
            if "migrations" not in path.parts}


def _code_positions(trees) -> dict[str, set[int]]:
    """Each class (by its __init__) or function with a parameter named `code`: where it is."""
    positions = defaultdict(set)
    for tree in trees.values():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        names = [arg.arg for arg in item.args.args][1:]
                        if "code" in names:
                            positions[node.name].add(names.index("code"))
            elif isinstance(node, ast.FunctionDef):
                names = [arg.arg for arg in node.args.args]
                if "code" in names and names[0] not in ("self", "cls") and node.name not in NOT_PROBLEM_CODES:
                    positions[node.name].add(names.index("code"))
    return positions


def server_error_codes() -> dict[str, list[str]]:
    """Every problem `code` written in the server, with where: class attributes `code = "…"`,
    `code="…"` arguments, and literals passed where a callable takes `code` (InvalidField,
    problem(), …), plus the codes of Werkzeug's own HTTP errors."""
    import re

    trees = _trees()
    positions = _code_positions(trees)
    found = defaultdict(list)
    computed = []
    for path, tree in trees.items():
        where = path.relative_to(ROOT)
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for item in node.body:
                    if (isinstance(item, ast.Assign) and isinstance(item.value, ast.Constant)
                            and any(isinstance(target, ast.Name) and target.id == "code" for target in item.targets)):
                        found[item.value.value].append(f"{where}:{item.lineno}")
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "code":
                    if isinstance(keyword.value, ast.Constant):
                        found[keyword.value.value].append(f"{where}:{node.lineno}")
                    elif isinstance(keyword.value, ast.JoinedStr):
                        computed.append(f"{where}:{node.lineno}")
            name = getattr(node.func, "id", getattr(node.func, "attr", ""))
            for index in positions.get(name, ()):
                if index < len(node.args) and isinstance(node.args[index], ast.Constant):
                    found[node.args[index].value].append(f"{where}:{node.lineno}")
    assert not computed, f"codes built at run time cannot be checked for a translation: {computed}"
    for status, code in problems.HTTP_CODES.items():
        found[code].append(f"server/http/problems.py HTTP_CODES[{status}]")
    codes = {code: places for code, places in found.items() if isinstance(code, str) and re.fullmatch(CODE, code)}
    assert len(codes) == len(found), sorted(set(found) - set(codes))
    return codes


def pwa_messages() -> dict[str, set[str]]:
    """The keys of every Italian and English module in pwa/src/i18n/, as the build merges them."""
    script = """
        import fs from 'node:fs';
        const dir = 'pwa/src/i18n';
        const out = { it: [], en: [] };
        for (const name of fs.readdirSync(dir).sort()) {
          const lang = name.match(/(?:^|\\.)(it|en)\\.js$/)?.[1];
          if (lang) out[lang].push(...Object.keys((await import(`./${dir}/${name}`)).default));
        }
        console.log(JSON.stringify(out));
    """
    run = subprocess.run(["node", "--input-type=module", "-e", script], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    return {lang: set(keys) for lang, keys in json.loads(run.stdout).items()}


def test_the_collector_finds_codes_of_every_kind():
    codes = server_error_codes()
    # a class attribute, a keyword argument, InvalidField's positional code, problem(), Werkzeug's
    for code in ("insufficient_funds", "invalid_stars", "invalid_iban", "database_unavailable", "method_not_allowed"):
        assert code in codes, code
    assert "scanner_mismatch" not in codes  # a sync outcome, not a problem


def test_every_error_code_has_a_text_in_italian_and_in_english():
    messages = pwa_messages()
    missing = {lang: sorted(code for code in server_error_codes()
                            if f"error.{code}" not in keys and f"error.{code}.other" not in keys)
               for lang, keys in messages.items()}
    assert missing == {"it": [], "en": []}


# --- no ledger internals reach a person ------------------------------------------------


def _refusal_text(problem: dict) -> str:
    """What a client could show of a problem besides its params: type, title, detail, code."""
    return json.dumps({name: value for name, value in problem.items() if name != "params"})


def test_a_sponsor_short_of_money_sees_amounts_not_accounts(app):
    with app.app_context():
        owner = factories.user()
        sponsor = factories.organisation("sponsor", owner=owner)
        campaign = factories.funded_campaign(sponsor, amount_cents=53_009, face_value_cents=2_500)
        available = ledger_api.account("campaign", campaign.id).balance_cents  # less the risk reserve
        school = factories.organisation("school")
        db.session.commit()
        email, campaign_id, school_id = owner.email, campaign.id, school.id
    sponsor_api = factories.ApiClient(app.test_client()).login(email)
    response = sponsor_api.post(f"/api/v1/campaigns/{campaign_id}/allocations",
                                json={"school_id": school_id, "voucher_count": 100})
    assert response.status_code == 409
    problem = response.get_json()
    assert problem["code"] == "insufficient_funds"
    assert problem["params"] == {"available_cents": available, "requested_cents": 250_000}
    text = _refusal_text(problem)
    for internal in ("campaign", "school_allocation", "conto", "centesimi", "cents", str(available), "250000",
                     f" {campaign_id}"):
        assert internal not in text, internal


def test_a_student_short_of_credit_sees_the_balance_and_the_price_only(app, door):
    with app.app_context():
        venue = db.session.get(Organisation, door.venue_id)
        dear = catalogue_factories.event(venue, category="teatro", price_cents=3_000)
        db.session.commit()
        event_id = dear.id
    wallet = door.wallet_api()
    response = wallet.post("/api/v1/wallet/bookings", json={"event_id": event_id, "voucher_id": door.voucher_id,
                                                            "request_id": "dear-show-1"})
    assert response.status_code == 409, response.get_json()
    problem = response.get_json()
    assert problem["code"] == "insufficient_funds"
    assert problem["params"] == {"available_cents": 2_500, "requested_cents": 3_000}
    text = _refusal_text(problem)
    for internal in ("voucher", "venue_payable", "conto", "centesimi", "2500", f" {door.voucher_id}",
                     f" {door.venue_id}"):
        assert internal not in text, internal


def test_limits_come_as_params(app):
    with app.app_context():
        owner = factories.user()
        campaign = factories.campaign(factories.organisation("sponsor", owner=owner))
        db.session.commit()
        email, campaign_id = owner.email, campaign.id
    sponsor_api = factories.ApiClient(app.test_client()).login(email)
    response = sponsor_api.post(f"/api/v1/campaigns/{campaign_id}/topups", json={"amount_cents": 5})
    assert response.status_code == 422
    assert response.get_json()["code"] == "invalid_amount"
    assert response.get_json()["params"] == {"min_cents": 1_000, "max_cents": 10_000_000}
