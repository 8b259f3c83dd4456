# SPDX-License-Identifier: MIT
"""Fast bulk reading of event files: every CRC checked, plain scalars decoded as columns.

:func:`scan` gives what ``_record.iter_records`` + ``_messages.decode_event`` give, record for
record, but in :class:`Block` objects: the *plain scalar* events of a chunk of the file as
columns (offsets, wall times, steps, tags, values), and every other record as raw Event bytes
(CRC checked) for the caller to decode. A plain scalar is what PyTorch's and tensorboardX's
``add_scalar`` write (field numbers from event.proto and summary.proto)::

    09 <wall_time: 8 bytes>            Event.wall_time (double)        absent when 0
    10 <step: varint>                  Event.step (int64)              absent when 0
    2a <len> 0a <len>                  Event.summary, Summary.value[0]
    0a <len> <tag>                     Value.tag (string)              absent when ""
    15 <simple_value: 4 bytes>         Value.simple_value (float, a oneof member: always written)

Exactly this layout, fields in this order, nothing else: any other Event (a value without
``simple_value``, which TensorBoard's EventAccumulator does not count as a scalar since it asks
``HasField("simple_value")``; metadata; several values; extra or reordered fields; a step of 2**56
or more, or negative) is left in ``others``, where the caller's general decoder sees it.

How it goes fast without leaving the standard library:

1. *Layouts.* For one tag, one step-varint length and one set of present fields, every byte but
   the wall time, the step varint and the value is the same: a *template*. The first record of
   a template is parsed exactly (``_parse_plain``); after that a record is recognised by its
   header (12 bytes that depend on the length only, so a dict of known headers also checks the
   header CRC) and by the constant bytes just before its value (a dict lookup).
2. *Periods.* A training loop logs the same tags in the same order at every step, so the
   templates of the records repeat: when the walk meets a template again, the records since
   its last one are a period, and one regular expression (the period's records: headers and
   constant bytes as literals, ``[\x80-\xff]`` for a varint's continuation bytes, ``.``
   elsewhere; compiled when a period is met a second time) takes as many repeats of it as
   follow, in C. Such a *run* is a grid: each template's records in it are at
   a fixed stride, and its columns are read straight from the chunk (point 3); the runs are
   then interleaved back into file order with extended-slice assignments (``a[j::n] = col``).
   Records outside runs are met one header at a time and joined, per template, into one bytes
   object of fixed stride.
3. *Bulk checks.* With records at a fixed stride, each byte position is a column,
   ``buf[k::stride]``, and everything is done a column at a time in C: the constant bytes are
   compared, the varint continuation bits checked with ``bytes.translate``, and the data CRC
   verified for all the records at once.
   CRC-32C is affine over GF(2): for one length, ``crc(data) == c0 ^ XOR_k T_k[data[k]]``
   over the positions k that vary (``_crc32c.position_tables``), and so is TFRecord's
   rotation; so each varying column goes through four 256-byte translation tables (one per CRC
   byte), the columns are XORed as big ints, and the stored masked CRCs are unmasked (a
   subtraction, done in 64-bit slots of one big int) and compared.
4. *Bulk decoding.* Wall times and values are columns copied into slots of a bytearray and
   read by ``array``; step varints are decoded in 64-bit slots of one big int with shifts
   and masks (SWAR).

Anything unusual goes to the exact per-record path (``_record``'s checks, so the error, its
offset and section are those of ``iter_records``): a record that is not a plain scalar, a
template met only a few times in a chunk, and every record of a group or run that fails a bulk
check (which then finds the first bad record). The file is read ``chunk_size`` bytes at a time; a
record that spans two chunks is carried over, a record longer than a chunk is read whole (in
1 MiB pieces, as ``_record`` does) and goes to ``others``: memory stays flat. The columns of
the records met one by one are merged back into file order at the end of each chunk (one sort
of the positions, each template's a sorted run; ``operator.itemgetter`` applies it to each
column), and the runs spliced in between them (each run is a contiguous stretch of the file).

Speed (CPython 3.11, the project's shared 2-core host; a file of 10 tags x 100k steps written
by tinytb's SummaryWriter, 44 MB): about 1 s for the million scalars, some 50x
``iter_records`` + ``decode_event``. Roughly: the runs' pattern 30%, the CRC check 35%,
decoding and interleaving 25%. A log whose tags never repeat in order goes one header at a
time: about half as fast.
"""

from __future__ import annotations

import io
import os
import re
import struct
import sys
from array import array
from bisect import bisect_left
from operator import itemgetter

from . import _remote
from ._crc32c import crc32c, position_tables, zeros_crc
from ._record import (
    CRC_SIZE,
    HEADER_SIZE,
    OVERHEAD,
    _check_data,
    _check_header,
    _read_long,
    iter_records,
    record_header,
)
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import IO, Any, Dict, Iterator, List, Optional, Tuple, Union

    Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]
    # Rows found one at a time: (position in the chunk, wall_time, step, tag, value).
    Row = Tuple[int, float, int, str, float]
    # A template's records of one chunk: positions, wall times, steps, values, the tag(s).
    Part = Tuple[List[int], array, array, Any, Any]

