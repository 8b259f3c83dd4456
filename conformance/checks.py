"""The check functions (each raises ``ConformanceError`` on the first problem).

1. ``check_event_file``: TFRecord framing with both CRCs, verified with
   TensorBoard's own CRC (``tensorflow_stub.pywrap_tensorflow.masked_crc32c``),
   the record list confirmed by TensorBoard's own record reader; every payload
   parsed by ``event_pb2.Event``, free of unknown fields, and re-serialized by
   protobuf to the same bytes (canonical encoding), nested payloads included.
2. ``check_parity``: every record equal, byte for byte, to PyTorch's record for
   the same call after the known divergences (``divergences.py``) are applied;
   wall times the writers take from the clock must lie inside the writing
   window and are the only bytes masked.
3. ``loader_view`` + ``check_view``: what TensorBoard's Python loader
   (``plugin_event_multiplexer``, with data_compat/dataclass_compat) shows,
   against the expected view from the case table.

They take paths and plain data so the suite's self-test can run them on
corrupted copies.
"""

import math
import os
import re
import socket
import struct

from . import divergences
from .errors import ConformanceError  # re-exported: tests catch checks.ConformanceError


# ---------------------------------------------------------------------------
# Files and runs


def event_files(run_dir):
    """The event files directly inside ``run_dir``, in the order readers read them."""
    if not os.path.isdir(run_dir):
        return []
    return [
        os.path.join(run_dir, n)
        for n in sorted(os.listdir(run_dir))
        if "tfevents" in n and os.path.isfile(os.path.join(run_dir, n))
    ]


def run_dirs_on_disk(root):
    """Every directory under ``root`` holding event files, relative, '/'-separated."""
    runs = []
    for dirpath, _dirnames, _files in os.walk(root):
        if event_files(dirpath):
            rel = os.path.relpath(dirpath, root)
            runs.append("." if rel == "." else rel.replace(os.sep, "/"))
    return sorted(runs)


def file_name_pattern(suffix=""):
    """PyTorch's event file name: events.out.tfevents.%010d.<host>.<pid>.<n><suffix>."""
    return re.compile(
        r"^events\.out\.tfevents\.(\d{10,})\.%s\.(\d+)\.(\d+)%s$"
        % (re.escape(socket.gethostname()), re.escape(suffix))
    )


# ---------------------------------------------------------------------------
# 1. Records


def _masked_crc32c(data):
    from tensorboard.compat.tensorflow_stub import pywrap_tensorflow

    return pywrap_tensorflow.masked_crc32c(data)


