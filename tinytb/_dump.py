# SPDX-License-Identifier: MIT
"""``tinytb dump``: every record of an event file, decoded, one line per event (and one per
summary value or graph node), with its byte offset: for people learning the format."""

import os
import sys

from . import _messages, reader
from ._messages import decode_event
from ._record import HEADER_SIZE, OVERHEAD, iter_records
from .errors import DecodeError

# Plugins whose SummaryMetadata.plugin_data.content is a message dump can show decoded.
_PLUGIN_CONTENT = {"pr_curves": _messages.PR_CURVE_PLUGIN_DATA,
                   "mesh": _messages.MESH_PLUGIN_DATA,
                   "hparams": _messages.HPARAMS_PLUGIN_DATA}


def _value_line(value):
    kinds = [name for name, _ in value.fields() if name not in ("tag", "metadata", "node_name")]
    parts = ["tag=%r" % value.tag]
    if "simple_value" in kinds:
        parts.append("simple_value=%r" % value.simple_value)
    elif value.image is not None:
        img = value.image
        blob = img.encoded_image_string
        kind = "PNG" if blob[:8] == b"\x89PNG\r\n\x1a\n" else "GIF" if blob[:4] == b"GIF8" \
            else "image"
        parts.append("image %dx%d colorspace=%d %s (%d bytes)"
                     % (img.width, img.height, img.colorspace, kind, len(blob)))
    elif value.histo is not None:
        h = value.histo
        parts.append("histo %d buckets, num=%g min=%g max=%g" % (len(h.bucket), h.num, h.min,
                                                                 h.max))
    elif value.audio is not None:
        a = value.audio
        parts.append("audio %s %d Hz, %d channel(s), %d frames (%d bytes)" % (
            a.content_type, a.sample_rate, a.num_channels, a.length_frames,
            len(a.encoded_audio_string)))
    elif value.tensor is not None:
        dtype, shape, flat = reader.tensor_values(value.tensor)
        shown = flat[:8] if isinstance(flat, list) else flat[:32]
        more = " ..." if len(flat) > len(shown) else ""
        parts.append("tensor %s%s=%r%s" % (dtype, list(shape), shown, more))
    else:
        parts.extend("%s=%r" % (k, getattr(value, k)) for k in kinds)
    if value.metadata is not None:
        plugin = value.metadata.plugin_data
        if plugin is not None:
            parts.append("plugin=%r" % plugin.plugin_name)
            if plugin.content:
                schema = _PLUGIN_CONTENT.get(plugin.plugin_name)
                try:
                    parts.append("content=%r" % schema.decode(plugin.content))
                except (AttributeError, DecodeError):  # no schema, or not what we expect
                    parts.append("content=%s" % plugin.content.hex())
    return "  ".join(parts)


def _node_line(node):
    parts = ["node %r op=%r" % (node.name, node.op)]
    if node.input:
        parts.append("inputs=%r" % (node.input,))
    if node.device:
        parts.append("device=%r" % node.device)
    for entry in node.attr:
        value = entry.value
        if value.list is not None and value.list.shape:
            shown = "shapes=%s" % [[d.size for d in s.dim] for s in value.list.shape]
        else:
            shown = "%s=%r" % next(iter(value.fields()), ("?", None))
        parts.append("%s:%s" % (entry.key, shown if len(shown) <= 80 else shown[:77] + "..."))
    return "  ".join(parts)


def dump(path, out=sys.stdout):
    """Print every record of an event file, decoded, with its offset; for a directory, every
    event file below it, run by run. Returns an exit code."""
    if os.path.isdir(path):
        status = 0
        for run, files in sorted(reader.event_files(path).items()):
            for name in files:
                print("== run %s: %s" % (run, name), file=out)
                status = dump(name, out) or status
        return status
    with open(path, "rb") as f:
        data = f.read()
    tail = 0
    count = 0
    try:
        for offset, payload in iter_records(data):
            event = decode_event(payload, offset + HEADER_SIZE)
            tail = offset + OVERHEAD + len(payload)
            count += 1
            head = "@%-8d step=%-6d wall_time=%.6f" % (offset, event.step, event.wall_time)
            lines = []
            for name, value in event.fields():
                if name in ("wall_time", "step"):
                    continue
                if name == "summary":
                    n = len(value.value)
                    head += "  summary (%d value%s)" % (n, "" if n == 1 else "s")
                    lines.extend("    " + _value_line(v) for v in value.value)
                elif name == "graph_def":
                    graph = _messages.GRAPH_DEF.decode(value, offset + HEADER_SIZE)
                    head += "  graph_def (%d nodes, %d bytes)" % (len(graph.node), len(value))
                    lines.extend("    " + _node_line(n) for n in graph.node)
                elif name == "tagged_run_metadata":
                    meta = _messages.RUN_METADATA.decode(value.run_metadata)
                    devices = [d.device for d in meta.step_stats.dev_stats] \
                        if meta.step_stats is not None else []
                    head += "  tagged_run_metadata tag=%r devices=%r" % (value.tag, devices)
                elif name == "meta_graph_def":
                    head += "  %s (%d bytes)" % (name, len(value))
                else:
                    head += "  %s=%r" % (name, value)
            print(head, file=out)
            for line in lines:
                print(line, file=out)
    except DecodeError as err:
        print("error: %s" % err, file=out)
        return 1
    print("%d records, %d bytes" % (count, len(data)), file=out)
    if tail < len(data):
        print("the last %d bytes are an incomplete record (a file still being written?)"
              % (len(data) - tail), file=out)
    return 0