__all__ = ["Block", "scan"]

# Keys, (field number << 3) | wire type, from the .proto lines:
#   event.proto    message Event   { double wall_time = 1; int64 step = 2; Summary summary = 5; }
#   summary.proto  message Summary { repeated Value value = 1; }
#                  message Value   { string tag = 1; float simple_value = 2; }
WALL_TIME_KEY = 0x09  # field 1, I64
STEP_KEY = 0x10  # field 2, VARINT
SUMMARY_KEY = 0x2A  # field 5, LEN
VALUE_KEY = 0x0A  # field 1, LEN
TAG_KEY = 0x0A  # field 1, LEN
SIMPLE_VALUE_KEY = 0x15  # field 2, I32
_WALL = struct.Struct("<d")  # the wall time, right after its key
_VALUE = struct.Struct("<f")  # the simple value: the last four bytes of the event
WALL_SIZE = _WALL.size
VALUE_SIZE = _VALUE.size
# Steps decode in 64-bit slots of 7 bits per byte: varints of up to 8 bytes (steps < 2**56) go
# the bulk way; longer ones (and negative steps, always 10 bytes) are left to `others`.
MAX_STEP_BYTES = 8

_MASK_DELTA = 0xA282EAD8  # TFRecord's masked CRC: rotate right by 15, add this (_crc32c.mask)
_UNMASK = ((1 << 32) - _MASK_DELTA).to_bytes(4, "little") + bytes(4)  # + this, mod 2**32
_LOW32 = b"\xff\xff\xff\xff" + bytes(4)
_HIGH_BYTES = bytes(range(128, 256))  # varint bytes with the continuation bit
_LOW_BYTES = bytes(range(128))
_LITTLE = sys.byteorder == "little"

# A template's records go the bulk way when a chunk holds at least this many of them; fewer
# are cheaper one by one (and then a template never met often costs no tables).
BULK_MIN = 16
# Caps on the caches: a file with a new tag or length at every record must not grow them
# without end (past the caps such records simply take the exact path).
MAX_TEMPLATES = 8192
MAX_HEADERS = 1 << 16
# Periods: at most this many records (a step logging more tags goes one record at a time),
# and at most this many compiled patterns kept.
MAX_PERIOD = 64
MAX_PERIODS = 256
# A run of a period repeated fewer times than this joins the records met one by one.
RUN_MIN = 128
# After a vain attempt at a run, the walk waits 1, 3, 7... records (at most this many) before
# the next: a log whose tags come in no fixed order costs few attempts.
MAX_WAIT = 1023
# Repeats one match takes at most: the regex engine keeps some 120 bytes per repeat until the
# match ends, so this bounds that memory (to about 0.5 MB).
REPEATS = 4096


class Block:
    """Complete records of one file, in file order, from one chunk of it.

    ``offsets``, ``wall_times``, ``steps``, ``tags`` and ``values`` are the plain scalar events
    (one value with a tag and a ``simple_value``, no metadata), column by column; ``others`` is
    every other record as ``(offset, event bytes)``, CRC checked, for the caller to decode.
    Together they are every record of the block exactly once; offsets are byte offsets in the
    file (from where reading started, for a file object). ``end`` is the offset just past the
    block's last record (where a reader following a growing file resumes), -1 if not known.
    """

    __slots__ = ("offsets", "wall_times", "steps", "tags", "values", "others", "end")

    def __init__(
        self,
        offsets: array,
        wall_times: array,
        steps: array,
        tags: List[str],
        values: array,
        others: List[Tuple[int, bytes]],
        end: int = -1,
    ) -> None:
        self.offsets = offsets
        self.wall_times = wall_times
        self.steps = steps
        self.tags = tags
        self.values = values
        self.others = others
        self.end = end

    def __len__(self) -> int:
        """The number of records: scalars plus others."""
        return len(self.offsets) + len(self.others)

    def __repr__(self) -> str:
        return "Block(%d scalars, %d others)" % (len(self.offsets), len(self.others))


