# SPDX-License-Identifier: MIT
"""``tinytb dump``: every record of an event file, decoded, one line per event (and one per
summary value or graph node), with its byte offset: for people learning the format.

Whatever the bytes, the only exception :func:`dump` lets out for them is
:class:`~tinytb.errors.DecodeError` (with ``path`` set), raised after printing every record
before the bad one. Everything printed is bounded by the bytes read: a tensor whose shape asks
for more elements than its values hold shows a few values and the shape, numbers print as
``inf``/``nan`` when they are, and content nested in opaque ``bytes`` fields (a ``graph_def``,
``run_metadata``, plugin content) that does not decode is shown as such, inline.

:func:`dump_bytes` (``tinytb dump --bytes FILE``) is the same walk one level down, for people
learning the format: the first records as annotated hex, every byte shown once, in file order,
with what it means (see docs/format.md, which is made of its output).
"""

from __future__ import annotations

import os
import struct
import sys
import time

from . import _messages, _tensor, _wire, reader
from ._crc32c import masked_crc32c
from ._messages import MAX_DEPTH, Schema, decode_event
from ._record import (
    CRC_SIZE,
    HEADER_SIZE,
    LENGTH_SIZE,
    MAX_LENGTH,
    OVERHEAD,
    iter_records,
)
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, BinaryIO, Dict, List, Optional, TextIO, Tuple, Union

    # a field as _Hex._field found it: schema, name, kind, repeated, head text, error path
    _Field = Tuple[Schema, str, Any, bool, str, str]

# Plugins whose SummaryMetadata.plugin_data.content is a message dump can show decoded.
_PLUGIN_CONTENT = {
    "pr_curves": _messages.PR_CURVE_PLUGIN_DATA,
    "mesh": _messages.MESH_PLUGIN_DATA,
    "hparams": _messages.HPARAMS_PLUGIN_DATA,
}

_SHOWN_VALUES = 8  # tensor elements shown (bytes of tensor_content: 4 times as many)
_SHOWN_DIMS = 16  # a shape with more dims is cut, with its rank said
_ATTR_WIDTH = 80  # one graph attr's text, cut beyond


def _tensor_text(tensor):
    dtype, shape, flat = reader.tensor_values(tensor)  # DecodeError for an impossible shape
    dims = (
        "%r" % shape
        if len(shape) <= _SHOWN_DIMS
        else "[%s, ... (rank %d)]" % (", ".join(map(str, shape[:_SHOWN_DIMS])), len(shape))
    )
    shown = flat[:_SHOWN_VALUES] if not isinstance(flat, bytes) else flat[: 4 * _SHOWN_VALUES]
    more = " ..." if len(flat) > len(shown) else ""
    fill = getattr(flat, "values", None)
    if fill is not None:  # _tensor.FilledValues: the last of the values fills the shape
        more += " (%d value%s given, the last repeated to %d)" % (
            len(fill),
            "" if len(fill) == 1 else "s",
            len(flat),
        )
    return "tensor %s%s=%r%s" % (dtype, dims, shown, more)


def _plugin_text(plugin):
    parts = ["plugin=%r" % plugin.plugin_name]
    if plugin.content:
        schema = _PLUGIN_CONTENT.get(plugin.plugin_name)
        try:
            if schema is None:
                raise DecodeError("no schema")
            parts.append("content=%r" % schema.decode(plugin.content))
        except DecodeError:  # no schema, or not what the plugin writes
            parts.append("content=%s" % plugin.content.hex())
    return "  ".join(parts)


