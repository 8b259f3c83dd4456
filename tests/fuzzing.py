"""Helpers for the reading side's robustness tests (tests/test_fuzz.py and the regression tests
in test_record, test_tensor, test_messages, test_reader, test_dump): hand-made malformed event
files (each one a crash a fuzz run of tinytb 0.x's reader found), seed files of every kind
written by tinytb's own SummaryWriter, the mutations, and a memory guard.

Standard library only."""

import io
import os
import random
import struct
import time
import tracemalloc

from tinytb import FileWriter, SummaryWriter, _messages, _record, _tensor, _wire, reader
from tinytb._crc32c import masked_crc32c
from tinytb._dump import dump
from tinytb.errors import DecodeError

from vectors import FakeArray

MB = 1 << 20


# -- the crashes of the issue (defect 3), as event files ----------------------------------------


def event_file(*events):
    """The bytes of an event file: the file_version record, then ``events`` (encoded Events)."""
    head = _messages.event(wall_time=1.0, file_version="brain.Event:2")
    return b"".join(_record.frame(e) for e in (head,) + events)


def scalar_tensor_file(dims, float_val=(1.0,)):
    """A new-style scalar (plugin ``scalars``) whose DT_FLOAT tensor declares ``dims`` but holds
    ``float_val``: with dims [1 << 27] and one value, the issue's ~100-byte file (109 here)."""
    # tensor_shape() skips a 0 dim and packs a negative one as ten bytes: both as written.
    tensor = _messages.tensor_proto(_tensor.DT_FLOAT, shape=dims, float_val=list(float_val))
    value = _messages.summary_value(
        tag="loss", tensor=tensor, metadata=_messages.summary_metadata("scalars")
    )
    return event_file(_messages.event(wall_time=2.0, step=1, summary=_messages.summary([value])))


def huge_length_header(length=1 << 31):
    """A record header whose length field claims ``length`` bytes, with its CRC right."""
    raw = struct.pack("<Q", length)
    return raw + struct.pack("<I", masked_crc32c(raw))


def nested_struct(depth):
    """A google.protobuf.Value nested ``depth`` Structs deep: ``{"a": {"a": ... 1.0}}``."""
    value = _messages.struct_value(1.0)
    for _ in range(depth):
        entry = _messages.string_field(1, "a") + _messages.bytes_field(2, value)
        value = _messages.bytes_field(5, _messages.bytes_field(1, entry))  # struct_value
    return value


def hparams_file(content):
    """An event file with one hparams summary whose plugin content is ``content``."""
    value = _messages.summary_value(
        tag="_hparams_/session_start_info",
        tensor=_messages.tensor_proto(_tensor.DT_FLOAT, shape=()),
        metadata=_messages.summary_metadata("hparams", content),
    )
    return event_file(_messages.event(wall_time=2.0, summary=_messages.summary([value])))


def deep_hparams_file(depth=300):
    """The issue's hparams summary whose one hparam value nests ``depth`` Structs."""
    entry = _messages.string_field(1, "lr") + _messages.bytes_field(2, nested_struct(depth))
    start = _messages.bytes_field(1, entry)  # SessionStartInfo.hparams
    return hparams_file(_messages.hparams_plugin_data(session_start_info=start))


def graph_attr_without_value_file():
    """A graph whose one node has an attr map entry with a key and no value."""
    entry = _messages.string_field(1, "T")  # AttrEntry { key = 1 } and no value = 2
    node = _messages.node_def("x", "Const") + _messages.bytes_field(5, entry)
    graph = _messages.graph_def([node], 22)
    return event_file(_messages.event(wall_time=2.0, graph_def=graph))


def audio_file(sample_rate):
    """An audio summary whose sample rate is ``sample_rate`` (inf or nan in the issue)."""
    audio = _messages.audio(sample_rate, 1, 2, b"RIFF", "audio/wav")
    value = _messages.summary_value(tag="a", audio=audio)
    return event_file(_messages.event(wall_time=2.0, summary=_messages.summary([value])))


# -- running a case -----------------------------------------------------------------------------


def read_everything(data, path):
    """Everything the reading side offers, on one file's bytes ``data`` (also written at
    ``path``): read_events of the bytes and of the path, scalars, tensor_values of every
    tensor, the decoded plugin contents, and dump. Returns the number of events read."""
    events = reader.read_events(data)
    # repr, not ==: a NaN read twice is two floats that compare unequal
    assert repr(reader.read_events(path)) == repr(events)
    reader.scalars(data)
    for event in events:
        for value in event.summary.value if event.summary is not None else ():
            if value.tensor is not None:
                dtype, shape, flat = reader.tensor_values(value.tensor)
                len(flat), flat[:4]
            if value.tag.endswith("custom_scalars__config__") and value.tensor is not None:
                for s in value.tensor.string_val:
                    reader.decode_layout(s)
    dump(path, io.StringIO())
    return len(events)


