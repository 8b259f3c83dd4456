# SPDX-License-Identifier: MIT
"""tinytb._scan: scan() equals _record.iter_records + _messages.decode_event, record for record.

Every test compares with that reference (the exact per-record reader): which records come out
as scalar columns and which as ``others``, the decoded fields (compared bit for bit), and the
DecodeError (message, offset, section) at the first bad record. Files are built here with the
encoders of ``_messages`` and ``_record.frame`` (canonical protobuf, byte-identical to what
PyTorch's writer produces, as test_messages checks) and with tinytb's SummaryWriter.
"""

from __future__ import annotations

import io
import math
import os
import random
import struct

import pytest

from tinytb import _messages, _scan
from tinytb._messages import Message, decode_event
from tinytb._record import frame, iter_records
from tinytb._scan import Block, scan
from tinytb.errors import DecodeError

BITS = struct.Struct("<d")


def bits(x):
    return BITS.pack(x)


def scalar_event(tag, value, step=0, wall=0.0, metadata=None):
    value_msg = _messages.summary_value(tag=tag, simple_value=value, metadata=metadata)
    return _messages.event(wall_time=wall, step=step, summary=_messages.summary([value_msg]))


def reference(source, strict=False):
    """(records, error) from the exact reader."""
    records = []
    try:
        for item in iter_records(source, strict):
            records.append(item)
    except DecodeError as err:
        return records, err
    return records, None


def scanned(source, **kwargs):
    """(rows, error) from scan(): rows as (offset, "scalar", fields) or (offset, "other",
    data), in the order the blocks give them (file order, checked here)."""
    rows = []
    ends = []  # (first offset, end) of each block: the next block starts at that end
    try:
        for block in scan(source, **kwargs):
            assert isinstance(block, Block) and len(block) > 0
            n = len(block.offsets)
            assert n == len(block.wall_times) == len(block.steps) == len(block.tags)
            assert n == len(block.values)
            assert list(block.offsets) == sorted(block.offsets)
            offs = [o for o, _ in block.others]
            assert offs == sorted(offs)
            these = [
                (
                    block.offsets[i],
                    "scalar",
                    (block.wall_times[i], block.steps[i], block.tags[i], block.values[i]),
                )
                for i in range(n)
            ] + [(o, "other", d) for o, d in block.others]
            these.sort(key=lambda r: r[0])
            assert not rows or these[0][0] > rows[-1][0]  # blocks in file order
            assert block.end > these[-1][0]
            ends.append((these[0][0], block.end))
            rows += these
    except DecodeError as err:
        check_ends(ends, err.offset)
        return rows, err
    check_ends(ends, None)
    return rows, None


def check_ends(ends, error_offset):
    for (_, end), (start, _) in zip(ends, ends[1:]):
        assert end == start
    if ends and error_offset is not None:
        assert ends[-1][1] <= error_offset


def norm(rows):
    """Rows with floats as their bits (NaN == NaN), for comparing two scans."""
    return [
        (o, k, (bits(f[0]), f[1], f[2], bits(f[3])) if k == "scalar" else f) for o, k, f in rows
    ]


def is_plain(event):
    if event.summary is None or len(event.summary.value) != 1:
        return False
    value = event.summary.value[0]
    present = dict(Message.fields(value))
    return set(present) <= {"tag", "simple_value"} and "simple_value" in present


def assert_same(source, strict=False, **kwargs):
    """scan(source) equals the reference; returns the rows."""
    data = bytes(source) if not hasattr(source, "read") else None
    records, ref_err = reference(data if data is not None else source, strict)
    if data is None:
        source.seek(0)
    rows, err = scanned(source, strict=strict, **kwargs)
    assert [r[0] for r in rows] == [o for o, _ in records]
    for (offset, payload), (_, kind, got) in zip(records, rows):
        if kind == "other":
            assert got == payload
            continue
        event = decode_event(payload)
        assert is_plain(event), (offset, event)
        value = event.summary.value[0]
        wall, step, tag, simple = got
        assert bits(wall) == bits(event.wall_time)
        assert step == event.step and tag == value.tag
        assert bits(simple) == bits(value.simple_value)
    if ref_err is None:
        assert err is None, err
    else:
        assert err is not None, ref_err
        assert (err.msg, err.offset, err.section) == (ref_err.msg, ref_err.offset, ref_err.section)
    return rows