def _value_line(value):
    kinds = [name for name, _ in value.fields() if name not in ("tag", "metadata", "node_name")]
    parts = ["tag=%r" % value.tag]
    if "simple_value" in kinds:
        parts.append("simple_value=%r" % value.simple_value)
    elif value.image is not None:
        img = value.image
        blob = img.encoded_image_string
        kind = (
            "PNG" if blob[:8] == b"\x89PNG\r\n\x1a\n" else "GIF" if blob[:4] == b"GIF8" else "image"
        )
        parts.append(
            "image %dx%d colorspace=%d %s (%d bytes)"
            % (img.width, img.height, img.colorspace, kind, len(blob))
        )
    elif value.histo is not None:
        h = value.histo
        parts.append(
            "histo %d buckets, num=%g min=%g max=%g" % (len(h.bucket), h.num, h.min, h.max)
        )
    elif value.audio is not None:
        a = value.audio
        # %g, not %d: a float sample rate may be inf or nan in a damaged file
        parts.append(
            "audio %s %g Hz, %d channel(s), %d frames (%d bytes)"
            % (
                a.content_type,
                a.sample_rate,
                a.num_channels,
                a.length_frames,
                len(a.encoded_audio_string),
            )
        )
    elif value.tensor is not None:
        parts.append(_tensor_text(value.tensor))
    else:
        parts.extend("%s=%r" % (k, getattr(value, k)) for k in kinds)
    if value.metadata is not None and value.metadata.plugin_data is not None:
        parts.append(_plugin_text(value.metadata.plugin_data))
    return "  ".join(parts)


def _attr_text(entry):
    value = entry.value
    if value is None:  # a map entry without its value: AttrValue's default, nothing set
        shown = "(no value)"
    elif value.list is not None and value.list.shape:
        shown = "shapes=%s" % [[d.size for d in s.dim] for s in value.list.shape]
    else:
        shown = "%s=%r" % next(iter(value.fields()), ("?", None))
    if len(shown) > _ATTR_WIDTH:
        shown = shown[: _ATTR_WIDTH - 3] + "..."
    return "%s:%s" % (entry.key, shown)


def _node_line(node):
    parts = ["node %r op=%r" % (node.name, node.op)]
    if node.input:
        parts.append("inputs=%r" % (node.input,))
    if node.device:
        parts.append("device=%r" % node.device)
    parts.extend(_attr_text(entry) for entry in node.attr)
    return "  ".join(parts)


def _nested(schema, data, base):
    """A message held in a ``bytes`` field, or the DecodeError saying why it is not one."""
    try:
        return schema.decode(data, base), None
    except DecodeError as err:
        return None, err


def _event_lines(offset, event):
    """The head line of one Event, and the indented lines of its values or graph nodes."""
    head = "@%-8d step=%-6d wall_time=%.6f" % (offset, event.step, event.wall_time)
    lines = []
    base = offset + HEADER_SIZE
    for name, value in event.fields():
        if name in ("wall_time", "step"):
            continue
        if name == "summary":
            n = len(value.value)
            head += "  summary (%d value%s)" % (n, "" if n == 1 else "s")
            for index, v in enumerate(value.value):
                try:
                    lines.append("    " + _value_line(v))
                except DecodeError as err:  # a tensor's shape: negative, or beyond int64
                    where = "Event.summary.value[%d].tensor" % index
                    raise DecodeError(err.msg, offset, where) from None
        elif name == "graph_def":
            graph, problem = _nested(_messages.GRAPH_DEF, value, base)
            if problem is not None:
                head += "  graph_def (%d bytes, not a GraphDef: %s)" % (len(value), problem)
                continue
            head += "  graph_def (%d nodes, %d bytes)" % (len(graph.node), len(value))
            lines.extend("    " + _node_line(n) for n in graph.node)
        elif name == "tagged_run_metadata":
            meta, problem = _nested(_messages.RUN_METADATA, value.run_metadata, base)
            if problem is not None:
                head += "  tagged_run_metadata tag=%r (%d bytes, not a RunMetadata: %s)" % (
                    value.tag,
                    len(value.run_metadata),
                    problem,
                )
                continue
            devices = (
                [d.device for d in meta.step_stats.dev_stats] if meta.step_stats is not None else []
            )
            head += "  tagged_run_metadata tag=%r devices=%r" % (value.tag, devices)
        elif name == "meta_graph_def":
            head += "  %s (%d bytes)" % (name, len(value))
        else:
            head += "  %s=%r" % (name, value)
    return head, lines


def _dump_file(path, out):
    with open(path, "rb") as f:
        data = f.read()
    tail = 0
    count = 0
    try:
        for offset, payload in iter_records(data):
            event = decode_event(payload, offset + HEADER_SIZE)
            tail = offset + OVERHEAD + len(payload)
            count += 1
            head, lines = _event_lines(offset, event)
            print(head, file=out)
            for line in lines:
                print(line, file=out)
    except DecodeError as err:
        err.with_path(os.fspath(path))
        raise
    print("%d records, %d bytes" % (count, len(data)), file=out)
    if tail < len(data):
        print(
            "the last %d bytes are an incomplete record (a file still being written?)"
            % (len(data) - tail),
            file=out,
        )