class Limits:
    """How much one case may cost: allocated memory at its peak, and time."""

    def __init__(self, peak=64 * MB, seconds=10.0):
        self.peak = peak
        self.seconds = seconds


def guarded(fn, *args):
    """Run ``fn(*args)`` under tracemalloc; return ``(result or exception, peak bytes,
    seconds)``. Catches every Exception (MemoryError included) to return it."""
    started = tracemalloc.is_tracing()
    if not started:
        tracemalloc.start()
    tracemalloc.clear_traces()
    if hasattr(tracemalloc, "reset_peak"):
        tracemalloc.reset_peak()
    t = time.perf_counter()
    try:
        outcome = fn(*args)
    except Exception as err:  # noqa: B902 - the caller judges what was raised
        outcome = err
    seconds = time.perf_counter() - t
    peak = tracemalloc.get_traced_memory()[1]
    if not started:
        tracemalloc.stop()
    return outcome, peak, seconds


def check_case(data, path, limits=None):
    """Write ``data`` to ``path``, read it every way; return ``"ok"`` or ``"DecodeError"``.
    Raises AssertionError for any other exception, more than ``limits.peak`` bytes allocated at
    once, or more than ``limits.seconds``."""
    limits = limits or Limits()
    with open(path, "wb") as f:
        f.write(data)
    outcome, peak, seconds = guarded(read_everything, data, path)
    if isinstance(outcome, Exception) and not isinstance(outcome, DecodeError):
        raise AssertionError(
            "%s: %r on %d bytes %s" % (type(outcome).__name__, outcome, len(data), data[:200].hex())
        )
    assert peak <= limits.peak, "allocated %d bytes for a %d-byte file %s" % (
        peak,
        len(data),
        data[:200].hex(),
    )
    assert seconds <= limits.seconds, "took %.1f s on %d bytes" % (seconds, len(data))
    return "DecodeError" if isinstance(outcome, DecodeError) else "ok"


# -- seeds: valid event files of every kind -----------------------------------------------------

GRAPH = [
    {"name": "input", "op": "Placeholder", "shape": [None, 4]},
    {
        "name": "fc",
        "op": "Linear",
        "inputs": ["input"],
        "attrs": {"in_features": 4, "bias": True, "gain": 0.5, "act": "relu", "kernel": [3, 3]},
        "shape": [None, 2],
        "device": "/device:CPU:0",
    },
]


def _write_kinds(w):
    w.add_scalar("old", 0.5, 1, walltime=10.0)
    w.add_scalar("new", 2.0, 2, walltime=11.0, new_style=True)
    w.add_scalar("double", 0.25, 3, walltime=11.5, double_precision=True)
    w.add_scalars("main", {"a": 1.0, "b": 2.0}, 3, walltime=12.0)
    w.add_text("note", "hello *world*", 4, walltime=13.0)
    for dtype, values in (
        ("float32", [1.5, -2.0, 3.25]),
        ("float64", [0.1, 0.2]),
        ("float16", [1.0, -2.0]),
        ("bfloat16", [1.0, 0.5]),
        ("int8", [-1, 2]),
        ("int64", [1 << 40, -3]),
        ("uint8", [0, 255]),
        ("bool", [True, False]),
        ("complex64", [1 + 2j, -1j]),
    ):
        w.add_tensor("t_" + dtype, FakeArray(values, dtype), 5, walltime=14.0)
    w.add_image("img", [[[0.0, 1.0]], [[0.5, 0.25]], [[1.0, 0.0]]], 6, walltime=15.0)
    w.add_video("vid", [[[[[t * 100] * 2] * 2] for t in range(3)]], 7, fps=10, walltime=16.0)
    w.add_audio("snd", [0.0, 0.5, -0.5, 0.25], 8, sample_rate=8000, walltime=17.0)
    w.add_histogram("hist", [1.0, 2.0, 2.5, 3.0, 10.0], 9, walltime=18.0)
    w.add_pr_curve("pr", [1, 0, 1, 1], [0.9, 0.2, 0.6, 0.4], 10, num_thresholds=5, walltime=19.0)
    w.add_mesh(
        "mesh",
        vertices=FakeArray([0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0], "float32", (1, 3, 3)),
        faces=FakeArray([0, 1, 2], "int32", (1, 1, 3)),
        config_dict={"camera": {"fov": 75}},
        global_step=11,
        walltime=20.0,
    )
    w.add_custom_scalars(
        {
            "cat": {
                "lines": ["Multiline", ["old", "new"]],
                "band": ["Margin", ["old", "new", "double"]],
            }
        }
    )
    w.add_graph(GRAPH)


