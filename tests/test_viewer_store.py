"""tinytb.viewer.store: the viewer's incremental index of a log directory. Logs are written
with tinytb's SummaryWriter (what PyTorch's writer writes) or record by record with hand-made
Events (TensorFlow 2's plugin tensors, damage)."""

import functools
import os
import random
import struct
import threading
from array import array

import pytest

from tinytb import SummaryWriter, _messages, _record, _scan, _stream, _tensor, reader
from tinytb.viewer import store as store_module
from tinytb.viewer.store import Item, Store

# -- writing logs ------------------------------------------------------------------------------


def raw_file(path, events, mode="wb"):
    os.makedirs(os.path.dirname(str(path)), exist_ok=True)
    with open(str(path), mode) as f:
        for event in events:
            f.write(_record.frame(event))
    return str(path)


def event_of(step, values, wall=1.0):
    return _messages.event(wall_time=wall, step=step, summary=_messages.summary(values))


def scalar(tag, value, step, wall=1.0):
    return event_of(step, [_messages.summary_value(tag=tag, simple_value=value)], wall)


def tensor_value(tag, tensor, plugin):
    metadata = _messages.summary_metadata(plugin)
    return _messages.summary_value(tag=tag, tensor=tensor, metadata=metadata)


def tf2_scalar(tag, value, step, wall=1.0):
    tensor = _messages.tensor_proto(_tensor.DT_FLOAT, (), float_val=[value])
    return event_of(step, [tensor_value(tag, tensor, "scalars")], wall)