def read_records(path):
    """[(offset, payload)] of a complete TFRecord file, both CRCs verified.

    Record layout (tensorboard/summary/writer/record_writer.py):
    uint64 length, uint32 masked crc of length, data, uint32 masked crc of data,
    all little-endian.
    """
    with open(path, "rb") as f:
        blob = f.read()
    records = []
    pos = 0
    while pos < len(blob):
        if len(blob) - pos < 12:
            raise ConformanceError("%s: truncated record header at byte %d" % (path, pos))
        header = blob[pos : pos + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", blob[pos + 8 : pos + 12])
        if length_crc != _masked_crc32c(header):
            raise ConformanceError(
                "%s: bad length crc at byte %d (%08x, expected %08x)"
                % (path, pos, length_crc, _masked_crc32c(header))
            )
        end = pos + 12 + length + 4
        if end > len(blob):
            raise ConformanceError("%s: truncated record data at byte %d" % (path, pos))
        data = blob[pos + 12 : pos + 12 + length]
        (data_crc,) = struct.unpack("<I", blob[end - 4 : end])
        if data_crc != _masked_crc32c(data):
            raise ConformanceError(
                "%s: bad data crc at byte %d (%08x, expected %08x)"
                % (path, pos, data_crc, _masked_crc32c(data))
            )
        records.append((pos, data))
        pos = end
    return records


def tensorboard_records(path):
    """The payloads as TensorBoard's own record reader (the stub PyRecordReader) sees them."""
    from tensorboard.compat.tensorflow_stub import errors, pywrap_tensorflow

    reader = pywrap_tensorflow.PyRecordReader_New(path.encode() if isinstance(path, str) else path)
    out = []
    while True:
        try:
            reader.GetNext()
        except errors.OutOfRangeError:
            break
        except errors.DataLossError as e:
            raise ConformanceError("%s: TensorBoard's record reader: %s" % (path, e)) from e
        out.append(reader.record())
    return out


def _is_repeated(fd):
    is_repeated = getattr(fd, "is_repeated", None)  # protobuf >= 6; `label` is gone in 7
    return is_repeated if is_repeated is not None else fd.label == fd.LABEL_REPEATED


def _check_no_unknown_fields(message, where):
    from google.protobuf import unknown_fields

    if len(unknown_fields.UnknownFieldSet(message)):
        raise ConformanceError("%s: unknown fields in %s" % (where, message.DESCRIPTOR.full_name))
    for fd, value in message.ListFields():
        if fd.message_type is None:
            continue
        if fd.message_type.GetOptions().map_entry:
            items = value.values() if fd.message_type.fields_by_name["value"].message_type else []
            for v in items:
                _check_no_unknown_fields(v, where)
        elif _is_repeated(fd):
            for v in value:
                _check_no_unknown_fields(v, where)
        else:
            _check_no_unknown_fields(value, where)


def _check_canonical(cls, data, where):
    message = cls.FromString(data)
    _check_no_unknown_fields(message, where)
    again = message.SerializeToString()
    if again != data:
        raise ConformanceError(
            "%s: %s is not canonically encoded:\n  written:    %s\n  re-encoded: %s"
            % (where, cls.DESCRIPTOR.full_name, data.hex(), again.hex())
        )
    return message


# Plugin content messages, parsed and checked for canonical encoding.
def _plugin_content_classes():
    from tensorboard.plugins.mesh import plugin_data_pb2 as mesh_pb2
    from tensorboard.plugins.pr_curve import plugin_data_pb2 as pr_pb2
    from tensorboard.plugins.scalar import plugin_data_pb2 as scalar_pb2
    from tensorboard.plugins.text import plugin_data_pb2 as text_pb2

    return {
        "scalars": scalar_pb2.ScalarPluginData,
        "text": text_pb2.TextPluginData,
        "pr_curves": pr_pb2.PrCurvePluginData,
        "mesh": mesh_pb2.MeshPluginData,
    }


def _read_varint(data, pos, where):
    shift = value = 0
    while True:
        if pos >= len(data):
            raise ConformanceError("%s: truncated varint" % where)
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def _fields(data, where):
    """[(field number, the field's bytes: key, length and payload)] of a protobuf message in
    wire order (the hparams messages use varint and length-delimited fields only)."""
    out = []
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _read_varint(data, pos, where)
        if key & 7 == 0:
            _, pos = _read_varint(data, pos, where)
        elif key & 7 == 2:
            length, pos = _read_varint(data, pos, where)
            pos += length
        else:
            raise ConformanceError("%s: wire type %d in hparams data" % (where, key & 7))
        if pos > len(data):
            raise ConformanceError("%s: truncated field %d" % (where, key >> 3))
        out.append((key >> 3, data[start:pos]))
    return out


def _payload(field, where):
    """The payload of a length-delimited field's bytes (from ``_fields``)."""
    _, pos = _read_varint(field, 0, where)
    _, pos = _read_varint(field, pos, where)
    return field[pos:]


def _check_canonical_hparams(data, where):
    """HParamsPluginData is canonical but for its one map (SessionStartInfo.hparams), whose
    entry order protobuf leaves free (PyTorch's upb writes its hash order): with the entries
    kept in their written order, each one encoded canonically on its own, the message must
    re-serialize to the same bytes."""
    from tensorboard.plugins.hparams import plugin_data_pb2

    message = plugin_data_pb2.HParamsPluginData.FromString(data)
    _check_no_unknown_fields(message, where)
    if message.WhichOneof("data") != "session_start_info":
        _check_canonical(plugin_data_pb2.HParamsPluginData, data, where)
        return
    top = _fields(data, where)
    if [n for n, _ in top] != ([1] if message.version else []) + [3]:
        raise ConformanceError(
            "%s: HParamsPluginData fields in the order %s" % (where, [n for n, _ in top])
        )
    entries = _fields(_payload(top[-1][1], where), where)
    hparams = [raw for n, raw in entries if n == 1]
    rest = plugin_data_pb2.SessionStartInfo()
    rest.CopyFrom(message.session_start_info)
    rest.ClearField("hparams")
    for raw in hparams:
        if plugin_data_pb2.SessionStartInfo.FromString(raw).SerializeToString() != raw:
            raise ConformanceError(
                "%s: hparams map entry %s is not canonically encoded" % (where, raw.hex())
            )
    body = b"".join(hparams) + rest.SerializeToString()
    again = plugin_data_pb2.HParamsPluginData(version=message.version).SerializeToString()
    again += b"\x1a" + _encode_varint(len(body)) + body
    if again != data:
        raise ConformanceError(
            "%s: HParamsPluginData is not canonically encoded (map entries in written "
            "order):\n  written:    %s\n  re-encoded: %s" % (where, data.hex(), again.hex())
        )


def _encode_varint(n):
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def check_payload(data, where):
    """Parse one Event payload; it must be canonical, nested messages included."""
    from google.protobuf.message import DecodeError
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.custom_scalar import layout_pb2

    try:
        event = _check_canonical(event_pb2.Event, data, where)
    except DecodeError as e:
        raise ConformanceError("%s: not an Event: %s" % (where, e)) from e
    contents = _plugin_content_classes()
    if event.HasField("summary"):
        for value in event.summary.value:
            plugin = value.metadata.plugin_data
            if plugin.plugin_name in contents:
                _check_canonical(contents[plugin.plugin_name], plugin.content, where)
            if plugin.plugin_name == "hparams":
                _check_canonical_hparams(plugin.content, where)
            if plugin.plugin_name == "custom_scalars":
                for s in value.tensor.string_val:
                    _check_canonical(layout_pb2.Layout, s, where)
    return event


def check_event_file(path):
    """Check 1 on one file; returns [(offset, payload, Event)]."""
    records = read_records(path)
    theirs = tensorboard_records(path)
    if [d for _, d in records] != theirs:
        raise ConformanceError("%s: TensorBoard's record reader sees different records" % path)
    if not records:
        raise ConformanceError("%s: empty event file" % path)
    out = []
    for i, (offset, data) in enumerate(records):
        event = check_payload(data, "%s record %d (byte %d)" % (path, i, offset))
        out.append((offset, data, event))
    first = out[0][2]
    if first.file_version != "brain.Event:2":
        raise ConformanceError(
            "%s: first record is not the brain.Event:2 header: %s" % (path, first)
        )
    return out


# ---------------------------------------------------------------------------
# 2. Parity


def _mask_wall_time(data):
    """The payload with the 8 wall_time bytes zeroed (field 1, always first)."""
    if data[:1] != b"\x09":
        return data
    return b"\x09" + b"\x00" * 8 + data[9:]


def _in(window, t):
    return window[0] <= t <= window[1]


def _describe(event):
    from google.protobuf import text_format

    return text_format.MessageToString(event, as_utf8=True)


def check_parity(
    torch_root,
    torch_window,
    target_root,
    target_window,
    runs,
    target_is_torch=False,
    suffixes=None,
    media=None,
    summaries=None,
):
    """Check 2 for ``runs`` (relative run paths).  Returns the set of divergence names used.

    Files are paired in name order (creation order: the case table waits for a
    new second between a run's files).  A record whose wall time PyTorch took
    from the clock must have a clock wall time in tinytb's file too; those 8
    bytes are the only ones masked.  ``media``: ``{(run, tag, step):
    MediaExpectation}`` (``expected_view.media_expectations``) for the image and video
    records (see ``media.py``); ``summaries``: ``{(run, tag, step): model}``
    (``expected_view.summary_expectations``) for the histogram and hparams records.
    """
    used = set()
    suffixes = suffixes or {}
    media = media or {}
    summaries = summaries or {}
    for run in runs:
        run_media = {(tag, step): e for (r, tag, step), e in media.items() if r == run}
        run_summaries = {(tag, step): m for (r, tag, step), m in summaries.items() if r == run}
        a_files = event_files(os.path.join(torch_root, run))
        b_files = event_files(os.path.join(target_root, run))
        if len(a_files) != len(b_files) or not a_files:
            raise ConformanceError(
                "run %s: PyTorch wrote %d event files, the target %d: %s vs %s"
                % (
                    run,
                    len(a_files),
                    len(b_files),
                    [os.path.basename(f) for f in a_files],
                    [os.path.basename(f) for f in b_files],
                )
            )
        pattern = file_name_pattern(suffixes.get(run, ""))
        for a_path, b_path in zip(a_files, b_files):
            for p in (a_path, b_path):
                if not pattern.match(os.path.basename(p)):
                    raise ConformanceError("%s: file name does not match %s" % (p, pattern.pattern))
            a_recs = check_event_file(a_path)
            b_recs = check_event_file(b_path)
            if len(a_recs) != len(b_recs):
                raise ConformanceError(
                    "%s: %d records, PyTorch's %s: %d\n target: %s\n torch: %s"
                    % (
                        b_path,
                        len(b_recs),
                        a_path,
                        len(a_recs),
                        [_describe(e) for _, _, e in b_recs],
                        [_describe(e) for _, _, e in a_recs],
                    )
                )
            for i, ((_, _a_data, a_ev), (off, b_data, b_ev)) in enumerate(zip(a_recs, b_recs)):
                where = "%s record %d (byte %d)" % (b_path, i, off)
                if target_is_torch:
                    want, names = a_ev, []
                else:
                    want, names = divergences.expected_target_event(
                        a_ev,
                        header=(i == 0),
                        target_event=b_ev,
                        media=run_media,
                        where=where,
                        summaries=run_summaries,
                    )
                want_data = want.SerializeToString()
                a_now = _in(torch_window, a_ev.wall_time)
                b_now = _in(target_window, b_ev.wall_time)
                if a_now != b_now:
                    raise ConformanceError(
                        "%s: wall_time %r; PyTorch's is %r (clock vs argument mismatch)"
                        % (where, b_ev.wall_time, a_ev.wall_time)
                    )
                if a_now:
                    want_data, got_data = _mask_wall_time(want_data), _mask_wall_time(b_data)
                else:
                    got_data = b_data
                if want_data != got_data:
                    raise ConformanceError(
                        "%s differs from PyTorch's (after the known divergences %s):\n"
                        "--- expected\n%s--- written\n%s  expected bytes: %s\n  written bytes:  %s"
                        % (
                            where,
                            names,
                            _describe(want),
                            _describe(b_ev),
                            want_data.hex(),
                            got_data.hex(),
                        )
                    )
                used.update(names)
    return used


# ---------------------------------------------------------------------------
# 3. The Python loader


def decode_tensor(tensor_proto):
    """A numpy array of a TensorProto, as TensorBoard decodes it.

    TensorBoard without TensorFlow cannot map DT_BFLOAT16 to a numpy dtype, so
    bfloat16 bits are widened to float32 here (a bfloat16 is the upper half of
    a float32).
    """
    import numpy as np
    from tensorboard.util import tensor_util

    if tensor_proto.dtype == divergences.DT_BFLOAT16:
        shape = [d.size for d in tensor_proto.tensor_shape.dim]
        bits = np.array(list(tensor_proto.half_val), dtype=np.uint32) << 16
        n = int(np.prod(shape, dtype=np.int64))
        if len(bits) == 1 and n != 1:
            bits = np.repeat(bits, n)
        return bits.view(np.float32).reshape(shape)
    return tensor_util.make_ndarray(tensor_proto)


def loader_view(root):
    """{(run, tag): {"plugin", "data_class", "points": [(wall_time, step, TensorProto)]}}.

    Read through TensorBoard's plugin_event_multiplexer, keeping every point
    (size guidance 0), so TensorBoard's data_compat and dataclass_compat
    conversions are applied exactly as for the UI.
    """
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea
    from tensorboard.backend.event_processing import plugin_event_multiplexer as pem

    mux = pem.EventMultiplexer(size_guidance=pea.STORE_EVERYTHING_SIZE_GUIDANCE)
    mux.AddRunsFromDirectory(root)
    mux.Reload()
    view = {}
    for run, content in mux.Runs().items():
        for tag in content.get("tensors", []):
            md = mux.SummaryMetadata(run, tag)
            view[(run, tag)] = {
                "plugin": md.plugin_data.plugin_name,
                "metadata": md,
                "points": [(e.wall_time, e.step, e.tensor_proto) for e in mux.Tensors(run, tag)],
            }
    return view, sorted(mux.Runs())


def python_semantics(points):
    """The Python loader's view of model points: append; the second and later
    SessionLog.START of a run purge every point with step >= its step."""
    seen_start = set()
    series = {}
    order = []
    for p in points:
        if p.plugin == "START":
            if p.run in seen_start:
                for key in list(series):
                    if key[0] == p.run:
                        series[key] = [q for q in series[key] if q.step < p.step]
            seen_start.add(p.run)
            continue
        key = (p.run, p.tag)
        if key not in series:
            series[key] = []
            order.append(key)
        series[key].append(p)
    return {k: series[k] for k in order}


def rustboard_semantics(points):
    """Rustboard's view: SessionLog ignored; a point at step s evicts the stored
    points with step >= s; DT_DOUBLE scalars and plugins of unknown data class
    ('tensor') are dropped (data_compat.rs, reservoir.rs)."""
    series = {}
    order = []
    for p in points:
        if p.plugin in ("START", "tensor") or p.double:
            continue
        key = (p.run, p.tag)
        if key not in series:
            series[key] = []
            order.append(key)
        series[key] = [q for q in series[key] if q.step < p.step] + [p]
    return {k: series[k] for k in order}


def same_float(a, b):
    """Exact float equality with NaN == NaN and 0.0 != -0.0."""
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def same_array(a, b):
    import numpy as np

    a, b = np.asarray(a), np.asarray(b)
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.kind in "fc":
        return bool(np.array_equal(a, b, equal_nan=True)) and bool(
            np.array_equal(np.signbit(a.real), np.signbit(b.real))
        )
    return bool(np.array_equal(a, b))


def check_wall_time(where, got, want, window):
    if want is None:
        if not _in(window, got):
            raise ConformanceError("%s: wall time %r is not 'now' %r" % (where, got, window))
    elif got != want:
        raise ConformanceError("%s: wall time %r, expected %r" % (where, got, want))


def image_blobs(root, run):
    """{(tag, step): Summary.Image} of every image value in ``run``'s event files."""
    return _values_with(root, run, "image")


def audio_blobs(root, run):
    """{(tag, step): Summary.Audio} of every audio value in ``run``'s event files."""
    return _values_with(root, run, "audio")


def _values_with(root, run, field):
    from tensorboard.compat.proto import event_pb2

    out = {}
    for path in event_files(os.path.join(root, run)):
        for _, data in read_records(path):
            event = event_pb2.Event.FromString(data)
            for value in event.summary.value:
                if value.HasField(field):
                    out[(value.tag, event.step)] = getattr(value, field)
    return out


def check_wav(where, data, model):
    """A WAV blob as a reader plays it: 16-bit mono PCM at the model's header rate, the
    model's samples exactly (Python's wave module reads it)."""
    import io
    import wave

    import numpy as np

    try:
        with wave.open(io.BytesIO(data)) as wav:
            params = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate(), wav.getnframes())
            frames = wav.readframes(wav.getnframes())
    except Exception as e:
        raise ConformanceError("%s: the wave module cannot read the audio (%s)" % (where, e)) from e
    want = (1, 2, model.wav_rate, model.frames)
    if params != want:
        raise ConformanceError(
            "%s: WAV (channels, sample width, rate, frames) %s, expected %s" % (where, params, want)
        )
    samples = np.frombuffer(frames, dtype="<i2")
    if not np.array_equal(samples, model.samples):
        bad = np.nonzero(samples != model.samples)[0]
        raise ConformanceError(
            "%s: %d samples differ, first at %d: %d, expected %d"
            % (where, len(bad), bad[0], samples[bad[0]], model.samples[bad[0]])
        )


