"""Whatever comes in, only our exceptions come out; any one-character change is refused."""
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signing import Scope, TokenError, present, to_text, verify_credential, verify_presentation
from signing.base45 import ALPHABET
from signing.base45 import encode as b45encode
from signing.tokens import PREFIXES, parse_unverified

from .conftest import NOW

PROPERTY_SETTINGS = settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 300)), deadline=None,
                             suppress_health_check=[HealthCheck.function_scoped_fixture])
prefixes = st.sampled_from(sorted(PREFIXES.values()))


def _only_token_errors(call):
    try:
        call()
    except TokenError:
        pass


@PROPERTY_SETTINGS
@given(text=st.text(max_size=600))
def test_any_text_raises_only_token_errors(keyset, text):
    _only_token_errors(lambda: verify_credential(text, keys=keyset.public(), now=NOW))
    _only_token_errors(lambda: verify_presentation(text, keys=keyset.public(), now=NOW, scope=None))


@PROPERTY_SETTINGS
@given(prefix=prefixes, body=st.text(alphabet=ALPHABET, max_size=600))
def test_any_base45_text_behind_a_real_prefix_raises_only_token_errors(keyset, prefix, body):
    _only_token_errors(lambda: parse_unverified(prefix + body))
    _only_token_errors(lambda: verify_presentation(prefix + body, keys=keyset.public(), now=NOW, scope=None))


@PROPERTY_SETTINGS
@given(prefix=prefixes, data=st.binary(max_size=400))
def test_any_bytes_raise_only_token_errors(keyset, prefix, data):
    text = prefix + b45encode(data)
    _only_token_errors(lambda: parse_unverified(text))
    _only_token_errors(lambda: verify_credential(text, keys=keyset.public(), now=NOW))
    _only_token_errors(lambda: verify_presentation(text, keys=keyset.public(), now=NOW, scope=None))


@PROPERTY_SETTINGS
@given(data=st.data())
def test_changing_any_character_of_a_credential_is_refused(keyset, voucher, data):
    text = to_text(voucher)
    position = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET + "abc#\n").filter(lambda c: c != text[position]))
    changed = text[:position] + replacement + text[position + 1:]
    try:
        verify_credential(changed, keys=keyset.public(), now=NOW)
    except TokenError:
        return
    raise AssertionError(f"accepted a changed credential at position {position}")


@PROPERTY_SETTINGS
@given(data=st.data())
def test_changing_any_character_of_a_presentation_is_refused(keyset, voucher, wallet, data):
    # Deterministic ECDSA: the same text every example, or hypothesis's draws would vary with it.
    text = to_text(present(voucher, wallet, now=NOW, deterministic=True))
    position = data.draw(st.integers(0, len(text) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != text[position]))
    changed = text[:position] + replacement + text[position + 1:]
    try:
        verify_presentation(changed, keys=keyset.public(), now=NOW, scope=Scope(venue_id=1, category=0))
    except TokenError:
        return
    raise AssertionError(f"accepted a changed presentation at position {position}")