def wav(rate, frames, channels=1):
    """A canonical 44-byte-header PCM WAV (RIFF, "fmt " of 16 bytes, "data")."""
    data = bytes(2 * channels * frames)
    fmt = struct.pack("<HHIIHH", 1, channels, rate, rate * 2 * channels, 2 * channels, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt + b"data"
    body += struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


VERSION = _messages.event(wall_time=1.0, file_version="brain.Event:2")


def event_file(logdir, run="."):
    directory = os.path.join(str(logdir), run)
    (name,) = [n for n in os.listdir(directory) if "tfevents" in n]
    return os.path.join(directory, name)


def encoded_of(path, tag):
    """The encoded image/audio bytes of every value tagged ``tag`` in a file, in order."""
    out = []
    for event in reader.read_events(path):
        for value in event.summary.value if event.summary else ():
            if value.tag == tag and value.image is not None:
                out.append(bytes(value.image.encoded_image_string))
            elif value.tag == tag and value.audio is not None:
                out.append(bytes(value.audio.encoded_audio_string))
    return out


def snapshot(st):
    """Everything a Store serves, as plain data (blobs included)."""
    tags = st.tags()
    out = {"runs": st.runs(), "tags": tags, "errors": st.errors(), "hparams": st.hparams()}
    for tag, runs in tags["scalars"].items():
        for run in runs:
            steps, walls, values = st.scalars(run, tag)
            out["s", run, tag] = (list(steps), list(walls), list(values))
    for kind in ("images", "audio"):
        for tag, runs in tags[kind].items():
            for run in runs:
                items = st.items(kind, run, tag)
                blobs = [
                    st.blob(kind, run, tag, i, j)
                    for i, item in enumerate(items)
                    for j in range(item.samples)
                ]
                out[kind, run, tag] = (items, blobs)
    for tag, runs in tags["histograms"].items():
        for run in runs:
            out["h", run, tag] = st.histograms(run, tag)
    for tag, runs in tags["text"].items():
        for run in runs:
            out["t", run, tag] = [
                (s, w, v if isinstance(v, str) else (v.shape, v.data))
                for s, w, v in st.text(run, tag)
            ]
    return out


def loaded(logdir, **kwargs):
    st = Store(str(logdir), **kwargs)
    st.refresh()
    return st


def write_all_kinds(logdir):
    """One run of every kind as PyTorch's writer writes them, plus TF2 tensors by hand."""
    with SummaryWriter(os.path.join(str(logdir), "torch")) as w:
        w.add_scalar("loss", 0.5, 1, walltime=10.0)
        w.add_scalar("loss", 0.25, 2, walltime=11.0)
        w.add_scalar("acc", 0.75, 2, walltime=11.5, new_style=True)
        w.add_histogram("h", [1.0, 2.0, 2.5, 4.0], 1, walltime=12.0)
        w.add_image("img", [[[0, 128], [255, 64]]], 1, dataformats="CHW", walltime=13.0)
        w.add_video("vid", [[[[[t * 100] * 2] * 2] for t in range(3)]], 2, fps=10, walltime=14.0)
        w.add_audio("snd", [0.0, 0.5, -0.5, 0.25], 1, sample_rate=8000, walltime=15.0)
        w.add_text("note", "hello *world*", 1, walltime=16.0)
    hist = _messages.tensor_proto(
        _tensor.DT_DOUBLE, (2, 3), double_val=[0.0, 1.0, 3.0, 1.0, 2.0, 5.0]
    )
    images = _messages.tensor_proto(
        _tensor.DT_STRING, (4,), string_val=[b"3", b"2", b"\x89PNG-a", b"\x89PNG-b"]
    )
    clips = _messages.tensor_proto(
        _tensor.DT_STRING, (2, 2), string_val=[wav(16000, 5), b"", wav(16000, 5), b"x"]
    )
    table = _messages.tensor_proto(
        _tensor.DT_STRING, (2, 2), string_val=[b"a", b"b", b"c", "\u00e9".encode()]
    )
    raw_file(
        os.path.join(str(logdir), "tf2", "events.out.tfevents.1"),
        [
            VERSION,
            event_of(3, [tensor_value("th", hist, "histograms")], 20.0),
            event_of(3, [tensor_value("ti", images, "images")], 21.0),
            event_of(3, [tensor_value("ta", clips, "audio")], 22.0),
            event_of(3, [tensor_value("tt", table, "text")], 23.0),
            tf2_scalar("ts", 1.5, 3, 24.0),
        ],
    )


# -- every kind ------------------------------------------------------------------------------


def test_every_kind_round_trips(tmp_path):
    write_all_kinds(tmp_path)
    st = loaded(tmp_path)
    assert st.runs() == ["tf2", "torch"]
    assert st.errors() == []
    tags = st.tags()
    assert sorted(tags) == ["audio", "histograms", "images", "scalars", "text"]
    assert tags["scalars"] == {"acc": ["torch"], "loss": ["torch"], "ts": ["tf2"]}
    assert tags["images"] == {"img": ["torch"], "ti": ["tf2"], "vid": ["torch"]}
    assert tags["text"] == {"note/text_summary": ["torch"], "tt": ["tf2"]}
    steps, walls, values = st.scalars("torch", "loss")
    assert (steps.typecode, walls.typecode, values.typecode) == ("q", "d", "d")
    assert (list(steps), list(walls), list(values)) == ([1, 2], [10.0, 11.0], [0.5, 0.25])
    assert [list(a) for a in st.scalars("torch", "acc")] == [[2], [11.5], [0.75]]
    assert [list(a) for a in st.scalars("tf2", "ts")] == [[3], [24.0], [1.5]]
    assert st.scalars("torch", "nope") is None and st.scalars("nope", "loss") is None


def test_images_and_video_keep_their_place_and_read_the_bytes_again(tmp_path):
    write_all_kinds(tmp_path)
    st = loaded(tmp_path)
    path = event_file(tmp_path, "torch")
    (item,) = st.items("images", "torch", "img")
    assert item == Item(1, 13.0, 1, 2, 2, 0, 0)
    assert st.blob("images", "torch", "img", 0, 0) == encoded_of(path, "img")[0]
    gif = st.blob("images", "torch", "vid", 0, 0)
    assert gif[:4] == b"GIF8" and gif == encoded_of(path, "vid")[0]
    assert st.items("images", "torch", "vid")[0].step == 2
    assert st.blob("images", "torch", "img", 0, 1) is None  # one sample only
    assert st.blob("images", "torch", "img", 1, 0) is None
    assert st.blob("images", "torch", "nope", 0, 0) is None
    assert st.blob("audio", "torch", "img", 0, 0) is None
    # TF2 image tensor: [width, height, png, png]
    (item,) = st.items("images", "tf2", "ti")
    assert item == Item(3, 21.0, 2, 3, 2, 0, 0)
    assert st.blob("images", "tf2", "ti", 0, 1) == b"\x89PNG-b"
    assert st.blob("images", "tf2", "ti", 0, 2) is None


def test_audio_items_say_rate_and_length(tmp_path):
    write_all_kinds(tmp_path)
    st = loaded(tmp_path)
    (item,) = st.items("audio", "torch", "snd")
    assert (item.step, item.samples, item.sample_rate, item.length_frames) == (1, 1, 8000.0, 4)
    clip = st.blob("audio", "torch", "snd", 0, 0)
    assert clip[:4] == b"RIFF" and clip == encoded_of(event_file(tmp_path, "torch"), "snd")[0]
    (item,) = st.items("audio", "tf2", "ta")
    assert item == Item(3, 22.0, 2, 0, 0, 16000.0, 5)
    assert st.blob("audio", "tf2", "ta", 0, 1) == wav(16000, 5)
    with pytest.raises(ValueError, match="kind"):
        st.items("scalars", "torch", "snd")


def test_histograms_in_both_forms(tmp_path):
    write_all_kinds(tmp_path)
    st = loaded(tmp_path)
    assert st.histograms("tf2", "th") == [(3, 20.0, [(0.0, 1.0, 3.0), (1.0, 2.0, 5.0)])]
    ((step, wall, buckets),) = st.histograms("torch", "h")
    assert (step, wall) == (1, 12.0)
    # tensorboard/data_compat.py: empty buckets at both ends dropped, [min] + inner limits,
    # inner limits + [max], as float32
    (event,) = [
        e
        for e in reader.read_events(event_file(tmp_path, "torch"))
        if e.summary and e.summary.value[0].tag == "h"
    ]
    histo = event.summary.value[0].histo
    counts = list(histo.bucket)
    nonzero = [i for i, c in enumerate(counts) if c > 0]
    start, end = nonzero[0], nonzero[-1]
    inner = list(histo.bucket_limit[start:end])
    f32 = lambda xs: array("f", xs).tolist()  # noqa: E731
    want = list(
        zip(f32([histo.min] + inner), f32(inner + [histo.max]), f32(counts[start : end + 1]))
    )
    assert buckets == want
    assert buckets[0][0] == 1.0 and buckets[-1][1] == 4.0 and sum(b[2] for b in buckets) == 4


def test_legacy_histogram_edge_cases(tmp_path):
    empty = _messages.histogram_proto(0.0, 0.0, 0.0, bucket_limit=[1.0, 2.0], bucket=[0.0, 0.0])
    one = _messages.histogram_proto(
        0.5, 0.7, 1.0, bucket_limit=[-1e308, 0.1, 1.0, 1e308], bucket=[0.0, 0.0, 1.0, 0.0]
    )
    raw_file(
        tmp_path / "events.out.tfevents.1",
        [
            event_of(1, [_messages.summary_value(tag="h", histo=empty)]),
            event_of(2, [_messages.summary_value(tag="h", histo=one)]),
        ],
    )
    st = loaded(tmp_path)
    assert st.runs() == ["."]
    assert st.histograms(".", "h") == [(1, 1.0, []), (2, 1.0, [(0.5, array("f", [0.7])[0], 1.0)])]


def test_text_as_str_or_table(tmp_path):
    write_all_kinds(tmp_path)
    st = loaded(tmp_path)
    ((step, wall, value),) = st.text("torch", "note/text_summary")
    assert (step, wall, value.shape, value.data) == (1, 16.0, (1,), ["hello *world*"])
    ((step, wall, value),) = st.text("tf2", "tt")
    assert (value.dtype, value.shape) == ("object", (2, 2))
    assert value.data == ["a", "b", "c", "\u00e9"]
    scalar_text = _messages.tensor_proto(_tensor.DT_STRING, (), string_val=[b"# title"])
    events = [event_of(4, [tensor_value("x", scalar_text, "text")])]
    raw_file(tmp_path / "s/events.out.tfevents.1", events)
    st.refresh()
    assert st.text("s", "x") == [(4, 1.0, "# title")]


def test_hparams_sessions_as_pytorch_writes_them(tmp_path):
    with SummaryWriter(str(tmp_path)) as w:
        w.add_scalar("loss", 1.0, 0)
    assert loaded(tmp_path).has_hparams() is False  # no session yet
    with SummaryWriter(str(tmp_path)) as w:
        w.add_hparams({"lr": 0.1, "opt": "adam"}, {"hp/acc": 0.75}, run_name="s1")
        w.add_hparams({"lr": 0.01, "opt": "sgd", "extra": True}, {"hp/acc": 0.5}, run_name="s2")
    st = loaded(tmp_path)
    assert st.runs() == [".", "s1", "s2"]
    assert st.has_hparams() is True
    got = st.hparams()
    assert got["metrics"] == ["hp/acc"]
    assert got["hparams"][:2] == ["lr", "opt"] and sorted(got["hparams"]) == ["extra", "lr", "opt"]
    sessions = {s["run"]: s for s in got["sessions"]}
    assert sorted(sessions) == ["s1", "s2"]
    assert sessions["s1"]["hparams"] == {"lr": 0.1, "opt": "adam"}
    assert sessions["s2"]["hparams"] == {"lr": 0.01, "opt": "sgd", "extra": True}
    assert sessions["s1"]["metrics"] == {"hp/acc": 0.75}
    assert sessions["s2"]["metrics"] == {"hp/acc": 0.5}


def test_hparams_without_experiment_use_the_session_runs_scalars(tmp_path):
    start = _messages.session_start_info([("lr", 0.5)])
    content = _messages.hparams_plugin_data(session_start_info=start)
    metadata = _messages.summary_metadata("hparams", content)
    ssi = _messages.summary_value(tag=_stream.SSI_TAG, metadata=metadata)
    raw_file(
        tmp_path / "r/events.out.tfevents.1",
        [event_of(0, [ssi]), scalar("b", 1.0, 1), scalar("a", 2.0, 1), scalar("a", 3.0, 2)],
    )
    got = loaded(tmp_path).hparams()
    assert got == {
        "hparams": ["lr"],
        "metrics": ["a", "b"],
        "sessions": [{"run": "r", "hparams": {"lr": 0.5}, "metrics": {"a": 3.0, "b": 1.0}}],
    }
    assert loaded(tmp_path / "nothing").hparams() == {"hparams": [], "metrics": [], "sessions": []}


# -- tailing -----------------------------------------------------------------------------------


def test_growth_is_read_from_the_saved_offset(tmp_path):
    path = raw_file(tmp_path / "a/events.out.tfevents.1", [VERSION, scalar("x", 1.0, 1)])
    st = Store(str(tmp_path))
    assert st.generation == 0 and st.runs() == []
    assert st.refresh() is True and st.generation == 1
    assert list(st.scalars("a", "x")[0]) == [1]
    # damage the record already read, keeping the size: a re-read from 0 would see it
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 1)
        last = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([last[0] ^ 0xFF]))
    raw_file(path, [scalar("x", 2.0, 2), scalar("y", 5.0, 2)], mode="ab")
    assert st.refresh() is True and st.generation == 2
    assert list(st.scalars("a", "x")[0]) == [1, 2]
    assert list(st.scalars("a", "y")[2]) == [5.0]
    assert st.errors() == []
    assert st.refresh() is False and st.generation == 2


