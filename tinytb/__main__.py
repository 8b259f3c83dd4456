# SPDX-License-Identifier: MIT
"""Command line: ``python -m tinytb demo [LOGDIR]`` and ``python -m tinytb dump FILE|DIR``."""

import argparse
import math
import os
import random
import sys

from . import __version__, _messages, reader
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
                   "`loss/*`, `lr` |\n| scalars (sub-runs) | `wave` |\n| text | `about` |\n"
                   "| images | `images/*` |\n| video | `video/orbit` |\n| audio | `audio/chirp` |\n"
                   "| histograms, distributions | `weights/layer1` |\n| pr curves | `pr/classifier` |\n"
                   "| mesh | `mesh/octahedron` |\n| hparams | this run and `trial-*` |\n"
                   "| projector | `embedding/clusters` |\n| graphs | a small classifier |\n"
                   "| tensor (not shown by TensorBoard) | "
                   "`tensor/ramp` |", 0)
        for step in (0, 100, 199):
            w.add_text("notes", "checkpoint at step **%d**" % step, step)
        w.add_tensor("tensor/ramp", [[i * 0.5 for i in range(4)] for _ in range(3)], 0)
        _demo_media(w)
        _demo_plugins(w)
        w.add_custom_scalars({
            "losses": {"train vs valid": ["Multiline", ["loss/train", "loss/valid"]]},
            "waves": {"sin and cos": ["Multiline", ["wave"]]},
        })
    return w.get_logdir()


def _chart(width=240, height=140):
    """A small line chart drawn into an RGB array by hand: the training curve of the demo."""
    px = bytearray(b"\xff" * (width * height * 3))

    def dot(x, y, rgb):
        if 0 <= x < width and 0 <= y < height:
            i = (y * width + x) * 3
            px[i:i + 3] = bytes(rgb)

    for x in range(20, width - 10):  # axes
        dot(x, height - 20, (0, 0, 0))
    for y in range(10, height - 19):
        dot(20, y, (0, 0, 0))
    previous = None
    for x in range(21, width - 10):  # the curve, joined point to point
        t = (x - 21) / (width - 31) * 10.0
        loss = math.exp(-t / 3) + 0.05 * math.sin(3 * t)
        y = int(height - 21 - loss * (height - 40))
        if previous is not None:
            for yy in range(min(previous, y), max(previous, y) + 1):
                dot(x, yy, (31, 119, 180))
                dot(x, yy + 1, (31, 119, 180))
        previous = y
    return memoryview(bytes(px)).cast("B", (height, width, 3))


