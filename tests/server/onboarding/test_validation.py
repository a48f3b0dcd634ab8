import dataclasses
import re

import pytest
from stdnum import luhn

from server.errors import InvalidInput
from server.onboarding import validation
from server.onboarding.exceptions import InvalidField

# A real partita IVA (the one in python-stdnum's own documentation).
VAT = "00743110157"
# The example IBAN of the Italian banks' documentation.
IBAN_IT = "IT60X0542811101000000123456"


def raises_invalid(code, function, value):
    with pytest.raises(InvalidField) as caught:
        function(value)
    assert caught.value.code == code
    return caught.value


# InvalidField


def test_invalid_field_carries_field_code_and_message():
    error = InvalidField("iban", "invalid_iban", "L'IBAN non è valido.")

    assert error.field == "iban"
    assert error.code == "invalid_iban"
    assert error.message == "L'IBAN non è valido."


def test_invalid_field_is_an_invalid_input_error():
    assert isinstance(InvalidField("iban", "invalid_iban", "x"), InvalidInput)


def test_error_names_the_field_given_by_the_caller():
    with pytest.raises(InvalidField) as caught:
        validation.iban("nope", field="payout_iban")

    assert caught.value.field == "payout_iban"


# Partita IVA


@pytest.mark.parametrize(
    "typed",
    [VAT, "IT00743110157", "it 007 431 101 57", " 00743110157 ", "IT-00743110157"],
)
def test_vat_number_returns_the_eleven_digits(typed):
    assert validation.vat_number(typed) == VAT


def test_vat_number_accepts_a_number_built_with_its_check_digit():
    body = "1234567012"  # company 1234567, provincial office 012

    assert validation.vat_number(body + luhn.calc_check_digit(body)) == "12345670124"


def test_vat_number_refuses_a_wrong_check_digit():
    error = raises_invalid("invalid_vat_number", validation.vat_number, "00743110158")

    assert "controllo" in error.message


@pytest.mark.parametrize("typed", ["0074311015", "007431101570", "IT0074311015"])
def test_vat_number_refuses_a_wrong_length(typed):
    error = raises_invalid("invalid_vat_number", validation.vat_number, typed)

    assert "11 cifre" in error.message


def test_vat_number_refuses_an_unknown_provincial_office():
    body = "1234567101"  # offices run 001-100, plus 120, 121, 888, 999

    raises_invalid("invalid_vat_number", validation.vat_number, body + luhn.calc_check_digit(body))


@pytest.mark.parametrize(
    "typed", ["", "0074311015A", "00000000000", "٠٠٧٤٣١١٠١٥٧", None, 743110157]
)
def test_vat_number_refuses_what_is_not_eleven_digits(typed):
    raises_invalid("invalid_vat_number", validation.vat_number, typed)


# IBAN