def test_a_record_cut_in_half_is_not_yet(tmp_path):
    path = raw_file(tmp_path / "events.out.tfevents.1", [VERSION, scalar("x", 1.0, 1)])
    record = _record.frame(scalar("x", 2.0, 2))
    st = loaded(tmp_path)
    for part in (record[:5], record[5:20]):  # inside the header, then inside the data
        with open(path, "ab") as f:
            f.write(part)
        assert st.refresh() is False
        assert list(st.scalars(".", "x")[0]) == [1] and st.errors() == []
    with open(path, "ab") as f:
        f.write(record[20:])
    assert st.refresh() is True
    assert list(st.scalars(".", "x")[0]) == [1, 2] and st.errors() == []


def test_new_runs_and_files_appear(tmp_path):
    raw_file(tmp_path / "a/events.out.tfevents.1", [scalar("x", 1.0, 1)])
    st = loaded(tmp_path)
    assert st.runs() == ["a"]
    raw_file(tmp_path / "b/c/events.out.tfevents.1", [scalar("x", 2.0, 1)])
    raw_file(tmp_path / "a/events.out.tfevents.2", [scalar("x", 3.0, 5)])
    (tmp_path / "a/notes.txt").write_bytes(b"not an event file")
    assert st.refresh() is True
    assert st.runs() == ["a", "b/c"]
    assert st.tags()["scalars"] == {"x": ["a", "b/c"]}
    assert list(st.scalars("a", "x")[0]) == [1, 5]  # both files of run "a", in name order