@pytest.fixture(params=[1, 16], ids=["bulk_min_1", "bulk_min_16"])
def bulk_min(request, monkeypatch):
    """Run with every template group going the bulk way (1), and with the default."""
    monkeypatch.setattr(_scan, "BULK_MIN", request.param)
    return request.param


STEPS = [
    0,
    1,
    127,
    128,
    16383,
    16384,
    2**21,
    2**28,
    2**35,
    2**40,
    2**49,
    2**56 - 1,
    2**56,
    2**63 - 1,
    -1,
]
VALUES = [0.0, -0.0, float("nan"), float("inf"), float("-inf"), 1e-45, 3.4e38, 1.5, -2.25]
WALLS = [0.0, -0.0, 1.7e9, 1234.5, float("nan")]
TAGS = ["train/loss", "throughput", "a", "", "val/acc", "mem/gpu", "损失/ü", "t" * 100]


def mixed_events(rnd, n):
    """Plain scalars of many layouts, and now and then something else; (events, plain?)."""
    events = [(_messages.event(wall_time=1.0, file_version="brain.Event:2"), False)]
    for _ in range(n):
        r = rnd.random()
        tag = rnd.choice(TAGS)
        step = rnd.choice(STEPS) if rnd.random() < 0.3 else rnd.randrange(0, 40000)
        wall = rnd.choice(WALLS) if rnd.random() < 0.1 else 1.7e9 + rnd.random()
        value = rnd.choice(VALUES) if rnd.random() < 0.3 else rnd.uniform(-5, 5)
        if r < 0.85:
            events.append((scalar_event(tag, value, step, wall), 0 <= step < 2**56))
        elif r < 0.9:  # two values in one event
            two = [_messages.summary_value(tag=t, simple_value=value) for t in ("x", "y")]
            events.append((_messages.event(wall, step, summary=_messages.summary(two)), False))
        elif r < 0.93:  # metadata on a scalar
            meta = _messages.summary_metadata(plugin_name="scalars")
            events.append((scalar_event(tag, value, step, wall, metadata=meta), False))
        elif r < 0.96:  # an image in between
            image = _messages.image(2, 3, 3, bytes(rnd.randrange(256) for _ in range(30)))
            value_msg = _messages.summary_value(tag="img", image=image)
            events.append(
                (_messages.event(wall, step, summary=_messages.summary([value_msg])), False)
            )
        elif r < 0.98:  # a tag but no value: not a scalar (HasField("simple_value") is false)
            value_msg = _messages.summary_value(tag=tag)
            events.append(
                (_messages.event(wall, step, summary=_messages.summary([value_msg])), False)
            )
        else:
            events.append(
                (_messages.event(wall, step, log_message=_messages.log_message(20, "hi")), False)
            )
    return events


def build(events):
    return b"".join(frame(e) for e, _ in events)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("chunk_size", [1 << 23, 4096, 777, 64])
def test_mixed_files_equal_reference(seed, chunk_size, bulk_min):
    events = mixed_events(random.Random(seed), 1500)
    data = build(events)
    rows = assert_same(data, chunk_size=chunk_size)
    # every canonical plain scalar is a column row (not left to `others`), unless it is
    # longer than a chunk
    expected = [plain and len(frame(e)) <= chunk_size for e, plain in events]
    assert [kind == "scalar" for _, kind, _ in rows] == expected


def write_with_summary_writer(tmp_path, tags, steps):
    from tinytb.writer import SummaryWriter

    writer = SummaryWriter(str(tmp_path))
    for step in steps:
        for i, tag in enumerate(tags):
            writer.add_scalar(tag, [0.0, -0.0, float("nan"), float("inf"), step * 0.5][i % 5], step)
    writer.close()
    (name,) = [n for n in os.listdir(str(tmp_path)) if "tfevents" in n]
    return os.path.join(str(tmp_path), name)


