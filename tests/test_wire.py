"""tinytb._wire: protobuf wire primitives, both directions."""

import math
import random
import struct

import pytest

from tinytb import _wire
from tinytb.errors import DecodeError

# (value, encoding). Sources: the protobuf encoding guide (https://protobuf.dev/programming-
# guides/encoding/: 1 -> 01, 150 -> 96 01, "-1 ... ten bytes"), pure-protobuf's UVARINT_CASES
# (3 -> 03, 270 -> 8e 02, 86942 -> 9e a7 05), docs/event-file-format.md section 3
# (Event.step=-1 -> ff x9 01).
VARINTS = [
    (0, "00"),
    (1, "01"),
    (3, "03"),
    (127, "7f"),
    (128, "8001"),
    (150, "9601"),
    (270, "8e02"),
    (300, "ac02"),
    (16383, "ff7f"),
    (16384, "808001"),
    (86942, "9ea705"),
    (2**31, "8080808008"),
    (2**33, "8080808020"),
    (2**63 - 1, "ffffffffffffffff7f"),
    (2**64 - 1, "ffffffffffffffffff01"),
    (-1, "ffffffffffffffffff01"),
    (-2, "feffffffffffffffff01"),
    (-(2**63), "80808080808080808001"),
]


@pytest.mark.parametrize("value,hexed", VARINTS)
def test_varint_vectors(value, hexed):
    assert _wire.varint(value).hex() == hexed
    decoded, end = _wire.decode_varint(bytes.fromhex(hexed), 0)
    assert end == len(hexed) // 2
    assert _wire.to_int64(decoded) == (value if value < 2**63 else value - 2**64)


def test_varint_round_trip_random():
    rng = random.Random(1)
    for _ in range(2000):
        v = rng.randrange(-(2**63), 2**63)
        raw, end = _wire.decode_varint(_wire.varint(v) + b"\xff", 0)
        assert _wire.to_int64(raw) == v
        assert end == len(_wire.varint(v))


def test_keys_for_each_wire_type():
    # key = (field_number << 3) | wire_type: encoding guide, "Message Structure"
    assert _wire.key(1, _wire.VARINT) == b"\x08"
    assert _wire.key(1, _wire.I64) == b"\x09"
    assert _wire.key(2, _wire.LEN) == b"\x12"
    assert _wire.key(2, _wire.I32) == b"\x15"
    assert _wire.key(16, _wire.VARINT) == b"\x80\x01"


def test_field_encoders():
    assert _wire.uint_field(2, 5).hex() == "1005"
    assert _wire.uint_field(2, -1).hex() == "10ffffffffffffffffff01"
    assert _wire.double_field(1, 1.5).hex() == "09000000000000f83f"
    assert _wire.float_field(2, 0.5).hex() == "150000003f"
    assert _wire.string_field(1, "loss").hex() == "0a046c6f7373"
    assert _wire.bytes_field(2, b"").hex() == "1200"
    assert _wire.packed_varints(7, [1, 2, 3]).hex() == "3a03010203"
    assert _wire.packed_doubles(6, [0.0, 1.0]).hex() == "3210" + "00" * 8 + "000000000000f03f"
    assert _wire.packed_floats(5, [1.0]).hex() == "2a040000803f"


def test_float32_overflow_becomes_infinity():
    # docs/event-file-format.md section 3: 1e40 -> 0000807f; struct alone raises OverflowError.
    with pytest.raises(OverflowError):
        struct.pack("<f", 1e40)
    assert _wire.float32_bytes(1e40).hex() == "0000807f"
    assert _wire.float32_bytes(-1e40).hex() == "000080ff"
    assert _wire.float32_bytes(float("nan")).hex() == "0000c07f"
    assert _wire.float32_bytes(3.4028235e38).hex() == "ffff7f7f"  # FLT_MAX stays finite
    assert _wire.float32_bytes(1e-46).hex() == "00000000"  # below the smallest denormal
    assert _wire.float32_bytes(-0.0).hex() == "00000080"


def test_iter_fields_reports_value_offsets():
    buf = bytes.fromhex("080112036162631d0000803f21000000000000f03f")
    got = list(_wire.iter_fields(buf))
    assert got == [
        (1, 0, 1, 1),
        (2, 2, b"abc", 4),
        (3, 5, bytes.fromhex("0000803f"), 8),
        (4, 1, bytes.fromhex("000000000000f03f"), 13),
    ]


@pytest.mark.parametrize(
    "bad,what",
    [
        ("08", "truncated varint"),
        ("0880", "truncated varint"),
        ("1205616263", "runs past the end"),
        ("1d0000", "truncated fixed32"),
        ("0b", "unsupported wire type 3"),
        ("00", "field number 0"),
        ("08" + "ff" * 10 + "01", "longer than 10 bytes"),
    ],
)
def test_iter_fields_rejects_malformed(bad, what):
    with pytest.raises(DecodeError, match=what):
        list(_wire.iter_fields(bytes.fromhex(bad)))


def test_decoder_never_raises_anything_else():
    rng = random.Random(7)
    for _ in range(3000):
        buf = bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
        try:
            list(_wire.iter_fields(buf))
        except DecodeError:
            pass


def test_unpack_helpers():
    assert _wire.unpack_varints(bytes.fromhex("01ac02")) == [1, 300]
    assert _wire.unpack_fixed(struct.pack("<2d", 1.5, -2.0), "d", 8) == [1.5, -2.0]
    with pytest.raises(DecodeError):
        _wire.unpack_fixed(b"\x00" * 5, "f", 4)
    assert math.isinf(_wire.unpack_float(bytes.fromhex("0000807f")))
    assert _wire.to_int32(0xFFFFFFFF) == -1


def test_unpack_floats_and_doubles_of_every_count():
    # the unpackers are cached by count (up to _UNPACK_CACHED): each count, then past the cache
    for count in (0, 1, 2, 64, 65, 200):
        floats = [float(i) - 0.5 for i in range(count)]
        packed = struct.pack("<%df" % count, *floats)
        assert _wire.unpack_floats(packed) == floats == _wire.unpack_fixed(packed, "f", 4)
        assert _wire.unpack_doubles(struct.pack("<%dd" % count, *floats)) == floats
    for bad, unpack in ((b"\x00" * 6, _wire.unpack_floats), (b"\x00" * 12, _wire.unpack_doubles)):
        with pytest.raises(DecodeError, match="payload of %d bytes" % len(bad)):
            unpack(bad)