def test_a_corrupt_file_is_listed_and_the_others_still_served(tmp_path):
    raw_file(tmp_path / "good/events.out.tfevents.1", [scalar("x", 1.0, 1), scalar("x", 2.0, 2)])
    records = [_record.frame(scalar("x", float(i), i)) for i in range(1, 5)]
    bad = bytearray(records[2])
    bad[20] ^= 0x01  # inside the data: the data CRC no longer matches
    offset = len(records[0]) + len(records[1])
    path = tmp_path / "bad/events.out.tfevents.1"
    os.makedirs(str(path.parent))
    path.write_bytes(records[0] + records[1] + bytes(bad) + records[3])
    st = loaded(tmp_path)
    ((name, where, message),) = st.errors()
    assert (name, where) == ("bad/events.out.tfevents.1", offset)
    assert "crc" in message
    assert list(st.scalars("bad", "x")[0]) == [1, 2]  # the data before the bad record stays
    assert list(st.scalars("good", "x")[0]) == [1, 2]
    # dead: growing it changes nothing, the other files are still followed
    raw_file(path, [scalar("x", 9.0, 9)], mode="ab")
    raw_file(tmp_path / "good/events.out.tfevents.1", [scalar("x", 3.0, 3)], mode="ab")
    assert st.refresh() is True
    assert list(st.scalars("bad", "x")[0]) == [1, 2]
    assert list(st.scalars("good", "x")[0]) == [1, 2, 3]
    assert len(st.errors()) == 1