def test_summary_writer_file(tmp_path, bulk_min):
    tags = ["train/loss", "throughput", "val/acc", "mem/gpu", "lr", "x" * 70]
    steps = list(range(0, 300)) + [2**14, 2**21, 2**35, 2**40, 2**40 + 1]
    path = write_with_summary_writer(tmp_path, tags, steps)
    with open(path, "rb") as f:
        data = f.read()
    rows = assert_same(data, chunk_size=2048)
    scalars = [r for r in rows if r[1] == "scalar"]
    assert len(scalars) == len(tags) * len(steps)
    assert [r[2][2] for r in scalars[: len(tags)]] == tags
    assert [r[2][1] for r in scalars[-len(tags) :]] == [2**40 + 1] * len(tags)
    # a path: same rows; its errors would name it
    assert norm(scanned(path)[0]) == norm(rows)


def test_sources(tmp_path):
    data = build(mixed_events(random.Random(9), 200))
    expected = norm(scanned(data)[0])
    path = tmp_path / "events.out.tfevents.1"
    path.write_bytes(data)
    assert norm(scanned(path)[0]) == expected
    assert norm(scanned(str(path))[0]) == expected
    assert norm(scanned(bytearray(data))[0]) == expected
    assert norm(scanned(memoryview(data))[0]) == expected
    # a file object reads from its position; offsets count from there
    f = io.BytesIO(b"junk" + data)
    f.seek(4)
    assert norm(scanned(f)[0]) == expected
    with open(str(path), "rb") as f:
        assert norm(scanned(f)[0]) == expected


def test_bad_arguments():
    with pytest.raises(TypeError, match="chunk_size"):
        list(scan(b"", chunk_size=1.5))
    with pytest.raises(ValueError, match="chunk_size"):
        list(scan(b"", chunk_size=0))
    with pytest.raises(TypeError, match="source"):
        list(scan(42))
    assert list(scan(b"")) == []


def test_error_names_the_path(tmp_path):
    data = bytearray(build([(scalar_event("a", 1.0, 1, 2.0), True)] * 3))
    data[20] ^= 1  # in the first record's wall time
    path = tmp_path / "events.out.tfevents.2"
    path.write_bytes(bytes(data))
    with pytest.raises(DecodeError) as info:
        list(scan(str(path)))
    assert info.value.path == str(path)
    assert info.value.offset == 0 and info.value.section == "data crc"
    with open(str(path), "rb") as f, pytest.raises(DecodeError) as info:
        list(scan(f))
    assert info.value.path == str(path)  # a file object's name, as reader.iter_events


def small_file():
    events = [(_messages.event(wall_time=5.0, file_version="brain.Event:2"), False)]
    for step in (0, 1, 300):
        events.append((scalar_event("loss", 0.5 * step, step, 1.7e9 + step), True))
    events.append((scalar_event("", 2.0, 7, 0.0), True))
    return build(events)


def test_every_single_byte_corruption(bulk_min):
    data = small_file()
    for i in range(len(data)):
        for flip in (0x01, 0x80, 0xFF):
            bad = bytearray(data)
            bad[i] ^= flip
            assert_same(bytes(bad), chunk_size=64)


def test_corruption_inside_a_bulk_group():
    """A bad byte in a group checked in bulk: the exact path finds the first bad record."""
    events = [(scalar_event("loss", i * 0.25, i, 1.7e9 + i), True) for i in range(200)]
    data = build(events)
    size = len(frame(events[100][0]))
    start = sum(len(frame(e)) for e, _ in events[:100])
    for i in range(start, start + size):
        for flip in (0x01, 0x80):
            bad = bytearray(data)
            bad[i] ^= flip
            rows = assert_same(bytes(bad))
            assert len(rows) == 100 or len(rows) == 200  # a changed value byte or wall time can
            # still make a plain scalar only if the CRC caught it: then rows stop at 100


