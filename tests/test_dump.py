"""tinytb._dump: what ``tinytb dump`` prints for every kind of event, and that malformed
bytes make it raise DecodeError (naming the file) after printing what came before, and nothing
else: the crashes a fuzz run of tinytb 0.x found are each a test here.

And ``dump_bytes`` (``tinytb dump --bytes``): TensorBoard's own records annotated line by line,
every byte of tinytb's files shown once in file order, the values of every wire type, long
values cut, and malformed bytes: DecodeError where the reader raises it, after the lines of
what was valid."""

import io
import os
import random
import re
import struct

import pytest

from fuzzing import (
    audio_file,
    deep_hparams_file,
    event_file,
    graph_attr_without_value_file,
    guarded,
    huge_length_header,
    mutate,
    scalar_tensor_file,
    write_seeds,
    MB,
)
from tinytb import SummaryWriter, _messages, _record, _tensor, reader
from tinytb._dump import dump, dump_bytes
from tinytb.errors import DecodeError
from vectors import RECORD_FILE_VERSION, RECORD_LOSS


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


# -- dump_bytes ---------------------------------------------------------------------------------


def write(tmp_path, data, name="events.out.tfevents.1.h"):
    path = str(tmp_path / name)
    with open(path, "wb") as f:
        f.write(data)
    return path


def dumped_bytes(tmp_path, data, records=3):
    out = io.StringIO()
    dump_bytes(write(tmp_path, data), out, records)
    return out.getvalue()


def test_tensorboards_records_annotated(tmp_path):
    # RECORD_FILE_VERSION and RECORD_LOSS: Events framed by TensorBoard's RecordWriter
    # (tests/vectors.py); 0x224b7fa3 is the masked CRC of struct.pack("<Q", 24) computed with
    # TensorBoard's masked_crc32c (docs/event-file-format.md, section 2).
    path = write(tmp_path, RECORD_FILE_VERSION + RECORD_LOSS)
    out = io.StringIO()
    assert dump_bytes(path, out) is None
    expected = (
        """\
%s: 82 bytes
 offset  bytes (hex)                          field, wire type, name = value

record 0, at byte 0: 40 bytes = 8 length + 4 CRC + 24 Event + 4 CRC
      0  18 00 00 00 00 00 00 00              length = 24 (uint64, little-endian)
      8  a3 7f 4b 22                          length CRC = 0x224b7fa3, computed 0x224b7fa3: ok
     12                                       Event, 24 bytes
     12  09 00 00 00 00 00 00 f8 3f             1 I64 wall_time = 1.5 (1970-01-01 00:00:01 UTC)
     21  1a 0d 62 72 61 69 6e 2e 45 76 65 6e    3 LEN file_version = 'brain.Event:2'
     33  74 3a 32
     36  2a 28 64 6c                          data CRC = 0x6c64282a, computed 0x6c64282a: ok

record 1, at byte 40: 42 bytes = 8 length + 4 CRC + 26 Event + 4 CRC
     40  1a 00 00 00 00 00 00 00              length = 26 (uint64, little-endian)
     48  12 9b d8 2d                          length CRC = 0x2dd89b12, computed 0x2dd89b12: ok
     52                                       Event, 26 bytes
     52  09 00 00 00 00 00 00 00 40             1 I64 wall_time = 2.0 (1970-01-01 00:00:02 UTC)
     61  10 03                                  2 VARINT step = 3
     63  2a 0d                                  5 LEN summary: Summary, 13 bytes
     65  0a 0b                                    1 LEN value[0]: Value, 11 bytes
     67  0a 04 6c 6f 73 73                          1 LEN tag = 'loss'
     73  15 00 00 00 3f                             2 I32 simple_value = 0.5
     78  ba c3 6b 94                          data CRC = 0x946bc3ba, computed 0x946bc3ba: ok
end of file
"""
        % path
    )
    assert out.getvalue() == expected


_SKIPPED = re.compile(r"\.\.\. (?:\d+ more values, )?(\d+)(?: more)? bytes$")