def check_summary_point(where, plugin, metadata, value, model, blob=None, bools=True):
    """One point of the issue-5 plugins as the Python loader shows it (``value``: the
    decoded tensor; ``metadata``: the series' SummaryMetadata) against the case table's
    model.  ``bools=False``: hparams booleans as PyTorch writes them (numbers)."""
    import numpy as np

    content = metadata.plugin_data.content
    if plugin == "histograms":
        want = model.python_buckets()
        if not same_array(value, want):
            raise ConformanceError(
                "%s: buckets (left, right, count)\n%r\nexpected\n%r" % (where, value, want)
            )
    elif plugin == "audio":
        if value.shape != (1,):
            raise ConformanceError("%s: %d audio blobs, expected 1" % (where, len(value)))
        data = bytes(value[0])
        if blob is not None and data != blob:
            raise ConformanceError(
                "%s: the audio blob differs from the event file's encoded_audio_string" % where
            )
        check_wav(where, data, model)
    elif plugin == "pr_curves":
        from tensorboard.plugins.pr_curve import plugin_data_pb2

        if not same_array(value, model.data):
            raise ConformanceError("%s: PR data\n%r\nexpected\n%r" % (where, value, model.data))
        got = plugin_data_pb2.PrCurvePluginData.FromString(content).num_thresholds
        if got != model.num_thresholds:
            raise ConformanceError(
                "%s: num_thresholds %d, expected %d" % (where, got, model.num_thresholds)
            )
    elif plugin == "mesh":
        from tensorboard.plugins.mesh import plugin_data_pb2

        if not same_array(value, model.data):
            raise ConformanceError("%s: mesh tensor\n%r\nexpected\n%r" % (where, value, model.data))
        got = plugin_data_pb2.MeshPluginData.FromString(content)
        if got != model.plugin_data():
            raise ConformanceError(
                "%s: MeshPluginData\n%s\nexpected\n%s" % (where, got, model.plugin_data())
            )
    elif plugin == "hparams":
        from tensorboard.plugins.hparams import plugin_data_pb2

        if value.dtype != np.float32 or value.shape != (0,):
            raise ConformanceError("%s: %r, expected the null tensor" % (where, value))
        got = plugin_data_pb2.HParamsPluginData.FromString(content)
        if got != model.content(bools):
            raise ConformanceError(
                "%s: HParamsPluginData\n%s\nexpected\n%s" % (where, got, model.content(bools))
            )
    else:  # pragma: no cover
        raise ConformanceError("%s: unexpected plugin %r" % (where, plugin))


