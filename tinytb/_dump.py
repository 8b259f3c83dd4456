# SPDX-License-Identifier: MIT
"""``tinytb dump``: every record of an event file, decoded, one line per event (and one per
summary value or graph node), with its byte offset: for people learning the format.

Whatever the bytes, the only exception :func:`dump` lets out for them is
:class:`~tinytb.errors.DecodeError` (with ``path`` set), raised after printing every record
before the bad one. Everything printed is bounded by the bytes read: a tensor whose shape asks
for more elements than its values hold shows a few values and the shape, numbers print as
``inf``/``nan`` when they are, and content nested in opaque ``bytes`` fields (a ``graph_def``,
``run_metadata``, plugin content) that does not decode is shown as such, inline.
"""

from __future__ import annotations

import os
import sys

from . import _messages, reader
from ._messages import decode_event
from ._record import HEADER_SIZE, OVERHEAD, iter_records
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Optional, TextIO, Union

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