def scan(source: Source, *, strict: bool = False, chunk_size: int = 1 << 23) -> Iterator[Block]:
    """Yield :class:`Block` objects covering every record of an event file, in file order.

    Both CRCs of every record are checked. The first bad record raises DecodeError (with the
    offset and section ``_record.iter_records`` gives, and the path when ``source`` is one)
    after the blocks before it, including the records of its chunk that come before it. A
    record cut short at the end ends the iteration quietly unless ``strict``.

    Args:
        source: a path, a binary file object (read from its current position; offsets count
            from there), or the bytes of an event file.
        strict: raise DecodeError for a record cut short at the end too.
        chunk_size: bytes read at a time (at least 1); records longer than this are read whole
            and go to ``others``.
    """
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, int):
        raise TypeError("chunk_size must be an int, got %r" % type(chunk_size).__name__)
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1, got %d" % chunk_size)
    if isinstance(source, (bytes, bytearray, memoryview)):
        return _scan(io.BytesIO(source), strict, chunk_size, None, False)
    if isinstance(source, (str, os.PathLike)):
        path = os.fsdecode(source)
        f = _remote.open_read(path) if _remote.is_url(path) else open(path, "rb")
        return _scan(f, strict, chunk_size, path, True)
    if hasattr(source, "read"):
        name = getattr(source, "name", None)  # errors name the file, as reader.iter_events
        return _scan(source, strict, chunk_size, name if isinstance(name, str) else None, False)
    raise TypeError("source must be a path, a binary file or bytes, got %r" % type(source).__name__)


def _rebased(err: DecodeError, base: int, path: Optional[str]) -> DecodeError:
    return DecodeError(err.msg, (err.offset or 0) + base, err.section, path)


def _scan(f: IO[bytes], strict: bool, chunk: int, path: Optional[str], owned: bool):
    scanner = _Scanner()
    carry = b""
    base = 0  # file offset of carry[0]
    try:
        while True:
            data = f.read(chunk)
            if not data:
                # Only an unfinished record can be left: iter_records says if that is an error.
                try:
                    for _ in iter_records(carry, strict):
                        raise AssertionError("a complete record was left over")  # pragma: no cover
                except DecodeError as err:
                    raise _rebased(err, base, path) from None
                return
            buf = carry + data if carry else data
            pos, block, bad = scanner.chunk(buf, base)
            if block is not None:
                yield block
            if bad is not None:
                raise bad.with_path(path)
            carry = buf[pos:]
            base += pos
            if len(carry) >= HEADER_SIZE:
                length = _check_header(carry[:HEADER_SIZE], base)  # checked already: cannot fail
                if length + OVERHEAD > chunk:
                    block = _long_record(f, carry, length, base, strict, path)
                    if block is None:
                        return
                    yield block
                    base += length + OVERHEAD
                    carry = b""
    finally:
        if owned:
            f.close()


def _long_record(f, carry, length, base, strict, path):
    """The record at the start of ``carry`` that does not fit in a chunk, read whole: a Block
    with it in ``others``, or None for a record cut short (DecodeError if ``strict``)."""
    data = carry + _read_long(f, length + OVERHEAD - len(carry))
    try:
        records = list(iter_records(data, strict))
    except DecodeError as err:
        raise _rebased(err, base, path) from None
    if not records:
        return None
    others = [(base, records[0][1])]
    return Block(array("q"), array("d"), array("q"), [], array("d"), others, base + len(data))


def _varint(data: bytes, i: int, n: int) -> Tuple[int, int]:
    """The varint at ``data[i]`` and the position after it; (-1, i) if it does not end within
    ten bytes before ``n`` (as _wire.decode_varint, values are unsigned 64-bit)."""
    value = 0
    shift = 0
    while i < n and shift < 70:
        b = data[i]
        i += 1
        value |= (b & 127) << shift
        if b < 128:
            return value & 0xFFFFFFFFFFFFFFFF, i
        shift += 7
    return -1, i


def _parse_plain(data: bytes) -> Optional[Tuple[bool, int, bytes, str, float, int, float]]:
    """``(has wall time, step varint length, tail, tag, wall_time, step, value)`` if ``data`` is
    an Event in exactly the plain scalar layout (module docstring), else None. The tail is the
    constant part, from the summary's key to the value's key."""
    n = len(data)
    i = 0
    wall = 0.0
    has_wall = n > WALL_SIZE and data[0] == WALL_TIME_KEY
    if has_wall:
        (wall,) = _WALL.unpack_from(data, 1)
        i = 1 + WALL_SIZE
    step = 0
    step_bytes = 0
    if i < n and data[i] == STEP_KEY:
        step, j = _varint(data, i + 1, n)
        step_bytes = j - i - 1
        if step < 0 or step_bytes > MAX_STEP_BYTES:
            return None
        i = j
    tail_at = i
    if i >= n or data[i] != SUMMARY_KEY:
        return None
    size, i = _varint(data, i + 1, n)
    if i + size != n or i >= n or data[i] != VALUE_KEY:
        return None
    size, i = _varint(data, i + 1, n)
    if i + size != n:
        return None
    tag = ""
    if i < n and data[i] == TAG_KEY:
        size, i = _varint(data, i + 1, n)
        if size < 0 or i + size > n - 1 - VALUE_SIZE:
            return None
        try:
            tag = data[i : i + size].decode("utf-8")
        except UnicodeDecodeError:
            return None
        i += size
    if i != n - 1 - VALUE_SIZE or data[i] != SIMPLE_VALUE_KEY:
        return None
    (value,) = _VALUE.unpack_from(data, i + 1)
    return has_wall, step_bytes, data[tail_at : i + 1], tag, wall, step, value