def write_seeds(tmpdir):
    """Valid event files of every kind tinytb writes, as ``{name: bytes}``."""
    seeds = {}
    logdir = os.path.join(tmpdir, "kinds")
    attempts = [
        _write_kinds,
        lambda w: w.add_hparams(
            {"lr": 0.1, "opt": "adam", "aug": True, "n": 3},
            {"loss": 0.5},
            hparam_domain_discrete={"opt": ["adam", "sgd"]},
            run_name="hp",
        ),
    ]
    with SummaryWriter(logdir) as w:
        for write in attempts:
            write(w)
    fw = FileWriter(os.path.join(tmpdir, "graph"))
    node = _messages.node_def(
        "net/fc",
        "Linear",
        ["x"],
        attr=[
            ("T", _messages.attr_value(type=1)),
            ("_output_shapes", _messages.attr_value(list=_messages.attr_list(shape=[[2, 3]]))),
        ],
    )
    fw.add_graph(
        (_messages.graph_def([node], 22), _messages.run_metadata(["/device:CPU:0"])), walltime=3.0
    )
    fw.close()
    for root in (logdir, os.path.join(tmpdir, "graph")):
        for run, files in reader.event_files(root).items():
            for n, name in enumerate(files):
                with open(name, "rb") as f:
                    records = list(_record.iter_records(f.read()))
                # fixed wall times (the writer stamps some events with time.time()), so that
                # one seed of the fuzzer always makes the same cases
                payloads = [
                    _messages.rebuild_event(p, 1.0 + i, None) for i, (_, p) in enumerate(records)
                ]
                key = "%s/%s/%d" % (os.path.basename(root), run, n)
                seeds[key] = b"".join(map(_record.frame, payloads))
                # and one record per file, so that mutations of one kind stay small
                for i, payload in enumerate(payloads):
                    seeds["%s#%d" % (key, i)] = _record.frame(payload)
    return seeds


# -- mutations ----------------------------------------------------------------------------------


def _records(data):
    """``[(offset, payload)]`` of the whole records at the front of ``data`` (stops quietly
    at the first bad one)."""
    out = []
    try:
        for offset, payload in _record.iter_records(data):
            out.append((offset, payload))
    except DecodeError:
        pass
    return out


def _varint_field_value(rng):
    return rng.choice(
        [
            0,
            1,
            127,
            128,
            1 << 27,
            1 << 31,
            1 << 40,
            1 << 62,
            (1 << 63) - 1,
            (1 << 64) - 1,
            rng.randrange(1 << 64),
        ]
    )


def random_message(rng, depth=0):
    """Random protobuf bytes: fields of every wire type with plausible and absurd values,
    sometimes nested (a LEN field holding another random message)."""
    out = []
    for _ in range(rng.randrange(1, 8)):
        field = rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 13, 16, 17, 18, rng.randrange(1, 600)])
        wire = rng.choice([0, 1, 2, 2, 2, 5, rng.randrange(8)])
        key = _wire.varint((field << 3) | wire)
        if wire == 0:
            out.append(key + _wire.varint(_varint_field_value(rng)))
        elif wire == 1:
            out.append(
                key
                + struct.pack(
                    "<d", rng.choice([0.0, float("inf"), float("nan"), 1e308, -1.0, rng.random()])
                )
            )
        elif wire == 5:
            out.append(
                key
                + struct.pack("<f", rng.choice([0.0, float("inf"), float("nan"), -1.0, 44100.0]))
            )
        elif wire == 2:
            if depth < 6 and rng.random() < 0.5:
                body = random_message(rng, depth + 1)
            else:
                body = bytes(rng.randrange(256) for _ in range(rng.randrange(12)))
            out.append(key + _wire.varint(len(body)) + body)
        else:  # groups and the undefined wire types 6, 7: raw junk after the key
            out.append(key + bytes(rng.randrange(256) for _ in range(rng.randrange(4))))
    return b"".join(out)


def _flip(rng, data):
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        i = rng.randrange(len(data))
        data[i] ^= 1 << rng.randrange(8)
    return bytes(data)


def _overwrite(rng, data):
    data = bytearray(data)
    i = rng.randrange(len(data))
    n = rng.randrange(1, 9)
    data[i : i + n] = bytes(rng.choice([0, 0xFF, 0x80, rng.randrange(256)]) for _ in range(n))
    return bytes(data)


def _truncate(rng, data):
    return data[: rng.randrange(len(data))]


def _edit_length(rng, data):
    """A record's length field changed, its header CRC recomputed: framing believes it."""
    records = _records(data)
    if not records:
        return _flip(rng, data)
    offset, payload = rng.choice(records)
    length = rng.choice(
        [
            0,
            1,
            len(payload) - 1,
            len(payload) + 1,
            len(payload) * 2,
            len(data),
            1 << 20,
            (1 << 31) - 1,
            1 << 31,
            (1 << 31) + 1,
            1 << 40,
            (1 << 64) - 1,
            rng.randrange(1 << 32),
        ]
    )
    length = max(0, min(length, (1 << 64) - 1))
    return data[:offset] + huge_length_header(length) + data[offset + 12 :]