def walk(text, data):
    """Check that the hex column of ``text`` is ``data``, every byte once and in file order
    (bytes left out are said: "... N more bytes", "... K more values, N bytes"); return the
    offset after the last byte shown."""
    pos = 0
    for line in text.splitlines():
        if not line[:7].strip().isdigit():
            continue  # the file, column and record title lines
        offset, raw, meaning = int(line[:7]), bytes.fromhex(line[9:44]), line[46:].strip()
        skipped = _SKIPPED.search(meaning)
        if raw or skipped:
            assert offset == pos, line
        assert raw == data[offset : offset + len(raw)], line
        pos += len(raw) + (int(skipped.group(1)) if skipped else 0)
    return pos


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    """Valid files of every kind tinytb writes (tests/fuzzing.py), with fixed wall times."""
    return write_seeds(str(tmp_path_factory.mktemp("seeds")))


def test_every_byte_once_in_file_order(tmp_path, seeds):
    whole = [name for name in seeds if "#" not in name]
    assert len(whole) >= 2
    for name in whole:
        data = seeds[name]
        text = dumped_bytes(tmp_path, data, records=10**6)
        assert walk(text, data) == len(data), name
        assert text.count("\nrecord ") == len(list(_record.iter_records(data)))
        assert "MISMATCH" not in text and text.endswith("end of file\n")


def event_with(*fields):
    """One record whose Event is ``fields`` (encoded), after the file_version record."""
    return event_file(b"".join(fields))


def test_every_wire_type_decoded(tmp_path):
    value = _messages.summary_value(
        tag="t",
        tensor=_messages.tensor_proto(_tensor.DT_BOOL, shape=[2], bool_val=[1, 0]),
    )
    data = event_with(
        _messages.double_field(1, -0.0),  # written by the bit pattern: -0.0 is not 0.0
        _messages.uint_field(2, -1),  # a negative int64: ten bytes, two's complement
        _messages.bytes_field(5, _messages.summary([value])),
        _messages.uint_field(15, 300),  # not in event.proto
        _messages.float_field(16, 0.1),  # not in event.proto either
    )
    text = dumped_bytes(tmp_path, data)
    walk(text, data)
    lines = shown(text)
    # Expected bytes from the encoding guide (https://protobuf.dev/programming-guides/encoding/):
    # keys are (field << 3) | wire type as varints (field 16, I32: 133 = 85 01); "negative
    # numbers always take ten bytes"; 300 is "ac 02"; and IEEE 754: 0.1 as float32 is
    # 0x3dcccccd, -0.0 as a double is 0x8000000000000000 (little-endian in the file).
    epoch = "1 I64 wall_time = -0.0 (1970-01-01 00:00:00 UTC)"
    assert ("09 00 00 00 00 00 00 00 80", epoch) in lines
    assert ("10 ff ff ff ff ff ff ff ff ff 01", "2 VARINT step = -1") in lines
    assert ("08 0a", "1 VARINT dtype = 10 (DT_BOOL)") in lines
    assert ("5a 02", "11 LEN bool_val: packed bool, 2 values in 2 bytes") in lines
    assert ("01", "[0] = true") in lines and ("00", "[1] = false") in lines
    assert ("78 ac 02", "15 VARINT ? = 300 (not in Event: readers skip it)") in lines
    # an I32 field of unknown meaning: its bits, as the little-endian number they make
    assert ("85 01 cd cc cc 3d", "16 I32 ? = 0x3dcccccd (not in Event: readers skip it)") in lines


def shown(text):
    """(hex, meaning) of each line with an offset, the meaning without its indent."""
    return [
        (line[9:44].strip(), line[46:].strip())
        for line in text.splitlines()
        if line[:7].strip().isdigit()
    ]


def test_float32_values_read_as_written(tmp_path):
    values = [0.1, 1e-45, 3.4028234663852886e38, float("inf"), float("nan"), -2.5]
    tensor = _messages.tensor_proto(_tensor.DT_FLOAT, shape=[6], float_val=values)
    value = _messages.summary_value(tag="f", simple_value=0.1, tensor=None)
    other = _messages.summary_value(tag="g", tensor=tensor)
    data = event_with(_messages.bytes_field(5, _messages.summary([value, other])))
    text = dumped_bytes(tmp_path, data)
    # the shortest decimal that reads back to the same float32, not the double it widens to
    assert "2 I32 simple_value = 0.1\n" in text
    for shown in ["0.1", "1e-45", "3.4028235e+38", "inf", "nan", "-2.5"]:
        assert "] = %s\n" % shown in text
    for line in text.splitlines():  # and each shown value is those bytes
        m = re.search(r"\[\d\] = (\S+)$", line)
        if m and "I32" not in line:
            assert struct.pack("<f", float(m.group(1))) == bytes.fromhex(line[9:44])


