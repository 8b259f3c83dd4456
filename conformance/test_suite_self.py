"""Tests of the suite itself: corrupted copies of a good file make the checks fail.

Each corruption is applied to a copy of one of the target's files, then the
check functions the suite uses (records, parity, Python loader) are run on it
and must raise.  Records are re-framed with TensorBoard's own RecordWriter
where the corruption is meant to get past the CRCs.
"""

import io
import os
import shutil
import struct
import subprocess
import sys

import pytest

from . import case_table, checks, deps, expected_view, media, target

RUN = "scalar_values"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _frame(payloads):
    from tensorboard.summary.writer.record_writer import RecordWriter

    buf = io.BytesIO()
    writer = RecordWriter(buf)
    for p in payloads:
        writer.write(p)
    return buf.getvalue()


@pytest.fixture
def good(written, tmp_path):
    """A copy of the target's 'scalar_values' run: (slot root, run dir, file, records)."""
    root = tmp_path / "slot"
    shutil.copytree(os.path.join(written.target.root, RUN), root / RUN)
    (path,) = checks.event_files(str(root / RUN))
    records = [d for _, d in checks.read_records(path)]
    return str(root), path, records


def _write(path, blob):
    with open(path, "wb") as f:
        f.write(blob)


def _record_with_step(records, step):
    from tensorboard.compat.proto import event_pb2

    for i, data in enumerate(records):
        if event_pb2.Event.FromString(data).step == step:
            return i
    raise AssertionError("no record at step %d" % step)


def test_good_copy_passes(good, written):
    """The control: the uncorrupted copy passes every check used below."""
    root, path, _ = good
    checks.check_event_file(path)
    checks.check_parity(
        written.torch.root,
        written.torch.window,
        root,
        written.target.window,
        [RUN],
        target_is_torch=target.is_torch(),
    )
    view, _ = checks.loader_view(root)
    expected = checks.python_semantics(expected_view.model_points(written.case(RUN)))
    checks.check_view(view, expected, written.target.window)


@pytest.mark.parametrize("where", ["length", "length crc", "data", "data crc"])
def test_flipped_byte(good, where):
    _, path, records = good
    with open(path, "rb") as f:
        blob = bytearray(f.read())
    start = 12 + len(records[0]) + 4  # the second record
    offset = {"length": 0, "length crc": 9, "data": 12 + 5, "data crc": 12 + len(records[1]) + 2}[
        where
    ]
    blob[start + offset] ^= 0x20
    _write(path, bytes(blob))
    with pytest.raises(checks.ConformanceError, match="crc"):
        checks.check_event_file(path)


def test_truncated(good):
    _, path, _ = good
    with open(path, "rb") as f:
        blob = f.read()
    _write(path, blob[:-3])
    with pytest.raises(checks.ConformanceError, match="truncated"):
        checks.check_event_file(path)


def test_non_minimal_varint(good):
    """step 1 encoded as the 2-byte varint 81 00 instead of 01: valid protobuf, valid CRCs,
    not canonical."""
    _, path, records = good
    i = _record_with_step(records, 1)
    assert records[i][9:11] == b"\x10\x01"
    records[i] = records[i][:9] + b"\x10\x81\x00" + records[i][11:]
    _write(path, _frame(records))
    with pytest.raises(checks.ConformanceError, match="not canonically encoded"):
        checks.check_event_file(path)


def test_fields_out_of_order(good):
    """step (field 2) before wall_time (field 1): the same message, not canonical."""
    _, path, records = good
    i = _record_with_step(records, 1)
    data = records[i]
    records[i] = data[9:11] + data[:9] + data[11:]
    _write(path, _frame(records))
    with pytest.raises(checks.ConformanceError, match="not canonically encoded"):
        checks.check_event_file(path)


def test_unknown_field(good):
    """An extra field (number 99) that TensorBoard's Event does not define."""
    _, path, records = good
    records[1] = records[1] + b"\x98\x06\x01"  # key (99 << 3 | 0) = 792, value 1
    _write(path, _frame(records))
    with pytest.raises(checks.ConformanceError, match="unknown fields"):
        checks.check_event_file(path)


