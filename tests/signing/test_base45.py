import base45 as reference
import pytest
from hypothesis import given
from hypothesis import strategies as st

from signing import base45
from signing.errors import Malformed


@given(st.binary(max_size=300))
def test_encoding_matches_the_reference_implementation(data):
    assert base45.encode(data) == reference.b45encode(data).decode()
    assert base45.decode(base45.encode(data)) == data


@pytest.mark.parametrize("text, data", [("BB8", b"AB"), ("%69 VD92EX0", b"Hello!!"), ("UJCLQE7W581", b"base-45")])
def test_rfc_9285_examples(text, data):
    assert base45.decode(text) == data
    assert base45.encode(data) == text


@pytest.mark.parametrize("text", ["GGW", "A", "ABCD", "ab", "é12", "AB\n", "ZZ"])
def test_non_canonical_or_foreign_text_is_malformed(text):
    with pytest.raises(Malformed):
        base45.decode(text)
