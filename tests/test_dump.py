"""tinytb._dump: what ``tinytb dump`` prints for every kind of event, and that malformed
bytes make it raise DecodeError (naming the file) after printing what came before, and nothing
else: the crashes a fuzz run of tinytb 0.x found are each a test here."""

import io
import os

import pytest

from fuzzing import (
    audio_file,
    deep_hparams_file,
    event_file,
    graph_attr_without_value_file,
    guarded,
    scalar_tensor_file,
    MB,
)
from tinytb import SummaryWriter, _messages, _record, reader
from tinytb._dump import dump
from tinytb.errors import DecodeError


def dumped(tmp_path, data, name="events.out.tfevents.1.h"):
    path = str(tmp_path / name)
    with open(path, "wb") as f:
        f.write(data)
    out = io.StringIO()
    dump(path, out)
    return out.getvalue()


def test_prints_every_record_with_offsets(tmp_path):
    with SummaryWriter(tmp_path) as w:
        w.add_scalar("loss", 0.5, 3, walltime=2.0)
        w.add_text("note", "hi", 4, walltime=3.0)
    path = reader.event_files(tmp_path)["."][0]
    out = io.StringIO()
    assert dump(path, out) is None
    text = out.getvalue()
    assert "@0 " in text and "file_version='brain.Event:2'" in text
    assert "@50       step=3      wall_time=2.000000  summary (1 value)" in text
    assert "tag='note/text_summary'  tensor string[1]=[b'hi']  plugin='text'" in text
    assert text.rstrip().endswith("3 records, %d bytes" % os.path.getsize(path))


def test_a_bad_record_raises_with_the_file_after_the_good_ones(tmp_path):
    data = bytearray(event_file(_messages.event(wall_time=2.0, step=3)))
    data[-5] ^= 1  # the second record's data
    path = str(tmp_path / "events.out.tfevents.1.h")
    with open(path, "wb") as f:
        f.write(data)
    out = io.StringIO()
    with pytest.raises(DecodeError, match="data crc mismatch") as info:
        dump(path, out)
    assert info.value.path == path and info.value.offset == 40
    assert "file %s, at byte 40, in data crc" % path in str(info.value)
    assert out.getvalue().startswith("@0 ") and "error" not in out.getvalue()


def test_a_directory_without_event_files(tmp_path):
    (tmp_path / "README.md").write_text("hi")
    with pytest.raises(FileNotFoundError) as info:
        dump(str(tmp_path), io.StringIO())
    assert info.value.filename == str(tmp_path)


def test_a_truncated_tail_is_reported_not_raised(tmp_path):
    data = event_file(_messages.event(wall_time=2.0, step=3))
    text = dumped(tmp_path, data + data[:10])
    assert "the last 10 bytes are an incomplete record" in text


# -- the crashes of defect 3 -------------------------------------------------------------------


@pytest.mark.parametrize("dims", [[1 << 27], [1 << 40]])
def test_a_huge_shape_with_one_value_shows_the_shape_not_the_values(tmp_path, dims):
    # the 106-byte file of the issue: dump built a 2 GiB list (MemoryError for [1 << 40])
    data = scalar_tensor_file(dims)
    text, peak, _ = guarded(dumped, tmp_path, data)
    assert peak < 4 * MB, peak
    assert "tensor float32[%d]=[1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0] ..." % dims[0] in text
    assert "(1 value given, the last repeated to %d)" % dims[0] in text


@pytest.mark.parametrize("dims", [[1 << 62, 4], [-1]])
def test_a_shape_beyond_int64_or_negative_raises_after_the_records_before(tmp_path, dims):
    out = io.StringIO()
    path = str(tmp_path / "events.out.tfevents.1.h")
    with open(path, "wb") as f:
        f.write(scalar_tensor_file(dims))
    with pytest.raises(DecodeError, match="more than 2\\*\\*63-1|negative dim") as info:
        dump(path, out)  # [1 << 62, 4]: an OverflowError in tinytb 0.x
    assert (info.value.path, info.value.offset, info.value.section) == (
        path,
        40,
        "Event.summary.value[0].tensor",
    )
    assert out.getvalue().startswith("@0 ") and "@40" not in out.getvalue()


def test_a_300_deep_hparams_struct_shows_as_undecoded_content(tmp_path):
    text = dumped(tmp_path, deep_hparams_file(300))  # RecursionError before
    assert "plugin='hparams'  content=1a" in text  # shown as hex: more than 100 levels
    assert "HparamsEntry(key='lr', value=Value(struct_value=Struct(fields=[HparamsEntry(" in dumped(
        tmp_path, deep_hparams_file(20)
    )


def test_a_graph_attr_without_a_value(tmp_path):
    text = dumped(tmp_path, graph_attr_without_value_file())  # AttributeError before
    assert "node 'x' op='Const'  T:(no value)" in text


@pytest.mark.parametrize(
    "rate, shown", [(float("inf"), "inf"), (float("nan"), "nan"), (44100.0, "44100")]
)
def test_audio_sample_rates(tmp_path, rate, shown):
    text = dumped(tmp_path, audio_file(rate))  # OverflowError, ValueError before
    assert "audio audio/wav %s Hz, 1 channel(s), 2 frames (4 bytes)" % shown in text


def test_undecodable_nested_bytes_are_shown_inline(tmp_path):
    graph = _messages.event(wall_time=2.0, graph_def=b"\x0a\x05ab")  # LEN past the end
    meta = _messages.event(
        wall_time=3.0, tagged_run_metadata=_messages.tagged_run_metadata("step1", b"\x0f")
    )
    plugin = _messages.summary_value(
        tag="p", simple_value=1.0, metadata=_messages.summary_metadata("pr_curves", b"\x0b")
    )
    data = event_file(
        graph, meta, _messages.event(wall_time=4.0, summary=_messages.summary([plugin]))
    )
    text = dumped(tmp_path, data)
    assert "graph_def (4 bytes, not a GraphDef: length 5 runs past the end" in text
    assert "tagged_run_metadata tag='step1' (1 bytes, not a RunMetadata:" in text
    assert "plugin='pr_curves'  content=0b" in text
    assert text.rstrip().endswith("4 records, %d bytes" % len(data))


def test_non_utf8_strings_raise_decode_error(tmp_path):
    bad = _messages.bytes_field(3, b"\xff\xfe")  # Event.file_version, not UTF-8
    with pytest.raises(DecodeError, match="not UTF-8") as info:
        dumped(tmp_path, _record.frame(bad))
    assert info.value.section == "Event.file_version" and info.value.path is not None
