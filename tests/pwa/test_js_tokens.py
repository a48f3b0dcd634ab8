"""The PWA's JavaScript token modules (pwa/src/tokens/, pwa/src/scanner/decide.js)
against the Python library they twin: the node test suite, then cross-checks both ways
through a small node bridge (pwa/tests/helpers/js_tokens_cli.mjs, JSON lines)."""
import base64
import http.server
import json
import os
import random
import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from signing import base45
from signing.device import DeviceKey, load_public_key
from signing.errors import BadScannerSignature, StalePresentation, TokenError
from signing.issue import issue_ticket, issue_voucher, present, record_scan
from signing.keys import IssuerKeyset, PublicKeyset
from signing.tokens import RESULT_CODES, to_text
from signing.verify import (
    Revocations, Scope, verify_credential, verify_presentation, verify_scanner_record,
)
# The server fixtures, for the decision-to-sync check (imported so this module's tests
# get the root `app` fixture even if tests/pwa/conftest.py defines another one).
from tests.conftest import app  # noqa: F401
from tests.server.conftest import door  # noqa: F401
from tests.server.factories import ApiClient

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "tests" / "vectors"
BRIDGE = ROOT / "pwa" / "tests" / "helpers" / "js_tokens_cli.mjs"
NOW = 1_800_000_000
DAY = 86_400
VENUE, EVENT = 31, 501


def node_executable() -> str:
    node = shutil.which("node")
    if node is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("node is required in CI to test the PWA's token modules")
        pytest.skip("node is not installed: the PWA's token modules are not tested")
    return node


def vector_documents() -> dict[str, dict]:
    return {path.name: json.loads(path.read_text()) for path in sorted(VECTORS.glob("*.json"))}


