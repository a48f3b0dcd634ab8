"""Pins the byte layout of docs/tokens.md, field by field, for the JavaScript twin."""
import struct

from signing import present, record_scan
from signing.device import DeviceKey

from .conftest import NOW


def test_voucher_layout(voucher):
    data = voucher.to_bytes()
    assert len(data) == 116
    assert data[0] == 0x11 and data[1] == voucher.key_id
    assert struct.unpack(">IIHH", data[2:14]) == (4242, 7, 0b1001, 2000)
    assert int.from_bytes(data[14:17], "big") * 3600 == voucher.valid_from
    assert (voucher.valid_from // 3600 + int.from_bytes(data[17:19], "big")) * 3600 == voucher.valid_until
    assert data[19:52] == voucher.device_key and data[52:] == voucher.signature


def test_ticket_layout(ticket):
    data = ticket.to_bytes()
    assert len(data) == 116
    assert data[0] == 0x12
    assert struct.unpack(">III", data[2:14]) == (11, 22, 33)
    assert data[19:52] == ticket.device_key


def test_presentation_layout(voucher, wallet):
    presentation = present(voucher, wallet, now=NOW)
    data = presentation.to_bytes()
    assert data[0] == 0x13 and data[1] == 116
    assert data[2:118] == voucher.to_bytes()
    assert struct.unpack(">I", data[118:122]) == (NOW // 15,)
    assert len(data) == 116 + 70


def test_scanner_record_layout():
    record = record_scan(DeviceKey.generate(), record_id=bytes(range(16)), scanner_id=5, scanned_at=NOW,
                         event_id=9, amount_cents=1250, result="out_of_scope", scanned_text="MP:XYZ")
    data = record.to_bytes()
    assert data[0] == 0x14 and data[1:17] == bytes(range(16))
    assert struct.unpack(">IIIIBH", data[17:36]) == (5, NOW, 9, 1250, 41, 6)
    assert data[36:42] == b"MP:XYZ" and len(data) == 100 + 6