@pytest.mark.parametrize(
    "typed, compact",
    [
        (IBAN_IT, IBAN_IT),
        ("it60 x054 2811 1010 0000 0123 456", IBAN_IT),
        (" IT60-X054-2811-1010-0000-0123-456 ", IBAN_IT),
        ("DE89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("gb82 west 1234 5698 7654 32", "GB82WEST12345698765432"),
    ],
)
def test_iban_returns_the_compact_upper_case_form(typed, compact):
    assert validation.iban(typed) == compact


def test_iban_refuses_wrong_check_digits():
    error = raises_invalid("invalid_iban", validation.iban, "IT61X0542811101000000123456")

    assert "controllo" in error.message


@pytest.mark.parametrize("typed", ["IT60X054281110100000012345", "IT60"])
def test_iban_refuses_a_truncated_iban(typed):
    raises_invalid("invalid_iban", validation.iban, typed)


# Check digits made right for the wrong length, so only the length is wrong.
@pytest.mark.parametrize("typed", ["IT90X054281110100000012345", "IT24X05428111010000001234567"])
def test_iban_refuses_a_wrong_length_for_its_country(typed):
    error = raises_invalid("invalid_iban", validation.iban, typed)

    assert "lunghezza" in error.message


def test_iban_refuses_a_country_that_has_no_iban():
    # Check digits made right for the unknown country "XX", so only the country is wrong.
    raises_invalid("invalid_iban", validation.iban, "XX720542811101000000123456")


def test_iban_refuses_a_bban_of_the_wrong_layout_for_its_country():
    # Italy wants a letter (the CIN) first: a digit there, with correct check digits.
    raises_invalid("invalid_iban", validation.iban, "IT2500542811101000000123456")


@pytest.mark.parametrize("typed", ["", "   ", "IT60X05428111010000001234٥٦", None, 60])
def test_iban_refuses_what_is_not_an_iban(typed):
    raises_invalid("invalid_iban", validation.iban, typed)


# Codice meccanografico


@pytest.mark.parametrize(
    "typed, code",
    [
        ("MIIS00900T", "MIIS00900T"),
        ("  miis 009 00t ", "MIIS00900T"),
        ("RMIC8A5005", "RMIC8A5005"),
        ("MBEE12345A", "MBEE12345A"),
        ("naTD0700B7", "NATD0700B7"),
    ],
)
def test_school_code_returns_the_upper_case_code(typed, code):
    assert validation.school_code(typed) == code


@pytest.mark.parametrize("code", ["FOPS01000X", "PSIS00100B", "CIIC80000C"])
def test_school_code_accepts_a_former_province(code):
    assert validation.school_code(code) == code


@pytest.mark.parametrize(
    "typed",
    [
        "MIIS0090T",  # 9 characters
        "MIIS00900TX",  # 11 characters
        "MI1S00900T",  # digit in the school type
        "M1IS00900T",  # digit in the province
        "MIIS-0900T",
        "",
        None,
    ],
)
def test_school_code_refuses_the_wrong_shape(typed):
    raises_invalid("invalid_school_code", validation.school_code, typed)


@pytest.mark.parametrize("typed", ["XXIS00900T", "ZZPS01000X", "EEIS00900T"])
def test_school_code_refuses_an_unknown_province(typed):
    error = raises_invalid("invalid_school_code", validation.school_code, typed)

    assert f"«{typed[:2]}»" in error.message


def test_provinces_are_the_107_current_ones():
    assert len(validation.PROVINCES) == 107
    assert {"MI", "MB", "TO", "RM", "NA", "BT", "FM", "SU", "VB"} <= validation.PROVINCES


def test_former_provinces_are_not_current_ones():
    assert not validation.FORMER_PROVINCES & validation.PROVINCES


def test_provinces_are_two_upper_case_letters():
    assert all(re.fullmatch("[A-Z]{2}", sigla) for sigla in validation.PROVINCES)


# Municipalities


@pytest.mark.parametrize(
    "typed, istat_code",
    [
        ("Milano", "015146"),
        ("milano", "015146"),
        ("  MILANO ", "015146"),
        ("Mìlano", "015146"),
        ("Sesto San Giovanni", "015209"),
        ("sesto san giovanni", "015209"),
        ("Cernusco sul Naviglio", "015070"),
        ("cernusco sul naviglio", "015070"),
        ("Cassina de Pecchi", "015060"),
        ("Trezzo sull’Adda", "015221"),
        ("San Donato Milanese", "015192"),
        ("Vermezzo con Zelo", "015251"),
    ],
)
def test_municipality_is_found_by_name(typed, istat_code):
    assert validation.municipality(typed).istat_code == istat_code


@pytest.mark.parametrize(
    "typed, name",
    [
        ("015146", "Milano"),
        (" 015209 ", "Sesto San Giovanni"),
        ("015250", "Baranzate"),
        ("015118", "Legnano"),
    ],
)
def test_municipality_is_found_by_istat_code(typed, name):
    assert validation.municipality(typed).name == name


def test_municipality_returns_code_name_and_province():
    assert validation.municipality("rho") == validation.Municipality("015182", "Rho", "MI", "015", "Milano",
                                                                     "03", "Lombardia")


@pytest.mark.parametrize(
    "typed",
    [
        "Atlantide",
        "Zelo Surrigone",  # merged into Vermezzo con Zelo in 2019
        "015999",
        "15146",
        "",
        "   ",
        None,
    ],
)
def test_municipality_unknown_gives_unknown_municipality(typed):
    raises_invalid("unknown_municipality", validation.municipality, typed)


def test_municipality_is_immutable():
    milano = validation.municipality("Milano")

    with pytest.raises(dataclasses.FrozenInstanceError):
        milano.name = "Milan"


# The list itself (all of Italy, Milan's 133 among them): test_territory.py.


# CAP


@pytest.mark.parametrize(
    "typed, cap", [("20121", "20121"), (" 20099 ", "20099"), ("00118", "00118")]
)
def test_postal_code_returns_five_digits(typed, cap):
    assert validation.postal_code(typed) == cap


@pytest.mark.parametrize(
    "typed", ["2012", "201210", "20l21", "20 121", "", "２０１２１", None, 20121]
)
def test_postal_code_refuses_anything_but_five_digits(typed):
    raises_invalid("invalid_postal_code", validation.postal_code, typed)