class NodeBridge:
    """One node process answering JSON requests line by line; it keeps its keys."""

    def __init__(self, node: str):
        self.process = subprocess.Popen([node, str(BRIDGE)], cwd=ROOT, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def call(self, op: str, **request) -> dict:
        self.process.stdin.write(json.dumps({"op": op, **request}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the node bridge stopped: {self.process.stderr.read()}")
        answer = json.loads(line)
        assert answer.pop("ok"), answer
        return answer

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def node():
    bridge = NodeBridge(node_executable())
    yield bridge
    bridge.close()


@pytest.fixture(scope="module")
def issuer():
    keyset = IssuerKeyset()
    keyset.rotate(now=NOW - 30 * DAY, lifetime_seconds=400 * DAY)
    return keyset


def private_jwk(device: DeviceKey) -> dict:
    """A test key handed to WebCrypto (real wallets never export theirs)."""
    numbers = device.private_key.private_numbers()

    def b64(value: int) -> str:
        return base64.urlsafe_b64encode(value.to_bytes(32, "big")).rstrip(b"=").decode()

    return {"kty": "EC", "crv": "P-256", "x": b64(numbers.public_numbers.x), "y": b64(numbers.public_numbers.y),
            "d": b64(numbers.private_value)}


# --- the node suite -----------------------------------------------------------------

def test_the_node_test_suite_passes_every_vector():
    result = subprocess.run([node_executable(), "--test", "pwa/tests/"], cwd=ROOT, capture_output=True,
                            text=True, timeout=600)
    output = result.stdout
    assert result.returncode == 0, output[-6000:] + result.stderr[-2000:]
    counts = {name: int(number) for name, number in re.findall(r"^# (pass|fail) (\d+)$", output, re.M)}
    assert counts["fail"] == 0
    for name, document in vector_documents().items():
        for case in document["cases"]:
            # Each vector is its own node test, named after the file and the case.
            title = re.escape(f"{name}: {case['name']}")
            assert re.search(rf"^\s*ok \d+ - {title} ", output, re.M), case["name"]
    assert counts["pass"] > sum(len(d["cases"]) for d in vector_documents().values())


# --- JavaScript makes, Python verifies ------------------------------------------------

@pytest.mark.parametrize("kind", ["voucher", "scoped voucher", "ticket"])
def test_a_presentation_made_by_the_js_wallet_verifies_in_python(node, issuer, kind):
    device_key = bytes.fromhex(node.call("new_key", name=f"wallet-{kind}")["public_key"])
    assert len(device_key) == 33
    if kind == "ticket":
        credential = issue_ticket(issuer, now=NOW, ticket_id=90001, event_id=EVENT, venue_id=VENUE,
                                  valid_from=NOW - DAY, valid_until=NOW + DAY, device_key=device_key)
        scope = Scope(VENUE, None, EVENT)
    else:
        venues = (VENUE, 33) if kind == "scoped voucher" else ()
        credential = issue_voucher(issuer, now=NOW, voucher_id=70001, campaign_id=12, categories={0, 1},
                                   offline_allowance_cents=1500, valid_from=NOW - DAY, valid_until=NOW + 30 * DAY,
                                   device_key=device_key, venue_ids=venues)
        scope = Scope(VENUE, 1)
    text = node.call("present", key=f"wallet-{kind}", credential=to_text(credential), now=NOW + 7)["text"]

    presentation = verify_presentation(text, keys=issuer.public(), now=NOW + 7, scope=scope)
    assert presentation.credential == credential
    assert presentation.time_step == (NOW + 7) // 15


def test_js_presentations_age_like_python_ones(node, issuer):
    device_key = bytes.fromhex(node.call("new_key", name="wallet-old")["public_key"])
    credential = issue_voucher(issuer, now=NOW, voucher_id=1, campaign_id=1, categories={0},
                               offline_allowance_cents=100, valid_from=NOW - DAY, valid_until=NOW + DAY,
                               device_key=device_key)
    old = node.call("present", key="wallet-old", credential=to_text(credential), now=NOW - 120)["text"]
    with pytest.raises(StalePresentation):
        verify_presentation(old, keys=issuer.public(), now=NOW, scope=Scope(VENUE, 0))


@pytest.mark.parametrize("result", sorted(RESULT_CODES.values()))
def test_a_record_made_by_the_js_scanner_verifies_in_python(node, result):
    scanner_key = bytes.fromhex(node.call("new_key", name="scanner")["public_key"])
    scanned = "MP:ÈSEMPIO €" if result == "malformed" else "MP:QUALCOSA"
    fields = {"scannerId": 7, "scannedAt": NOW, "eventId": EVENT, "amountCents": 1200, "result": result,
              "scannedText": scanned}
    answer = node.call("record", key="scanner", fields=fields)

    record = verify_scanner_record(answer["text"], scanner_key=scanner_key)
    assert record.record_id.hex() == answer["record_id"]
    assert (record.scanner_id, record.scanned_at, record.event_id, record.amount_cents, record.result,
            record.scanned_text) == (7, NOW, EVENT, 1200, result, scanned)
    with pytest.raises(BadScannerSignature):
        verify_scanner_record(answer["text"], scanner_key=DeviceKey.generate().public_bytes)


# --- both verify the same inputs: same verdicts --------------------------------------

def _python_code(case: dict, keys) -> str:
    revoked = case.get("revoked") or {}
    revocations = Revocations(frozenset(revoked.get("voucher_ids", ())), frozenset(revoked.get("ticket_ids", ())),
                              frozenset(bytes.fromhex(k) for k in revoked.get("device_keys", ())))
    try:
        if case["verify_as"] == "credential":
            verify_credential(case["token"], keys=keys, now=case["verify_at"], revoked=revocations)
        elif case["verify_as"] == "presentation":
            scope = Scope(**case["scope"]) if case.get("scope") else None
            verify_presentation(case["token"], keys=keys, now=case["verify_at"], scope=scope, revoked=revocations,
                                max_skew_seconds=case.get("max_skew_seconds", 90))
        else:
            verify_scanner_record(case["token"], scanner_key=bytes.fromhex(case["scanner_key"]))
    except TokenError as error:
        return error.code
    return "ok"


def _damaged(token: str, rng: random.Random) -> str:
    """A token with one kind of damage: a bit flipped, cut, lengthened, or its text altered."""
    prefix, data = token[:3], bytearray(base45.decode(token[3:]))
    damage = rng.choice(["flip", "flip", "flip", "cut", "grow", "text", "prefix", "header"])
    if damage == "flip":
        data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif damage == "cut":
        del data[rng.randrange(len(data)):]
    elif damage == "grow":
        data += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
    elif damage == "header":
        data[0] = rng.randrange(256)
    elif damage == "prefix":
        return rng.choice(["MV:", "MT:", "MP:", "MR:", "MX:", "mp:"]) + token[3:]
    else:
        text = token[3:]
        at = rng.randrange(len(text))
        return prefix + text[:at] + rng.choice(base45.ALPHABET + "#é\n") + text[at + 1:]
    return prefix + base45.encode(bytes(data))


def _varied(case: dict, rng: random.Random) -> dict:
    """The same token verified in other circumstances: another time, scope or revocation list."""
    varied = dict(case)
    varied["verify_at"] = case["verify_at"] + rng.choice([-1, 1]) * rng.choice([0, 1, 14, 15, 89, 90, 91, 104, 105, 106,
                                                                                 3600, DAY, 91 * DAY])
    if case["verify_as"] == "presentation":
        varied["scope"] = {"venue_id": rng.choice([31, 32, 33]), "category": rng.choice([None, 0, 1, 4]),
                           "event_id": rng.choice([None, 501, 502])}
        varied["max_skew_seconds"] = rng.choice([0, 30, 90])
    varied["revoked"] = {"voucher_ids": rng.sample([70001, 70002, 5], rng.randrange(2)),
                         "ticket_ids": rng.sample([90001, 7], rng.randrange(2)), "device_keys": []}
    return varied


def test_javascript_and_python_agree_on_thousands_of_damaged_and_varied_tokens(node):
    rng = random.Random(20270115)
    for name, document in vector_documents().items():
        keys = document["keys"]
        cases = []
        for case in document["cases"]:
            try:
                if not base45.decode(case["token"][3:]) or len(case["token"]) > 4096:
                    continue
            except TokenError:
                continue
            for _ in range(40):
                cases.append({**case, "token": _damaged(case["token"], rng)})
            for _ in range(20):
                cases.append(_varied(case, rng))
        python_codes = [_python_code(case, PublicKeyset.from_jwks(keys)) for case in cases]
        js_codes = node.call("verify", cases=cases, keys=keys)["codes"]
        disagreements = [(case["name"], case["token"], p, j)
                         for case, p, j in zip(cases, python_codes, js_codes) if p != j]
        assert disagreements == [], f"{name}: {disagreements[:5]}"
        # The damage reached every stage, not only the Base45 layer.
        assert len(set(python_codes)) >= 4, (name, set(python_codes))


def test_device_keys_that_are_not_points_fail_alike(node, issuer):
    """Issuer-signed credentials whose device key is no P-256 point: the device check
    must fail the same way in both (JavaScript decompresses the point itself)."""
    wallet = DeviceKey.generate()
    good = wallet.public_bytes
    not_points = [b"\x04" + good[1:], b"\x02" + b"\xff" * 32, bytes(33), b"\x05" + good[1:]]
    # An x coordinate with no y on the curve.
    for last in range(256):
        candidate = good[:-1] + bytes([last])
        if load_public_key(candidate) is None:
            not_points.append(candidate)
            break
    cases = []
    for device_key in not_points + [good]:
        credential = issue_voucher(issuer, now=NOW, voucher_id=1, campaign_id=1, categories={0},
                                   offline_allowance_cents=100, valid_from=NOW - DAY, valid_until=NOW + DAY,
                                   device_key=device_key)
        text = to_text(present(credential, wallet, now=NOW))
        cases.append({"name": device_key.hex(), "verify_as": "presentation", "token": text, "verify_at": NOW,
                      "scope": {"venue_id": VENUE, "category": 0, "event_id": None}, "max_skew_seconds": 90,
                      "revoked": {}})
    keys = issuer.public().to_jwks()
    python_codes = [_python_code(case, issuer.public()) for case in cases]
    assert python_codes == ["bad_device_signature"] * len(not_points) + ["ok"]
    assert node.call("verify", cases=cases, keys=keys)["codes"] == python_codes


# --- the scanner's decision, as the server's sync judges it --------------------------

def test_what_decide_accepts_the_server_pays_and_what_it_refuses_the_server_would_reject(node, door):
    """The door fixture's venue has two scanner slots: each takes half of the voucher's
    24 EUR offline allowance, so the two together never pass one allowance."""
    staff = ApiClient(door.app.test_client()).login(door.staff_email)
    (scanner_id, scanner_device), (other_id, other_device) = list(door.scanners.items())[:2]
    # The real JSON, as the PWA gets it.
    bundle = staff.get(f"/api/v1/scanners/{scanner_id}/bootstrap").get_json()
    other_bundle = staff.get(f"/api/v1/scanners/{other_id}/bootstrap").get_json()
    assert (bundle["allowance_share_bp"], other_bundle["allowance_share_bp"]) == (5_000, 5_000)
    node.call("import_key", name="door-wallet", jwk=private_jwk(door.wallet))
    node.call("import_key", name="door-scanner", jwk=private_jwk(scanner_device))
    node.call("import_key", name="door-other-scanner", jwk=private_jwk(other_device))
    credential = to_text(door.credential)
    now = int(time.time())

    def scan(at, seen=(), spent=None, amount=None, data=bundle, key="door-scanner"):
        text = node.call("present", key="door-wallet", credential=credential, now=at)["text"]
        verdict = node.call("decide", text=text, bundle=data, seen=list(seen), spent=spent or {}, now=at,
                            event_id=door.event_id, amount_cents=amount)["verdict"]
        record = node.call("record", key=key, fields=verdict["record"])["text"]
        return text, verdict, record

    # 1. Accepted offline at the event price, 12 EUR: this scanner's whole share. The venue is paid.
    _, first, record = scan(now)
    assert (first["code"], first["amountCents"], first["voucherId"]) == ("accepted", 1200, door.voucher_id)
    assert (first["limitCents"], first["remainingCents"]) == (1200, 0)
    assert door.sync(scanner_id, record)[0]["outcome"] == "redeemed"
    seen, spent = [first["replayKey"]], {first["allowanceKey"]: 1200}

    # 2. Shown again in the same step: refused and recorded as such.
    _, replay, record = scan(now, seen, spent)
    assert replay["code"] == "already_presented"
    outcome = door.sync(scanner_id, record)[0]
    assert (outcome["outcome"], outcome["code"], outcome["duplicate"]) == ("refused", "already_presented", False)

    # 3. The next step, another 12 EUR: over this scanner's share, refused...
    text, over, record = scan(now + 15, seen, spent)
    assert over["code"] == "allowance_exceeded"
    assert over["messageIt"] == "Supera il limite offline di 12,00 € su questo scanner (già spesi 12,00 € qui)"
    assert door.sync(scanner_id, record)[0]["outcome"] == "refused"
    # ... and had the scanner accepted it, the server would have rejected it for the same reason.
    forged = node.call("record", key="door-scanner", fields={**over["record"], "result": "accepted"})["text"]
    assert door.sync(scanner_id, forged)[0] | {"record_id": None} == {
        "record_id": None, "outcome": "rejected", "code": "allowance_exceeded", "overspend_cents": 0,
        "duplicate": False}

    # 4. The venue's other scanner has its own half: accepted there, and paid.
    _, elsewhere, record = scan(now + 30, data=other_bundle, key="door-other-scanner")
    assert (elsewhere["code"], elsewhere["remainingCents"]) == ("accepted", 0)
    assert door.sync(other_id, record)[0]["outcome"] == "redeemed"


# --- the same files in Chromium ----------------------------------------------------

class _ModulesOnly(http.server.SimpleHTTPRequestHandler):
    """Serves the token modules and the vectors, nothing else of the repository."""

    ALLOWED = ("/pwa/src/tokens/", "/pwa/src/scanner/decide.js", "/pwa/src/scanner/bundle.js",
               "/pwa/src/scanner/messages.js", "/pwa/tests/helpers/cases.mjs", "/tests/vectors/")
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".js": "text/javascript", ".mjs": "text/javascript", ".json": "application/json"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, directory=str(ROOT), **kwargs)

    def do_GET(self):
        if self.path == "/":
            body = b"<!doctype html><title>tokens</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif self.path.startswith(self.ALLOWED) and ".." not in self.path:
            super().do_GET()
        else:
            self.send_error(404)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def modules_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ModulesOnly)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


# Runs in the page: every vector with the browser's WebCrypto, then a presentation, a
# decision and a record made with non-extractable keys created there.
_IN_CHROMIUM = """async ({ files, walletJwk, credential, now, bundle }) => {
  const tokens = await import('/pwa/src/tokens/index.js');
  const { decide } = await import('/pwa/src/scanner/decide.js');
  const { describe, runCase } = await import('/pwa/tests/helpers/cases.mjs');
  const mismatches = [];
  let count = 0;
  for (const file of files) {
    const document = await (await fetch(`/tests/vectors/${file}`)).json();
    for (const testCase of document.cases) {
      count += 1;
      const { code, token } = await runCase(testCase, document.keys);
      const fields = token && testCase.fields ? JSON.stringify(describe(token)) : null;
      if (code !== testCase.expected || (fields !== null && fields !== JSON.stringify(testCase.fields))) {
        mismatches.push({ name: testCase.name, code, fields });
      }
    }
  }
  const curve = { name: 'ECDSA', namedCurve: 'P-256' };
  const wallet = await crypto.subtle.importKey('jwk', walletJwk, curve, false, ['sign']);
  const presentation = await tokens.presentCredential(credential, wallet, { now });
  const verdict = await decide({ text: presentation, bundle, now, eventId: 501 });
  const scanner = await crypto.subtle.generateKey(curve, false, ['sign', 'verify']);
  const record = await tokens.recordScan(scanner.privateKey, verdict.record);
  const scannerKey = tokens.toHex(await tokens.exportCompressed(scanner.publicKey));
  return { count, mismatches, presentation, verdict, record, scannerKey };
}"""


@pytest.mark.browser
def test_the_same_modules_verify_present_decide_and_record_in_chromium(browser, modules_url):
    documents = vector_documents()
    keys = documents["credentials.json"]["keys"]
    voucher = next(c for c in documents["credentials.json"]["cases"] if c["name"] == "valid voucher")["token"]
    wallet = DeviceKey.from_secret(0x5EED_0001)  # the vectors' wallet (tests/vectors/generate.py)
    bundle = {"scanner_id": 7, "venue_id": VENUE, "generated_at": "2027-01-15T07:00:00+00:00", "issuer_keys": keys,
              "revocations": {"entries": [], "since": 0, "more": False, "full": True},
              "events": [{"id": EVENT, "title": "Amleto", "category_code": 0, "price_cents": 1200,
                          "starts_at": "Fri, 15 Jan 2027 19:00:00 GMT", "ends_at": "Fri, 15 Jan 2027 21:00:00 GMT"}],
              "policy": {"max_data_age_seconds": DAY, "max_skew_seconds": 90, "step_seconds": 15}}
    page = browser.new_page()
    try:
        page.goto(modules_url + "/")
        out = page.evaluate(_IN_CHROMIUM, {"files": sorted(documents), "walletJwk": private_jwk(wallet),
                                           "credential": voucher, "now": NOW, "bundle": bundle})
    finally:
        page.close()

    assert out["count"] == sum(len(d["cases"]) for d in documents.values())
    assert out["mismatches"] == []
    presentation = verify_presentation(out["presentation"], keys=PublicKeyset.from_jwks(keys), now=NOW,
                                       scope=Scope(VENUE, 0))
    assert to_text(presentation.credential) == voucher
    assert (out["verdict"]["code"], out["verdict"]["amountCents"]) == ("accepted", 1200)
    record = verify_scanner_record(out["record"]["text"], scanner_key=bytes.fromhex(out["scannerKey"]))
    assert (record.result, record.amount_cents, record.scanned_text) == ("accepted", 1200, out["presentation"])