SUMMARY_PLUGINS = ("histograms", "audio", "pr_curves", "mesh", "hparams")


def check_image_point(where, value, model, blob=None):
    """An image as a reader shows it: [width, height, blob] strings (the images plugin's
    blob sequence), the header the model says, the blob decoding (Pillow) to the model's
    format, size, mode and frame count, and equal to the event file's bytes."""
    from . import media

    if value.shape != (3,):
        raise ConformanceError(
            "%s: %d blobs, expected 3 (width, height, image)" % (where, len(value))
        )
    width, height, data = (bytes(v) for v in value)
    if (width, height) != (str(model.width).encode(), str(model.height).encode()):
        raise ConformanceError(
            "%s: width, height %r, %r; expected %d, %d"
            % (where, width, height, model.width, model.height)
        )
    if blob is not None and data != blob:
        raise ConformanceError(
            "%s: the image blob differs from the event file's encoded_image_string" % where
        )
    try:
        image = media.decode(data)
    except Exception as e:
        raise ConformanceError("%s: Pillow cannot decode the image (%s)" % (where, e)) from e
    got = (image.format, image.size, getattr(image, "n_frames", 1))
    want = (model.format, model.size, model.frames)
    if got != want or (model.mode is not None and image.mode != model.mode):
        raise ConformanceError(
            "%s: a %s %s image of %d frame(s), mode %s; expected %s %s, %d, %s"
            % ((where,) + got + (image.mode,) + want + (model.mode,))
        )


