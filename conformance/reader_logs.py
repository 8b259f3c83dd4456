"""The logs of the reader conformance suite: the same calls through five writers.

Each ``write_<writer>(root)`` writes one log tree below ``root``:

- ``torch``  -- PyTorch's ``torch.utils.tensorboard.SummaryWriter``
- ``tbx``    -- tensorboardX's ``SummaryWriter``
- ``tinytb`` -- tinytb's ``SummaryWriter`` (imported through ``conformance/target.py``)
- ``tf2``    -- TensorFlow 2's ``tf.summary`` (every kind a tensor with plugin metadata)
- ``tf1``    -- TensorFlow's legacy ``tf.compat.v1.summary`` ops run in a graph session
  (``simple_value`` scalars, ``HistogramProto``, ``Summary.Image``, ``Summary.Audio``)

The tree of every writer: the top run (several tags, NaN/inf/zero values, histograms, images
grey/RGB/RGBA/batch, video, audio, text), a second file in the top run, nested runs
(``sub/deep``, and ``add_scalars``'s ``multi_a``/``multi_b``), a ``purge`` run written twice
with ``purge_step`` and a ``restart`` run whose one file holds a SessionLog START at step 3
after steps 0-5 (the SummaryWriter writers), and an ``hp`` run of hparams. Wall times are
fixed where the writer takes one, so two writes of a tree hold the same values.

numpy, torch, tensorboardX and tensorflow are imported inside the functions: importing this
module needs nothing but the standard library.
"""

import math
import os

WALL = 1700000000.0
SPECIAL = [float("nan"), float("inf"), float("-inf"), 0.0, -0.0, 1e-30, 3.5e38]


def _rng():
    import numpy as np

    return np.random.RandomState(1234)


def _media(np):
    """The arrays every writer logs, HWC uint8 where a writer takes HWC."""
    rng = _rng()
    return {
        "grey": rng.randint(0, 256, (8, 6)).astype(np.uint8),
        "rgb": rng.randint(0, 256, (8, 6, 3)).astype(np.uint8),
        "rgba": rng.randint(0, 256, (8, 6, 4)).astype(np.uint8),
        "batch": rng.randint(0, 256, (3, 8, 6, 3)).astype(np.uint8),
        "video": rng.randint(0, 256, (1, 3, 3, 8, 6)).astype(np.uint8),  # N, T, C, H, W
        "audio": (np.sin(np.arange(800) / 7.0) * 0.5).astype(np.float32),
        "normal": rng.randn(1000),
        "ints": np.arange(10, dtype=np.int64),
    }


def _write_summarywriter(SummaryWriter, root, flavour):
    """The calls through a PyTorch-style SummaryWriter (torch, tensorboardX, tinytb)."""
    import numpy as np

    m = _media(np)
    w = SummaryWriter(root, filename_suffix=".a")
    for step in range(5):
        wall = WALL + step
        w.add_scalar("loss", 1.0 / (step + 1), step, walltime=wall)
        w.add_scalar("acc/train", step * 0.25, step, walltime=wall)
        w.add_scalars("multi", {"a": float(step), "b": -float(step)}, step, walltime=wall)
    for i, value in enumerate(SPECIAL):
        w.add_scalar("special", value, i, walltime=WALL + i)
    w.add_scalar("zero", 0.0, 0, walltime=WALL)
    for step in range(2):
        w.add_histogram("hist/normal", m["normal"] + step, step, walltime=WALL + step)
    w.add_histogram("hist/ints", m["ints"], 0, walltime=WALL)
    w.add_image("img/grey", m["grey"], 0, walltime=WALL, dataformats="HW")
    w.add_image("img/rgb", m["rgb"], 0, walltime=WALL, dataformats="HWC")
    w.add_image("img/rgb", m["rgb"][::-1].copy(), 1, walltime=WALL + 1, dataformats="HWC")
    w.add_image("img/rgba", m["rgba"], 0, walltime=WALL, dataformats="HWC")
    w.add_images("img/batch", m["batch"], 0, walltime=WALL, dataformats="NHWC")
    if flavour == "tinytb":  # PyTorch's and tensorboardX's add_video need moviepy
        w.add_video("vid", m["video"], 0, fps=4, walltime=WALL)
    if flavour != "tbx":  # tensorboardX's add_audio needs soundfile (not in the stack)
        w.add_audio("snd", m["audio"].reshape(1, -1), 0, sample_rate=8000, walltime=WALL)
    for step in range(3):
        w.add_text("note", "step %d: *hello* \u00e9" % step, step, walltime=WALL + step)
    w.close()

    w = SummaryWriter(root, filename_suffix=".b")  # a second file in the top run
    for step in range(5, 8):
        w.add_scalar("loss", 1.0 / (step + 1), step, walltime=WALL + step)
    w.add_text("note", "second file", 5, walltime=WALL + 5)
    w.close()

    w = SummaryWriter(os.path.join(root, "sub", "deep"))
    for step in (0, 10, 20):
        w.add_scalar("x", step * 2.0, step, walltime=WALL + step)
    w.add_histogram("h", m["normal"] * 3, 10, walltime=WALL)
    w.close()

    purge = os.path.join(root, "purge")
    w = SummaryWriter(purge, filename_suffix=".1")
    for step in range(6):
        w.add_scalar("p", float(step), step, walltime=WALL + step)
    w.close()
    w = SummaryWriter(purge, purge_step=3, filename_suffix=".2")
    for step in range(3, 7):
        w.add_scalar("p", 100.0 + step, step, walltime=WALL + 100 + step)
    w.close()

    w = SummaryWriter(os.path.join(root, "restart"))  # a restart inside one file
    for step in range(6):
        w.add_scalar("r", float(step), step, walltime=WALL + step)
        w.add_text("rt", "before %d" % step, step, walltime=WALL + step)
    _session_start(w, flavour, 3)
    for step in range(3, 7):
        w.add_scalar("r", 100.0 + step, step, walltime=WALL + 100 + step)
        w.add_text("rt", "after %d" % step, step, walltime=WALL + 100 + step)
    w.close()

    w = SummaryWriter(os.path.join(root, "hpbase"))
    hparams = {"lr": 0.1, "opt": "adam", "flag": True, "layers": 3}
    metrics = {"hparam/acc": 0.9}
    if flavour == "tbx":
        w.add_hparams(hparams, metrics, name="hp")
    else:
        w.add_hparams(hparams, metrics, run_name="hp")
    w.close()


