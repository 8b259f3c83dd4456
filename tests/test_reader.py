"""tinytb.reader: decoding whole event files, and the one error class for bad bytes."""

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
    assert reader.read_events(open(path, "rb").read()) == events


def test_truncated_tail_ends_quietly_unless_strict(tmp_path):
    path = write_run(tmp_path)
    data = open(path, "rb").read()
    cut = data[:-3]
    assert len(reader.read_events(cut)) == 4
    with pytest.raises(DecodeError, match="truncated") as info:
        reader.read_events(cut, strict=True)
    assert info.value.section == "data crc"


def test_a_bad_payload_says_where(tmp_path):
    path = write_run(tmp_path)
    data = open(path, "rb").read()
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