class _Template:
    """One plain scalar layout: a tag, whether the wall time is there, the step varint's length
    (0: no step field) and the data length that follows. ``offs``: the positions of its records
    in the current chunk, filled by the walk."""

    __slots__ = (
        "tag",
        "length",
        "stride",
        "wall",
        "step_bytes",
        "step_at",
        "tail",
        "tail_at",
        "offs",
        "crc",
    )

    def __init__(self, tag: str, length: int, wall: bool, step_bytes: int, tail: bytes) -> None:
        self.tag = tag
        self.length = length
        self.stride = length + OVERHEAD
        self.wall = wall
        self.step_bytes = step_bytes
        self.step_at = (1 + WALL_SIZE if wall else 0) + 1  # the varint, after the step's key
        self.tail = tail
        self.tail_at = self.step_at + step_bytes if step_bytes else self.step_at - 1
        self.offs: List[int] = []
        self.crc: Any = None  # (r0, [(position, 4 tables)]) once built

    def zeroed(self) -> bytes:
        """The event with every varying byte zero."""
        head = bytes([WALL_TIME_KEY]) + bytes(WALL_SIZE) if self.wall else b""
        step = bytes([STEP_KEY]) + bytes(self.step_bytes) if self.step_bytes else b""
        return head + step + self.tail + bytes(VALUE_SIZE)

    def varying(self) -> List[int]:
        """Positions in the event of the bytes that vary: wall time, step varint, value."""
        wall = list(range(1, 1 + WALL_SIZE)) if self.wall else []
        steps = list(range(self.step_at, self.step_at + self.step_bytes))
        return wall + steps + list(range(self.length - VALUE_SIZE, self.length))


def _rotr15(crc: int) -> int:
    # The rotation of TFRecord's mask; linear over GF(2), so it folds into the CRC tables.
    return ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF


_TABLE_CACHE = {}  # type: Dict[Tuple[int, int], Tuple[bytes, bytes, bytes, bytes]]


def _position_tables(length: int, k: int) -> Tuple[bytes, bytes, bytes, bytes]:
    """Four ``bytes.translate`` tables for byte position ``k`` of a ``length``-byte event: table
    j maps a byte value to byte j of the rotated CRC contribution of that byte there."""
    key = (length, k)
    tables = _TABLE_CACHE.get(key)
    if tables is not None:
        return tables
    if length <= 64:
        contrib = list(position_tables(length)[k])
    else:
        # Linear in the byte: eight CRCs of one-bit messages give all 256 entries.
        zero = zeros_crc(length)
        contrib = [0]
        for bit in range(8):
            one = bytearray(length)
            one[k] = 1 << bit
            v = crc32c(bytes(one)) ^ zero
            contrib += [c ^ v for c in contrib]
    rotated = [_rotr15(c) for c in contrib]
    tables = (
        bytes([r & 0xFF for r in rotated]),
        bytes([(r >> 8) & 0xFF for r in rotated]),
        bytes([(r >> 16) & 0xFF for r in rotated]),
        bytes([r >> 24 for r in rotated]),
    )
    if len(_TABLE_CACHE) >= 4096:
        _TABLE_CACHE.clear()
    _TABLE_CACHE[key] = tables
    return tables


def _crc_plan(t: _Template) -> Tuple[int, List[Tuple[int, Tuple[bytes, bytes, bytes, bytes]]]]:
    if t.crc is None:
        r0 = _rotr15(crc32c(t.zeroed()))
        t.crc = (r0, [(k, _position_tables(t.length, k)) for k in t.varying()])
    return t.crc


def _crc_ok(t: _Template, g: bytes, first: int, stride: int, n: int) -> bool:
    """Whether the data CRCs of the ``n`` records of ``t`` at ``g[first + i * stride]`` all
    match: computed a column at a time (module docstring, point 3)."""
    span = (n - 1) * stride + 1  # a column: g[at : at + span : stride]
    frm = int.from_bytes
    r0, plan = _crc_plan(t)
    a0 = a1 = a2 = a3 = 0
    for k, (t0, t1, t2, t3) in plan:
        at = first + HEADER_SIZE + k
        col = g[at : at + span : stride]
        c = col[0]
        if col.count(c) == n:
            # The same byte in every record (the wall time's top bytes, mostly): one lookup.
            r0 ^= t0[c] | t1[c] << 8 | t2[c] << 16 | t3[c] << 24
            continue
        a0 ^= frm(col.translate(t0), "little")
        a1 ^= frm(col.translate(t1), "little")
        a2 ^= frm(col.translate(t2), "little")
        a3 ^= frm(col.translate(t3), "little")
    # Stored masked CRCs into 64-bit slots; (masked - delta) mod 2**32 is the rotated CRC.
    slots = bytearray(8 * n)
    footer = first + t.stride - CRC_SIZE
    for j in range(CRC_SIZE):
        slots[j::8] = g[footer + j : footer + j + span : stride]
    unmasked = (frm(slots, "little") + frm(_UNMASK * n, "little")) & frm(_LOW32 * n, "little")
    raw = unmasked.to_bytes(8 * n, "little")
    for j, acc in enumerate((a0, a1, a2, a3)):
        if frm(raw[j::8], "little") ^ acc != frm(bytes([(r0 >> (8 * j)) & 0xFF]) * n, "little"):
            return False
    return True