def check_view(view, expected, window, skip_tags=(), blobs=None, hparams_bools=True):
    """Check 3: the loader's view against ``python_semantics(model points)``.

    ``blobs``: ``{(run, tag, step): bytes}``, the images' and audio clips' bytes in the
    event files.  ``hparams_bools=False``: boolean hparams as PyTorch writes them."""
    import numpy as np
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.plugins.custom_scalar import layout_pb2

    got_keys = set(view)
    want_keys = set(expected)
    if got_keys != want_keys:
        raise ConformanceError(
            "Python loader: tags differ:\n  missing: %s\n  unexpected: %s"
            % (sorted(want_keys - got_keys), sorted(got_keys - want_keys))
        )
    want_class = {
        "scalars": summary_pb2.DATA_CLASS_SCALAR,
        "text": summary_pb2.DATA_CLASS_TENSOR,
        "custom_scalars": summary_pb2.DATA_CLASS_TENSOR,
        "tensor": summary_pb2.DATA_CLASS_UNKNOWN,
        "images": summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
        "histograms": summary_pb2.DATA_CLASS_TENSOR,
        "audio": summary_pb2.DATA_CLASS_BLOB_SEQUENCE,
        "pr_curves": summary_pb2.DATA_CLASS_TENSOR,
        "mesh": summary_pb2.DATA_CLASS_TENSOR,
        "hparams": summary_pb2.DATA_CLASS_TENSOR,
    }
    for key, points in expected.items():
        if key[1] in skip_tags:
            continue
        got = view[key]
        where = "Python loader run %r tag %r" % key
        plugin = points[0].plugin
        if got["plugin"] != plugin:
            raise ConformanceError("%s: plugin %r, expected %r" % (where, got["plugin"], plugin))
        if got["metadata"].data_class != want_class[plugin]:
            raise ConformanceError("%s: data class %r" % (where, got["metadata"].data_class))
        if len(got["points"]) != len(points):
            raise ConformanceError(
                "%s: steps %s, expected %s"
                % (where, [s for _, s, _ in got["points"]], [p.step for p in points])
            )
        for (wall, step, tensor), p in zip(got["points"], points):
            w = "%s step %d" % (where, p.step)
            if step != p.step:
                raise ConformanceError("%s: step %r" % (w, step))
            check_wall_time(w, wall, p.wall_time, window)
            try:
                value = decode_tensor(tensor)
            except Exception as e:
                raise ConformanceError(
                    "%s: TensorBoard cannot decode the tensor (%s: %s):\n%s"
                    % (w, type(e).__name__, e, tensor)
                ) from e
            if plugin == "scalars":
                if value.shape != () or not same_float(float(value.item()), p.value):
                    raise ConformanceError("%s: value %r, expected %r" % (w, value, p.value))
                want_dtype = np.float64 if p.double else np.float32
                if value.dtype != want_dtype:
                    raise ConformanceError(
                        "%s: dtype %s, expected %s" % (w, value.dtype, want_dtype)
                    )
            elif plugin == "text":
                if value.shape != (1,) or value[0].decode("utf-8") != p.value:
                    raise ConformanceError("%s: text %r, expected %r" % (w, value, p.value))
            elif plugin == "tensor":
                if not same_array(value, p.value):
                    raise ConformanceError(
                        "%s: decoded %r (%s), expected %r (%s)"
                        % (w, value, value.dtype, p.value, np.asarray(p.value).dtype)
                    )
            elif plugin == "custom_scalars":
                layout = layout_pb2.Layout.FromString(value.item())
                if layout != p.value:
                    raise ConformanceError("%s: layout\n%s\nexpected\n%s" % (w, layout, p.value))
            elif plugin == "images":
                check_image_point(
                    w, value, p.value, None if blobs is None else blobs[(key[0], key[1], p.step)]
                )
            elif plugin in SUMMARY_PLUGINS:
                check_summary_point(
                    w,
                    plugin,
                    got["metadata"],
                    value,
                    p.value,
                    None if blobs is None else blobs.get((key[0], key[1], p.step)),
                    bools=hparams_bools,
                )
            else:  # pragma: no cover
                raise ConformanceError("%s: unexpected plugin %r" % (w, plugin))