def test_an_event_that_does_not_decode_kills_its_file_at_its_offset(tmp_path):
    good = _record.frame(scalar("x", 1.0, 1))
    broken = _record.frame(b"\x2a\x05\x0a\x03")  # Event.summary's length runs past the end
    path = tmp_path / "events.out.tfevents.1"
    path.write_bytes(good + broken + _record.frame(scalar("x", 2.0, 2)))
    st = loaded(tmp_path)
    ((name, where, message),) = st.errors()
    assert (name, where) == ("events.out.tfevents.1", len(good))
    assert list(st.scalars(".", "x")[0]) == [1]


def test_a_shrunk_file_is_read_again_and_its_old_data_dropped(tmp_path):
    path = raw_file(
        tmp_path / "r/events.out.tfevents.1",
        [scalar("x", float(i), i) for i in range(10)] + [scalar("old", 1.0, 1)],
    )
    st = loaded(tmp_path)
    assert len(st.scalars("r", "x")[0]) == 10
    raw_file(path, [scalar("x", 7.0, 100)])  # replaced by a smaller file
    assert st.refresh() is True
    assert [list(a) for a in st.scalars("r", "x")] == [[100], [1.0], [7.0]]
    assert st.scalars("r", "old") is None and "old" not in st.tags()["scalars"]


def test_a_vanished_run_goes(tmp_path):
    raw_file(tmp_path / "a/events.out.tfevents.1", [scalar("x", 1.0, 1)])
    raw_file(tmp_path / "b/events.out.tfevents.1", [scalar("x", 1.0, 1)])
    st = loaded(tmp_path)
    os.remove(str(tmp_path / "b/events.out.tfevents.1"))
    assert st.refresh() is True
    assert st.runs() == ["a"] and st.tags()["scalars"] == {"x": ["a"]}


def test_generation_bumps_only_when_something_changed(tmp_path):
    st = Store(str(tmp_path / "later"))
    assert st.refresh() is False and st.generation == 0  # no directory yet: nothing
    raw_file(tmp_path / "later/events.out.tfevents.1", [scalar("x", 1.0, 1)])
    assert st.refresh() is True and st.generation == 1
    assert st.refresh() is False and st.generation == 1
    raw_file(tmp_path / "later/events.out.tfevents.1", [scalar("x", 2.0, 2)], mode="ab")
    assert st.refresh() is True and st.generation == 2
    assert st.refresh() is False and st.generation == 2


# -- preemption --------------------------------------------------------------------------------


def test_out_of_order_steps_preempt_later_points(tmp_path):
    events = [scalar("x", float(i), i) for i in range(10)] + [scalar("x", 50.0, 5)]
    events += [scalar("x", 60.0, 6)]
    path = raw_file(tmp_path / "events.out.tfevents.1", events)
    st = loaded(tmp_path)
    assert [list(a) for a in (st.scalars(".", "x")[0], st.scalars(".", "x")[2])] == [
        [0, 1, 2, 3, 4, 5, 6],
        [0.0, 1.0, 2.0, 3.0, 4.0, 50.0, 60.0],
    ]
    raw_file(path, [scalar("x", 30.0, 3)], mode="ab")  # across refreshes too
    st.refresh()
    assert list(st.scalars(".", "x")[0]) == [0, 1, 2, 3]
    assert st.scalars(".", "x")[2][-1] == 30.0
    raw_file(tmp_path / "events.out.tfevents.2", [scalar("x", 1.5, 1)])  # and across files
    st.refresh()
    assert list(st.scalars(".", "x")[0]) == [0, 1]


