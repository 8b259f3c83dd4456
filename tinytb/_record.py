# SPDX-License-Identifier: MIT
"""TFRecord framing: how an event file strings its Event messages together.

From TensorBoard's ``tensorboard/summary/writer/record_writer.py``::

    # Format of a single record: (little-endian)
    # uint64    length
    # uint32    masked crc of length
    # byte      data[length]
    # uint32    masked crc of data

where the masked CRC is ``((crc >> 15) | (crc << 17)) + 0xa282ead8`` (mod 2**32) of the CRC-32C
(``_crc32c``). An event file is these records back to back, with nothing before, between or
after them.

:func:`frame` turns a payload into one record (bytes, no I/O: the caller writes it with one
``write()``). :func:`iter_records` walks the records of a buffer or a binary file, checking both
CRCs. A record cut short at the end of the input is a file still being written (or a writer
killed mid-write): iteration just ends there, as TensorBoard's loaders wait for more. Anything
else that is wrong raises :class:`~tinytb.errors.DecodeError` with the record's byte offset and
TensorBoard's name for the section that failed: "header", "header crc", "data" or "data crc".
"""

from __future__ import annotations

import struct

from ._crc32c import masked_crc32c
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import IO, Dict, Iterator, Tuple, Union

    Buffer = Union[bytes, bytearray, memoryview]

_LENGTH = struct.Struct("<Q")  # uint64 length
_MASKED_CRC = struct.Struct("<I")  # uint32 masked crc of length, and of data
LENGTH_SIZE = _LENGTH.size  # 8: the length field, at offset 0 of the record
CRC_SIZE = _MASKED_CRC.size  # 4: each masked crc; the length's crc is at offset LENGTH_SIZE
HEADER_SIZE = LENGTH_SIZE + CRC_SIZE  # 12: length + its crc; the data starts here
FOOTER_SIZE = CRC_SIZE  # 4: crc of data, right after the data
OVERHEAD = HEADER_SIZE + FOOTER_SIZE

# The header depends on the length alone, and event lengths repeat (every scalar of one tag has
# one of a few lengths): cache it.
_headers: Dict[int, bytes] = {}


def record_header(length: int) -> bytes:
    """The 12 bytes that open a record of ``length`` payload bytes."""
    header = _headers.get(length)
    if header is None:
        raw = _LENGTH.pack(length)
        header = raw + _MASKED_CRC.pack(masked_crc32c(raw))
        if len(_headers) < 4096:
            _headers[length] = header
    return header


def frame(data: bytes) -> bytes:
    """One whole record: header, ``data``, footer."""
    # one join: the data (an image, a WAV) is copied once, not twice
    return b"".join((record_header(len(data)), data, _MASKED_CRC.pack(masked_crc32c(data))))


def iter_records(
    source: Union[Buffer, IO[bytes]], strict: bool = False
) -> Iterator[Tuple[int, bytes]]:
    """Yield ``(offset, data)`` for each record of ``source``: a bytes-like object, or a binary
    file object read from its current position (offsets then count from there).

    A record cut short at the end ends the iteration (``strict=True`` raises DecodeError for it
    instead); so does a length field claiming more bytes than are left. A CRC mismatch raises
    DecodeError. Memory use follows the bytes present: a file's long record is read in 1 MiB
    pieces, never allocated at the size its length field claims.

    Args:
        source: the bytes of an event file, or a binary file object.
        strict: raise DecodeError for a record cut short at the end too.
    """
    if hasattr(source, "read"):
        return _iter_file(source, strict)  # type: ignore[arg-type]  # hasattr does not narrow
    return _iter_buffer(memoryview(source), strict)


# Protobuf messages are limited to 2 GiB; a longer "length" with a valid CRC is a forged or
# corrupted header, and reading it would try to allocate that much.
MAX_LENGTH = 1 << 31


