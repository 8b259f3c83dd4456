"""tinytb._tables: EventAccumulator's per-file semantics (purges, first metadata, reservoir of
one), tbparse's row order and columns, pivot, and to_pandas (skipped without pandas).

Purge rules from tensorboard/backend/event_processing/event_accumulator.py (2.21):
_CheckForRestartAndMaybePurge, _CheckForOutOfOrderStepAndMaybePurge, _Purge (by_tags), and
reservoir.Reservoir.FilterItems (``if key:``)."""

import math
import os
import random

import pytest

from tinytb import SummaryWriter, _messages, _record, _tables
from tinytb._stream import event_files

ALL = frozenset(("scalars", "tensors", "histograms", "images", "audio", "text", "hparams"))


def raw_file(path, events):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), "wb") as f:
        for event in events:
            f.write(_record.frame(event))
    return str(path)


def scalar_event(tag, value, step, wall=1.0):
    value = _messages.summary_value(tag=tag, simple_value=value)
    return _messages.event(wall_time=wall, step=step, summary=_messages.summary([value]))


def histo_event(tag, step):
    histo = _messages.histogram_proto(0.0, 1.0, 1.0, 1.0, 1.0, bucket_limit=[1.0], bucket=[1.0])
    value = _messages.summary_value(tag=tag, histo=histo)
    return _messages.event(wall_time=1.0, step=step, summary=_messages.summary([value]))


def text_event(tag, text, step, first=False):
    metadata = _messages.summary_metadata("text") if first else None
    tensor = _messages.tensor_proto(7, [], string_val=[text.encode()])
    value = _messages.summary_value(tag=tag, tensor=tensor, metadata=metadata)
    return _messages.event(wall_time=1.0, step=step, summary=_messages.summary([value]))


VERSION = _messages.event(wall_time=1.0, file_version="brain.Event:2")
START = _messages.event(wall_time=2.0, step=3, session_log=_messages.session_log(status=1))


def tables(log, **kw):
    files = event_files(log)
    kinds = kw.pop("event_types", ALL)
    extras = frozenset(kw.pop("extras", ()))
    root_is_file = os.path.isfile(str(log))
    return _tables.build(
        files, kinds, extras, kw.pop("pivot", False), False, "raise", [], root_is_file
    )


def rows(table):
    return [tuple(r) for r in table]


def test_start_purges_earlier_items_at_later_steps_but_never_tensors(tmp_path):
    events = [VERSION]
    for step in range(6):
        events += [scalar_event("y", float(step), step), histo_event("h", step)]
        events.append(text_event("t", "s%d" % step, step, first=step == 0))
    events += [START, scalar_event("y", 30.0, 3), scalar_event("y", 40.0, 4)]
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    got, _ = tables(path)
    # steps 3, 4, 5 written before the START at step 3 are gone; the new 3 and 4 stay
    assert rows(got["scalars"]) == [
        (0, "y", 0.0),
        (1, "y", 1.0),
        (2, "y", 2.0),
        (3, "y", 30.0),
        (4, "y", 40.0),
    ]
    assert [r.step for r in got["histograms"]] == [0, 1, 2]
    assert [r.step for r in got["text"]] == list(range(6))  # the tensors reservoir is not purged


def test_out_of_order_step_purges_its_tags_without_a_version(tmp_path):
    events = []
    for step in range(5):
        events += [scalar_event("a", float(step), step), scalar_event("b", float(step), step)]
    events.append(scalar_event("a", 99.0, 2))  # a restart seen through "a" only
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    got, _ = tables(path)
    table = rows(got["scalars"])
    assert [r[0] for r in table if r[1] == "a"] == [0, 1, 2]
    assert [r[2] for r in table if r[1] == "a"][-1] == 99.0
    assert [r[0] for r in table if r[1] == "b"] == [0, 1, 2, 3, 4]


def test_an_out_of_order_empty_tag_purges_every_tag(tmp_path):
    # Reservoir.FilterItems(fn, key) filters all buckets when ``not key``
    events = [scalar_event("a", 1.0, 5), scalar_event("b", 1.0, 5), scalar_event("", 2.0, 1)]
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    got, _ = tables(path)
    assert rows(got["scalars"]) == [(1, "", 2.0)]


def test_a_non_summary_event_moves_the_latest_step_without_purging(tmp_path):
    log = _messages.event(wall_time=1.0, step=0, log_message=_messages.log_message(1, "x"))
    events = [scalar_event("a", 1.0, 5), log, scalar_event("a", 2.0, 3)]
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    got, _ = tables(path)
    assert [r.step for r in got["scalars"]] == [3, 5]  # nothing purged, sorted by step


def test_text_keeps_only_the_last_tensor_when_tensors_are_not_read(tmp_path):
    events = [VERSION] + [text_event("t", "v%d" % s, s, first=s == 0) for s in range(3)]
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    full, _ = tables(path)
    assert [r.value for r in full["text"]] == ["v0", "v1", "v2"]
    # tbparse gives the tensors reservoir size 1 (MINIMUM_SIZE_GUIDANCE) unless asked for
    only, _ = tables(path, event_types=frozenset({"text"}))
    assert [r.value for r in only["text"]] == ["v2"]


