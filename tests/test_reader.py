"""tinytb.reader: decoding whole event files, and the one error class for bad bytes."""

import os
import pathlib

import pytest

from tinytb import DecodeError, SummaryWriter, _record, reader

from vectors import FakeArray


def write_run(path):
    with SummaryWriter(path) as w:
        w.add_scalar("a", 1.0, 1, walltime=10.0)
        w.add_scalar("b", 2.0, 2, walltime=11.0, new_style=True)
        w.add_tensor("h", FakeArray([1.0, -2.0], "float16"), 3, walltime=12.0)
        w.add_custom_scalars_marginchart(["x", "lo", "hi"], category="c", title="t")
    return reader.event_files(path)["."][0]


def test_read_back_everything(tmp_path):
    path = write_run(tmp_path)
    events = reader.read_events(path)
    assert events[0].file_version == "brain.Event:2"
    assert reader.scalars(path) == [(1, "a", 1.0), (2, "b", 2.0)]
    tensor = events[3].summary.value[0].tensor
    assert tensor.half_val == [0x3C00, 0xC000]
    assert reader.tensor_values(tensor) == ("float16", [2], [1.0, -2.0])
    layout = reader.decode_layout(events[4].summary.value[0].tensor.string_val[0])
    assert layout.category[0].chart[0].margin.series[0].upper == "hi"
    with open(path, "rb") as f:
        assert reader.read_events(f) == events
    assert reader.read_events(pathlib.Path(path).read_bytes()) == events


def test_truncated_tail_ends_quietly_unless_strict(tmp_path):
    path = write_run(tmp_path)
    data = pathlib.Path(path).read_bytes()
    cut = data[:-3]
    assert len(reader.read_events(cut)) == 4
    with pytest.raises(DecodeError, match="truncated") as info:
        reader.read_events(cut, strict=True)
    assert info.value.section == "data crc"


def test_a_bad_payload_says_where(tmp_path):
    path = write_run(tmp_path)
    data = pathlib.Path(path).read_bytes()
    offsets = [o for o, _ in _record.iter_records(data)]
    # Replace record 1's payload with bytes that frame correctly but are no Event.
    junk = _record.frame(b"\x0b\x01")
    second = offsets[1]
    bad = data[:second] + junk
    with pytest.raises(DecodeError) as info:
        reader.read_events(bad)
    assert info.value.offset == second + 12
    assert info.value.section == "Event"
    assert isinstance(info.value, ValueError)


# -- defect 3: bytes never crash the reader, nor claim gigabytes --------------------------------


def test_scalars_of_a_tiny_file_declaring_a_huge_shape(tmp_path):
    # the issue's ~100-byte file: shape [1 << 27], one float_val; scalars() built a 2 GiB list
    from fuzzing import MB, guarded, scalar_tensor_file

    path = tmp_path / "events.out.tfevents.1.h"
    path.write_bytes(scalar_tensor_file([1 << 27]))
    got, peak, _ = guarded(reader.scalars, str(path))
    assert got == [(1, "loss", 1.0)] and peak < 4 * MB, peak
    tensor = reader.read_events(str(path))[1].summary.value[0].tensor
    dtype, shape, flat = reader.tensor_values(tensor)
    assert (dtype, shape, len(flat), flat[-1]) == ("float32", [1 << 27], 1 << 27, 1.0)


def test_scalars_with_a_shape_beyond_int64_say_file_offset_and_field(tmp_path):
    from fuzzing import scalar_tensor_file

    path = tmp_path / "events.out.tfevents.1.h"
    path.write_bytes(scalar_tensor_file([1 << 62, 4]))  # an OverflowError in tinytb 0.x
    with pytest.raises(DecodeError) as info:
        reader.scalars(str(path))
    err = info.value
    assert (err.path, err.offset, err.section) == (str(path), 40, "Event.summary.value[0].tensor")
    assert str(err).endswith("(file %s, at byte 40, in Event.summary.value[0].tensor)" % path)


