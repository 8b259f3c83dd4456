# SPDX-License-Identifier: MIT
"""The hot path: whole framed records for old-style scalar events, in under two microseconds.

``add_scalar(tag, value, step)`` writes the same bytes every time but for three fields::

    09 <wall_time: 8 bytes>            Event.wall_time (double)
    10 <step: varint>                  Event.step (absent when 0)
    2a <len> 0a <len> 0a <len> <tag>   Event.summary.value[0].tag    (fixed per tag)
    15 <simple_value: 4 bytes>         Event.summary.value[0].simple_value (float)

So for each (tag, length of the step varint) we cache the constant bytes and a *CRC template*:
CRC-32C is affine in the message bits, so crc(record) = crc(record with the variable bytes
zeroed) XOR the contribution of each variable byte at its position (``_crc32c.position_tables``).
That turns the data CRC into ~13 table lookups, while the bytes stay in canonical field order,
byte-identical to what protobuf and PyTorch's writer produce. The record header depends only on
the length (``_record.record_header``). Anything unusual (a zero wall time or an empty tag,
which proto3 leaves out) takes the general path, ``_messages`` + ``_record.frame``; an event over
64 bytes (a long tag) keeps the cached bytes but computes its CRC in full.
"""

from __future__ import annotations

from functools import reduce
from operator import getitem, xor
import struct

from . import _messages
from ._crc32c import crc32c, position_tables
from ._record import frame, record_header
from ._wire import I32, I64, LEN, VARINT, float32_bytes, key, varint

# The keys, (field number << 3) | wire type, of the fields written, from the .proto files:
#   event.proto    message Event   { double wall_time = 1; int64 step = 2; Summary summary = 5; }
#   summary.proto  message Summary { repeated Value value = 1; }
#                  message Value   { string tag = 1; float simple_value = 2; }
WALL_TIME_KEY = key(1, I64)  # 09
STEP_KEY = key(2, VARINT)  # 10
SUMMARY_KEY = key(5, LEN)  # 2a
VALUE_KEY = key(1, LEN)  # 0a
TAG_KEY = key(1, LEN)  # 0a
SIMPLE_VALUE_KEY = key(2, I32)  # 15

# Byte offsets in the event: its key at 0, the wall time's eight bytes at 1..8 (the low half
# 1..4 changes every call, the high half 5..8 every few minutes), then the step's key at 9 and
# its varint from 10 (when the step is not 0); the float value is the last four bytes.
_LOW_AT, _HIGH_AT, _STEP_VARINT_AT = 1, 5, 10
_WALL_LOW = range(_LOW_AT, _HIGH_AT)
_WALL_HIGH = range(_HIGH_AT, 9)
_WALL = struct.Struct("<Bd")  # the wall time's key and the little-endian double
_MASKED = struct.Struct("<I")
_MASK_DELTA = 0xA282EAD8  # TFRecord's masked CRC: rotate right by 15, add this (_crc32c.mask)
_SHORT = 64  # position tables exist up to this length
_WALL_KEY_BYTE = WALL_TIME_KEY[0]
_FLOAT = struct.Struct("<f")
_STEP_KEY_BYTE = STEP_KEY[0]
_STEPS = [b""] + [STEP_KEY + varint(step) for step in range(1, 128)]  # step 0 is left out
_STEP2 = struct.Struct("BBB")  # the key and a two-byte varint (steps below 2**14)
_STEP3 = struct.Struct("BBBB")  # the key and a three-byte varint (steps below 2**21)

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

    # header, middle, rotated position tables of the wall time's low half, of the step's
    # varint and of the value, and the high wall bytes' state (all but the first two None for
    # an event over _SHORT bytes: its CRC is computed in full)
    Template = Tuple[bytes, bytes, Any, Any, Any, Any]


def general_scalar_record(tag: str, value: float, step: int, wall_time: float) -> bytes:
    """The same record through the general encoders (the reference for the fast path)."""
    return frame(
        _messages.event(
            wall_time=wall_time,
            step=step,
            summary=_messages.summary([_messages.summary_value(tag=tag, simple_value=value)]),
        )
    )


