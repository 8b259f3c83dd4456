# SPDX-License-Identifier: MIT
"""The hot path: whole framed records for old-style scalar events, in about two microseconds.

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
from ._wire import float32_bytes, varint

_WALL = struct.Struct("<Bd")  # 0x09 key, then the double
_MASKED = struct.Struct("<I")
_SHORT = 64  # position tables exist up to this length

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, Tuple

    # header, middle, k, position tables of the variable bytes, tables of the high wall bytes
    # (the last three None for an event over _SHORT bytes: its CRC is computed in full)
    Template = Tuple[bytes, bytes, Any, Any, Any]


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
        self._templates: Dict[Tuple[str, int], Template] = {}
        # key -> (top 4 wall-time bytes, k with their contribution)
        self._high: Dict[Tuple[str, int], Tuple[bytes, int]] = {}

    def record(self, tag: str, value: float, step: int, wall_time: float) -> bytes:
        if wall_time == 0.0 or not tag:  # proto3 leaves out a zero wall time and an empty tag
            return general_scalar_record(tag, value, step, wall_time)
        step_bytes = b"\x10" + varint(step) if step else b""
        key = (tag, len(step_bytes))
        template = self._templates.get(key)
        if template is None:
            if len(self._templates) >= 8192:  # a tag per step would grow it without end
                self._templates.clear()
                self._high.clear()
            template = self._templates[key] = _template(tag, len(step_bytes))
        header, middle, k, tables, high_tables = template
        value_bytes = float32_bytes(value)
        wall = _WALL.pack(9, wall_time)
        data = wall + step_bytes + middle + value_bytes
        if tables is None:
            crc = crc32c(data)
        else:
            # The top four bytes of the wall time (sign, exponent, high mantissa) change only
            # every few minutes: keep their contribution folded into the start value.
            high = wall[5:]
            start = self._high.get(key)
            if start is None or start[0] != high:
                start = self._high[key] = (high, reduce(xor, map(getitem, high_tables, high), k))
            crc = reduce(
                xor, map(getitem, tables, wall[1:5] + step_bytes[1:] + value_bytes), start[1]
            )
        crc = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
        return header + data + _MASKED.pack((crc + 0xA282EAD8) & 0xFFFFFFFF)


def _template(tag: str, step_len: int) -> Template:
    tag_bytes = tag.encode("utf-8")
    value = b"\x0a" + varint(len(tag_bytes)) + tag_bytes + b"\x15"
    value_len = len(value) + 4
    summary = b"\x0a" + varint(value_len) + value
    middle = b"\x2a" + varint(len(summary) + 4) + summary
    n = 9 + step_len + len(middle) + 4
    header = record_header(n)
    if n > _SHORT:
        return header, middle, None, None, None
    zeroed = bytes(9) + (b"\x10" + bytes(step_len - 1) if step_len else b"") + middle + bytes(4)
    zeroed = b"\x09" + zeroed[1:]
    tabs = position_tables(n)
    # Variable bytes: the wall time at 1..8 (its high half, 5..8, gets tables of its own), the
    # step varint after its key at 9, and the value in the last four bytes.
    variable = list(range(1, 5)) + list(range(10, 9 + step_len)) + list(range(n - 4, n))
    return (
        header,
        middle,
        crc32c(zeroed),
        tuple(tabs[i] for i in variable),
        tuple(tabs[i] for i in range(5, 9)),
    )