def _check_header(header: Buffer, offset: int) -> int:
    length: int
    (length,) = _LENGTH.unpack_from(header)
    (stored,) = _MASKED_CRC.unpack_from(header, LENGTH_SIZE)
    computed = masked_crc32c(header[:LENGTH_SIZE])
    if stored != computed:
        raise DecodeError(
            "length crc mismatch: stored 0x%08x, computed 0x%08x (length field "
            "reads %d)" % (stored, computed, length),
            offset,
            "header crc",
        )
    if length > MAX_LENGTH:
        raise DecodeError("record length %d is over 2 GiB" % length, offset, "header")
    return length


def _check_data(data: Buffer, footer: Buffer, offset: int) -> None:
    (stored,) = _MASKED_CRC.unpack_from(footer)
    computed = masked_crc32c(data)
    if stored != computed:
        raise DecodeError(
            "data crc mismatch: stored 0x%08x, computed 0x%08x" % (stored, computed),
            offset,
            "data crc",
        )


def _truncated(offset: int, section: str, have: int, need: int) -> DecodeError:
    return DecodeError(
        "truncated record: %d of %d bytes of its %s" % (have, need, section), offset, section
    )


def _iter_buffer(buf: memoryview, strict: bool) -> Iterator[Tuple[int, bytes]]:
    pos = 0
    end = len(buf)
    while pos < end:
        if end - pos < LENGTH_SIZE:
            if strict:
                raise _truncated(pos, "header", end - pos, LENGTH_SIZE)
            return
        if end - pos < HEADER_SIZE:
            if strict:
                raise _truncated(pos, "header crc", end - pos - LENGTH_SIZE, CRC_SIZE)
            return
        length = _check_header(buf[pos : pos + HEADER_SIZE], pos)
        start = pos + HEADER_SIZE
        if end - start < length:
            if strict:
                raise _truncated(pos, "data", end - start, length)
            return
        if end - start - length < FOOTER_SIZE:
            if strict:
                raise _truncated(pos, "data crc", end - start - length, FOOTER_SIZE)
            return
        data = buf[start : start + length]
        _check_data(data, buf[start + length : start + length + FOOTER_SIZE], pos)
        yield pos, bytes(data)
        pos = start + length + FOOTER_SIZE


# A record longer than this is read from a file in pieces of this size, so that memory grows
# with the bytes actually there, not with what a (corrupt) length field claims: ``f.read(n)``
# allocates n bytes before it reads. Shorter records (nearly all) take one read.
_CHUNK = 1 << 20


def _read_long(f: IO[bytes], length: int) -> bytes:
    """Up to ``length`` bytes of ``f``, read ``_CHUNK`` at a time (so a corrupt length
    costs no allocation beyond the file); fewer only at the end of the file."""
    parts = []
    left = length
    while left:
        part = f.read(min(left, _CHUNK))
        if not part:
            break
        parts.append(part)
        left -= len(part)
    return b"".join(parts)


def _iter_file(f: IO[bytes], strict: bool) -> Iterator[Tuple[int, bytes]]:
    pos = 0
    while True:
        header = f.read(HEADER_SIZE)
        if not header:
            return
        if len(header) < HEADER_SIZE:
            if strict:
                if len(header) < LENGTH_SIZE:
                    raise _truncated(pos, "header", len(header), LENGTH_SIZE)
                raise _truncated(pos, "header crc", len(header) - LENGTH_SIZE, CRC_SIZE)
            return
        length = _check_header(header, pos)
        data = f.read(length) if length <= _CHUNK else _read_long(f, length)
        if len(data) < length:
            if strict:
                raise _truncated(pos, "data", len(data), length)
            return
        footer = f.read(FOOTER_SIZE)
        if len(footer) < FOOTER_SIZE:
            if strict:
                raise _truncated(pos, "data crc", len(footer), FOOTER_SIZE)
            return
        _check_data(data, footer, pos)
        yield pos, data
        pos += HEADER_SIZE + length + FOOTER_SIZE