def _layout_ok(t: _Template, g: bytes, n: int, key_size: int) -> bool:
    """Whether the records joined in ``g`` all have ``t``'s constant bytes (beyond the last
    ``key_size`` of the tail, which the walk matched) and well-formed step varints."""
    stride = t.stride
    checks = []
    if t.wall:
        checks.append((0, WALL_TIME_KEY))
    if t.step_bytes:
        checks.append((t.step_at - 1, STEP_KEY))
    checks += [(t.tail_at + i, c) for i, c in enumerate(t.tail[: len(t.tail) - key_size])]
    for k, c in checks:
        if g[HEADER_SIZE + k :: stride] != bytes([c]) * n:
            return False
    if t.step_bytes:
        first = HEADER_SIZE + t.step_at
        for j in range(t.step_bytes - 1):
            if g[first + j :: stride].translate(None, _HIGH_BYTES):
                return False  # a byte without the continuation bit: the varint ends early
        if g[first + t.step_bytes - 1 :: stride].translate(None, _LOW_BYTES):
            return False
    return True


def _field(g: bytes, at: int, stride: int, size: int, n: int, slot: int) -> bytearray:
    """Bytes ``at .. at + size`` of the ``n`` records at ``g[i * stride]`` (``at`` counts from
    the first), each into a ``slot``-byte slot."""
    out = bytearray(slot * n)
    span = (n - 1) * stride + 1
    for j in range(size):
        out[j::slot] = g[at + j : at + j + span : stride]
    return out


def _steps(raw: bytearray, n: int, size: int) -> array:
    """Decode ``n`` varints of ``size`` bytes, one per 64-bit slot of ``raw``: drop the
    continuation bits, then close the 1-bit, 2-bit and 4-bit gaps between the 7-bit groups."""
    frm = int.from_bytes
    x = frm(raw, "little") & frm(b"\x7f" * (8 * n), "little")
    if size > 1:
        x = (x & frm(b"\xff\x00" * (4 * n), "little")) | (
            (x & frm(b"\x00\xff" * (4 * n), "little")) >> 1
        )
    if size > 2:
        x = (x & frm(b"\xff\xff\x00\x00" * (2 * n), "little")) | (
            (x & frm(b"\x00\x00\xff\xff" * (2 * n), "little")) >> 2
        )
    if size > 4:
        x = (x & frm(_LOW32 * n, "little")) | ((x & frm(_LOW32[::-1] * n, "little")) >> 4)
    steps = array("q")
    steps.frombytes(x.to_bytes(8 * n, "little"))
    if not _LITTLE:
        steps.byteswap()
    return steps


def _decode(t: _Template, g: bytes, first: int, stride: int, n: int) -> Tuple[array, array, array]:
    """Wall times, steps and values of the ``n`` records of ``t`` at ``g[first + i * stride]``."""
    walls = array("d")
    if t.wall:
        walls.frombytes(_field(g, first + HEADER_SIZE + 1, stride, WALL_SIZE, n, 8))
    else:
        walls = array("d", [0.0]) * n
    if t.step_bytes:
        at = first + HEADER_SIZE + t.step_at
        steps = _steps(_field(g, at, stride, t.step_bytes, n, 8), n, t.step_bytes)
    else:
        steps = array("q", [0]) * n
    values = array("f")
    at = first + t.stride - CRC_SIZE - VALUE_SIZE
    values.frombytes(_field(g, at, stride, VALUE_SIZE, n, 4))
    if not _LITTLE:
        walls.byteswap()
        values.byteswap()
    return walls, steps, values


def _no_key(key: bytes) -> None:
    return None  # a length with no template: every record of it takes the exact path


def _record_pattern(t: _Template) -> bytes:
    """A regular expression for the records of ``t``: header, constant bytes, the form of the
    step varint (continuation bits), any bytes where the wall time, value and data CRC are."""
    out = re.escape(record_header(t.length))
    if t.wall:
        out += re.escape(bytes([WALL_TIME_KEY])) + b".{%d}" % WALL_SIZE
    if t.step_bytes:
        out += re.escape(bytes([STEP_KEY])) + rb"[\x80-\xff]" * (t.step_bytes - 1)
        out += rb"[\x00-\x7f]"
    return out + re.escape(t.tail) + b".{%d}" % (VALUE_SIZE + CRC_SIZE)