def dump(path: Union[str, "os.PathLike[str]"], out: Optional[TextIO] = None) -> None:
    """Print every record of an event file, decoded, with its offset; for a directory, every
    event file below it, run by run (a ``== run RUN: FILE`` line before each).

    Args:
        path: an event file, or a directory holding event files.
        out: the text stream to print to (default: ``sys.stdout`` at the time of the call).

    Raises:
        DecodeError: a record or Event is malformed, with ``path`` naming the file; the records
            before it have been printed (and, for a directory, the files before it). A tensor whose
            shape has a negative dim or more than 2**63-1 elements is malformed too (as
            :func:`tinytb.reader.scalars` says).
        FileNotFoundError: ``path`` does not exist, or is a directory with no event files
            below it (``err.filename`` is the directory).
        OSError: the file cannot be read.
    """
    out = sys.stdout if out is None else out
    if not os.path.isdir(path):
        _dump_file(path, out)
        return
    runs = reader.event_files(path)
    if not runs:
        raise FileNotFoundError(2, "no event files under this directory", os.fspath(path))
    for run, files in runs.items():
        for name in files:
            print("== run %s: %s" % (run, name), file=out)
            _dump_file(name, out)


# -- dump --bytes: the first records as annotated hex -----------------------------------------

_LINE_BYTES = 12  # hex bytes a line: a key and a double (9 bytes) or an int64 varint (11) fit
_HEX_WIDTH = 3 * _LINE_BYTES - 1
_BLOB_BYTES = 2 * _LINE_BYTES  # of a long string or bytes field: shown, then "... N more bytes"
_PACKED_SHOWN = 8  # elements of a packed repeated field shown, one a line
_TEXT_SHOWN = 40  # characters of a string shown
_COLUMNS = "%7s  %-*s  %s" % ("offset", _HEX_WIDTH, "bytes (hex)", "field, wire type, name = value")

# The four wire types, named as the encoding guide's table names them
# (https://protobuf.dev/programming-guides/encoding/#structure); 3 and 4 (groups) are refused.
_WIRE_NAMES = {_wire.VARINT: "VARINT", _wire.I64: "I64", _wire.LEN: "LEN", _wire.I32: "I32"}
_FIXED_SIZES = {_wire.I64: 8, _wire.I32: 4}
# The wire type of each .proto scalar type, and the types a repeated field packs: the decoder's
_KIND_WIRE = _messages._WIRE_TYPES
_PACKABLE = _messages._PACKABLE

# record_writer.py: "uint64 length", "uint32 masked crc of length", "uint32 masked crc of data"
_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")
_DOUBLE = struct.Struct("<d")
_FLOAT = struct.Struct("<f")

# bytes fields that hold a serialized message: shown decoded when they decode.
_SERIALIZED = {
    ("Event", "graph_def"): _messages.GRAPH_DEF,
    ("TaggedRunMetadata", "run_metadata"): _messages.RUN_METADATA,
}
# Names for numbers: types.proto's DataType, summary.proto's colorspace comment, event.proto's
# SessionLog.SessionStatus.
_NAMED = {
    ("TensorProto", "dtype"): {
        number: name
        for name, number in vars(_tensor).items()
        if name.startswith("DT_") and isinstance(number, int)
    },
    ("Image", "colorspace"): {
        1: "grayscale",
        2: "grayscale + alpha",
        3: "RGB",
        4: "RGBA",
        5: "DIGITAL_YUV",
        6: "BGRA",
    },
    ("SessionLog", "status"): {0: "STATUS_UNSPECIFIED", 1: "START", 2: "STOP", 3: "CHECKPOINT"},
}
_MAGIC = ((b"\x89PNG\r\n\x1a\n", "a PNG"), (b"GIF8", "a GIF"), (b"RIFF", "a RIFF (WAV)"))