def test_chunk_boundaries_everywhere(bulk_min):
    data = small_file()
    for chunk_size in range(1, len(data) + 2):
        assert_same(data, chunk_size=chunk_size)


def test_truncated_tails():
    data = small_file()
    for n in range(len(data) + 1):
        for strict in (False, True):
            for chunk_size in (1 << 23, 16):
                assert_same(data[:n], strict=strict, chunk_size=chunk_size)


def test_long_record_goes_to_others():
    big = _messages.event(
        1.0,
        2,
        summary=_messages.summary([_messages.summary_value(tag="x" * 5000, simple_value=1.0)]),
    )
    events = [
        (scalar_event("a", 1.0, 1, 2.0), True),
        (big, True),
        (scalar_event("a", 2.0, 2, 3.0), True),
    ]
    data = build(events)
    rows = assert_same(data, chunk_size=1000)
    assert [kind for _, kind, _ in rows] == ["scalar", "other", "scalar"]
    for n in (30, 1000, 5000, len(data) - 5):
        for strict in (False, True):
            assert_same(data[:n], strict=strict, chunk_size=1000)
    bad = bytearray(data)
    bad[2000] ^= 4
    assert_same(bytes(bad), chunk_size=1000)


def test_random_bytes():
    rnd = random.Random(3)
    for n in list(range(40)) + [100, 1000]:
        for _ in range(5):
            assert_same(
                bytes(rnd.randrange(256) for _ in range(n)), chunk_size=rnd.choice([7, 64, 4096])
            )


def test_random_mutations_of_a_mixed_file(bulk_min):
    rnd = random.Random(5)
    data = build(mixed_events(rnd, 120))
    for _ in range(150):
        bad = bytearray(data)
        for _ in range(rnd.randrange(1, 4)):
            bad[rnd.randrange(len(bad))] = rnd.randrange(256)
        assert_same(bytes(bad), chunk_size=rnd.choice([1 << 23, 300]))


def test_key_collision_goes_the_exact_way():
    """Two layouts of one length whose constant tails end alike: the walk files the second
    under the first's key; the bulk check refuses the group, and the exact path sorts it out."""
    tag_a = "loss"
    a = scalar_event(tag_a, 1.0, 5, 2.0)
    tail_a = a[a.index(b"\x2a") : -4]  # 2a L1 0a L2 0a L3 loss 15: constant for this layout
    tag_b = "xyz" + tail_a[:6].decode("ascii") + tag_a  # 9 more bytes: no wall time makes up
    b = scalar_event(tag_b, 3.0, 5, 0.0)
    assert len(a) == len(b) and b[:-4].endswith(tail_a)
    events = [(a, True), (b, True)] * 40
    rows = assert_same(build(events))
    assert [r[2][2] for r in rows] == [tag_a, tag_b] * 40


def test_values_are_bit_exact():
    events = [(scalar_event("v", v, 3, 1.0), True) for v in VALUES * 4]
    rows = assert_same(build(events))
    got = [r[2][3] for r in rows]
    want = [struct.unpack("<f", struct.pack("<f", v))[0] for v in VALUES * 4]
    assert [bits(x) for x in got] == [bits(x) for x in want]
    assert math.isnan(got[2]) and bits(got[1]) == bits(-0.0)


def raw_field(key, payload):
    return bytes([key]) + _wire_varint(len(payload)) + payload


def _wire_varint(n):
    from tinytb._wire import varint

    return varint(n)