def _period_pattern(period: List[_Template]) -> Any:
    """The compiled pattern of any number of repeats of ``period``; None when a template is
    in it twice."""
    if len(set(period)) != len(period):
        return None
    one = b"".join([_record_pattern(t) for t in period])
    return re.compile(b"(?:" + one + b"){0,%d}" % REPEATS, re.DOTALL)


class _Scanner:
    """What one scan learns and keeps between chunks: the known headers and templates."""

    def __init__(self) -> None:
        # 12 header bytes -> (record size, key start, key end, key -> template or None)
        self.headers: Dict[bytes, Tuple[int, int, int, Any]] = {}
        self.known: Dict[Tuple[int, bool, int, bytes], _Template] = {}
        self.templates: List[_Template] = []
        self.by_length: Dict[int, List[_Template]] = {}
        self.key_size: Dict[int, int] = {}
        self.keys: Dict[int, Dict[bytes, Any]] = {}
        # period -> its compiled pattern, None (unusable), or 1 (met once)
        self.periods: Dict[Tuple[_Template, ...], Any] = {}
        # the runs the walk found in the chunk: (position, span, count, [(template, first)])
        self.found: List[Tuple[int, int, int, List[Tuple[_Template, int]]]] = []

    def chunk(self, buf: bytes, base: int) -> Tuple[int, Optional[Block], Optional[DecodeError]]:
        """Read the complete records of ``buf`` (at file offset ``base``): where the records
        stopped, the Block of those before the first error (None if empty), and that error."""
        others: List[Tuple[int, bytes]] = []
        slow: List[Row] = []
        pos, err = self._walk(buf, base, others, slow)
        parts: List[Part] = []
        runs: List[Tuple[int, array, array, array, array, List[str]]] = []
        resort = False
        for start, span, count, members in self.found:
            run = _run_columns(buf, start, span, count, members)
            if run is not None:
                runs.append(run)
                continue
            resort = True  # a bad CRC: each record the exact way
            for t, first in members:
                where = range(first, first + count * span, span)
                err = _first(err, _exact(buf, base, t.stride, where, others, slow))
        del self.found[:]
        for t in self.templates:
            offs = t.offs
            if not offs:
                continue
            n = len(offs)
            stride = t.stride
            g = b"".join([buf[p : p + stride] for p in offs]) if n >= BULK_MIN else b""
            if g and _layout_ok(t, g, n, self.key_size[t.length]) and _crc_ok(t, g, 0, stride, n):
                walls, steps, values = _decode(t, g, 0, stride, n)
                parts.append((offs[:], walls, steps, values, t.tag))
            else:
                resort = True
                err = _first(err, _exact(buf, base, t.stride, offs, others, slow))
            del offs[:]
        if resort:
            others.sort(key=itemgetter(0))
        if slow:
            parts.append(_slow_part(slow))
        # every error here is a record's, at its offset (the chunk's end if ever none)
        stop = base + pos if err is None or err.offset is None else err.offset
        if err is not None:
            parts += [(list(r[1]), r[2], r[3], r[4], r[5]) for r in runs]
            _cut(parts, others, base, stop)
            runs = []
        block = _assemble(parts, runs, others, base)
        if block is not None:
            block.end = stop
        return pos, block, err

    def _walk(
        self, buf: bytes, base: int, others: List[Tuple[int, bytes]], slow: List[Row]
    ) -> Tuple[int, Optional[DecodeError]]:
        """Find the records of ``buf``; plain scalars of known templates go to their template's
        ``offs`` (checked later, in bulk), the rest through the exact path now. A record one
        header at a time, until a template comes again: then ``_run`` takes as many repeats of
        the period since its last record as follow, at once. Returns where it stopped and the
        error there, if any."""
        get = self.headers.get
        end = len(buf)
        last = end - HEADER_SIZE
        pos = 0
        seq: List[_Template] = []  # the templates met one by one since the last reset
        starts: List[int] = []  # where their records are
        latest: Dict[_Template, int] = {}  # the index in seq of each template's last record
        quiet = wait = 0  # after a vain attempt, `wait` more records before the next one
        while pos <= last:
            entry = get(buf[pos : pos + HEADER_SIZE])
            if entry is None:
                try:
                    entry = self._header(buf[pos : pos + HEADER_SIZE], base + pos)
                except DecodeError as err:
                    return pos, err
            stride, start, stop, lookup = entry
            if pos + stride > end:
                return pos, None
            t = lookup(buf[pos + start : pos + stop])
            if t is None:
                bad = self._slow(buf, pos, stride, base, others, slow)
                if bad is not None:
                    return pos, bad
                del seq[:], starts[:]
                latest.clear()
                pos += stride
                continue
            i = latest.get(t)
            if i is not None and quiet <= 0:
                ahead = self._run(buf, pos, seq[i:], starts[i:], end)
                if ahead > pos:
                    del seq[:], starts[:]
                    latest.clear()
                    pos, wait = ahead, 0
                    continue
                quiet = wait = min(2 * wait + 1, MAX_WAIT)
            if len(seq) >= MAX_PERIOD:
                del seq[:], starts[:]
                latest.clear()
            latest[t] = len(seq)
            t.offs.append(pos)
            seq.append(t)
            starts.append(pos)
            quiet -= 1
            pos += stride
        return pos, None

    def _run(
        self, buf: bytes, pos: int, period: List[_Template], starts: List[int], end: int
    ) -> int:
        """The records from ``pos`` on that repeat ``period`` (the templates of the records at
        ``starts``, the last of which ends at ``pos``), matched in C by one regular expression
        (each record's header and constant bytes, and its varint's form): they go to their
        templates as runs of fixed stride. Returns the position after them."""
        key = tuple(period)
        rx: Any = self.periods.get(key)
        if rx is None or rx == 1:
            if len(self.periods) >= MAX_PERIODS:
                self.periods.clear()
            # compiled when met a second time (a log whose tags come in any order has many
            # periods that never recur)
            rx = self.periods[key] = 1 if rx is None else _period_pattern(period)
        if not rx or rx == 1:
            return pos  # a template twice in the period (its runs would interleave), or new
        span = pos - starts[0]
        count = 0
        while True:  # the pattern takes at most REPEATS at a time (its memory grows with them)
            got = (rx.match(buf, pos + count * span, end).end() - pos) // span - count
            count += got
            if got < REPEATS:
                break
        if count >= RUN_MIN:
            self.found.append((pos, span, count, [(t, p + span) for t, p in zip(period, starts)]))
        else:  # too few to be worth columns: with the records met one by one
            for t, p in zip(period, starts):
                t.offs.extend(range(p + span, p + (count + 1) * span, span))
        return pos + count * span

    def _header(self, header: bytes, offset: int) -> Tuple[int, int, int, Any]:
        length = _check_header(header, offset)
        entry = (length + OVERHEAD, 0, 0, _no_key)
        if len(self.headers) < MAX_HEADERS:
            self.headers[header] = entry
        return entry

    def _slow(self, buf, pos, stride, base, others, slow):
        """The exact path for one record; a new plain scalar layout becomes a template."""
        try:
            data, plain = _checked(buf, pos, stride, base)
        except DecodeError as err:
            return err
        if plain is None:
            others.append((base + pos, data))
            return None
        wall, step_bytes, tail, tag = plain[:4]
        key = (len(data), wall, step_bytes, tail)
        if key not in self.known and len(self.templates) < MAX_TEMPLATES:
            t = _Template(tag, len(data), wall, step_bytes, tail)
            self.known[key] = t
            self.templates.append(t)
            self.by_length.setdefault(t.length, []).append(t)
            self._index(t)
            t.offs.append(pos)  # checked again in bulk with the others: no matter
        else:
            slow.append((pos, plain[4], plain[5], tag, plain[6]))
        return None

    def _index(self, t: _Template) -> None:
        """Enter the new template ``t`` in the header entry of its length. The key is the
        last bytes of the tail, as many as the shortest tail of that length has (the bulk
        check verifies the rest): a shorter tail than before rebuilds the keys, which happens
        at most once per tail length (so many tags of one length cost linear time)."""
        length = t.length
        keys = self.keys.get(length)
        size = self.key_size.get(length, 0)
        if keys is not None and len(t.tail) >= size:
            keys.setdefault(t.tail[len(t.tail) - size :], t)
            return
        size = len(t.tail)
        keys = {}
        for u in self.by_length[length]:  # t included, last
            keys.setdefault(u.tail[len(u.tail) - size :], u)
        self.keys[length] = keys
        self.key_size[length] = size
        stop = HEADER_SIZE + length - VALUE_SIZE
        self.headers[record_header(length)] = (length + OVERHEAD, stop - size, stop, keys.get)


