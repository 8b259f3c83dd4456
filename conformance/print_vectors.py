"""Regenerate the byte-level test vectors of tests/vectors.py (and docs/event-file-format.md)
with the reference stack: PyTorch's writer and TensorBoard's own record writer and CRC.

    pip install -r conformance/requirements.txt     # torch 2.13.0, tensorboard 2.21.0, ...
    python conformance/print_vectors.py             # print every vector as hex
    python conformance/print_vectors.py --check     # compare with tests/vectors.py

Each Event vector is captured the way a user's call produces it: the call goes through
``torch.utils.tensorboard.SummaryWriter`` into a temporary logdir, the event file is split
into its TFRecords (both masked CRC-32Cs checked with TensorBoard's ``masked_crc32c``), and
the payload of the record the call wrote is printed.  Whole records (``RECORD_*``) are an
``Event`` serialized by protobuf and framed by ``tensorboard.summary.writer.record_writer``.
The method is described in docs/event-file-format.md ("Test vectors").
"""

import argparse
import io
import os
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


def _records(path):
    """The payloads of the TFRecords in ``path``, both CRCs checked with TensorBoard's."""
    from tensorboard.compat.tensorflow_stub.pywrap_tensorflow import masked_crc32c

    with open(path, "rb") as f:
        data = f.read()
    out, pos = [], 0
    while pos < len(data):
        header = data[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[pos + 8 : pos + 12])
        payload = data[pos + 12 : pos + 12 + length]
        (data_crc,) = struct.unpack("<I", data[pos + 12 + length : pos + 16 + length])
        if length_crc != masked_crc32c(header) or data_crc != masked_crc32c(payload):
            raise SystemExit("%s: bad CRC in the record at byte %d" % (path, pos))
        out.append(payload)
        pos += 16 + length
    return out


def _written(calls, **writer_kwargs):
    """Every record payload PyTorch's SummaryWriter writes for ``calls`` (a function taking
    the writer), header included, in file order."""
    from torch.utils.tensorboard import SummaryWriter

    with tempfile.TemporaryDirectory() as logdir:
        writer = SummaryWriter(logdir, **writer_kwargs)
        calls(writer)
        writer.close()
        (name,) = [n for n in os.listdir(logdir) if "tfevents" in n]
        return _records(os.path.join(logdir, name))


def _one(call, **writer_kwargs):
    """The payload of the one record ``call`` writes (after the file header)."""
    records = _written(call, **writer_kwargs)
    assert len(records) == 2, "expected the header and one record, got %d" % len(records)
    return records[1]


def _framed(event):
    """``event`` serialized and framed by TensorBoard's RecordWriter."""
    from tensorboard.summary.writer.record_writer import RecordWriter

    buf = io.BytesIO()
    RecordWriter(buf).write(event.SerializeToString())
    return buf.getvalue()


def _summary_of(payload):
    """The serialized Summary (Event field 5) inside an Event payload."""
    from tensorboard.compat.proto import event_pb2

    return event_pb2.Event.FromString(payload).summary.SerializeToString()


