"""Hostile statements: each is a clear 4xx problem, and nothing is stored."""
import base64

import pytest
import sqlalchemy as sa

from server.banking import camt
from server.banking.models import BankLine, BankStatement
from server.extensions import db
from tests.server.banking.builder import Camt

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"><BkToCstmrStmt><GrpHdr><MsgId>&lol9;</MsgId>
</GrpHdr></BkToCstmrStmt></Document>"""


def _external_entity(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("IT00SEGRETO")
    data = Camt().credit(1_000, ustrd="XXE").xml().replace(b"<Ustrd>XXE</Ustrd>", b"<Ustrd>&xxe;</Ustrd>")
    return data.replace(b'<?xml version="1.0" encoding="UTF-8"?>',
                        b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY xxe SYSTEM "file://'
                        + str(secret).encode() + b'">]>')


def _nested_without_dtd():
    # Deep nesting: libxml2's own depth limit (no huge_tree) refuses it.
    return b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">' + b"<a>" * 20_000 + b"</a>" * 20_000 \
        + b"</Document>"


CASES = {
    "billion laughs": (lambda tmp: BILLION_LAUGHS, 422, "statement_unreadable"),
    "external entity": (_external_entity, 422, "statement_unreadable"),
    "too deep": (lambda tmp: _nested_without_dtd(), 422, None),
    "not xml": (lambda tmp: b"Data;Importo;Causale\n27/11/2026;250,00;RF15MNT0000000042\n", 422, "statement_unreadable"),
    "a pain.001": (lambda tmp: Camt(namespace="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09").credit(1).xml(),
                   422, "statement_not_camt"),
    "another account": (lambda tmp: Camt(iban="IT02L1234512345123456789012").credit(1_000).xml(), 422,
                        "statement_wrong_account"),
    "utf-16 junk": (lambda tmp: "ciao".encode("utf-16"), 422, "statement_unreadable"),
}


def _stored(app):
    with app.app_context():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(model)) for model in (BankStatement, BankLine)]


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("endpoint", ["preview", "import_"])
def test_hostile_files_are_refused_and_nothing_is_stored(desk, tmp_path, name, endpoint):
    make, status, code = CASES[name]
    response = getattr(desk, endpoint)(make(tmp_path))
    assert response.status_code == status, response.get_data(True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["code"] in ({code} if code else {"statement_unreadable", "statement_not_camt"})
    assert "IT00SEGRETO" not in response.get_data(True)
    assert _stored(desk.app) == [0, 0]


def test_a_file_over_the_limit_is_refused_by_size(desk):
    data = Camt().credit(1_000).xml() + b" " * camt.MAX_STATEMENT_BYTES
    response = desk.import_(data)
    assert response.status_code == 422 and response.get_json()["code"] == "statement_too_large"
    assert response.get_json()["params"] == {"max_bytes": camt.MAX_STATEMENT_BYTES}
    assert _stored(desk.app) == [0, 0]


def test_a_body_past_the_request_limit_is_refused_before_it_is_read(desk):
    content = "A" * (4 * 1024 * 1024)
    response = desk.api.post("/api/v1/admin/bank-statements", json={"content": content})
    assert response.status_code == 413 and response.get_json()["code"] == "payload_too_large"


@pytest.mark.parametrize("content", ["not base64!", "QUJD=ZZ", "Zm9v\x00"])
def test_content_that_is_not_base64_is_unreadable(desk, content):
    response = desk.api.post("/api/v1/admin/bank-statements", json={"content": content})
    assert response.status_code == 422 and response.get_json()["code"] in {"statement_unreadable", "invalid_input"}
    assert _stored(desk.app) == [0, 0]


def test_the_largest_statement_fits_under_the_request_limit(app):
    from server.http import limits

    encoded = len(base64.b64encode(b"x" * camt.MAX_STATEMENT_BYTES)) + 100  # and the JSON around it
    assert encoded < limits.MAX_CONTENT_LENGTH
