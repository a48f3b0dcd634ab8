import pytest
import qrcode.util
from hypothesis import given, settings, strategies as st

from server.payments import epc, reference
from signing import qr as signing_qr

# The EPC069-12 sample (Belgian Red Cross), as version 002 without a purpose code.
RED_CROSS = dict(
    beneficiary_name="Red Cross of Belgium",
    iban="BE72 0000 0000 1616",
    bic="BPOTBEB1",
    amount_cents=100,
    text="Urgency fund",
)

TOPUP = dict(
    beneficiary_name="Mentoring S.r.l.",
    iban="DE89 3704 0044 0532 0130 00",
    amount_cents=12345,
    reference="RF18 5390 0754 7034",
)


def test_exact_lines_with_unstructured_text():
    assert epc.payload(**RED_CROSS).split("\n") == [
        "BCD",
        "002",
        "1",
        "SCT",
        "BPOTBEB1",
        "Red Cross of Belgium",
        "BE72000000001616",
        "EUR1.00",
        "",  # purpose
        "",  # structured reference
        "Urgency fund",
    ]


def test_exact_payload_with_structured_reference_and_no_bic():
    assert epc.payload(**TOPUP) == (
        "BCD\n002\n1\nSCT\n\nMentoring S.r.l.\nDE89370400440532013000\nEUR123.45\n\nRF18539007547034"
    )


def test_nothing_follows_the_last_populated_element():
    fields = dict(TOPUP, reference=None)
    assert epc.payload(**fields).split("\n")[-1] == "EUR123.45"


@pytest.mark.parametrize(
    ("cents", "text"),
    [
        (1, "EUR0.01"),
        (10, "EUR0.10"),
        (100, "EUR1.00"),
        (12345, "EUR123.45"),
        (99_999_999_999, "EUR999999999.99"),
    ],
)
def test_amount_formatting(cents, text):
    assert epc.format_amount(cents) == text
    assert epc.payload(**dict(TOPUP, amount_cents=cents)).split("\n")[7] == text


@pytest.mark.parametrize("cents", [0, -1, 100_000_000_000, 12.34, 1234.0, "1234", True, None])
def test_amount_refuses_zero_out_of_range_and_non_integers(cents):
    with pytest.raises(ValueError, match="amount"):
        epc.payload(**dict(TOPUP, amount_cents=cents))


def test_reference_and_text_together_are_refused():
    with pytest.raises(ValueError, match="not both"):
        epc.payload(**dict(TOPUP, text="Ricarica"))


def test_reference_must_be_a_valid_rf():
    with pytest.raises(ValueError, match="reference"):
        epc.payload(**dict(TOPUP, reference="RF19539007547034"))


def test_topup_reference_is_accepted():
    rf = reference.topup_reference(7)
    assert epc.payload(**dict(TOPUP, reference=rf)).endswith("\n" + rf)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("beneficiary_name", "", "beneficiary_name is empty"),
        ("beneficiary_name", "x" * 71, "at most 70"),
        ("beneficiary_name", "Mentoring\nEvil", "line breaks"),
        ("iban", "DE89 3704 0044 0532 0130 01", "IBAN"),
        ("iban", "", "IBAN"),
        ("bic", "NOTABIC", "BIC"),
        ("text", "x" * 141, "at most 140"),
        ("text", "one\rtwo", "line breaks"),
    ],
)
def test_field_validation(field, value, message):
    fields = dict(RED_CROSS, **{field: value})
    with pytest.raises(ValueError, match=message):
        epc.payload(**fields)


def test_limits_are_inclusive():
    fields = dict(RED_CROSS, beneficiary_name="N" * 70, text="T" * 140)
    lines = epc.payload(**fields).split("\n")
    assert lines[5] == "N" * 70 and lines[10] == "T" * 140


def test_total_size_is_limited_to_331_bytes():
    # 70 + 140 characters of three UTF-8 bytes each overflow the QR's capacity.
    fields = dict(RED_CROSS, beneficiary_name="€" * 70, text="€" * 140)
    with pytest.raises(ValueError, match="331"):
        epc.payload(**fields)


def test_the_largest_payload_fits_a_version_13_qr_at_level_m():
    fields = dict(RED_CROSS, bic="BPOTBEBBXXX", beneficiary_name="N" * 70, text="T" * 140)
    text = epc.payload(**fields)
    code = epc._qr(text, 1, 0)
    assert code.version <= epc.MAX_QR_VERSION
    assert code.error_correction == qrcode.constants.ERROR_CORRECT_M


def test_the_qr_holds_one_byte_mode_segment_of_utf8():
    # zbar guesses the charset of byte-mode data (non-ASCII text may come back as
    # Shift-JIS), so non-ASCII is checked here, at the encoder, not by decoding.
    fields = dict(RED_CROSS, beneficiary_name="Società Più Cultura")
    code = epc._qr(epc.payload(**fields), 1, 0)
    [segment] = code.data_list
    assert segment.mode == qrcode.util.MODE_8BIT_BYTE
    assert segment.data == epc.payload(**fields).encode("utf-8")


@pytest.mark.parametrize("fields", [RED_CROSS, TOPUP], ids=["text", "reference"])
def test_png_round_trip_through_pyzbar(fields):
    assert signing_qr.decode_image(epc.png(**fields)) == [epc.payload(**fields)]


def test_svg_is_an_svg_document():
    document = epc.svg(**TOPUP)
    assert document.lstrip().startswith("<?xml") or document.lstrip().startswith("<svg")
    assert "<path" in document


def test_png_validates_like_payload():
    with pytest.raises(ValueError, match="not both"):
        epc.png(**dict(TOPUP, text="Ricarica"))


printable_ascii = st.characters(min_codepoint=0x21, max_codepoint=0x7E)


@settings(max_examples=15, deadline=None)
@given(
    name=st.text(alphabet=printable_ascii, min_size=1, max_size=70),
    cents=st.integers(1, epc.MAX_AMOUNT_CENTS),
    text=st.text(alphabet=printable_ascii, min_size=1, max_size=140),
)
def test_round_trip_property(name, cents, text):
    fields = dict(RED_CROSS, beneficiary_name=name, amount_cents=cents, text=text)
    assert signing_qr.decode_image(epc.png(**fields)) == [epc.payload(**fields)]