def vectors():
    """{name: bytes}: every vector tests/vectors.py holds, captured anew, plus a few others
    the tests cite (docs/event-file-format.md lists them)."""
    import torch
    from tensorboard.compat.proto import event_pb2, summary_pb2

    v = {}
    v["SCALAR_PLAIN"] = _one(lambda w: w.add_scalar("s/plain", 0.0, 0, walltime=1.5))
    v["SCALAR_NEW"] = _one(lambda w: w.add_scalar("s/new", 2.5, 1, walltime=2.0, new_style=True))
    v["SCALAR_DOUBLE"] = _one(
        lambda w: w.add_scalar(
            "s/newd", 2.5, 2, walltime=2.0, new_style=True, double_precision=True
        )
    )
    v["TENSOR_INT32"] = _one(
        lambda w: w.add_tensor("t", torch.tensor([1, 2, 3], dtype=torch.int32), 4, walltime=4.0)
    )
    v["TEXT"] = _one(lambda w: w.add_text("txt", "hello", 8, walltime=8.0))
    v["CUSTOM_MULTILINE_SUMMARY"] = _summary_of(
        _one(lambda w: w.add_custom_scalars_multilinechart(["s/plain", "s/new"]))
    )
    margin = event_pb2.Event.FromString(
        _one(lambda w: w.add_custom_scalars_marginchart(["a", "b", "c"], category="cat", title="m"))
    )
    v["MARGIN_LAYOUT"] = margin.summary.value[0].tensor.string_val[0]
    header, purge_version, purge_log = _written(lambda w: None, purge_step=5)
    # The bytes after the wall time (field 1: a key byte and 8 bytes of double).
    assert purge_version[:1] == purge_log[:1] == b"\x09"
    v["PURGE_FILE_VERSION_TAIL"] = purge_version[9:]
    v["PURGE_SESSION_LOG_TAIL"] = purge_log[9:]
    v["RECORD_FILE_VERSION"] = _framed(event_pb2.Event(wall_time=1.5, file_version="brain.Event:2"))
    v["RECORD_LOSS"] = _framed(
        event_pb2.Event(
            wall_time=2.0,
            step=3,
            summary=summary_pb2.Summary(
                value=[summary_pb2.Summary.Value(tag="loss", simple_value=0.5)]
            ),
        )
    )

    # Cited by tests but not (yet) in tests/vectors.py: printed, never checked.
    v["extra: HEADER_AFTER_WALL_TIME"] = header[9:]
    v["extra: HISTOGRAM_AUTO"] = _one(
        lambda w: w.add_histogram(
            "h_auto", torch.tensor([0, 1, 1, 2, 3.5]), 5, bins="auto", walltime=5.0
        )
    )
    pr = event_pb2.Event.FromString(
        _one(
            lambda w: w.add_pr_curve(
                "pr",
                torch.tensor([1, 0, 1, 1]),
                torch.tensor([0.9, 0.2, 0.6, 0.4]),
                0,
                num_thresholds=5,
                walltime=1.0,
            )
        )
    )
    v["extra: PR_CURVE_PLUGIN_CONTENT"] = pr.summary.value[0].metadata.plugin_data.content
    v["extra: PR_CURVE_FLOAT_VAL"] = struct.pack(
        "<%df" % len(pr.summary.value[0].tensor.float_val), *pr.summary.value[0].tensor.float_val
    )
    audio = event_pb2.Event.FromString(
        _one(
            lambda w: w.add_audio(
                "a", torch.tensor([0.0, 0.5, -0.5, 1.0]), 0, sample_rate=8000, walltime=1.0
            )
        )
    )
    v["extra: AUDIO_WAV"] = audio.summary.value[0].audio.encoded_audio_string
    mesh = event_pb2.Event.FromString(
        _one(
            lambda w: w.add_mesh(
                "mesh",
                torch.zeros(1, 3, 3),
                colors=torch.zeros(1, 3, 3, dtype=torch.uint8),
                faces=torch.zeros(1, 3, 3, dtype=torch.int32),
                global_step=0,
                walltime=1.0,
            )
        )
    )
    v["extra: MESH_VERTEX_PLUGIN_CONTENT"] = mesh.summary.value[0].metadata.plugin_data.content
    return v


def _session_end_content():
    """The content of the hparams session_end_info summary (written into a sub-run)."""
    from tensorboard.compat.proto import event_pb2
    from torch.utils.tensorboard import SummaryWriter

    with tempfile.TemporaryDirectory() as logdir:
        writer = SummaryWriter(logdir)
        writer.add_hparams({"lr": 0.1}, {"m": 1.0}, run_name="h")
        writer.close()
        sub = os.path.join(logdir, "h")
        (name,) = [n for n in os.listdir(sub) if "tfevents" in n]
        for payload in _records(os.path.join(sub, name)):
            event = event_pb2.Event.FromString(payload)
            for value in event.summary.value:
                if value.tag == "_hparams_/session_end_info":
                    return value.metadata.plugin_data.content
    raise SystemExit("no session_end_info summary written")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with tests/vectors.py; exit status 1 if any differs",
    )
    args = parser.parse_args(argv)
    v = vectors()
    v["extra: HPARAMS_SESSION_END_CONTENT"] = _session_end_content()
    if not args.check:
        for name, data in v.items():
            print("%s (%d bytes)\n    %s" % (name, len(data), data.hex()))
        return 0
    sys.path.insert(0, os.path.join(REPO, "tests"))
    import vectors as stored  # tests/vectors.py

    bad = 0
    for name, data in v.items():
        if name.startswith("extra: "):
            continue
        ok = getattr(stored, name) == data
        bad += not ok
        print("%-26s %s" % (name, "same" if ok else "DIFFERS: now %s" % data.hex()))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