def test_fast_path_equals_the_record_by_record_replay():
    rng = random.Random(7)
    for trial in range(200):
        fd = _tables.FileData()
        offset = 0
        events = []
        if rng.random() < 0.5:
            fd.events.append((offset, _messages.decode_event(VERSION)))
            offset += 1
        for _ in range(rng.randrange(1, 40)):
            step = rng.randrange(0, 8)
            if rng.random() < 0.1:
                events.append((offset, START.replace(b"\x10\x03", b"\x10" + bytes([step]))))
            else:
                fd.off.append(offset)
                fd.step.append(step)
                fd.wall.append(1.0)
                fd.val.append(float(offset))
                fd.tag.append(rng.choice("ab"))
            offset += 1
        fd.events += [(o, _messages.decode_event(e)) for o, e in events]
        fd.events.sort(key=lambda e: e[0])
        expected = _tables.FileData()
        expected.__dict__.update(fd.__dict__)
        _tables._replay(expected)
        _tables.accumulate(fd, True)
        got = {t: list(v) for t, v in fd.res["scalars"].items()}
        assert got == expected.res["scalars"], trial


def test_group_by_tag_periodic_and_general():
    rng = random.Random(3)
    for _ in range(100):
        tags = [rng.choice("abc") for _ in range(rng.randrange(0, 30))]
        if rng.random() < 0.5:
            tags = ["x", "y", "z"] * rng.randrange(1, 10)
        got = {t: list(v) for t, v in _tables._group(tags).items()}
        want = {}
        for i, t in enumerate(tags):
            want.setdefault(t, []).append(i)
        assert got == want and list(got) == list(want)


def write_runs(root):
    for run, suffix, steps in (("b", "", (2, 1)), ("a", "", (3,)), ("a", ".2", (1,))):
        with SummaryWriter(os.path.join(root, run), filename_suffix=suffix) as w:
            for step in steps:
                w.add_scalar("x", float(step), step, walltime=float(step))
    with SummaryWriter(root) as w:
        w.add_scalar("x", 7.0, 1, walltime=7.0)


def test_rows_sorted_stably_on_tag_and_step_over_runs(tmp_path):
    write_runs(tmp_path)
    got, tags = tables(tmp_path, extras={"dir_name"})
    table = got["scalars"]
    assert table.columns == ("step", "tag", "value", "dir_name")
    # no dir_name key in the sort: equal (tag, step) keep the walk order a, a, b, ""
    plain, _ = tables(tmp_path)
    assert [(r.step, r.value) for r in plain["scalars"]] == [
        (1, 1.0),
        (1, 1.0),
        (1, 7.0),
        (2, 2.0),
        (3, 3.0),
    ]
    # with dir_name: "" < "a" < "b"
    walked = [(r.dir_name, r.step) for r in table]
    assert walked == [("", 1), ("a", 1), ("a", 3), ("b", 1), ("b", 2)]
    assert tags["scalars"] == ["x"] and tags["images"] == []


def test_columns_follow_tbparse_per_kind():
    every = _tables.EXTRA_COLUMNS
    assert _tables.columns_of("scalars", every) == (
        "step",
        "tag",
        "value",
        "wall_time",
        "dir_name",
        "file_name",
    )
    assert _tables.columns_of("histograms", frozenset({"sum", "min", "wall_time"})) == (
        "step",
        "tag",
        "counts",
        "limits",
        "min",
        "sum",
        "wall_time",
    )
    assert _tables.columns_of("images", every)[:5] == ("step", "tag", "value", "height", "width")
    assert _tables.columns_of("audio", frozenset({"sample_rate", "content_type"})) == (
        "step",
        "tag",
        "value",
        "content_type",
        "sample_rate",
    )
    assert _tables.columns_of("hparams", every) == ("tag", "value", "dir_name", "file_name")


def test_pivot_rows_merge_per_step(tmp_path):
    events = [VERSION, scalar_event("a", 1.0, 1), scalar_event("b", 2.0, 1)]
    events += [scalar_event("a", 3.0, 2), scalar_event("a", 4.0, 2)]
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    got, _ = tables(path, pivot=True)
    table = got["scalars"]
    assert table.columns == ("step", "a", "b")
    listed = rows(table)
    assert listed[0] == (1, 1.0, 2.0)
    assert listed[1][:2] == (2, [3.0, 4.0]) and math.isnan(listed[1][2])


def test_empty_log_gives_empty_tables(tmp_path):
    got, tags = tables(tmp_path)
    assert all(len(t) == 0 and t.columns == () for t in got.values())
    assert tags == {k: [] for k in tags}


def test_to_pandas_columns_and_dtypes(tmp_path):
    pd = pytest.importorskip("pandas", reason="to_pandas needs pandas")
    write_runs(tmp_path)
    got, _ = tables(tmp_path, extras={"wall_time", "dir_name", "file_name"})
    frame = got["scalars"].to_pandas()
    assert list(frame.columns) == list(got["scalars"].columns)
    assert str(frame["step"].dtype) == "int64" and str(frame["value"].dtype) == "float64"
    assert frame["dir_name"].tolist() == ["", "a", "a", "b", "b"]
    assert got["images"].to_pandas().equals(pd.DataFrame())


def test_skip_keeps_the_plain_scalars_before_an_undecodable_event(tmp_path):
    events = [VERSION, scalar_event("x", 1.0, 1), scalar_event("x", 2.0, 2)]
    good = b"".join(_record.frame(e) for e in events)
    junk = _record.frame(b"\x0b\x01")  # framed and CRC-correct, but no Event
    after = _record.frame(scalar_event("x", 3.0, 3))
    path = tmp_path / "events.out.tfevents.1"
    path.write_bytes(good + junk + after)
    files = event_files(str(path))
    skipped = []
    got, _ = _tables.build(files, ALL, frozenset(), False, False, "skip", skipped, True)
    assert [r.value for r in got["scalars"]] == [1.0, 2.0]  # 3.0 comes after the bad record
    assert skipped[0][0] == str(path) and skipped[0][1] >= len(good)
    with pytest.raises(_tables.DecodeError):
        _tables.build(files, ALL, frozenset(), False, False, "raise", [], True)