def _float32_text(raw: bytes) -> str:
    """The shortest decimal that reads back as the same float32 (``0.1``, not the double
    ``0.10000000149011612`` the four bytes widen to)."""
    value = _FLOAT.unpack(raw)[0]
    if value != value or value in (float("inf"), float("-inf")):
        return repr(value)
    for digits in range(1, 10):  # 9 significant digits always round-trip a float32
        text = "%.*g" % (digits, value)
        try:
            if _FLOAT.pack(float(text)) == raw:
                return repr(float(text))
        except OverflowError:  # rounded up past the float32 range
            continue
    return repr(value)


def _wall_time_text(value: float) -> str:
    try:
        return "%r (%s)" % (value, time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(value)))
    except (OverflowError, ValueError, OSError):  # nan, inf, or beyond the platform's time_t
        return repr(value)


def _scalar_text(schema: Schema, name: str, kind: str, value: Union[int, bytes]) -> str:
    """One decoded scalar: ``value`` is the varint's number, or the raw 8 or 4 fixed bytes."""
    if isinstance(value, bytes):
        if kind == "float":
            return _float32_text(value)
        number = _DOUBLE.unpack(value)[0]
        return _wall_time_text(number) if name == "wall_time" else repr(number)
    if kind == "bool":
        return "true" if value else "false"
    if kind == "int64":
        shown = _wire.to_int64(value)
    elif kind in ("int32", "enum"):
        shown = _wire.to_int32(value)
    elif kind == "uint32":
        shown = value & 0xFFFFFFFF
    else:
        shown = value
    label = _NAMED.get((schema.name, name), {}).get(shown)
    return "%d (%s)" % (shown, label) if label else "%d" % shown


def _bytes_text(payload: bytes) -> str:
    for magic, what in _MAGIC:
        if payload.startswith(magic):
            return "%s file, %d bytes" % (what, len(payload))
    if len(payload) <= _TEXT_SHOWN and all(32 <= b < 127 for b in payload):
        return repr(payload)
    return "%d bytes" % len(payload)


def _crc_text(what: str, stored: int, computed: int) -> str:
    return "%s = 0x%08x, computed 0x%08x: %s" % (
        what,
        stored,
        computed,
        "ok" if stored == computed else "MISMATCH",
    )


def _varint_at(buf: bytes, pos: int, base: int, path: str) -> Tuple[int, int]:
    try:
        return _wire.decode_varint(buf, pos)
    except DecodeError as err:  # its offset is into buf: make it the file's
        raise DecodeError(err.msg, base + (err.offset or 0), path) from None


