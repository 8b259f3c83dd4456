"""tinytb._stream: run discovery in tbparse's order, rows of every kind streamed, filters,
errors="skip", follow. Logs are written with tinytb's SummaryWriter, or record by record."""

import os
import threading
import time

import pytest

from tinytb import DecodeError, SummaryWriter, _messages, _record, _stream, _values


def raw_file(path, events):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for event in events:
            f.write(_record.frame(event))
    return str(path)


def scalar_event(tag, value, step, wall=1.0):
    value = _messages.summary_value(tag=tag, simple_value=value)
    return _messages.event(wall_time=wall, step=step, summary=_messages.summary([value]))


def tensor_event(tag, tensor, step, plugin=None, wall=1.0):
    metadata = _messages.summary_metadata(plugin) if plugin is not None else None
    value = _messages.summary_value(tag=tag, tensor=tensor, metadata=metadata)
    return _messages.event(wall_time=wall, step=step, summary=_messages.summary([value]))


VERSION = _messages.event(wall_time=1.0, file_version="brain.Event:2")


def write_all_kinds(logdir):
    with SummaryWriter(logdir) as w:
        w.add_scalar("loss", 0.5, 1, walltime=10.0)
        w.add_histogram("h", [1.0, 2.0, 2.5, 4.0], 1, walltime=11.0)
        w.add_image("img", [[[0, 128], [255, 64]]], 1, dataformats="CHW", walltime=12.0)
        w.add_audio("snd", [0.0, 0.5, -0.5, 0.25], 1, sample_rate=8000, walltime=13.0)
        w.add_text("note", "hello", 1, walltime=14.0)
        w.add_hparams({"lr": 0.1, "opt": "adam"}, {"m": 1.0}, run_name="hp")
        w.add_scalar("loss", 0.25, 2, walltime=15.0)


def test_event_files_walk_sorted_names_depth_first(tmp_path):
    for run in ("b", "a/x", "a"):
        os.makedirs(tmp_path / run, exist_ok=True)
    for name in (
        "b/events.out.tfevents.2",
        "a/x/events.out.tfevents.1",
        "a/events.out.tfevents.9",
        "a/events.out.tfevents.1",
        "events.out.tfevents.5",
        "a/notes.txt",
        "a/events.out.tfevents.3.profile-empty",
    ):
        (tmp_path / name).write_bytes(b"")
    got = [(f.run, f.name) for f in _stream.event_files(tmp_path)]
    # sorted(os.listdir) at each level: "a" < "b" < "events...", files and dirs interleaved
    assert got == [
        ("a", "events.out.tfevents.1"),
        ("a", "events.out.tfevents.9"),
        ("a/x", "events.out.tfevents.1"),
        ("b", "events.out.tfevents.2"),
        ("", "events.out.tfevents.5"),
    ]
    one = str(tmp_path / "b/events.out.tfevents.2")
    assert _stream.event_files(one) == [(one, "", "events.out.tfevents.2")]
    with pytest.raises(ValueError, match="not found"):
        _stream.event_files(tmp_path / "missing")


def test_rows_of_every_kind(tmp_path):
    write_all_kinds(tmp_path / "run")
    rows = list(_stream.iter_rows(tmp_path))
    kinds = [r.kind for r in rows]
    assert kinds.count("scalars") == 3  # loss twice, and the hparams metric "m"
    by_kind = {r.kind: r for r in rows}
    assert by_kind["scalars"].run in ("run", "run/hp")
    histogram = by_kind["histograms"].value
    assert isinstance(histogram, _values.Histogram) and histogram.num == 4.0
    image = by_kind["images"].value
    assert (image.width, image.height) == (2, 2) and image.encoded[:4] == b"\x89PNG"
    audio = by_kind["audio"].value
    assert audio.sample_rate == 8000.0 and audio.encoded[:4] == b"RIFF"
    text = by_kind["text"]
    assert (text.tag, text.value) == ("note", "hello")  # "/text_summary" stripped
    hparams = {r.tag: r.value for r in rows if r.kind == "hparams"}
    assert hparams == {"lr": 0.1, "opt": "adam"}
    loss = [(r.step, r.value) for r in rows if r.tag == "loss"]
    assert loss == [(1, 0.5), (2, 0.25)]  # file order


def test_filters_by_kind_run_and_tag(tmp_path):
    for run in ("train", "eval"):
        with SummaryWriter(tmp_path / run) as w:
            w.add_scalar("loss", 1.0, 1)
            w.add_scalar("acc", 2.0, 1)
            w.add_text("t", "x", 1)
    rows = list(_stream.iter_rows(tmp_path, kinds={"scalars"}, runs="^tr", tags="loss|acc"))
    assert [(r.run, r.tag) for r in rows] == [("train", "loss"), ("train", "acc")]
    assert [r.kind for r in _stream.iter_rows(tmp_path, kinds=["text"])] == ["text", "text"]
    with pytest.raises(ValueError, match="kinds"):
        list(_stream.iter_rows(tmp_path, kinds={"scalar"}))
    with pytest.raises(TypeError, match="kinds"):
        list(_stream.iter_rows(tmp_path, kinds="scalars"))


def test_kinds_not_asked_for_are_not_decoded(tmp_path, monkeypatch):
    write_all_kinds(tmp_path)

    def boom(*args):
        raise AssertionError("decoded a payload of a kind not asked for")

    for name in ("histogram_from_proto", "text_value", "tensor_value", "hparams_values"):
        monkeypatch.setattr(_values, name, boom)
    rows = list(_stream.iter_rows(tmp_path, kinds={"scalars"}))
    assert [r.value for r in rows if r.tag == "loss"] == [0.5, 0.25]
    with pytest.raises(AssertionError, match="not asked"):
        list(_stream.iter_rows(tmp_path, kinds={"histograms"}))