def test_a_length_claiming_2_gib_read_from_a_path(tmp_path):
    from fuzzing import MB, event_file, guarded, huge_length_header

    path = tmp_path / "events.out.tfevents.1.h"
    path.write_bytes(event_file() + huge_length_header(1 << 31) + b"\x00" * 64)
    events, peak, _ = guarded(reader.read_events, str(path))
    assert [e.file_version for e in events] == ["brain.Event:2"] and peak < 4 * MB, peak
    with pytest.raises(DecodeError, match="truncated record: 64 of 2147483648") as info:
        reader.read_events(str(path), strict=True)
    assert info.value.path == str(path) and info.value.offset == 40


def test_errors_name_the_file_when_reading_one(tmp_path):
    path = write_run(tmp_path)
    data = bytearray(pathlib.Path(path).read_bytes())
    data[60] ^= 0x10
    bad = tmp_path / "bad.tfevents"
    bad.write_bytes(bytes(data))
    with open(bad, "rb") as f:
        for source in (str(bad), bad, f):
            with pytest.raises(DecodeError) as info:
                reader.read_events(source)
            assert info.value.path == str(bad) and "file %s" % bad in str(info.value)
    with pytest.raises(DecodeError) as info:
        reader.read_events(bytes(data))
    assert info.value.path is None and "file" not in str(info.value)


def test_decode_error_copies_and_pickles_whole():
    import copy
    import pickle

    err = DecodeError("bad", 3, "header", "x.tfevents")
    for back in (pickle.loads(pickle.dumps(err)), copy.copy(err)):
        assert (back.msg, back.offset, back.section, back.path) == (
            "bad",
            3,
            "header",
            "x.tfevents",
        )
        assert str(back) == "bad (file x.tfevents, at byte 3, in header)"
    assert str(DecodeError("bad")) == "bad"
    assert DecodeError("bad", 0).with_path("f").with_path("g").path == "f"


# -- issue 11: SummaryReader, iter_rows, check_file ----------------------------------------------


def write_kinds(logdir):
    with SummaryWriter(logdir) as w:
        w.add_scalar("loss", 0.5, 1, walltime=10.0)
        w.add_scalar("loss", 0.25, 2, walltime=11.0)
        w.add_histogram("h", [1.0, 2.0, 2.5, 4.0], 1, walltime=12.0)
        w.add_image("img", [[[0, 128], [255, 64]]], 1, dataformats="CHW", walltime=13.0)
        w.add_audio("snd", [0.0, 0.5, -0.5, 0.25], 1, sample_rate=8000, walltime=14.0)
        w.add_text("note", "hello", 1, walltime=15.0)
        w.add_tensor("t", FakeArray([1.0, 2.0], "float32"), 1, walltime=16.0)
        w.add_hparams({"lr": 0.1, "opt": "adam"}, {"m": 1.0}, run_name="hp")


def test_summary_reader_tables_of_every_kind(tmp_path):
    write_kinds(tmp_path / "run")
    r = reader.SummaryReader(tmp_path, extra_columns={"wall_time", "dir_name", "height"})
    scalars = [tuple(x) for x in r.scalars]
    assert scalars[:2] == [(1, "loss", 0.5, 10.0, "run"), (2, "loss", 0.25, 11.0, "run")]
    assert [x[:3] + x[4:] for x in scalars[2:]] == [(0, "m", 1.0, "run/hp")]  # add_hparams' metric
    assert r.scalars.columns == ("step", "tag", "value", "wall_time", "dir_name")
    (hist,) = r.histograms
    assert hist.counts.dtype == "float64" and sum(hist.counts.tolist()) == 4.0
    (img,) = r.images
    # one channel written as RGB, as PyTorch's add_image does
    assert img.value.shape == (2, 2, 3) and img.value.tolist()[0][1] == [128, 128, 128]
    assert img.height == 2
    (snd,) = r.audio
    assert snd.value.dtype == "float32" and snd.value.shape == (4, 1)
    assert [(x.tag, x.value) for x in r.text] == [("note", "hello")]
    (tensor,) = r.tensors
    assert tensor.value == reader.Array("float32", (2,), tensor.value.data)
    assert sorted((x.tag, x.value, x.dir_name) for x in r.hparams) == [
        ("lr", 0.1, "run/hp"),
        ("opt", "adam", "run/hp"),
    ]
    assert r.hparams.columns == ("tag", "value", "dir_name")  # no step, no wall_time
    assert r.tags["text"] == ["note/text_summary"] and r.get_tags("scalars") == ["loss", "m"]