def test_long_values_are_cut_with_their_length(tmp_path):
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
    value = _messages.summary_value(tag="x" * 100, image=_messages.image(2, 3, 4, png))
    histo = _messages.summary_value(
        tag="h",
        histo=_messages.histogram_proto(
            1.0,
            2.0,
            3.0,
            4.0,
            5.0,
            bucket_limit=[float(i) for i in range(20)],
            bucket=[1.0] * 20,
        ),
    )
    data = event_with(_messages.bytes_field(5, _messages.summary([value, histo])))
    text = dumped_bytes(tmp_path, data)
    assert walk(text, data) == len(data)
    assert "1 LEN tag = '%s'... (100 characters)" % ("x" * 40) in text
    assert "... %d more bytes" % (2 + 100 - 24) in text  # key, length, then 24 bytes shown
    assert "4 LEN encoded_image_string = a PNG file, %d bytes" % len(png) in text
    assert "3 VARINT colorspace = 4 (RGBA)" in text
    assert "6 LEN bucket_limit: packed double, 20 values in 160 bytes" in text
    assert "[7] = 7.0" in text and "[8] = " not in text
    assert "... 12 more values, 96 bytes" in text


def test_serialized_messages_in_bytes_fields_are_decoded(tmp_path):
    pr = _messages.summary_value(
        tag="pr",
        tensor=_messages.tensor_proto(_tensor.DT_FLOAT, shape=[], float_val=[1.0]),
        metadata=_messages.summary_metadata("pr_curves", _messages.pr_curve_plugin_data(5)),
    )
    graph = _messages.graph_def([_messages.node_def("x", "Const")], 22)
    data = event_file(
        _messages.event(wall_time=2.0, summary=_messages.summary([pr])),
        _messages.event(wall_time=3.0, graph_def=graph),
    )
    text = dumped_bytes(tmp_path, data)
    assert walk(text, data) == len(data)
    assert "2 LEN content: a serialized PrCurvePluginData, 2 bytes" in text
    assert "10 05" + " " * 36 in text and "2 VARINT num_thresholds = 5" in text
    assert "4 LEN graph_def: a serialized GraphDef" in text and "2 LEN op = 'Const'" in text
    assert "1 VARINT producer = 22" in text


def test_bytes_that_are_not_the_message_they_should_be_stay_bytes(tmp_path):
    # 300 nested Structs: more than protobuf's 100 levels (RecursionError in tinytb 0.x dump)
    data = deep_hparams_file(300)
    text, peak, _ = guarded(dumped_bytes, tmp_path, data)
    assert isinstance(text, str), text
    assert re.search(r"2 LEN content = \d+ bytes \(not a HParamsPluginData: messages nested", text)
    assert walk(text, data) == len(data)
    bad_graph = event_file(_messages.event(wall_time=2.0, graph_def=b"\x0a\x05ab"))
    text = dumped_bytes(tmp_path, bad_graph)
    assert "4 LEN graph_def = b'\\n\\x05ab'" not in text  # not printable: its size instead
    assert "4 LEN graph_def = 4 bytes (not a GraphDef: length 5 runs past the end" in text


def test_records_shown(tmp_path):
    data = event_file(*[_messages.event(wall_time=2.0, step=i) for i in range(1, 5)])
    sizes = [len(_record.frame(p)) for _, p in _record.iter_records(data)]
    text = dumped_bytes(tmp_path, data, records=2)
    assert "record 1, at byte %d" % sizes[0] in text and "record 2" not in text
    assert text.endswith("%d more bytes follow\n" % (len(data) - sizes[0] - sizes[1]))
    assert walk(text, data) == sizes[0] + sizes[1]
    text = dumped_bytes(tmp_path, data, records=0)
    assert "\nrecord" not in text and text.endswith("%d more bytes follow\n" % len(data))
    assert dumped_bytes(tmp_path, b"", records=5).endswith("end of file\n")
    for bad, kind in ((True, TypeError), (1.0, TypeError), ("3", TypeError), (-1, ValueError)):
        with pytest.raises(kind, match="records"):
            dumped_bytes(tmp_path, data, records=bad)


@pytest.mark.parametrize("cut", [3, 8, 10, 12, 20, 36, 38])
def test_a_file_ending_inside_a_record_is_said(tmp_path, cut):
    data = RECORD_FILE_VERSION + RECORD_LOSS[:cut]  # RECORD_LOSS: 8 + 4 + 26 + 4 bytes
    text = dumped_bytes(tmp_path, data)
    assert walk(text, data) == (52 if cut in (20, 36) else len(data))
    assert "the file ends inside this record (still being written?)" in text
    assert "record 1, at byte 40\n" in text and "end of file" not in text