def test_near_plain_events_are_others():
    """Valid Events that are not exactly the plain layout: `others` (or equal scalars)."""
    good = scalar_event("loss", 1.5, 7, 2.0)
    value = raw_field(0x0A, b"loss") + b"\x15" + struct.pack("<f", 1.5)
    near = [
        good + raw_field(0x52, b""),  # source_metadata after the summary
        good[:11] + raw_field(0x2A, raw_field(0x0A, value) + raw_field(0x0A, value)),
        good[:11] + raw_field(0x2A, raw_field(0x0A, value + raw_field(0x3A, b"node"))),
        good[:11]
        + raw_field(
            0x2A, raw_field(0x0A, b"\x15" + struct.pack("<f", 1.5) + raw_field(0x0A, b"loss"))
        ),
        good[:11] + raw_field(0x2A, raw_field(0x0A, raw_field(0x0A, b"\xff\xfe") + value[6:])),
        good[:11] + raw_field(0x2A, raw_field(0x0A, value)) + b"\x10\x01",  # a second step
        b"\x09" + bytes(8) + b"\x10" + b"\x80" * 9 + b"\x01" + good[11:],  # 10-byte step
        b"\x09" + bytes(8) + b"\x10" + b"\xff" * 9 + b"\x01" + good[11:],  # step -1
        b"\x09" + bytes(8) + b"\x10" + b"\x80" * 11 + b"\x01" + good[11:],  # overlong varint
        b"\x10\x07\x09" + bytes(8) + good[11:],  # step before wall time
        good[:11] + bytes([0x2A, 0x80 | good[12], 0]) + good[13:],  # non-canonical length: plain
        good[:11] + raw_field(0x2A, b""),  # empty summary
        good[:11] + raw_field(0x2A, raw_field(0x0A, b"")),  # a value with no simple_value
    ]
    events = [(good, True)] * 20 + [(e, False) for e in near for _ in range(20)]
    random.Random(1).shuffle(events)
    for bulk in (1, 16):
        _scan.BULK_MIN, old = bulk, _scan.BULK_MIN
        try:
            rows = assert_same(build(events))
        finally:
            _scan.BULK_MIN = old
        assert sum(kind == "scalar" for _, kind, _ in rows) == 20 + 20


def test_template_cap(monkeypatch):
    """Past MAX_TEMPLATES, plain scalars still come out right, one at a time."""
    monkeypatch.setattr(_scan, "MAX_TEMPLATES", 2)
    events = mixed_events(random.Random(11), 400)
    rows = assert_same(build(events))
    assert [kind == "scalar" for _, kind, _ in rows] == [plain for _, plain in events]


def test_bytes_path(tmp_path):
    data = small_file()
    path = tmp_path / "events.out.tfevents.3"
    path.write_bytes(data)
    assert norm(scanned(os.fsencode(str(path)).decode() and path)[0]) == norm(scanned(data)[0])

    class BytesPath:
        def __fspath__(self):
            return os.fsencode(str(path))

    assert norm(scanned(BytesPath())[0]) == norm(scanned(data)[0])


# -- runs: a period of templates repeated, taken by one regular expression and columns -------


@pytest.fixture
def run_calls(monkeypatch):
    """Counts the runs that went the column way (so a test knows the fast path ran); runs of
    two repeats or more go that way (small files, many runs)."""
    monkeypatch.setattr(_scan, "RUN_MIN", 2)
    calls = []
    real = _scan._run_columns

    def counted(*args):
        out = real(*args)
        calls.append(out is not None)
        return out

    monkeypatch.setattr(_scan, "_run_columns", counted)
    return calls


def periodic_events(tags, steps, extra=None):
    """Every tag at every step (a training loop's log), an `extra` event now and then."""
    events = [(_messages.event(wall_time=1.0, file_version="brain.Event:2"), False)]
    for step in steps:
        for i, tag in enumerate(tags):
            value = [0.0, -0.0, float("nan"), float("inf"), step * 0.5][(step + i) % 5]
            events.append((scalar_event(tag, value, step, 1.7e9 + step + i * 0.001), True))
        if extra is not None and step % 37 == 5:
            events.append(extra)
    return events


@pytest.mark.parametrize("chunk_size", [1 << 23, 4096, 777])
def test_periodic_runs_equal_reference(chunk_size, run_calls):
    tags = ["train/loss", "lr", "val/acc", "x" * 70, "损失", ""]
    steps = list(range(0, 400)) + list(range(16380, 16400)) + [2**40 + i for i in range(30)]
    rows = assert_same(build(periodic_events(tags, steps)), chunk_size=chunk_size)
    assert sum(kind == "scalar" for _, kind, _ in rows) == len(tags) * len(steps)
    assert all(run_calls)
    if chunk_size >= 4096:  # a chunk of 777 bytes holds too few repeats of the 6 tags
        assert run_calls


