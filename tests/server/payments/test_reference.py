import pytest
from hypothesis import given, strategies as st
from stdnum import iso11649

from server.payments import reference

# The example of ISO 11649 (and of every bank's documentation).
STANDARD = "RF18539007547034"

bases = st.text(alphabet="0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=21)


def test_standard_example():
    assert reference.make_rf("539007547034") == STANDARD
    assert reference.is_valid_rf(STANDARD)


def test_printed_form_with_spaces_and_lower_case_is_valid():
    assert reference.is_valid_rf("RF18 5390 0754 7034")
    assert reference.is_valid_rf("rf18539007547034")
    assert reference.compact(" rf18 5390 0754 7034 ") == STANDARD


def test_leading_zeros_are_part_of_the_reference():
    assert reference.make_rf("000000000539007547034") == "RF18000000000539007547034"


@pytest.mark.parametrize(
    "text",
    [
        "RF19539007547034",  # check digits off by one
        "RF18539007547043",  # adjacent transposition
        "RF18539007547035",  # single substitution
        "RF81539007547034",  # check digits swapped
        "RF1853900754703",  # symbol dropped
        "XX18539007547034",  # not RF
        "RF18",  # no base
        "RF18" + "5" * 22,  # base too long
        "RF18-539007547034",  # foreign character
        "",
        None,
        18539007547034,
    ],
)
def test_mutations_are_invalid(text):
    assert not reference.is_valid_rf(text)


@given(bases)
def test_made_references_are_valid_and_agree_with_stdnum(base):
    made = reference.make_rf(base)
    assert reference.is_valid_rf(made)
    assert iso11649.is_valid(made)
    assert 2 <= int(made[2:4]) <= 98


@given(bases, st.data())
def test_every_single_substitution_within_its_kind_is_detected(base, data):
    # MOD 97-10 guarantees this for digit->digit and letter->letter; a letter
    # replaced by a digit changes the length of the numeric string and is caught
    # only with probability 96/97 (see the next test).
    made = reference.make_rf(base)
    position = data.draw(st.integers(2, len(made) - 1))
    kind = "0123456789" if made[position].isdigit() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    replacement = data.draw(st.sampled_from(kind))
    mutated = made[:position] + replacement + made[position + 1 :]
    assert reference.is_valid_rf(mutated) == (mutated == made)


@given(bases, st.data())
def test_validity_agrees_with_stdnum_on_arbitrary_mutations(base, data):
    made = reference.make_rf(base)
    position = data.draw(st.integers(2, len(made) - 1))
    replacement = data.draw(st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    mutated = made[:position] + replacement + made[position + 1 :]
    # stdnum alone lets a letter into the check digits when mod 97 happens to match.
    expected = iso11649.is_valid(mutated) and mutated[2:4].isdigit() and 2 <= int(mutated[2:4]) <= 98
    assert reference.is_valid_rf(mutated) == expected


def test_check_digits_00_01_and_99_are_refused():
    # RF98x and RF01x are the same number mod 97; only 02..98 are ever issued.
    base = next(b for b in (str(n) for n in range(1000)) if reference.make_rf(b)[2:4] == "98")
    assert reference.is_valid_rf(f"RF98{base}")
    assert not reference.is_valid_rf(f"RF01{base}")


@pytest.mark.parametrize("base", ["", "ABC-1", "abc", "Ä", "1" * 22, None])
def test_make_rf_refuses_bad_bases(base):
    with pytest.raises(ValueError):
        reference.make_rf(base)


def test_topup_reference():
    assert reference.topup_reference(42) == reference.make_rf("MNT0000000042")
    assert reference.is_valid_rf(reference.topup_reference(42))
    assert reference.topup_reference(42) != reference.topup_reference(43)


@given(st.integers(1, 10**18 - 1), st.integers(1, 10**18 - 1))
def test_topup_references_are_unique_and_valid(one, other):
    made = reference.topup_reference(one)
    assert reference.is_valid_rf(made)
    assert len(made) <= 25
    assert (made == reference.topup_reference(other)) == (one == other)


@pytest.mark.parametrize("topup_id", [0, -1, True, 1.0, "42", 10**18])
def test_topup_reference_refuses_bad_ids(topup_id):
    with pytest.raises(ValueError):
        reference.topup_reference(topup_id)
