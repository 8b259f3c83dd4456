# SPDX-License-Identifier: MIT
"""Protobuf wire format, both directions, by hand.

Spec: https://protobuf.dev/programming-guides/encoding/ . A message is a sequence of fields; each
field is a *key* ``(field_number << 3) | wire_type`` written as a varint, then a value whose
layout the wire type gives:

    VARINT (0)  int32, int64, uint32, uint64, bool, enum: base-128 varint, low group first
    I64    (1)  fixed64, double: 8 bytes little-endian
    LEN    (2)  string, bytes, sub-messages, packed repeated scalars: varint length, then bytes
    I32    (5)  fixed32, float: 4 bytes little-endian

"int32 and int64 are encoded as two's complement ... negative numbers always take ten bytes"
(the encoding guide, "Signed Integers"): -1 is ``ff ff ff ff ff ff ff ff ff 01``.

The encoders below return ``bytes`` for one whole field (key included) and never decide
*presence*: whether a proto3 field equal to its default is written is the message layer's
business (``_messages``). The decoders exist for the reader, for the tests and for people
learning the format; they raise :class:`~tinytb.errors.DecodeError` on malformed input and never
let ``struct.error`` or ``IndexError`` escape.
"""

from __future__ import annotations

import struct
import sys
from array import array

from .errors import DecodeError

_BIG_ENDIAN_HOST = sys.byteorder == "big"

# Wire types, named as in the encoding guide's table.
VARINT = 0
I64 = 1
LEN = 2
SGROUP = 3  # deprecated groups: never written, rejected by the decoder
EGROUP = 4
I32 = 5

_UINT64 = 1 << 64
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")
_FLOAT_INF = _FLOAT.pack(float("inf"))
_FLOAT_NINF = _FLOAT.pack(float("-inf"))

# One-byte varints are by far the most common (tags, small lengths, small enums): precompute them.
_SMALL = tuple(bytes((i,)) for i in range(128))
_PAIR = struct.Struct("<BB")


def varint(value: int) -> bytes:
    """The base-128 varint of an integer; negative values as 64-bit two's complement."""
    if 0 <= value < 128:
        return _SMALL[value]
    if 0 < value < 16384:  # two bytes: steps and lengths up to 16k, the next most common
        return _PAIR.pack((value & 127) | 128, value >> 7)
    if value < 0:
        value += _UINT64
    out = bytearray()
    while value > 127:
        out.append((value & 127) | 128)
        value >>= 7
    out.append(value)
    return bytes(out)


def key(field: int, wire_type: int) -> bytes:
    return varint((field << 3) | wire_type)


def float32_bytes(value: float) -> bytes:
    """IEEE binary32, round to nearest; beyond the float32 range it becomes +-inf, as protobuf's
    C++ and upb runtimes do (a C cast). ``struct`` raises OverflowError there instead."""
    try:
        return _FLOAT.pack(value)
    except OverflowError:
        return _FLOAT_INF if value > 0 else _FLOAT_NINF


# -- one field, key included ------------------------------------------------------------------


def uint_field(field: int, value: int) -> bytes:
    """int32/int64/uint32/uint64/bool/enum: VARINT (negative ints as ten bytes)."""
    return varint(field << 3) + varint(value)


def double_field(field: int, value: float) -> bytes:
    return varint((field << 3) | I64) + _DOUBLE.pack(value)


def float_field(field: int, value: float) -> bytes:
    return varint((field << 3) | I32) + float32_bytes(value)


def bytes_field(field: int, payload: bytes) -> bytes:
    """LEN: strings (already UTF-8), bytes and embedded messages."""
    return varint((field << 3) | LEN) + varint(len(payload)) + payload


def string_field(field: int, text: str) -> bytes:
    return bytes_field(field, text.encode("utf-8"))


def packed_varints(field, values):
    return bytes_field(field, b"".join(map(varint, values)))


def packed_floats(field, values):
    # array('f') converts with a C cast, as protobuf's runtimes do: round to nearest, and
    # beyond the float32 range +-inf (what float32_bytes does one value at a time).
    try:
        packed = values if type(values) is array and values.typecode == "f" else array("f", values)
    except (OverflowError, TypeError):  # ints beyond a double's range; odd number types
        return bytes_field(field, b"".join(map(float32_bytes, values)))
    if _BIG_ENDIAN_HOST:
        packed = array("f", packed)
        packed.byteswap()
    return bytes_field(field, packed.tobytes())


