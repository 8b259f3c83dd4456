# SPDX-License-Identifier: MIT
"""The demo run: one run with every dashboard TensorBoard has, written with the standard library
alone (``tinytb demo LOGDIR``)."""

from __future__ import annotations

import math
import os
import random

from .writer import SummaryWriter

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import List, Sequence


def demo(logdir: str) -> str:
    """Write a small run with every summary kind tinytb implements so far; return its folder.
    Errors creating or writing it are the writer's ``OSError``s."""
    with SummaryWriter(logdir) as w:
        for step in range(200):
            t = step / 20.0
            w.add_scalar("loss/train", math.exp(-t / 3) + 0.05 * math.sin(3 * t), step)
            w.add_scalar("loss/valid", math.exp(-t / 3.5) + 0.08, step)
            w.add_scalar("lr", 0.1 * 0.5 ** (step // 50), step, new_style=True)
            w.add_scalars("wave", {"sin": math.sin(t), "cos": math.cos(t)}, step)
        w.add_text(
            "about",
            "# tinytb demo\n\nWritten by `python -m tinytb demo` with the "
            "standard library alone.\n\n| kind | tag |\n|---|---|\n| scalars | "
            "`loss/*`, `lr` |\n| scalars (sub-runs) | `wave` |\n| text | `about` |\n"
            "| images | `images/*` |\n| video | `video/orbit` |\n| audio | `audio/chirp` |\n"
            "| histograms, distributions | `weights/layer1` |\n"
            "| pr curves | `pr/classifier` |\n"
            "| mesh | `mesh/octahedron` |\n| hparams | this run and `trial-*` |\n"
            "| projector | `embedding/clusters` |\n| graphs | a small classifier |\n"
            "| tensor (not shown by TensorBoard) | "
            "`tensor/ramp` |",
            0,
        )
        for step in (0, 100, 199):
            w.add_text("notes", "checkpoint at step **%d**" % step, step)
        w.add_tensor("tensor/ramp", [[i * 0.5 for i in range(4)] for _ in range(3)], 0)
        _demo_media(w)
        _demo_plugins(w)
        w.add_custom_scalars(
            {
                "losses": {"train vs valid": ["Multiline", ["loss/train", "loss/valid"]]},
                "waves": {"sin and cos": ["Multiline", ["wave"]]},
            }
        )
    return os.fspath(w.get_logdir())


def _chart(width: int = 240, height: int = 140) -> memoryview:
    """A small line chart drawn into an RGB array by hand: the training curve of the demo."""
    px = bytearray(b"\xff" * (width * height * 3))

    def dot(x: int, y: int, rgb: Sequence[int]) -> None:
        if 0 <= x < width and 0 <= y < height:
            i = (y * width + x) * 3
            px[i : i + 3] = bytes(rgb)

    for x in range(20, width - 10):  # axes
        dot(x, height - 20, (0, 0, 0))
    for y in range(10, height - 19):
        dot(20, y, (0, 0, 0))
    previous: int | None = None
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


def _demo_media(w: SummaryWriter) -> None:
    size = 64
    gradient = [
        [[x / (size - 1) for x in range(size)] for _ in range(size)],
        [[y / (size - 1) for _ in range(size)] for y in range(size)],
        [[0.5] * size for _ in range(size)],
    ]
    w.add_image("images/gradient", gradient, 0)  # CHW floats in [0, 1]
    w.add_image("images/chart", _chart(), 0, dataformats="HWC")
    tiles = [
        [[[((x // 4 + y // 4 + n) % 2) * (40 + 17 * n) for x in range(16)] for y in range(16)]]
        for n in range(12)
    ]
    w.add_images("images/batch", tiles, 0)  # 12 grey NCHW tiles: an 8-column grid
    w.add_image_with_boxes(
        "images/boxes", gradient, [[8, 8, 40, 30], [30, 36, 60, 60]], 0, labels=["cat", "dog"]
    )
    frames: List[List[List[List[float]]]] = []
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
    chirp = [
        0.5 * math.sin(2 * math.pi * (220 + 440 * i / rate) * i / rate) for i in range(rate)
    ]  # one second rising from 220 Hz
    w.add_audio("audio/chirp", chirp, 0, sample_rate=rate)
    rng = random.Random(0)
    for step in range(0, 200, 20):  # a distribution that narrows and drifts while "training"
        spread = 1.0 / (1 + step / 50)
        w.add_histogram(
            "weights/layer1", [rng.gauss(step / 200, spread) for _ in range(2000)], step
        )


# The graphs dashboard from a plain description (no torch): a small image classifier. Names
# with "/" make the boxes TensorBoard folds; shapes label the edges.
_DEMO_GRAPH = [
    {"name": "input/images", "op": "Placeholder", "shape": [None, 1, 28, 28]},
    {
        "name": "features/conv1",
        "op": "Conv2d",
        "inputs": ["input/images"],
        "attrs": {"out_channels": 16, "kernel_size": [3, 3]},
        "shape": [None, 16, 26, 26],
    },
    {
        "name": "features/relu1",
        "op": "ReLU",
        "inputs": ["features/conv1"],
        "shape": [None, 16, 26, 26],
    },
    {
        "name": "features/pool1",
        "op": "MaxPool2d",
        "inputs": ["features/relu1"],
        "attrs": {"kernel_size": [2, 2]},
        "shape": [None, 16, 13, 13],
    },
    {
        "name": "classifier/flatten",
        "op": "Flatten",
        "inputs": ["features/pool1"],
        "shape": [None, 2704],
    },
    {
        "name": "classifier/fc",
        "op": "Linear",
        "inputs": ["classifier/flatten"],
        "attrs": {"in_features": 2704, "out_features": 10},
        "shape": [None, 10],
    },
    {"name": "output/logits", "op": "Identity", "inputs": ["classifier/fc"], "shape": [None, 10]},
]


def _demo_plugins(w: SummaryWriter) -> None:
    rng = random.Random(1)
    for step in (0, 100, 199):  # a classifier that separates the classes better over time
        labels = [rng.random() < 0.4 for _ in range(500)]
        margin = 0.1 + 0.3 * step / 199
        preds = [
            min(1.0, max(0.0, rng.gauss(0.5 + (margin if y else -margin), 0.2))) for y in labels
        ]
        w.add_pr_curve("pr/classifier", labels, preds, step)
    # an octahedron, one colour per vertex (mesh: vertices, colours and faces, batch of 1)
    vertices = [[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]]
    colors = [
        [230, 60, 60],
        [60, 200, 60],
        [60, 90, 230],
        [230, 200, 40],
        [200, 60, 200],
        [40, 200, 200],
    ]
    faces = [[0, 2, 4], [2, 1, 4], [1, 3, 4], [3, 0, 4], [2, 0, 5], [1, 2, 5], [3, 1, 5], [0, 3, 5]]
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
            trial.add_hparams(
                {"lr": lr, "optimizer": opt, "augment": augment}, metric, run_name="."
            )
    w.add_graph(_DEMO_GRAPH)
    points: List[List[float]] = []
    names: List[List[str]] = []
    sprites: List[List[List[List[int]]]] = []
    palette = [(230, 60, 60), (60, 90, 230), (60, 200, 60)]
    for i in range(150):  # three clusters in 5-D, each point with a label and a sprite
        k = i % 3
        points.append([rng.gauss(3.0 * (j == k), 0.6) for j in range(5)])
        names.append(["point %d" % i, "cluster %s" % "abc"[k]])
        sprites.append([[[palette[k][c] for _ in range(8)] for _ in range(8)] for c in range(3)])
    w.add_embedding(
        points,
        metadata=names,
        label_img=sprites,
        global_step=0,
        tag="embedding/clusters",
        metadata_header=["name", "cluster"],
    )