def _checked(buf: bytes, pos: int, stride: int, base: int) -> Tuple[bytes, Any]:
    """The event bytes of the ``stride``-byte record at ``pos``, its data CRC checked (as
    ``_record`` checks it), and their plain-scalar fields (None: not a plain scalar)."""
    data = buf[pos + HEADER_SIZE : pos + stride - CRC_SIZE]
    _check_data(data, buf[pos + stride - CRC_SIZE : pos + stride], base + pos)
    return data, _parse_plain(data)


def _exact(buf, base, stride, offs, others, slow) -> Optional[DecodeError]:
    """Records at ``offs`` one by one, as ``_record`` checks them; stops at the first bad one."""
    for pos in offs:
        try:
            data, plain = _checked(buf, pos, stride, base)
        except DecodeError as err:
            return err
        if plain is None:
            others.append((base + pos, data))
        else:
            slow.append((pos, plain[4], plain[5], plain[3], plain[6]))
    return None


def _first(err: Optional[DecodeError], bad: Optional[DecodeError]) -> Optional[DecodeError]:
    """The error of the two that comes first in the file."""
    if bad is not None and (err is None or bad.offset < err.offset):  # type: ignore[operator]
        return bad
    return err


def _slow_part(slow: List[Row]) -> Part:
    slow.sort(key=itemgetter(0))
    return (
        [r[0] for r in slow],
        array("d", [r[1] for r in slow]),
        array("q", [r[2] for r in slow]),
        array("f", [r[4] for r in slow]),  # float32 values, exact: they came from four bytes
        [r[3] for r in slow],
    )


