import math
import random
import re

import pytest
from hypothesis import given, strategies as st

from server.vouchers import claim_codes
from server.vouchers.claim_codes import ALPHABET, InvalidClaimCode

DISPLAY = re.compile(rf"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$")

seeds = st.integers(min_value=0, max_value=2**64)


def code_from(seed: int) -> str:
    return claim_codes.generate(random.Random(seed))


def test_alphabet_has_one_symbol_per_look_alike_group():
    for group in ("0O", "1IL", "2Z", "5S", "8B", "UV"):
        assert sum(symbol in ALPHABET for symbol in group) == 1, group
    assert len(set(ALPHABET)) == len(ALPHABET) == 29


def test_entropy_is_at_least_50_bits():
    bits = claim_codes.RANDOM_SYMBOLS * math.log2(len(ALPHABET))
    assert bits >= 50
    assert math.floor(bits) == claim_codes.ENTROPY_BITS


def test_generated_code_has_the_display_form():
    code = claim_codes.generate()
    assert DISPLAY.match(code), code
    assert len(code.replace("-", "")) == claim_codes.LENGTH == 12


def test_the_default_generator_gives_distinct_codes():
    codes = {claim_codes.generate() for _ in range(200)}
    assert len(codes) == 200


@given(seeds)
def test_generated_codes_validate_to_themselves(seed):
    code = code_from(seed)
    assert claim_codes.validate(code) == code


@given(seeds, st.data())
def test_every_single_substitution_is_rejected(seed, data):
    symbols = code_from(seed).replace("-", "")
    position = data.draw(st.integers(0, len(symbols) - 1))
    for other in ALPHABET:
        if other == symbols[position]:
            continue
        mutated = symbols[:position] + other + symbols[position + 1 :]
        with pytest.raises(InvalidClaimCode):
            claim_codes.validate(mutated)


@given(seeds)
def test_every_adjacent_transposition_is_rejected(seed):
    symbols = code_from(seed).replace("-", "")
    for i in range(len(symbols) - 1):
        if symbols[i] == symbols[i + 1]:
            continue
        swapped = symbols[:i] + symbols[i + 1] + symbols[i] + symbols[i + 2 :]
        with pytest.raises(InvalidClaimCode):
            claim_codes.validate(swapped)


@given(st.text(alphabet=ALPHABET, min_size=9, max_size=9), st.integers(0, 9))
def test_the_transposition_luhn_mod_n_misses_is_caught(rest, i):
    # Luhn mod N cannot see the swap of the symbols worth 0 and N-1 (09 <-> 90 in
    # Luhn mod 10); the Damm check must, wherever the pair sits.
    data = rest[:i] + ALPHABET[0] + ALPHABET[-1] + rest[i:]
    code = data + claim_codes._check_symbol(data)
    claim_codes.validate(code)
    swapped = rest[:i] + ALPHABET[-1] + ALPHABET[0] + rest[i:]
    with pytest.raises(InvalidClaimCode):
        claim_codes.validate(swapped + code[-1])


@given(seeds, st.randoms())
def test_normalization_of_case_spaces_dashes_and_look_alikes(seed, rnd):
    code = code_from(seed)
    back = {"0": "O", "1": rnd.choice("IL"), "2": "Z", "5": "S", "8": "B", "V": "U"}
    typed = "".join(
        rnd.choice([symbol, back.get(symbol, symbol)]) for symbol in code.replace("-", "")
    )
    typed = "".join(c.lower() if rnd.random() < 0.5 else c for c in typed)
    typed = " ".join(typed[i : i + 3] for i in range(0, len(typed), 3))
    assert claim_codes.validate(f"  {typed} - ") == code


def test_normalize():
    assert claim_codes.normalize(" ac-dE\u2013f ") == "ACDEF"
    assert claim_codes.normalize("a8 - c\u2014d") == "A8CD"
    assert claim_codes.normalize("oil zsbu") == "011258V"
    assert claim_codes.normalize("") == ""


@pytest.mark.parametrize("text", ["AB!D", "ÄCDE", "A_CD", "12.4", "ACDÉ"])
def test_normalize_refuses_foreign_characters(text):
    with pytest.raises(InvalidClaimCode) as caught:
        claim_codes.normalize(text)
    assert caught.value.code == "invalid_claim_code"


@pytest.mark.parametrize("text", ["", "ACDE-FGHJ-KMN", "ACDE-FGHJ-KMNPQ", None, 12345])
def test_validate_refuses_wrong_lengths_and_types(text):
    with pytest.raises(InvalidClaimCode) as caught:
        claim_codes.validate(text)
    assert caught.value.code == "invalid_claim_code"
    assert caught.value.message  # Italian, shown as it is


def test_deep_link_format():
    code = code_from(1)
    typed = code.lower().replace("-", " ")
    assert claim_codes.deep_link("https://mentoring.example", typed) == (
        f"https://mentoring.example/w/claim/{code}"
    )
    assert claim_codes.deep_link("https://mentoring.example/app/", code) == (
        f"https://mentoring.example/app/w/claim/{code}"
    )


@pytest.mark.parametrize("base", ["mentoring.example", "ftp://x.example", "https://x.example/?a=1"])
def test_deep_link_refuses_odd_base_urls(base):
    with pytest.raises(ValueError):
        claim_codes.deep_link(base, code_from(1))


def test_deep_link_refuses_invalid_codes():
    with pytest.raises(InvalidClaimCode):
        claim_codes.deep_link("https://mentoring.example", "ACDE-FGHJ-KMNP-Q")


def test_hash_is_stable_across_spellings_and_depends_on_the_secret():
    code = code_from(2)
    digest = claim_codes.hash_code(code, b"secret-one")
    assert re.fullmatch(r"[0-9a-f]{64}", digest)
    assert claim_codes.hash_code(code.lower().replace("-", ""), "secret-one") == digest
    assert claim_codes.hash_code(code, b"secret-two") != digest
    assert claim_codes.hash_code(code_from(3), b"secret-one") != digest


def test_hash_refuses_an_empty_secret():
    with pytest.raises(ValueError):
        claim_codes.hash_code(code_from(2), b"")


def test_the_documented_example_is_valid():
    assert claim_codes.validate("7kq3 m9xd t4as") == "7KQ3-M9XD-T4A5"
