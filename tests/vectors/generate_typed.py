"""Builds tests/vectors/typed/codes.json: typed door codes (server/door/typed_code.py)
from fixed secrets, so the wallet's JavaScript (pwa/src/tokens/typed-code.js) and the
server agree on every digit. ``python -m tests.vectors.generate_typed`` rewrites it; a
test checks the committed file is current."""
import json
import sys
from pathlib import Path

from server.door import typed_code

TYPED = Path(__file__).parent / "typed"
FILE = TYPED / "codes.json"
NOW = 1_800_000_000  # 2027-01-15T08:00:00Z, as the token vectors
DEVICE_KEY = bytes.fromhex("02" + "11" * 32)


def document() -> dict:
    secret = typed_code.door_secret("vector app secret")
    cases = []
    for voucher_id in (1, 12, 4_294_967_295):
        key = typed_code.code_key(secret, voucher_id, DEVICE_KEY)
        for step in (0, 1, NOW // typed_code.STEP_SECONDS, NOW // typed_code.STEP_SECONDS + 1, 2**40):
            cases.append({"voucher_id": voucher_id, "step": step, "code": typed_code.code(key, step)})
    return {
        "description": "typed door codes: key = HMAC-SHA256(secret, 'MDC1' || voucher id u32 || device key); "
                       "code = RFC 4226 truncation of HMAC-SHA256(key, 'MDC1' || step u64) mod 10^6",
        "secret": secret.hex(), "device_key": DEVICE_KEY.hex(),
        "keys": {str(v): typed_code.code_key(secret, v, DEVICE_KEY).hex() for v in (1, 12, 4_294_967_295)},
        "cases": cases,
    }


def text() -> str:
    return json.dumps(document(), indent=1) + "\n"


if __name__ == "__main__":
    TYPED.mkdir(exist_ok=True)
    FILE.write_text(text())
    sys.stdout.write(f"wrote {FILE}\n")