class _Hex:
    """The annotated lines of one record, collected so that what was valid can be printed
    before a DecodeError is raised."""

    def __init__(self) -> None:
        self.lines: List[str] = []

    def add(self, offset: int, raw: bytes, indent: int, text: str) -> None:
        """``raw`` (the bytes at ``offset``) in lines of _LINE_BYTES, ``text`` on the first."""
        pad = "  " * indent
        for i in range(0, max(len(raw), 1), _LINE_BYTES):
            line = "%7d  %-*s  %s%s" % (
                offset + i,
                _HEX_WIDTH,
                raw[i : i + _LINE_BYTES].hex(" "),
                pad,
                text if i == 0 else "",
            )
            self.lines.append(line.rstrip())

    def blob(self, offset: int, raw: bytes, indent: int, text: str) -> None:
        """A string or bytes field: its first _BLOB_BYTES bytes, then how many more."""
        self.add(offset, raw[:_BLOB_BYTES], indent, text)
        if len(raw) > _BLOB_BYTES:
            more = len(raw) - _BLOB_BYTES
            self.add(offset + _BLOB_BYTES, b"", indent, "... %d more bytes" % more)

    def message(self, schema: Schema, buf: bytes, base: int, depth: int, path: str) -> None:
        """Every field of one message; ``base``: the file offset of ``buf``; ``depth``: the
        messages it is nested in (more than MAX_DEPTH levels are refused, as protobuf does)."""
        if depth > MAX_DEPTH:
            raise DecodeError("messages nested more than %d deep" % MAX_DEPTH, base, path)
        seen: Dict[str, int] = {}  # repeated field name -> elements so far
        strings: Dict[str, str] = {}  # string fields so far (plugin_name says what content is)
        pos = 0
        while pos < len(buf):
            pos = self._field(schema, buf, pos, base, depth, path, seen, strings)

    def _field(
        self,
        schema: Schema,
        buf: bytes,
        start: int,
        base: int,
        depth: int,
        path: str,
        seen: Dict[str, int],
        strings: Dict[str, str],
    ) -> int:
        """The field at ``buf[start]``, annotated; returns where the next one starts."""
        key, pos = _varint_at(buf, start, base, path)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise DecodeError("field number 0", base + start, path)
        if wire_type not in _WIRE_NAMES:
            raise DecodeError(
                "unsupported wire type %d for field %d" % (wire_type, number), base + start, path
            )
        name, kind, repeated = schema.fields.get(number, ("?", None, False))
        label = name
        if repeated and not (wire_type == _wire.LEN and kind in _PACKABLE):
            label = "%s[%d]" % (name, seen.get(name, 0))
            seen[name] = seen.get(name, 0) + 1
        head = "%d %s %s" % (number, _WIRE_NAMES[wire_type], label)
        where = "%s.%s" % (path, name)  # the path Schema.decode's errors give
        if wire_type == _wire.LEN:
            size, vstart = _varint_at(buf, pos, base, path)
            end = vstart + size
            if end > len(buf):
                raise DecodeError(
                    "length %d runs past the end of the message" % size, base + start, path
                )
            field = (schema, name, kind, repeated, head, where)
            self._len_field(field, buf, start, vstart, end, base, depth, strings)
            return end
        value: Union[int, bytes]
        if wire_type == _wire.VARINT:
            value, end = _varint_at(buf, pos, base, path)
        else:
            end = pos + _FIXED_SIZES[wire_type]
            if end > len(buf):
                size = _FIXED_SIZES[wire_type]
                raise DecodeError("truncated fixed%d field" % (size * 8), base + start, path)
            value = bytes(buf[pos:end])
        if isinstance(kind, Schema):
            raise DecodeError("wire type %d for a message field" % wire_type, base + pos, where)
        if kind is None:
            text = "%s = %s (not in %s: readers skip it)" % (
                head,
                value if isinstance(value, int) else "0x" + value[::-1].hex(),
                schema.name,
            )
        else:
            _check_wire(kind, wire_type, base + pos, where)
            text = "%s = %s" % (head, _scalar_text(schema, name, kind, value))
        self.add(base + start, buf[start:end], depth + 1, text)
        return end

    def _len_field(
        self,
        field: _Field,
        buf: bytes,
        start: int,
        vstart: int,
        end: int,
        base: int,
        depth: int,
        strings: Dict[str, str],
    ) -> None:
        """A LEN field: a message, packed numbers, a string or bytes."""
        schema, name, kind, repeated, head, where = field
        offset = base + start
        payload = bytes(buf[vstart:end])
        if isinstance(kind, Schema):
            text = "%s: %s, %d bytes" % (head, kind.name, len(payload))
            self.add(offset, buf[start:vstart], depth + 1, text)
            inner = where + head[head.index("[") :] if repeated else where  # value[0]
            self.message(kind, payload, base + vstart, depth + 1, inner)
        elif repeated and kind in _PACKABLE:
            self._packed(field, buf[start:vstart], payload, offset, base + vstart, depth)
        elif kind is None:
            text = "%s: %s (not in %s: readers skip it)" % (head, _bytes_text(payload), schema.name)
            self.blob(offset, buf[start:end], depth + 1, text)
        elif kind == "string":
            _check_wire(kind, _wire.LEN, base + vstart, where)
            try:
                value = payload.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DecodeError(
                    "string is not UTF-8 (%s)" % err.reason, base + vstart, where
                ) from None
            strings[name] = value
            shown = repr(value[:_TEXT_SHOWN])
            if len(value) > _TEXT_SHOWN:
                shown += "... (%d characters)" % len(value)
            self.blob(offset, buf[start:end], depth + 1, "%s = %s" % (head, shown))
        else:
            _check_wire(kind, _wire.LEN, base + vstart, where)
            nested = _SERIALIZED.get((schema.name, name))
            if schema is _messages.PLUGIN_DATA and name == "content":
                nested = _PLUGIN_CONTENT.get(strings.get("plugin_name", ""))
            self._bytes_field(nested, head, buf[start:end], end - vstart, offset, depth, where)

    def _bytes_field(
        self,
        nested: Optional[Schema],
        head: str,
        raw: bytes,
        size: int,
        offset: int,
        depth: int,
        where: str,
    ) -> None:
        """A bytes field; one that holds a serialized message is shown as that message when it
        decodes (else as bytes, saying why not)."""
        payload = raw[len(raw) - size :]
        note = ""
        if nested is not None and payload:
            mark = len(self.lines)
            text = "%s: a serialized %s, %d bytes" % (head, nested.name, size)
            self.add(offset, raw[: len(raw) - size], depth + 1, text)
            try:
                self.message(nested, payload, offset + len(raw) - size, depth + 1, where)
                return
            except DecodeError as err:  # bytes are bytes: not a message is no error here
                del self.lines[mark:]
                note = " (not a %s: %s)" % (nested.name, err.msg)
        self.blob(offset, raw, depth + 1, "%s = %s%s" % (head, _bytes_text(payload), note))

    def _packed(
        self, field: _Field, head_raw: bytes, payload: bytes, offset: int, vbase: int, depth: int
    ) -> None:
        """A packed repeated field: one key, the length, then the elements back to back."""
        schema, name, kind, _, head, where = field
        size = 8 if kind == "double" else 4 if kind == "float" else 0
        elements = []
        if size:
            if len(payload) % size:
                msg = "packed field: packed fixed%d payload of %d bytes" % (size * 8, len(payload))
                raise DecodeError(msg, vbase, where)
            elements = [(i, payload[i : i + size]) for i in range(0, len(payload), size)]
        else:
            pos = 0
            while pos < len(payload):
                try:
                    after = _wire.decode_varint(payload, pos)[1]
                except DecodeError as err:  # at the element that breaks (the reader: the field)
                    raise DecodeError("packed field: " + err.msg, vbase + pos, where) from None
                elements.append((pos, payload[pos:after]))
                pos = after
        count = len(elements)
        text = "%s: packed %s, %d value%s in %d bytes" % (
            head,
            kind,
            count,
            "" if count == 1 else "s",
            len(payload),
        )
        self.add(offset, head_raw, depth + 1, text)
        for index, (pos, raw) in enumerate(elements[:_PACKED_SHOWN]):
            value = raw if size else _wire.decode_varint(raw, 0)[0]
            text = "[%d] = %s" % (index, _scalar_text(schema, name, kind, value))
            self.add(vbase + pos, raw, depth + 2, text)
        if count > _PACKED_SHOWN:
            pos = elements[_PACKED_SHOWN][0]
            text = "... %d more values, %d bytes" % (count - _PACKED_SHOWN, len(payload) - pos)
            self.add(vbase + pos, b"", depth + 2, text)