def packed_doubles(field, values):
    if type(values) is array and values.typecode == "d" and not _BIG_ENDIAN_HOST:
        return bytes_field(field, values.tobytes())
    values = list(values)
    return bytes_field(field, struct.pack("<%dd" % len(values), *values))


# -- decoding ---------------------------------------------------------------------------------


def decode_varint(buf, pos):
    """Read a varint at ``buf[pos]``; return ``(value, next_pos)``. Values are unsigned 64-bit:
    use :func:`to_int64` for the signed types."""
    result = 0
    shift = 0
    start = pos
    try:
        while True:
            b = buf[pos]
            pos += 1
            result |= (b & 127) << shift
            if b < 128:
                break
            shift += 7
            if shift >= 70:
                raise DecodeError("varint longer than 10 bytes", start)
    except IndexError:
        raise DecodeError("truncated varint", start) from None
    return result & (_UINT64 - 1), pos


def to_int64(value: int) -> int:
    return value - _UINT64 if value >= 1 << 63 else value


def to_int32(value: int) -> int:
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value >= 1 << 31 else value


def iter_fields(buf):
    """Yield ``(field, wire_type, value, offset)`` for every field of one message.

    ``value`` is an int for VARINT, a ``bytes`` object for LEN, and the raw 8 or 4 little-endian
    bytes for I64/I32 (the schema, not the wire, says whether they hold a double or a fixed64).
    ``offset`` is where the field's *value* starts in ``buf`` (for LEN: after the length), so a
    decoder of an embedded message can report positions relative to the outer buffer.
    """
    buf = memoryview(buf)
    pos = 0
    end = len(buf)
    while pos < end:
        start = pos
        k, pos = decode_varint(buf, pos)
        field, wire_type = k >> 3, k & 7
        if field == 0:
            raise DecodeError("field number 0", start)
        if wire_type == VARINT:
            vstart = pos
            value, pos = decode_varint(buf, pos)
        elif wire_type == LEN:
            n, pos = decode_varint(buf, pos)
            if pos + n > end:
                raise DecodeError("length %d runs past the end of the message" % n, start)
            vstart = pos
            value = bytes(buf[pos : pos + n])
            pos += n
        elif wire_type == I64 or wire_type == I32:
            n = 8 if wire_type == I64 else 4
            if pos + n > end:
                raise DecodeError("truncated fixed%d field" % (n * 8), start)
            vstart = pos
            value = bytes(buf[pos : pos + n])
            pos += n
        else:
            raise DecodeError("unsupported wire type %d for field %d" % (wire_type, field), start)
        yield field, wire_type, value, vstart


def unpack_double(raw: bytes) -> float:
    return _DOUBLE.unpack(raw)[0]


def unpack_float(raw):
    return _FLOAT.unpack(raw)[0]


def unpack_varints(payload):
    values = []
    pos = 0
    while pos < len(payload):
        value, pos = decode_varint(payload, pos)
        values.append(value)
    return values


def unpack_fixed(payload, code, size):
    """Packed doubles ('d', 8) or floats ('f', 4)."""
    count, extra = divmod(len(payload), size)
    if extra:
        raise DecodeError("packed fixed%d payload of %d bytes" % (size * 8, len(payload)), 0)
    unpack = _UNPACK_FIXED.get((code, count))
    if unpack is None:  # formatting the struct format string costs more than unpacking
        unpack = struct.Struct("<%d%s" % (count, code)).unpack
        if count <= _UNPACK_CACHED:
            _UNPACK_FIXED[code, count] = unpack
    return list(unpack(payload))


# Struct unpackers of packed fields by (code, count): short runs (one value: a scalar tensor)
# are most fields; longer ones build theirs.
_UNPACK_FIXED: dict = {}
_UNPACK_CACHED = 64


def unpack_doubles(payload):
    unpack = _UNPACK_FIXED.get(("d", len(payload) >> 3))
    if unpack is None or len(payload) & 7:
        return unpack_fixed(payload, "d", 8)
    return list(unpack(payload))


def unpack_floats(payload):
    unpack = _UNPACK_FIXED.get(("f", len(payload) >> 2))
    if unpack is None or len(payload) & 3:
        return unpack_fixed(payload, "f", 4)
    return list(unpack(payload))