def test_summary_reader_checks_its_arguments_as_tbparse(tmp_path):
    write_kinds(tmp_path)
    with pytest.raises(ValueError):
        reader.SummaryReader(tmp_path, extra_columns=["wall_time"])
    with pytest.raises(KeyError):
        reader.SummaryReader(tmp_path, extra_columns={"walltime"})
    with pytest.raises(ValueError):
        reader.SummaryReader(tmp_path, event_types=("scalars",))
    with pytest.raises(KeyError):
        reader.SummaryReader(tmp_path, event_types={"scalar"})
    with pytest.raises(ValueError, match="not found"):
        reader.SummaryReader(tmp_path / "missing")
    with pytest.raises(ValueError, match="errors"):
        reader.SummaryReader(tmp_path, errors="ignore")
    r = reader.SummaryReader(tmp_path, event_types={"scalars"})
    with pytest.raises(ValueError, match="ignored"):
        r.get_events("images")
    with pytest.raises(ValueError, match="Unknown"):
        r.get_events("image")
    with pytest.raises(ValueError, match="Unknown"):
        r.get_tags("image")
    assert r.tags["images"] == [] and len(r.scalars) == 3


def test_summary_reader_reads_one_file_and_skips_bad_tails(tmp_path):
    path = write_run(tmp_path / "a")
    single = reader.SummaryReader(path, extra_columns={"dir_name", "file_name"})
    assert {(x.dir_name, x.file_name) for x in single.scalars} == {("", os.path.basename(path))}
    data = pathlib.Path(path).read_bytes()
    offsets = [o for o, _ in _record.iter_records(data)]
    broken = tmp_path / "b" / "events.out.tfevents.2.broken"
    broken.parent.mkdir()
    broken.write_bytes(data[: offsets[2]] + b"\xff" * 20)
    with pytest.raises(DecodeError):
        len(reader.SummaryReader(tmp_path).scalars)
    r = reader.SummaryReader(tmp_path, errors="skip", extra_columns={"dir_name"})
    assert [(x.dir_name, x.tag) for x in r.scalars] == [("a", "a"), ("b", "a")]
    assert r.skipped == [(str(broken), offsets[2], r.skipped[0][2])]


def test_iter_rows_is_public(tmp_path):
    write_kinds(tmp_path)
    kinds = {row.kind for row in reader.iter_rows(tmp_path)}
    assert kinds == {"scalars", "histograms", "images", "audio", "text", "tensors", "hparams"}
    assert reader.Row._fields == ("kind", "run", "tag", "step", "wall_time", "value")


def test_check_file(tmp_path):
    path = write_run(tmp_path)
    assert reader.check_file(path) is None
    data = pathlib.Path(path).read_bytes()
    cut = tmp_path / "events.out.tfevents.cut"
    cut.write_bytes(data[:-3])
    err = reader.check_file(cut)
    assert isinstance(err, DecodeError) and err.path == str(cut) and err.section == "data crc"
    flipped = bytearray(data)
    flipped[20] ^= 1
    bad = tmp_path / "events.out.tfevents.bad"
    bad.write_bytes(bytes(flipped))
    assert reader.check_file(bad).offset == 0


def test_to_pandas_matches_the_rows(tmp_path):
    pytest.importorskip("pandas", reason="to_pandas needs pandas")
    write_kinds(tmp_path)
    r = reader.SummaryReader(tmp_path, extra_columns={"wall_time", "min", "width"})
    for kind in ("scalars", "histograms", "images", "text", "hparams"):
        table = r.get_events(kind)
        frame = table.to_pandas()
        assert tuple(frame.columns) == table.columns, kind
        assert len(frame) == len(table)
    frame = r.scalars.to_pandas()
    assert frame["value"].tolist() == [x.value for x in r.scalars]
    pivot = reader.SummaryReader(tmp_path, pivot=True).scalars
    assert list(pivot.to_pandas().columns) == list(pivot.columns)