def test_a_length_beyond_the_file_is_not_allocated(tmp_path):
    # the length field claims 2 GiB (its CRC right): compared with the file's size, not read
    text, peak, _ = guarded(dumped_bytes, tmp_path, huge_length_header() + b"x" * 10)
    assert "Event: the file holds 10 of its 2147483648 bytes" in text
    assert peak < MB, peak


def raised(tmp_path, data, records=10):
    """(the DecodeError dump_bytes raised, what it printed before)"""
    path = write(tmp_path, data)
    out = io.StringIO()
    with pytest.raises(DecodeError) as info:
        dump_bytes(path, out, records)
    assert info.value.path == path
    return info.value, out.getvalue()


def reader_error(data):
    with pytest.raises(DecodeError) as info:
        for offset, payload in _record.iter_records(data):
            _messages.decode_event(payload, offset + _record.HEADER_SIZE)
    return info.value


def test_crc_mismatches_raise_after_the_records_before(tmp_path):
    for position, section in ((40 + 9, "header crc"), (40 + 20, "data crc")):
        data = bytearray(RECORD_FILE_VERSION + RECORD_LOSS)
        data[position] ^= 0x10
        err, text = raised(tmp_path, bytes(data))
        expected = reader_error(bytes(data))
        assert (err.msg, err.offset, err.section) == (expected.msg, 40, section)
        assert "record 0" in text and ": MISMATCH" in text.splitlines()[-1]
        assert walk(text, data) == (52 if section == "header crc" else len(data))
    assert "Event, 26 bytes: not decoded, its CRC is wrong" in text


def refram(payload):
    return RECORD_FILE_VERSION + _record.frame(payload)  # both CRCs right: the Event is wrong


@pytest.mark.parametrize(
    "payload, section, offset, last",
    [
        (b"\x1a\x02\xff\xfe", "Event.file_version", 54, "Event, 4 bytes"),  # not UTF-8
        (b"\x10\x03\x2a\x05\x0a\x03\x0a\x05a", "Event.summary.value[0]", 58, "1 LEN value[0]"),
        (b"\x10\x03\x09\x00", "Event", 54, "2 VARINT step = 3"),  # 1 byte of a double
        (b"\x10\x80", "Event", 53, "Event, 2 bytes"),  # a varint cut short
        (b"\x0b\x00", "Event", 52, "Event, 2 bytes"),  # wire type 3: a group
        (b"\x28\x01", "Event.summary", 53, "Event, 2 bytes"),  # a message sent as VARINT
    ],
)
def test_a_malformed_event_raises_where_it_breaks(tmp_path, payload, section, offset, last):
    data = refram(payload)
    err, text = raised(tmp_path, data)
    expected = reader_error(data)
    assert (err.msg, err.section, err.offset) == (expected.msg, section, offset)
    assert text.rstrip().endswith(last) or last in text.splitlines()[-1]
    walk(text, data)


def test_malformed_files_raise_what_the_reader_raises(tmp_path, seeds):
    # mutated files (tests/fuzzing.py): DecodeError or nothing, with the reader's message,
    # section and offset (for a packed field the offset of the element that breaks, the
    # reader's is the field's); what was printed is the file's bytes
    rng = random.Random(20261207)
    outcomes = {"ok": 0, "DecodeError": 0}
    for n in range(300):
        _, data = mutate(rng, seeds)
        path = write(tmp_path, data)
        out = io.StringIO()
        try:
            dump_bytes(path, out, 10**6)
            got = None
        except DecodeError as err:
            got = err
        try:
            for offset, payload in _record.iter_records(data):
                _messages.decode_event(payload, offset + _record.HEADER_SIZE)
            expected = None
        except DecodeError as err:
            expected = err
        walk(out.getvalue(), data)
        if expected is None:
            assert got is None, (n, got)
            outcomes["ok"] += 1
            continue
        assert got is not None, (n, expected)
        assert (got.msg, got.section) == (expected.msg, expected.section), n
        if got.msg.startswith("packed field"):
            assert got.offset >= expected.offset, n
        else:
            assert got.offset == expected.offset, n
        outcomes["DecodeError"] += 1
    assert min(outcomes.values()) > 30, outcomes