def test_changed_value(good, written):
    """simple_value 1.5 -> 2.5 with valid CRCs: the record checks pass, parity and the
    Python loader check fail."""
    root, path, records = good
    i = _record_with_step(records, 2)
    old, new = struct.pack("<f", 1.5), struct.pack("<f", 2.5)
    assert records[i].count(old) == 1
    records[i] = records[i].replace(old, new)
    _write(path, _frame(records))
    checks.check_event_file(path)  # still a perfectly valid file
    with pytest.raises(checks.ConformanceError, match="differs from PyTorch"):
        checks.check_parity(
            written.torch.root,
            written.torch.window,
            root,
            written.target.window,
            [RUN],
            target_is_torch=target.is_torch(),
        )
    view, _ = checks.loader_view(root)
    expected = checks.python_semantics(expected_view.model_points(written.case(RUN)))
    with pytest.raises(checks.ConformanceError, match="value"):
        checks.check_view(view, expected, written.target.window)


def test_changed_wall_time(good, written):
    """A fixed walltime replaced by a clock reading: parity notices."""
    root, path, records = good
    i = _record_with_step(records, 3)
    records[i] = b"\x09" + struct.pack("<d", sum(written.target.window) / 2) + records[i][9:]
    _write(path, _frame(records))
    with pytest.raises(checks.ConformanceError, match="wall_time"):
        checks.check_parity(
            written.torch.root,
            written.torch.window,
            root,
            written.target.window,
            [RUN],
            target_is_torch=target.is_torch(),
        )


def test_dropped_record(good, written):
    root, path, records = good
    del records[3]
    _write(path, _frame(records))
    with pytest.raises(checks.ConformanceError, match="records"):
        checks.check_parity(
            written.torch.root,
            written.torch.window,
            root,
            written.target.window,
            [RUN],
            target_is_torch=target.is_torch(),
        )
    view, _ = checks.loader_view(root)
    expected = checks.python_semantics(expected_view.model_points(written.case(RUN)))
    with pytest.raises(checks.ConformanceError, match="steps"):
        checks.check_view(view, expected, written.target.window)


def test_skip_probe():
    """Passes normally; with CONFORMANCE_SKIP_PROBE set it skips as a missing requirement
    would (used by test_ci_turns_skips_into_failures)."""
    if os.environ.get("CONFORMANCE_SKIP_PROBE"):
        deps.need("a_module_that_is_not_installed_anywhere")


@pytest.mark.parametrize("ci", ["", "true"])
def test_ci_turns_skips_into_failures(ci):
    """A missing requirement skips with the install hint; with CI set the skip fails."""
    env = dict(os.environ, CONFORMANCE_SKIP_PROBE="1", CI=ci)
    env.pop("PYTEST_ADDOPTS", None)  # e.g. a --junitxml of the outer run must not be overwritten
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-rs",
            "-q",
            "conformance/test_suite_self.py::test_skip_probe",
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    out = proc.stdout + proc.stderr
    assert "pip install -r conformance/requirements.txt" in out, out
    if ci:
        assert proc.returncode == 1 and "1 failed" in out and "skipped under CI" in out, out
    else:
        assert proc.returncode == 0 and "1 skipped" in out, out


def _with_image(written, tmp_path, run, tag, change):
    """A copy of the target's ``run`` whose image ``tag`` (step 0) has ``change(bytes)`` as
    its encoded_image_string, re-framed with valid CRCs.  Returns the copy's slot root."""
    from tensorboard.compat.proto import event_pb2

    root = tmp_path / "slot"
    shutil.copytree(os.path.join(written.target.root, run), root / run)
    (path,) = checks.event_files(str(root / run))
    records = [d for _, d in checks.read_records(path)]
    changed = 0
    for i, data in enumerate(records):
        event = event_pb2.Event.FromString(data)
        for value in event.summary.value:
            if value.tag == tag and event.step == 0:
                value.image.encoded_image_string = change(value.image.encoded_image_string)
                changed += 1
        records[i] = event.SerializeToString()
    assert changed == 1
    _write(path, _frame(records))
    return str(root)


def _parity(written, root, run):
    checks.check_parity(
        written.torch.root,
        written.torch.window,
        root,
        written.target.window,
        [run],
        target_is_torch=target.is_torch(),
        media=expected_view.media_expectations([written.case(run)]),
    )


# PyTorch as the target (debugging the suite) compares PNG bytes, not pixels.
_PIXELS = "differs from PyTorch" if target.is_torch() else "pixels differ"