def test_preemption_applies_to_every_kind(tmp_path):
    text = [
        _messages.tensor_proto(_tensor.DT_STRING, (), string_val=[b"t%d" % i]) for i in range(4)
    ]
    image = _messages.image(1, 1, 1, b"\x89PNG")
    events = [
        event_of(
            i, [tensor_value("t", text[i], "text"), _messages.summary_value(tag="i", image=image)]
        )
        for i in (0, 1, 2)
    ]
    events.append(
        event_of(
            1, [tensor_value("t", text[3], "text"), _messages.summary_value(tag="i", image=image)]
        )
    )
    raw_file(tmp_path / "events.out.tfevents.1", events)
    st = loaded(tmp_path)
    assert st.text(".", "t") == [(0, 1.0, "t0"), (1, 1.0, "t3")]
    assert [item.step for item in st.items("images", ".", "i")] == [0, 1]
    assert st.blob("images", ".", "i", 1, 0) == b"\x89PNG"


def test_plain_and_tf2_scalars_of_one_tag_merge_in_file_order(tmp_path):
    raw_file(
        tmp_path / "events.out.tfevents.1",
        [scalar("x", 1.0, 1), tf2_scalar("x", 2.0, 2), scalar("x", 3.0, 3)]
        + [tf2_scalar("x", 4.0, 4)],
    )
    st = loaded(tmp_path)
    steps, walls, values = st.scalars(".", "x")
    assert (list(steps), list(values)) == ([1, 2, 3, 4], [1.0, 2.0, 3.0, 4.0])


def reference_scalars(logdir):
    """(run, tag) -> steps, walls, values from the record-by-record reader, preempted."""
    out = {}
    for row in _stream.iter_rows(str(logdir), kinds={"scalars"}):
        steps, walls, values = out.setdefault((row.run or ".", row.tag), ([], [], []))
        if steps and row.step <= steps[-1]:
            cut = next(i for i, s in enumerate(steps) if s >= row.step)
            del steps[cut:], walls[cut:], values[cut:]
        steps.append(row.step)
        walls.append(row.wall_time)
        values.append(row.value)
    return out


@pytest.mark.parametrize("chunk", [None, 777])
@pytest.mark.parametrize("order", ["periodic", "few_shuffled", "many_shuffled", "steps_shuffled"])
def test_scalars_equal_the_record_by_record_reader(tmp_path, monkeypatch, order, chunk):
    if chunk is not None:  # many blocks per file, periods cut anywhere
        monkeypatch.setattr(store_module, "scan", functools.partial(_scan.scan, chunk_size=chunk))
    rng = random.Random(order)
    ntags = 30 if order == "many_shuffled" else 5
    tags = ["tag%d" % i for i in range(ntags)]
    with SummaryWriter(str(tmp_path / "r")) as w:
        for step in range(300):
            names = list(tags)
            if order != "periodic":
                rng.shuffle(names)
            for tag in names:
                s = rng.randrange(300) if order == "steps_shuffled" else step
                w.add_scalar(tag, rng.random(), s, walltime=1000.0 + step)
            if step % 50 == 7:  # a TF2 scalar of a plain tag, and another record, now and then
                w.add_scalar(tags[0], -1.0, step, walltime=1.0, new_style=True)
                w.add_text("note", "t", step)
    st = loaded(tmp_path)
    want = reference_scalars(tmp_path)
    assert sorted(st.tags()["scalars"]) == sorted(tag for _, tag in want)
    for (run, tag), (steps, walls, values) in want.items():
        got = st.scalars(run, tag)
        assert (list(got[0]), list(got[1]), list(got[2])) == (steps, walls, values)


# -- processes, threads ------------------------------------------------------------------------


def write_mixed_log(logdir):
    write_all_kinds(logdir)
    for r in range(6):
        with SummaryWriter(os.path.join(str(logdir), "many", "r%d" % r)) as w:
            for step in range(200):
                for k in range(4):
                    w.add_scalar("k%d" % k, step * 0.5 + r + k, step, walltime=5.0 + step)
            w.add_scalar("k0", -1.0, 50, walltime=9.0)  # preempts
            w.add_hparams({"r": r}, {"k1": None}, run_name=".")
    records = [_record.frame(scalar("x", float(i), i)) for i in range(3)]
    path = os.path.join(str(logdir), "bad", "events.out.tfevents.1")
    os.makedirs(os.path.dirname(path))
    with open(path, "wb") as f:
        f.write(records[0] + records[1][:-1] + b"\x00" + records[2])