def _edit_payload(rng, data):
    """A record's payload changed, its data CRC recomputed: the protobuf decoder sees it."""
    records = _records(data)
    if not records:
        return _flip(rng, data)
    offset, payload = rng.choice(records)
    if payload:
        new = rng.choice([_flip, _overwrite, _truncate, _edit_bytes])(rng, payload)
    else:
        new = random_message(rng)
    end = offset + 12 + len(payload) + 4
    return data[:offset] + _record.frame(new) + data[end:]


def _edit_bytes(rng, payload):
    """Inside a protobuf payload: insert, delete or duplicate a run of bytes."""
    i = rng.randrange(len(payload) + 1)
    j = min(len(payload), i + rng.randrange(1, 16))
    op = rng.randrange(3)
    if op == 0:
        return (
            payload[:i]
            + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 6)))
            + payload[i:]
        )
    if op == 1:
        return payload[:i] + payload[j:]
    return payload[:j] + payload[i:j] + payload[j:]


def _splice(rng, data, other):
    """Records of two files interleaved, duplicated or cut at any byte."""
    a, b = _records(data), _records(other)
    if a and b and rng.random() < 0.7:
        pick = [p for _, p in a] + [p for _, p in b]
        frames = [_record.frame(rng.choice(pick)) for _ in range(rng.randrange(1, 6))]
        return b"".join(frames)
    return data[: rng.randrange(len(data) + 1)] + other[rng.randrange(len(other) + 1) :]


def _random_payload(rng, data):
    """A random protobuf message in a valid frame, among the file's records."""
    records = _records(data)
    frame = _record.frame(random_message(rng))
    if not records:
        return frame
    offset, _ = rng.choice(records)
    return data[:offset] + frame + data[offset:]


def _deep(rng, data):
    """Deeply nested messages: a Struct in hparams content, or a LEN-in-LEN tower in an
    Event field."""
    if rng.random() < 0.5:
        return deep_hparams_file(rng.choice([50, 99, 100, 101, 150, 300, 1000]))
    body = b""
    for _ in range(rng.choice([20, 100, 101, 200, 2000])):
        body = _messages.bytes_field(rng.choice([1, 5, 8, 9]), body)
    return data + _record.frame(_messages.bytes_field(5, body))


MUTATIONS = {
    "flip": _flip,
    "overwrite": _overwrite,
    "truncate": _truncate,
    "length": _edit_length,
    "payload": _edit_payload,
    "random payload": _random_payload,
    "deep": _deep,
}
_WEIGHTS = {
    "flip": 3,
    "overwrite": 2,
    "truncate": 1,
    "length": 2,
    "payload": 6,
    "random payload": 2,
    "deep": 1,
    "splice": 1,
}


def mutate(rng, seeds):
    """One mutated file: ``(mutation names, bytes)``; one to three mutations stacked."""
    names = sorted(seeds)
    data = seeds[rng.choice(names)]
    applied = []
    kinds = sorted(_WEIGHTS)
    weights = [_WEIGHTS[k] for k in kinds]
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        kind = rng.choices(kinds, weights)[0]
        if not data and kind not in ("random payload", "deep", "splice"):
            kind = "random payload"
        if kind == "splice":
            data = _splice(rng, data, seeds[rng.choice(names)])
        else:
            data = MUTATIONS[kind](rng, data)
        applied.append(kind)
    return applied, data


def run(seed, cases, tmpdir, limits=None, progress=None):
    """``cases`` mutated files from ``seed``; returns ``{"cases", "ok", "DecodeError",
    "by mutation": {...}}``. The first case that breaks a rule raises AssertionError naming
    the seed and the case number (``case(seed, n, tmpdir)`` rebuilds it)."""
    seeds = write_seeds(tmpdir)
    rng = random.Random(seed)
    counts = {"cases": 0, "ok": 0, "DecodeError": 0}
    by_mutation = {}
    path = os.path.join(tmpdir, "case.tfevents")
    for n in range(cases):
        applied, data = mutate(rng, seeds)
        try:
            outcome = check_case(data, path, limits)
        except AssertionError as err:
            raise AssertionError(
                "seed %d case %d (%s): %s" % (seed, n, "+".join(applied), err)
            ) from None
        counts["cases"] += 1
        counts[outcome] += 1
        for kind in applied:
            by_mutation.setdefault(kind, {"ok": 0, "DecodeError": 0})[outcome] += 1
        if progress and (n + 1) % progress == 0:
            print(
                "%d cases: %d ok, %d DecodeError" % (n + 1, counts["ok"], counts["DecodeError"]),
                flush=True,
            )
    counts["by mutation"] = by_mutation
    return counts