def _check_wire(kind: str, wire_type: int, offset: int, where: str) -> None:
    """A field whose wire type is not its .proto type's: refused, as Schema.decode refuses it."""
    expected = _KIND_WIRE[kind]
    if wire_type != expected:
        raise DecodeError(
            "wire type %d where %s needs %d" % (wire_type, kind, expected), offset, where
        )


_ENDS_INSIDE = "the file ends inside this record (still being written?)"


def _incomplete(hexdump: _Hex, offset: int, raw: bytes, what: str, need: int) -> None:
    hexdump.add(offset, raw, 0, "%s: %d of its %d bytes" % (what, len(raw), need))
    hexdump.add(offset + len(raw), b"", 0, _ENDS_INSIDE)


def _record(f: BinaryIO, offset: int, size: int, hexdump: _Hex) -> Optional[int]:
    """Annotate the record at ``offset`` of ``f`` (positioned there; ``size``: the file's);
    return where the next one starts, or None when this was the end of the file."""
    header = f.read(HEADER_SIZE)
    if len(header) < LENGTH_SIZE:
        _incomplete(hexdump, offset, header, "length", LENGTH_SIZE)
        return None
    (length,) = _LENGTH.unpack_from(header)
    hexdump.add(offset, header[:LENGTH_SIZE], 0, "length = %d (uint64, little-endian)" % length)
    if len(header) < HEADER_SIZE:
        _incomplete(hexdump, offset + LENGTH_SIZE, header[LENGTH_SIZE:], "length CRC", CRC_SIZE)
        return None
    (stored,) = _CRC.unpack_from(header, LENGTH_SIZE)
    computed = masked_crc32c(header[:LENGTH_SIZE])
    crc_text = _crc_text("length CRC", stored, computed)
    hexdump.add(offset + LENGTH_SIZE, header[LENGTH_SIZE:], 0, crc_text)
    if stored != computed:  # the length is noise: nothing after it can be placed
        msg = "length crc mismatch: stored 0x%08x, computed 0x%08x (length field reads %d)"
        raise DecodeError(msg % (stored, computed, length), offset, "header crc")
    if length > MAX_LENGTH:
        raise DecodeError("record length %d is over 2 GiB" % length, offset, "header")
    start = offset + HEADER_SIZE
    # Compared with the file's size before reading: f.read(n) allocates n bytes first.
    data = f.read(length) if length <= size - start else b""
    if len(data) < length:
        have = max(0, size - start)
        hexdump.add(start, b"", 0, "Event: the file holds %d of its %d bytes" % (have, length))
        hexdump.add(start, b"", 0, _ENDS_INSIDE)
        return None
    footer = f.read(CRC_SIZE)
    if len(footer) < CRC_SIZE:
        hexdump.blob(start, data, 0, "Event, %d bytes (not decoded without its CRC)" % length)
        _incomplete(hexdump, start + length, footer, "data CRC", CRC_SIZE)
        return None
    (stored,) = _CRC.unpack_from(footer)
    computed = masked_crc32c(data)
    hexdump.lines[0] += ": %d bytes = 8 length + 4 CRC + %d Event + 4 CRC" % (
        OVERHEAD + length,
        length,
    )
    if stored != computed:  # noise in the Event: decoding it would only mislead
        hexdump.blob(start, data, 0, "Event, %d bytes: not decoded, its CRC is wrong" % length)
        hexdump.add(start + length, footer, 0, _crc_text("data CRC", stored, computed))
        msg = "data crc mismatch: stored 0x%08x, computed 0x%08x"
        raise DecodeError(msg % (stored, computed), offset, "data crc")
    hexdump.add(start, b"", 0, "Event, %d bytes" % length)
    hexdump.message(_messages.EVENT, data, start, 0, "Event")
    hexdump.add(start + length, footer, 0, _crc_text("data CRC", stored, computed))
    return start + length + CRC_SIZE