# Python 3.12+ warns when forking with threads running (the writer's flusher thread here);
# the worker only reads files, so the warning does not apply.
FORK_WARNING = "ignore:This process .* is multi-threaded:DeprecationWarning"


@pytest.mark.filterwarnings(FORK_WARNING)
def test_the_process_pool_gives_what_one_process_gives(tmp_path):
    write_mixed_log(tmp_path)
    tasks = [(os.path.join(d, n), 0, None) for d, _, names in os.walk(str(tmp_path)) for n in names]
    chunks = store_module._read_parallel(tasks, 2)  # no exception: the pool did the work
    assert sorted(chunks) == sorted(path for path, _, _ in tasks)
    one = loaded(tmp_path, workers=1)
    two = loaded(tmp_path, workers=2)
    assert len(one.errors()) == 1
    assert len(one.hparams()["sessions"]) == 6 and one.hparams()["metrics"] == ["k1"]
    assert snapshot(two) == snapshot(one)
    assert len(one.scalars("many/r3", "k0")[0]) == 51


@pytest.mark.filterwarnings(FORK_WARNING)
def test_auto_workers_use_the_pool_for_a_big_log(tmp_path, monkeypatch):
    write_mixed_log(tmp_path)
    calls = []
    real = store_module._read_parallel

    def spy(tasks, workers):
        calls.append(workers)
        return real(tasks, workers)

    monkeypatch.setattr(store_module, "PARALLEL_MIN_BYTES", 0)
    monkeypatch.setattr(store_module, "_read_parallel", spy)
    monkeypatch.setattr(store_module, "_spare_cpus", lambda: 1.0)
    threads = [1]  # the writer's flusher thread may be alive in this process: say it is not
    monkeypatch.setattr(store_module.threading, "active_count", lambda: threads[0])
    auto = loaded(tmp_path)
    assert calls == [2]
    monkeypatch.setattr(store_module, "_spare_cpus", lambda: 0.4)  # a core busy elsewhere
    loaded(tmp_path)
    assert calls == [2]
    monkeypatch.setattr(store_module, "_spare_cpus", lambda: 1.0)
    threads[0] = 2  # another thread (a server answering requests): forking is not safe
    loaded(tmp_path)
    assert calls == [2]
    assert snapshot(auto) == snapshot(loaded(tmp_path, workers=1))


def test_a_failing_pool_falls_back_to_one_process(tmp_path, monkeypatch):
    write_mixed_log(tmp_path)

    def broken(method=None):
        raise ValueError("cannot find context for %r" % method)

    import multiprocessing

    monkeypatch.setattr(multiprocessing, "get_context", broken)
    assert snapshot(loaded(tmp_path, workers=2)) == snapshot(loaded(tmp_path, workers=1))


def test_workers_argument_is_checked(tmp_path):
    with pytest.raises(TypeError, match="workers"):
        Store(str(tmp_path), workers=1.5)
    with pytest.raises(ValueError, match="workers"):
        Store(str(tmp_path), workers=-1)


def test_scalars_are_copies_and_reads_race_with_refreshes(tmp_path):
    path = raw_file(tmp_path / "events.out.tfevents.1", [scalar("x", 0.0, 0)])
    st = loaded(tmp_path)
    steps, _, values = st.scalars(".", "x")
    steps.append(99)
    values[0] = 42.0
    assert list(st.scalars(".", "x")[0]) == [0] and st.scalars(".", "x")[2][0] == 0.0
    problems = []
    stop = threading.Event()

    def read():
        while not stop.is_set():
            got = st.scalars(".", "x")
            if not len(got[0]) == len(got[1]) == len(got[2]) or list(got[0]) != sorted(got[0]):
                problems.append(got)
            st.tags(), st.runs(), st.errors()

    thread = threading.Thread(target=read)
    thread.start()
    try:
        for i in range(1, 60):
            raw_file(path, [scalar("x", float(i), i if i % 7 else i - 3)], mode="ab")
            st.refresh()
    finally:
        stop.set()
        thread.join(10)
    assert problems == []
    assert st.scalars(".", "x")[0][-1] == 59