def _demo_media(w):
    size = 64
    gradient = [[[x / (size - 1) for x in range(size)] for _ in range(size)],
                [[y / (size - 1) for _ in range(size)] for y in range(size)],
                [[0.5] * size for _ in range(size)]]
    w.add_image("images/gradient", gradient, 0)  # CHW floats in [0, 1]
    w.add_image("images/chart", _chart(), 0, dataformats="HWC")
    tiles = [[[[((x // 4 + y // 4 + n) % 2) * (40 + 17 * n) for x in range(16)]
               for y in range(16)]] for n in range(12)]
    w.add_images("images/batch", tiles, 0)  # 12 grey NCHW tiles: an 8-column grid
    w.add_image_with_boxes("images/boxes", gradient, [[8, 8, 40, 30], [30, 36, 60, 60]], 0,
                           labels=["cat", "dog"])
    frames = []
    for t in range(16):
        frame = [[[0.0] * 32 for _ in range(32)] for _ in range(3)]
        cx = 16 + int(10 * math.cos(t / 16 * 2 * math.pi))
        cy = 16 + int(10 * math.sin(t / 16 * 2 * math.pi))
        for y in range(cy - 3, cy + 4):
            for x in range(cx - 3, cx + 4):
                frame[0][y][x], frame[1][y][x], frame[2][y][x] = 1.0, 0.6, 0.1
        frames.append(frame)
    w.add_video("video/orbit", [frames], 0, fps=8)  # (N=1, T=16, C=3, H=32, W=32)
    rate = 16000
    chirp = [0.5 * math.sin(2 * math.pi * (220 + 440 * i / rate) * i / rate)
             for i in range(rate)]  # one second rising from 220 Hz
    w.add_audio("audio/chirp", chirp, 0, sample_rate=rate)
    rng = random.Random(0)
    for step in range(0, 200, 20):  # a distribution that narrows and drifts while "training"
        spread = 1.0 / (1 + step / 50)
        w.add_histogram("weights/layer1", [rng.gauss(step / 200, spread) for _ in range(2000)],
                        step)


# Plugins whose SummaryMetadata.plugin_data.content is a message dump can show decoded.
_PLUGIN_CONTENT = {"pr_curves": _messages.PR_CURVE_PLUGIN_DATA,
                   "mesh": _messages.MESH_PLUGIN_DATA,
                   "hparams": _messages.HPARAMS_PLUGIN_DATA}


# The graphs dashboard from a plain description (no torch): a small image classifier. Names
# with "/" make the boxes TensorBoard folds; shapes label the edges.
_DEMO_GRAPH = [
    {"name": "input/images", "op": "Placeholder", "shape": [None, 1, 28, 28]},
    {"name": "features/conv1", "op": "Conv2d", "inputs": ["input/images"],
     "attrs": {"out_channels": 16, "kernel_size": [3, 3]}, "shape": [None, 16, 26, 26]},
    {"name": "features/relu1", "op": "ReLU", "inputs": ["features/conv1"],
     "shape": [None, 16, 26, 26]},
    {"name": "features/pool1", "op": "MaxPool2d", "inputs": ["features/relu1"],
     "attrs": {"kernel_size": [2, 2]}, "shape": [None, 16, 13, 13]},
    {"name": "classifier/flatten", "op": "Flatten", "inputs": ["features/pool1"],
     "shape": [None, 2704]},
    {"name": "classifier/fc", "op": "Linear", "inputs": ["classifier/flatten"],
     "attrs": {"in_features": 2704, "out_features": 10}, "shape": [None, 10]},
    {"name": "output/logits", "op": "Identity", "inputs": ["classifier/fc"],
     "shape": [None, 10]},
]


def _demo_plugins(w):
    rng = random.Random(1)
    for step in (0, 100, 199):  # a classifier that separates the classes better over time
        labels = [rng.random() < 0.4 for _ in range(500)]
        margin = 0.1 + 0.3 * step / 199
        preds = [min(1.0, max(0.0, rng.gauss(0.5 + (margin if y else -margin), 0.2)))
                 for y in labels]
        w.add_pr_curve("pr/classifier", labels, preds, step)
    # an octahedron, one colour per vertex (mesh: vertices, colours and faces, batch of 1)
    vertices = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
    colors = [[230, 60, 60], [60, 200, 60], [60, 90, 230], [230, 200, 40], [200, 60, 200],
              [40, 200, 200]]
    faces = [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5],
             [0, 3, 5]]
    w.add_mesh("mesh/octahedron", [vertices], colors=[colors], faces=[faces], global_step=0)
    # hparams: this run is a session (run_name="." keeps it in this run, so its loss/valid
    # curve is the session's metric), and two short trials in sub-runs to compare it with
    metric = {"loss/valid": None}
    w.add_hparams({"lr": 0.1, "optimizer": "sgd", "augment": True}, metric, run_name=".")
    for lr, opt, augment in ((0.3, "adam", False), (0.03, "sgd", False)):
        with SummaryWriter(os.path.join(w.get_logdir(), "trial-lr%g" % lr)) as trial:
            for step in range(0, 200, 10):
                t = step / 20.0
                trial.add_scalar("loss/valid", math.exp(-t * lr * 3) + 0.1, step)
            trial.add_hparams({"lr": lr, "optimizer": opt, "augment": augment}, metric,
                              run_name=".")
    w.add_graph(_DEMO_GRAPH)
    points, names, sprites = [], [], []
    palette = [(230, 60, 60), (60, 90, 230), (60, 200, 60)]
    for i in range(150):  # three clusters in 5-D, each point with a label and a sprite
        k = i % 3
        points.append([rng.gauss(3.0 * (j == k), 0.6) for j in range(5)])
        names.append(["point %d" % i, "cluster %s" % "abc"[k]])
        sprites.append([[[palette[k][c] for _ in range(8)] for _ in range(8)]
                        for c in range(3)])
    w.add_embedding(points, metadata=names, label_img=sprites, global_step=0,
                    tag="embedding/clusters", metadata_header=["name", "cluster"])


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


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinytb", description=(
        "tinytb %s: PyTorch's TensorBoard writer in the standard library." % __version__))
    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("demo", help="write a demo run and say how to view it")
    p.add_argument("logdir", nargs="?", default=os.path.join("runs", "tinytb-demo"))
    p = sub.add_parser("dump", help="print every record of an event file (or of every event "
                       "file under a directory), decoded")
    p.add_argument("file")
    args = parser.parse_args(argv)
    if args.command == "demo":
        logdir = demo(args.logdir)
        print("wrote a demo run to %s" % logdir)
        for run, files in reader.event_files(logdir).items():
            for f in files:
                print("  %s  (%d bytes)" % (f, os.path.getsize(f)))
        print("view it with:  tensorboard --logdir %s" % logdir)
        print("or read it with:  python -m tinytb dump %s" % logdir)
        return 0
    if args.command == "dump":
        return dump(args.file)
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())