def _session_start(w, flavour, step):
    """A SessionLog START at ``step`` in the writer's current file: what a restart with
    purge_step writes, here inside one file (EventAccumulator then purges steps >= step)."""
    if flavour == "tbx":  # tensorboardX checks for its own generated classes
        from tensorboardX.proto.event_pb2 import Event, SessionLog
    else:
        from tensorboard.compat.proto.event_pb2 import Event, SessionLog

    start = SessionLog(status=SessionLog.START)
    if flavour == "tinytb":
        w._get_file_writer().add_session_log(start, step, WALL + 50)
    else:
        w._get_file_writer().add_event(Event(step=step, wall_time=WALL + 50, session_log=start))


def write_torch(root):
    from torch.utils.tensorboard import SummaryWriter

    _write_summarywriter(SummaryWriter, root, "torch")


def write_tbx(root):
    from tensorboardX import SummaryWriter

    _write_summarywriter(SummaryWriter, root, "tbx")


def write_tinytb(root):
    from . import target

    _write_summarywriter(target.load().SummaryWriter, root, "tinytb")


def write_tf2(root):
    import numpy as np
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    m = _media(np)
    w = tf.summary.create_file_writer(root, filename_suffix=".a")
    with w.as_default():
        for step in range(5):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
            tf.summary.scalar("acc/train", step * 0.25, step=step)
        for i, value in enumerate(SPECIAL):
            tf.summary.scalar("special", np.array(value, np.float64), step=i)
        tf.summary.scalar("zero", 0.0, step=0)
        for step in range(2):
            tf.summary.histogram("hist/normal", m["normal"] + step, step=step)
        tf.summary.histogram("hist/ints", m["ints"], step=0, buckets=5)
        tf.summary.image("img/grey", m["grey"][None, :, :, None], step=0)
        tf.summary.image("img/rgb", m["rgb"][None], step=0)
        tf.summary.image("img/rgb", m["rgb"][None, ::-1], step=1)
        tf.summary.image("img/rgba", m["rgba"][None], step=0)
        tf.summary.image("img/batch", m["batch"], step=0, max_outputs=3)
        tf.summary.audio("snd", m["audio"].reshape(1, -1, 1), 8000, step=0)
        tf.summary.audio("snd2", np.stack([m["audio"], -m["audio"]], -1)[None], 8000, step=0)
        for step in range(3):
            tf.summary.text("note", "step %d: *hello* \u00e9" % step, step=step)
    w.close()
    w = tf.summary.create_file_writer(root, filename_suffix=".b")
    with w.as_default():
        for step in range(5, 8):
            tf.summary.scalar("loss", 1.0 / (step + 1), step=step)
    w.close()
    w = tf.summary.create_file_writer(os.path.join(root, "sub", "deep"))
    with w.as_default():
        for step in (0, 10, 20):
            tf.summary.scalar("x", step * 2.0, step=step)
    w.close()
    w = tf.summary.create_file_writer(os.path.join(root, "hp"))
    with w.as_default():
        hp.hparams({"lr": 0.1, "opt": "adam", "flag": True, "layers": 3})
        tf.summary.scalar("hparam/acc", 0.9, step=0)
    w.close()


def write_tf1(root):
    """Legacy summaries: tf.compat.v1.summary ops in a graph session, through its FileWriter."""
    import numpy as np
    import tensorflow as tf

    v1 = tf.compat.v1
    m = _media(np)
    with tf.Graph().as_default():
        value = v1.placeholder(tf.float32, [])
        scalar = v1.summary.scalar("loss", value)
        special = v1.summary.scalar("special", value)
        histo = v1.summary.histogram("hist/normal", tf.constant(m["normal"]))
        image = v1.summary.image("img/batch", tf.constant(m["batch"]), max_outputs=3)
        grey = v1.summary.image("img/grey", tf.constant(m["grey"][None, :, :, None]))
        audio = v1.summary.audio("snd", tf.constant(m["audio"].reshape(1, -1, 1)), 8000)
        text = v1.summary.text("note", tf.constant("legacy *text*"))
        with v1.Session() as sess:
            fw = v1.summary.FileWriter(root)
            for step in range(5):
                fw.add_summary(sess.run(scalar, {value: 1.0 / (step + 1)}), step)
            for i, x in enumerate(SPECIAL):
                if math.isfinite(x) and abs(x) > 3.4e38:
                    continue  # float32 overflow in a placeholder feed
                fw.add_summary(sess.run(special, {value: x}), i)
            for step, op in enumerate((histo, image, grey, audio, text)):
                fw.add_summary(sess.run(op), step)
            fw.close()


WRITERS = {
    "torch": write_torch,
    "tbx": write_tbx,
    "tinytb": write_tinytb,
    "tf2": write_tf2,
    "tf1": write_tf1,
}


def event_files(root):
    """Every event file below ``root``, sorted."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        found.extend(os.path.join(dirpath, f) for f in files if "tfevents" in f)
    return sorted(found)