class ScalarRecords:
    """A cache of templates, one per (tag, step varint length); safe to share between threads
    (a template computed twice is computed identically)."""

    def __init__(self) -> None:
        # tag -> templates by the length of the step's bytes (0: step 0 left out; 11 at most)
        self._templates: Dict[str, List[Optional[Template]]] = {}

    def record(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        if wall_time == 0.0 or not tag:  # proto3 leaves out a zero wall time and an empty tag
            return general_scalar_record(tag, value, step, wall_time)
        # the step's key and varint, the usual lengths packed in one call
        if 0 <= step < 128:
            step_bytes = _STEPS[step]
        elif 0 < step < 16384:
            step_bytes = _STEP2.pack(_STEP_KEY_BYTE, (step & 127) | 128, step >> 7)
        elif 0 < step < 2097152:
            step_bytes = _STEP3.pack(
                _STEP_KEY_BYTE, (step & 127) | 128, ((step >> 7) & 127) | 128, step >> 14
            )
        else:
            step_bytes = STEP_KEY + varint(step)
        by_length = self._templates.get(tag)
        if by_length is None:
            if len(self._templates) >= 8192:  # a tag per step would grow it without end
                self._templates.clear()
            by_length = self._templates[tag] = [None] * 12
        template = by_length[len(step_bytes)]
        if template is None:
            template = by_length[len(step_bytes)] = _template(tag, len(step_bytes))
        header, middle, wall_tables, step_tables, value_tables, high = template
        try:
            value_bytes = _FLOAT.pack(value)
        except OverflowError:  # beyond float32: +-inf, as protobuf's runtimes (a C cast)
            value_bytes = float32_bytes(value)
        wall = _WALL.pack(_WALL_KEY_BYTE, wall_time)
        if wall_tables is None:
            crc = crc32c(b"".join((wall, step_bytes, middle, value_bytes)))
            crc = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
        else:
            # The tables hold the contributions already rotated as the mask rotates (a bit
            # permutation: it commutes with XOR). The top four bytes of the wall time change
            # only every few minutes: their part is kept, with the bytes it is for, in one
            # list item (read and replaced whole, so threads never pair wrong halves).
            top = wall[_HIGH_AT:]
            start = high[0]
            if start[0] != top:
                start = high[0] = (top, reduce(xor, map(getitem, high[1], top), high[2]))
            w0, w1, w2, w3 = wall_tables
            v0, v1, v2, v3 = value_tables
            a, b, c, d = wall[_LOW_AT:_HIGH_AT]
            e, f, g, h = value_bytes
            crc = start[1] ^ w0[a] ^ w1[b] ^ w2[c] ^ w3[d] ^ v0[e] ^ v1[f] ^ v2[g] ^ v3[h]
            if len(step_tables) == 2:
                s0, s1 = step_tables
                crc ^= s0[step_bytes[1]] ^ s1[step_bytes[2]]
            elif step_tables:
                crc = reduce(xor, map(getitem, step_tables, step_bytes[1:]), crc)
        masked = _MASKED.pack((crc + _MASK_DELTA) & 0xFFFFFFFF)
        return b"".join((header, wall, step_bytes, middle, value_bytes, masked))


_ROTATED: Dict[int, Tuple[int, ...]] = {}  # distance from the end -> rotated table


def _rotate(x: int) -> int:
    return ((x >> 15) | (x << 17)) & 0xFFFFFFFF  # right by 15, as TFRecord's mask rotates


def _rotated(n: int, positions: Any) -> Tuple[Tuple[int, ...], ...]:
    """The rotated tables of ``positions`` in an ``n``-byte message. A table depends only on
    the distance from the end (``_crc32c.position_tables``), so at most 64 are ever made."""
    out = []
    for i in positions:
        table = _ROTATED.get(n - 1 - i)
        if table is None:
            table = _ROTATED[n - 1 - i] = tuple(map(_rotate, position_tables(n)[i]))
        out.append(table)
    return tuple(out)


def _template(tag: str, step_len: int) -> Template:
    tag_bytes = tag.encode("utf-8")
    value = TAG_KEY + varint(len(tag_bytes)) + tag_bytes + SIMPLE_VALUE_KEY
    value_len = len(value) + 4
    summary = VALUE_KEY + varint(value_len) + value
    middle = SUMMARY_KEY + varint(len(summary) + 4) + summary
    n = _WALL.size + step_len + len(middle) + 4
    header = record_header(n)
    if n > _SHORT:
        return header, middle, None, None, None, None
    step_zeroed = STEP_KEY + bytes(step_len - 1) if step_len else b""
    zeroed = WALL_TIME_KEY + bytes(_WALL.size - 1) + step_zeroed + middle + bytes(4)
    # Variable bytes: the wall time's low half (the high half gets tables of its own), the
    # step's varint after its key, and the value in the last four bytes.
    steps = range(_STEP_VARINT_AT, _STEP_VARINT_AT + step_len - 1)
    return (
        header,
        middle,
        _rotated(n, _WALL_LOW),
        _rotated(n, steps),
        _rotated(n, range(n - 4, n)),
        # [(top wall bytes, their part), their tables, the rotated CRC of the zeroed event]
        [(None, 0), _rotated(n, _WALL_HIGH), _rotate(crc32c(zeroed))],
    )