def _repainted(x, y, colour):
    def change(png):
        import numpy as np
        from PIL import Image

        pixels = np.asarray(Image.open(io.BytesIO(png))).copy()
        pixels[y, x, :3] = colour
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format="PNG")
        return out.getvalue()

    return change


def test_changed_pixel(written, tmp_path):
    """One pixel of a PNG changed (a valid PNG, valid records): parity fails."""
    root = _with_image(written, tmp_path, "image_formats", "fmt/HWC", _repainted(3, 2, (1, 2, 3)))
    with pytest.raises(checks.ConformanceError, match=_PIXELS):
        _parity(written, root, "image_formats")


def test_changed_pixel_near_a_label(written, tmp_path):
    """A pixel changed just outside the text box of a label: the glyph allowance does not
    cover it."""
    ((x0, y0, x1, y1),) = media.label_text_boxes([case_table.GLYPH_BOX], ["cat"])
    root = _with_image(
        written, tmp_path, "image_boxes", "glyphs/cat", _repainted(x1, y0 + 2, (0, 0, 0))
    )
    with pytest.raises(
        checks.ConformanceError,
        match=_PIXELS if target.is_torch() else "outside the label text boxes",
    ):
        _parity(written, root, "image_boxes")


def test_changed_gif_delay(written, tmp_path):
    """A video's first frame delay 25 cs -> 26 cs: parity fails (fps 4 means 25 cs)."""
    if target.is_torch():
        return  # PyTorch wrote no GIF

    def change(gif):
        at = gif.index(b"\x21\xf9\x04")  # the first Graphic Control Extension
        assert struct.unpack("<H", gif[at + 4 : at + 6])[0] == 25
        return gif[: at + 4] + struct.pack("<H", 26) + gif[at + 6 :]

    root = _with_image(written, tmp_path, "video", "video/n1_t3_c3_uint8_fps4", change)
    with pytest.raises(checks.ConformanceError, match="duration"):
        _parity(written, root, "video")


# ---------------------------------------------------------------------------
# Histograms, audio, PR curves, meshes, hparams


def _with_value(written, tmp_path, run, tag, step, change):
    """A copy of the target's ``run`` in which ``change(value)`` has modified the
    Summary.Value ``tag`` at ``step`` (in place), re-framed with valid CRCs.  Returns the
    copy's slot root."""
    from tensorboard.compat.proto import event_pb2

    root = tmp_path / "slot"
    shutil.copytree(os.path.join(written.target.root, run), root / run)
    (path,) = checks.event_files(str(root / run))
    records = [d for _, d in checks.read_records(path)]
    changed = 0
    for i, data in enumerate(records):
        event = event_pb2.Event.FromString(data)
        for value in event.summary.value:
            if value.tag == tag and event.step == step:
                change(value)
                changed += 1
                records[i] = event.SerializeToString()
    assert changed == 1
    _write(path, _frame(records))
    return str(root)


def _loader(written, root, case_name, run):
    view, _ = checks.loader_view(root)
    case = written.case(case_name)
    expected = {
        k: v
        for k, v in checks.python_semantics(expected_view.model_points(case)).items()
        if k[0] == run
    }
    checks.check_view(
        {k: v for k, v in view.items() if k[0] == run},
        expected,
        written.target.window,
        blobs={
            (run, t, s): a.encoded_audio_string
            for (t, s), a in checks.audio_blobs(root, run).items()
        },
    )


def _summary_parity(written, root, case_name, run):
    checks.check_parity(
        written.torch.root,
        written.torch.window,
        root,
        written.target.window,
        [run],
        target_is_torch=target.is_torch(),
        summaries=expected_view.summary_expectations([written.case(case_name)]),
    )


def _bump_bucket(value):
    value.histo.bucket[2] += 1


def _flip_sample(value):
    wav = bytearray(value.audio.encoded_audio_string)
    wav[44 + 2 * 100] ^= 0x01  # the 101st sample's low byte (after the 44-byte header)
    value.audio.encoded_audio_string = bytes(wav)