def test_periodic_runs_broken_by_other_records(run_calls):
    image = _messages.image(2, 3, 3, bytes(range(30)))
    extra = (
        _messages.event(
            5.0, 3, summary=_messages.summary([_messages.summary_value(tag="img", image=image)])
        ),
        False,
    )
    rows = assert_same(build(periodic_events(["a", "bb", "c"], range(300), extra)))
    assert sum(kind == "other" for _, kind, _ in rows) == 1 + len(
        [s for s in range(300) if s % 37 == 5]
    )
    assert run_calls and all(run_calls)


def test_period_with_a_template_twice():
    """A B A C repeated: A's records would interleave in two runs; they go one by one."""
    events = []
    for step in range(200):
        for tag in ("a", "b", "a", "c"):
            events.append((scalar_event(tag, step * 1.0, step, 2.0), True))
    rows = assert_same(build(events))
    assert [r[2][2] for r in rows[:8]] == ["a", "b", "a", "c"] * 2


def test_irregular_tags_around_runs(run_calls):
    """Runs that stop where a tag is missing or an extra one comes, over and over."""
    rnd = random.Random(7)
    events = []
    for step in range(600):
        for tag in ("loss", "acc", "lr"):
            if rnd.random() < 0.97:
                events.append((scalar_event(tag, rnd.uniform(-1, 1), step, 3.0 + step), True))
        if rnd.random() < 0.05:
            events.append((scalar_event("rare", 1.0, step, 3.0), True))
    for chunk_size in (1 << 23, 1000):
        rows = assert_same(build(events), chunk_size=chunk_size)
        assert [kind for _, kind, _ in rows] == ["scalar"] * len(events)
    assert run_calls and all(run_calls)


def test_corruption_inside_a_run(run_calls):
    """A bad byte in a record that a run covers: the run's CRC check fails, each record goes
    the exact way, and the error is the reference's (or the bytes still decode the same)."""
    events = periodic_events(["loss", "acc"], range(100))
    data = build(events)
    start = sum(len(frame(e)) for e, _ in events[:121])  # step 60's first record
    size = len(frame(events[121][0])) + len(frame(events[122][0]))
    for i in range(start, start + size):
        for flip in (0x01, 0x80):
            bad = bytearray(data)
            bad[i] ^= flip
            assert_same(bytes(bad))
    assert False in run_calls  # some runs were refused by their CRC


def test_runs_longer_than_one_match(monkeypatch, run_calls):
    """A run of more repeats than one match takes (REPEATS) is taken in several matches."""
    monkeypatch.setattr(_scan, "REPEATS", 5)
    rows = assert_same(build(periodic_events(["a", "b"], range(300))), chunk_size=4096)
    assert len(rows) == 1 + 600 and run_calls and all(run_calls)


def test_long_runs_with_the_default_minimum():
    calls = []
    real = _scan._run_columns
    _scan._run_columns = lambda *args: calls.append(1) or real(*args)
    try:
        rows = assert_same(build(periodic_events(["loss", "acc", "lr"], range(200, 1200))))
    finally:
        _scan._run_columns = real
    assert len(rows) == 1 + 3000 and calls


def test_random_mutations_of_a_periodic_file(run_calls):
    rnd = random.Random(8)
    image = _messages.image(2, 3, 3, bytes(range(30)))
    extra = (
        _messages.event(
            5.0, 3, summary=_messages.summary([_messages.summary_value(tag="img", image=image)])
        ),
        False,
    )
    data = build(periodic_events(["loss", "acc", "a/b/c"], range(120, 260), extra))
    for _ in range(150):
        bad = bytearray(data)
        for _ in range(rnd.randrange(1, 4)):
            bad[rnd.randrange(len(bad))] = rnd.randrange(256)
        assert_same(bytes(bad), chunk_size=rnd.choice([1 << 23, 1500]))
    assert True in run_calls and False in run_calls
