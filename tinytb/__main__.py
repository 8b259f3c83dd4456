# SPDX-License-Identifier: MIT
"""Command line: ``python -m tinytb demo [LOGDIR]`` and ``python -m tinytb dump FILE``."""

import argparse
import math
import os
import sys

from . import __version__, reader
from ._messages import decode_event
from ._record import HEADER_SIZE, OVERHEAD, iter_records
from .errors import DecodeError
from .writer import SummaryWriter


def demo(logdir):
    """Write a small run with every summary kind tinytb implements so far."""
    with SummaryWriter(logdir) as w:
        for step in range(200):
            t = step / 20.0
            w.add_scalar("loss/train", math.exp(-t / 3) + 0.05 * math.sin(3 * t), step)
            w.add_scalar("loss/valid", math.exp(-t / 3.5) + 0.08, step)
            w.add_scalar("lr", 0.1 * 0.5 ** (step // 50), step, new_style=True)
            w.add_scalars("wave", {"sin": math.sin(t), "cos": math.cos(t)}, step)
        w.add_text("about", "# tinytb demo\n\nWritten by `python -m tinytb demo` with the "
                   "standard library alone.\n\n| kind | tag |\n|---|---|\n| scalars | "
                   "`loss/*`, `lr` |\n| scalars (sub-runs) | `wave` |\n| text | `about` |", 0)
        for step in (0, 100, 199):
            w.add_text("notes", "checkpoint at step **%d**" % step, step)
        w.add_tensor("tensor/ramp", [[i * 0.5 for i in range(4)] for _ in range(3)], 0)
        w.add_custom_scalars({
            "losses": {"train vs valid": ["Multiline", ["loss/train", "loss/valid"]]},
            "waves": {"sin and cos": ["Multiline", ["wave"]]},
        })
    return w.get_logdir()


def _value_line(value):
    kinds = [name for name, _ in value.fields() if name not in ("tag", "metadata", "node_name")]
    parts = ["tag=%r" % value.tag]
    if "simple_value" in kinds:
        parts.append("simple_value=%r" % value.simple_value)
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
                parts.append("content=%s" % plugin.content.hex())
    return "  ".join(parts)


def dump(path, out=sys.stdout):
    """Print every record of an event file, decoded, with its offset. Returns an exit code."""
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
                elif name in ("graph_def", "meta_graph_def"):
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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinytb", description=(
        "tinytb %s: PyTorch's TensorBoard writer in the standard library." % __version__))
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("demo", help="write a demo run and say how to view it")
    p.add_argument("logdir", nargs="?", default=os.path.join("runs", "tinytb-demo"))
    p = sub.add_parser("dump", help="print every record of an event file, decoded")
    p.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "demo":
        logdir = demo(args.logdir)
        print("wrote a demo run to %s" % logdir)
        for run, files in reader.event_files(logdir).items():
            for f in files:
                print("  %s  (%d bytes)" % (f, os.path.getsize(f)))
        print("view it with:  tensorboard --logdir %s" % logdir)
        print("or read it with:  python -m tinytb dump <one of the files above>")
        return 0
    if args.command == "dump":
        return dump(args.file)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