def _run_columns(
    buf: bytes, start: int, span: int, count: int, members: List[Tuple[_Template, int]]
) -> Optional[Tuple[int, array, array, array, array, List[str]]]:
    """The columns of a run found by ``_Scanner._run`` (``count`` repeats of a period of
    ``span`` bytes at ``start``; each member's records at ``first + i * span``), in file
    order: (start, positions, wall times, steps, values as float32, tags); None if a CRC
    does not match. The walk's pattern checked the constant bytes already."""
    size = len(members)
    total = size * count
    offs = array("q", bytes(8 * total))
    walls = array("d", bytes(8 * total))
    steps = array("q", bytes(8 * total))
    values = array("f", bytes(4 * total))
    tags: List[Any] = [None] * total
    for j, (t, first) in enumerate(members):
        if not _crc_ok(t, buf, first, span, count):
            return None
        w, s, v = _decode(t, buf, first, span, count)
        offs[j::size] = array("q", range(first, first + count * span, span))
        walls[j::size] = w
        steps[j::size] = s
        values[j::size] = v
        tags[j::size] = [t.tag] * count
    return start, offs, walls, steps, values, tags


def _assemble(parts: List[Part], runs: list, others: List[Tuple[int, bytes]], base: int):
    """One Block in file order: the runs (each a contiguous stretch of records, in order)
    spliced between the records met one by one (``parts``, merged by ``_merge``)."""
    single = _merge(parts, others, base)
    if not runs:
        return single
    if single is None:
        single = Block(array("q"), array("d"), array("q"), [], array("d"), others)
    out = Block(array("q"), array("d"), array("q"), [], array("d"), others)
    i = 0
    for start, offs, walls, steps, values, tags in runs:
        j = bisect_left(single.offsets, base + start, i)
        _extend(out, single, i, j)
        out.offsets += _offsets(offs, base)
        out.wall_times += walls
        out.steps += steps
        out.values += array("d", values)
        out.tags += tags
        i = j
    _extend(out, single, i, len(single.offsets))
    return out


def _extend(out: Block, block: Block, i: int, j: int) -> None:
    if j > i:
        out.offsets += block.offsets[i:j]
        out.wall_times += block.wall_times[i:j]
        out.steps += block.steps[i:j]
        out.values += block.values[i:j]
        out.tags += block.tags[i:j]


def _cut(parts: List[Part], others: List[Tuple[int, bytes]], base: int, stop: int) -> None:
    """Drop the records at file offsets ``stop`` and after (those after an error)."""
    for i, (offs, walls, steps, values, tags) in enumerate(parts):
        n = bisect_left(offs, stop - base)
        if n < len(offs):
            tags = tags[:n] if isinstance(tags, list) else tags
            parts[i] = (offs[:n], walls[:n], steps[:n], values[:n], tags)
    others[:] = [o for o in others if o[0] < stop]


def _merge(parts: List[Part], others: List[Tuple[int, bytes]], base: int) -> Optional[Block]:
    """One Block from the parts (each in file order, values as float32), in file order."""
    parts = [p for p in parts if p[0]]
    if not parts and not others:
        return None
    offs: List[int] = []
    walls = array("d")
    steps = array("q")
    values = array("f")
    tags: List[str] = []
    for o, w, s, v, t in parts:
        offs += o
        walls += w
        steps += s
        values += v
        tags += [t] * len(o) if isinstance(t, str) else t
    if len(parts) <= 1:
        return Block(
            _offsets(array("q", offs), base), walls, steps, tags, array("d", values), others
        )
    # Each part is a sorted run: timsort merges them. (Measured: faster than sorting packed
    # position-index ints.) Two parts or more: at least two rows, so get() gives tuples.
    get = itemgetter(*sorted(range(len(offs)), key=offs.__getitem__))
    return Block(
        _offsets(array("q", get(offs)), base),
        array("d", get(walls)),
        array("q", get(steps)),
        list(get(tags)),
        array("d", get(values)),
        others,
    )


def _offsets(positions: array, base: int) -> array:
    """Positions in the chunk plus ``base``: file offsets (one big-int addition)."""
    n = len(positions)
    if not n or not base:
        return positions
    order = sys.byteorder
    x = int.from_bytes(positions.tobytes(), order) + int.from_bytes(
        base.to_bytes(8, order) * n, order
    )
    out = array("q")
    out.frombytes(x.to_bytes(8 * n, order))
    return out