def test_the_increasing_check_agrees_with_pairwise_comparison():
    rng = random.Random(2)
    cases = [[], [7], [0, 2, 1], [0, 1, 1], [0, 1, 5, 3], [-5, -4, -3], [2**62, 2**62 + 1]]
    cases.append([0, 2**62, 2**63 - 1])
    for _ in range(3000):
        n, first, stride = rng.randint(2, 40), rng.randint(0, 10), rng.randint(1, 3)
        steps = list(range(first, first + n * stride, stride))
        if rng.random() < 0.7:  # one step off, the first and last kept (the cheap test passes)
            steps[rng.randrange(1, n - 1) if n > 2 else 0] += rng.choice([-1, 1, stride, 2**40])
        cases.append(steps)
    for steps in cases:
        want = all(a < b for a, b in zip(steps, steps[1:]))
        assert store_module._increasing(array("q", steps)) == want, steps


def test_blob_checks_the_record_it_reads_again(tmp_path):
    image = _messages.image(1, 1, 1, b"\x89PNG-bytes")
    path = raw_file(
        tmp_path / "events.out.tfevents.1",
        [VERSION, event_of(1, [_messages.summary_value(tag="i", image=image)])],
    )
    st = loaded(tmp_path)
    assert st.blob("images", ".", "i", 0, 0) == b"\x89PNG-bytes"
    with open(path, "r+b") as f:  # the file changes under the store: the CRC says so
        f.seek(os.path.getsize(path) - 8)
        f.write(b"\x00")
    assert st.blob("images", ".", "i", 0, 0) is None
    os.remove(path)
    assert st.blob("images", ".", "i", 0, 0) is None


def test_logdir_may_be_one_event_file(tmp_path):
    path = raw_file(tmp_path / "events.out.tfevents.1", [scalar("x", 1.0, 1)])
    st = loaded(path)
    assert st.runs() == ["."] and list(st.scalars(".", "x")[0]) == [1]


def test_garbage_files_are_listed_never_raised(tmp_path):
    (tmp_path / "events.out.tfevents.junk").write_bytes(b"not an event file at all" * 5)
    (tmp_path / "events.out.tfevents.tiny").write_bytes(b"\x01\x02\x03")  # a header in progress
    raw_file(tmp_path / "ok/events.out.tfevents.1", [scalar("x", 1.0, 1)])
    st = loaded(tmp_path)
    assert [e[0] for e in st.errors()] == ["events.out.tfevents.junk"]
    assert st.runs() == [".", "ok"] and st.tags()["scalars"] == {"x": ["ok"]}


def test_a_bad_record_met_while_tailing_has_its_file_offset(tmp_path):
    path = raw_file(tmp_path / "events.out.tfevents.1", [VERSION, scalar("x", 1.0, 1)])
    st = loaded(tmp_path)
    size = os.path.getsize(path)
    good = _record.frame(scalar("x", 2.0, 2))
    bad = bytearray(_record.frame(scalar("x", 3.0, 3)))
    bad[-1] ^= 0xFF  # the data CRC
    with open(path, "ab") as f:
        f.write(good + bytes(bad))
    assert st.refresh() is True
    assert st.errors()[0][:2] == ("events.out.tfevents.1", size + len(good))
    assert list(st.scalars(".", "x")[0]) == [1, 2]
    assert st.refresh() is False


def test_values_that_cannot_be_shown_are_left_out(tmp_path):
    numbers = _messages.tensor_proto(_tensor.DT_INT64, (3,), int64_val=[3, 2, 10**9])
    bad_histogram = _messages.tensor_proto(_tensor.DT_FLOAT, (4,), float_val=[1, 2, 3, 4])
    empty_scalar = _messages.tensor_proto(_tensor.DT_FLOAT, (0,))
    raw_file(
        tmp_path / "events.out.tfevents.1",
        [
            event_of(1, [tensor_value("i", numbers, "images")]),  # not strings
            event_of(1, [tensor_value("a", numbers, "audio")]),
            event_of(1, [tensor_value("h", bad_histogram, "histograms")]),  # not [k, 3]
            event_of(1, [tensor_value("s", empty_scalar, "scalars")]),
            scalar("x", 1.0, 1),
        ],
    )
    st = loaded(tmp_path)
    tags = st.tags()
    assert (tags["images"], tags["audio"], tags["histograms"]) == ({}, {}, {})
    assert tags["scalars"] == {"x": ["."]} and st.errors() == []


def test_spare_cpus_is_at_most_the_other_cpus():
    spare = store_module._spare_cpus()
    assert isinstance(spare, (int, float)) and spare <= (os.cpu_count() or 1) - 1