def _nudge_recall(value):
    t = value.tensor
    i = 5 * (len(t.float_val) // 6) + 1  # recall at the second threshold
    t.float_val[i] = struct.unpack(
        "<f", struct.pack("<I", struct.unpack("<I", struct.pack("<f", t.float_val[i]))[0] - 1)
    )[0]


def _move_vertex(value):
    value.tensor.float_val[0] += 0.5


@pytest.mark.parametrize(
    "table_case,run,tag,step,change,loader_error",
    [
        ("histograms", "histograms", "bins/int10", 0, _bump_bucket, "buckets"),
        ("audio", "audio", "tone", 1, _flip_sample, "samples differ"),
        ("pr_curves", "pr_curves", "small/5", 0, _nudge_recall, "PR data"),
        ("mesh", "mesh", "points_VERTEX", 2, _move_vertex, "mesh tensor"),
    ],
    ids=["histogram bucket", "audio sample", "pr recall 1 ulp", "mesh vertex"],
)
def test_changed_summary(written, tmp_path, table_case, run, tag, step, change, loader_error):
    """A bucket count, one bit of one audio sample, a recall value by one float32 ulp, a
    vertex coordinate: valid files, parity and the Python loader check fail."""
    root = _with_value(written, tmp_path, run, tag, step, change)
    checks.check_event_file(checks.event_files(os.path.join(root, run))[0])
    with pytest.raises(checks.ConformanceError, match="differs from PyTorch"):
        _summary_parity(written, root, table_case, run)
    with pytest.raises(checks.ConformanceError, match=loader_error):
        _loader(written, root, table_case, run)


def test_changed_histogram_sum(written, tmp_path):
    """sum off by one ulp from the correctly rounded one: parity fails (histogram_sums is an
    exact statement), although no reader shows it (the loader check passes)."""
    import math

    def change(value):
        value.histo.sum = math.nextafter(value.histo.sum, math.inf)

    root = _with_value(written, tmp_path, "histograms", "normal/default", 1, change)
    with pytest.raises(checks.ConformanceError, match="differs from PyTorch"):
        _summary_parity(written, root, "histograms", "histograms")
    _loader(written, root, "histograms", "histograms")


def _hparams_content(value, change):
    from tensorboard.plugins.hparams import plugin_data_pb2

    data = plugin_data_pb2.HParamsPluginData.FromString(value.metadata.plugin_data.content)
    value.metadata.plugin_data.content = change(data)


def test_hparams_bool_as_number(written, tmp_path):
    """tinytb's booleans written as PyTorch writes them (number_value 1.0/0.0): parity
    (hparams_bool) and the Python loader check fail."""
    from google.protobuf import struct_pb2

    if target.is_torch():
        return  # PyTorch wrote no booleans

    def change(data):
        for name, v in data.session_start_info.hparams.items():
            if v.WhichOneof("kind") == "bool_value":
                data.session_start_info.hparams[name].CopyFrom(
                    struct_pb2.Value(number_value=float(v.bool_value))
                )
        return data.SerializeToString()

    root = _with_value(
        written,
        tmp_path,
        "hparams/bools",
        "_hparams_/session_start_info",
        2,
        lambda value: _hparams_content(value, change),
    )
    checks.check_event_file(checks.event_files(os.path.join(root, "hparams/bools"))[0])
    with pytest.raises(checks.ConformanceError, match="differs from PyTorch"):
        _summary_parity(written, root, "hparams", "hparams/bools")
    with pytest.raises(checks.ConformanceError, match="HParamsPluginData"):
        _loader(written, root, "hparams", "hparams/bools")


def test_hparams_map_reordered(written, tmp_path):
    """session_start_info's map entries in reverse order: a valid, canonical (any entry order)
    file that every reader shows the same, but not hparam_dict's order: parity fails."""

    def change(data):
        content = data.SerializeToString()
        ((_, field),) = checks._fields(content, "test")
        entries = checks._fields(checks._payload(field, "test"), "test")
        body = b"".join(raw for _, raw in reversed(entries))
        return b"\x1a" + checks._encode_varint(len(body)) + body

    root = _with_value(
        written,
        tmp_path,
        "hparams/many",
        "_hparams_/session_start_info",
        0,
        lambda value: _hparams_content(value, change),
    )
    checks.check_event_file(checks.event_files(os.path.join(root, "hparams/many"))[0])
    _loader(written, root, "hparams", "hparams/many")
    with pytest.raises(checks.ConformanceError, match="differs from PyTorch"):
        _summary_parity(written, root, "hparams", "hparams/many")
