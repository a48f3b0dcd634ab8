"""The shared vectors, run through the Python verifier. The PWA runs the same files."""
import json
from pathlib import Path

import pytest

from signing import PublicKeyset, Revocations, Scope, TokenError, verify_credential, verify_presentation, verify_scanner_record
from tests.vectors import generate
from tests.vectors.generate import _fields

VECTOR_DIR = Path(generate.__file__).parent
FILES = sorted(VECTOR_DIR.glob("*.json"))


def _cases():
    for path in FILES:
        document = json.loads(path.read_text())
        for case in document["cases"]:
            yield pytest.param(document["keys"], case, id=f"{path.stem}: {case['name']}")


def run_case(jwks: dict, case: dict):
    """Verify one case as a scanner or wallet would; return ("ok", token) or (code, None)."""
    keys = PublicKeyset.from_jwks(jwks)
    revoked = case.get("revoked", {})
    revocations = Revocations(
        voucher_ids=frozenset(revoked.get("voucher_ids", [])),
        ticket_ids=frozenset(revoked.get("ticket_ids", [])),
        device_keys=frozenset(bytes.fromhex(k) for k in revoked.get("device_keys", [])),
    )
    try:
        if case["verify_as"] == "credential":
            token = verify_credential(case["token"], keys=keys, now=case["verify_at"], revoked=revocations)
        elif case["verify_as"] == "presentation":
            token = verify_presentation(case["token"], keys=keys, now=case["verify_at"],
                                        scope=Scope(**case["scope"]), revoked=revocations,
                                        max_skew_seconds=case["max_skew_seconds"])
        else:
            token = verify_scanner_record(case["token"], scanner_key=bytes.fromhex(case["scanner_key"]))
    except TokenError as error:
        return error.code, None
    return "ok", token


def test_there_are_vectors_of_every_kind():
    assert {path.name for path in FILES} == {
        "credentials.json", "presentations.json", "scanner_records.json", "malformed.json"}


@pytest.mark.parametrize("jwks, case", list(_cases()))
def test_vector(jwks, case):
    result, token = run_case(jwks, case)
    assert result == case["expected"]
    if result == "ok":
        assert _fields(token) == case["fields"]


EDGE_CASES = {
    # docs/tokens.md, "Verification": which end of each window is included, and which
    # structure check decides first. Both verifiers run these files; this keeps them there.
    "voucher at exactly its valid_until (included)": "ok",
    "voucher one second after its valid_until": "expired",
    "voucher at exactly its key's exp (included)": "ok",
    "voucher one second after its key's exp": "unknown_key",
    "voucher presented at exactly its valid_until (included)": "ok",
    "presentation at exactly its key's exp (included)": "ok",
    "skew edge: step ended 89 s ago, just inside": "ok",
    "skew edge: step ended 90 s ago, just outside": "stale_presentation",
    "skew edge: step starts 90 s ahead, just inside": "ok",
    "skew edge: step starts 91 s ahead, just outside": "future_presentation",
    "voucher checked with no category (scope category null)": "out_of_scope",
    "MP: garbage checked as a credential (the prefix decides first)": "wrong_kind",
    "presentation whose credential has a kind-3 header": "wrong_kind",
    "trailing space (nothing is trimmed)": "malformed",
    "refusal by a scanner its venue retired (result 53)": "ok",
}


def test_the_edges_of_the_spec_are_in_the_vectors():
    expected = {case["name"]: case["expected"]
                for path in FILES for case in json.loads(path.read_text())["cases"]}
    assert {name: expected.get(name) for name in EDGE_CASES} == EDGE_CASES


def test_vectors_are_current():
    """The committed files are exactly what the generator makes: regenerate after a format change."""
    for name, document in generate.build().items():
        assert (VECTOR_DIR / name).read_text() == generate.render(document), f"run python -m tests.vectors.generate ({name})"