def test_first_metadata_per_tag_decides_the_plugin(tmp_path):
    text = _messages.tensor_proto(7, [], string_val=[b"hi"])
    path = raw_file(
        tmp_path / "events.out.tfevents.1",
        [
            VERSION,
            tensor_event("a", text, 1, plugin=""),  # first metadata: no plugin
            tensor_event("a", text, 2, plugin="text"),  # ignored: not the first
            tensor_event("b/text_summary", text, 1, plugin="text"),
            tensor_event("b/text_summary", text, 2),  # no metadata: still text
        ],
    )
    rows = [(r.kind, r.tag, r.step) for r in _stream.iter_rows(path)]
    assert rows == [("tensors", "a", 1), ("tensors", "a", 2), ("text", "b", 1), ("text", "b", 2)]


def test_tf2_tensors_converted_or_kept(tmp_path):
    scalar = _messages.tensor_proto(1, [], float_val=[1.5])
    histo = _messages.tensor_proto(2, [2, 3], double_val=[0.0, 1.0, 3.0, 1.0, 2.0, 5.0])
    path = raw_file(
        tmp_path / "events.out.tfevents.1",
        [
            VERSION,
            tensor_event("loss", scalar, 1, plugin="scalars"),
            tensor_event("hist", histo, 1, plugin="histograms"),
        ],
    )
    rows = list(_stream.iter_rows(path))
    assert [(r.kind, r.value) for r in rows][0] == ("scalars", 1.5)
    assert rows[1].kind == "histograms"
    assert rows[1].value.counts.tolist() == [0.0, 3.0, 5.0]  # tbparse's tensor_to_histogram
    kept = list(_stream.iter_rows(path, convert_tensors=False))
    assert [r.kind for r in kept] == ["tensors", "tensors"]
    assert kept[0].value == 1.5


def test_bad_record_raises_or_is_skipped(tmp_path):
    good = raw_file(tmp_path / "a/events.out.tfevents.1", [VERSION, scalar_event("x", 1.0, 1)])
    data = bytearray(_record.frame(VERSION) + _record.frame(scalar_event("x", 2.0, 2)) * 2)
    bad_at = len(_record.frame(VERSION)) + len(_record.frame(scalar_event("x", 2.0, 2)))
    data[-3] ^= 0xFF  # the second scalar's data crc
    bad = tmp_path / "b/events.out.tfevents.1"
    os.makedirs(bad.parent)
    bad.write_bytes(bytes(data))
    with pytest.raises(DecodeError) as info:
        list(_stream.iter_rows(tmp_path))
    assert info.value.path == str(bad) and info.value.offset == bad_at
    skipped = []
    rows = list(_stream.iter_rows(tmp_path, errors="skip", skipped=skipped))
    assert [(r.run, r.value) for r in rows] == [("a", 1.0), ("b", 2.0)]  # b's first kept
    assert skipped == [(str(bad), bad_at, info.value.msg)]
    assert good
    with pytest.raises(ValueError, match="errors"):
        list(_stream.iter_rows(tmp_path, errors="ignore"))


def test_follow_sees_growth_new_runs_and_waits_for_a_partial_record(tmp_path):
    path = tmp_path / "a/events.out.tfevents.1"
    raw_file(path, [VERSION, scalar_event("x", 1.0, 1)])
    stop = threading.Event()
    seen = []

    def consume():
        for row in _stream.follow(tmp_path, interval=0.01, stop=stop):
            seen.append((row.run, row.step))

    thread = threading.Thread(target=consume)
    thread.start()
    try:
        record = _record.frame(scalar_event("x", 2.0, 2))
        with open(path, "ab") as f:
            f.write(record[:10])  # a writer in the middle of a record
            f.flush()
            time.sleep(0.1)
            assert seen == [("a", 1)]
            f.write(record[10:])
        raw_file(tmp_path / "b/events.out.tfevents.1", [VERSION, scalar_event("y", 3.0, 3)])
        deadline = time.time() + 5
        while len(seen) < 3 and time.time() < deadline:
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(5)
    assert seen == [("a", 1), ("a", 2), ("b", 3)]


def test_decode_other_gives_the_event_and_file_offsets_in_errors(tmp_path):
    events = [VERSION, tensor_event("t", _messages.tensor_proto(1, (), float_val=[2.0]), 3)]
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    (block,) = list(_stream.scan(path))
    (offset, data), *_ = [o for o in block.others if o[0] > 0]
    event = _stream.decode_other(offset, data)
    assert (event.step, event.summary.value[0].tag) == (3, "t")
    bad = data[:-1]  # the last field cut short
    with pytest.raises(DecodeError) as info:
        _stream.decode_other(offset, bad)
    assert info.value.offset >= offset + _record.HEADER_SIZE  # inside this record, in the file
    assert info.value.offset < offset + _record.OVERHEAD + len(data)


def test_experiment_info_names_hparams_and_metrics_in_order():
    exp = _messages.experiment(
        [_messages.hparam_info("lr"), _messages.hparam_info("opt")],
        [_messages.metric_info("acc"), _messages.metric_info("loss", "train")],
    )
    content = _messages.hparams_plugin_data(experiment=exp)
    assert _stream.experiment_info(content) == (["lr", "opt"], [("", "acc"), ("train", "loss")])
    start = _messages.session_start_info([("a", 1.0)])
    ssi = _messages.hparams_plugin_data(session_start_info=start)
    assert _stream.experiment_info(ssi) is None
    with pytest.raises(DecodeError):
        _stream.experiment_info(b"\x12\x05ab")  # the experiment's length runs past the end