def dump_bytes(path: str, out: TextIO, records: int = 3) -> None:
    """Print the first ``records`` records of an event file as annotated hex, for people
    learning the format: each record's offset; its 8 length bytes with the length; the 4 bytes
    of the length's masked CRC-32C, stored and computed; the Event field by field (nested
    messages indented), each line giving the bytes in hex, the field number, the wire type
    (VARINT, I64, LEN, I32), the ``.proto`` field name and the value (long strings and bytes
    cut, with their length); then the data's masked CRC-32C, stored and computed.

    Args:
        path: the event file.
        out: the text stream to print to.
        records: how many records to show, from the first (0 shows none).

    Raises:
        DecodeError: malformed bytes (a CRC mismatch, a protobuf field that does not parse or
            does not fit its ``.proto`` type, messages nested over 100 deep), with ``path``,
            the offset where it breaks and the section; everything before it has been printed.
            A file ending inside a record is no error: it is said so (a file being written).
        TypeError: ``records`` is not an int.
        ValueError: ``records`` is negative.
        OSError: the file cannot be read.
    """
    if isinstance(records, bool) or not isinstance(records, int):
        raise TypeError("records must be an int, not %s" % type(records).__name__)
    if records < 0:
        raise ValueError("records must be 0 or more, not %d" % records)
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        print("%s: %d bytes" % (os.fspath(path), size), file=out)
        print(_COLUMNS, file=out)
        offset: Optional[int] = 0
        for index in range(records):
            if offset is None or offset >= size:
                break
            hexdump = _Hex()
            hexdump.lines.append("\nrecord %d, at byte %d" % (index, offset))
            try:
                offset = _record(f, offset, size, hexdump)
            except DecodeError as err:
                print("\n".join(hexdump.lines), file=out)
                raise err.with_path(os.fspath(path)) from None
            print("\n".join(hexdump.lines), file=out)
    if offset is not None:
        left = size - offset
        print("%s" % ("end of file" if left <= 0 else "%d more bytes follow" % left), file=out)
