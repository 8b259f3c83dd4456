"""tinytb._record: TFRecord framing, and the reader against every truncation and bit flip."""

import io
import random

import pytest

from tinytb import _messages, _record
from tinytb.errors import DecodeError

from vectors import RECORD_FILE_VERSION, RECORD_LOSS


def test_record_vectors():
    # docs/event-file-format.md sections 2 and 6: two whole records tensorboard's RecordWriter wrote
    fv = _messages.event(wall_time=1.5, file_version="brain.Event:2")
    assert _record.frame(fv) == RECORD_FILE_VERSION
    loss = _messages.event(
        wall_time=2.0,
        step=3,
        summary=_messages.summary([_messages.summary_value(tag="loss", simple_value=0.5)]),
    )
    assert _record.frame(loss) == RECORD_LOSS


def test_empty_and_64_byte_records():
    # TensorBoard's record_writer_test.py: lengths 0 and 64 -> 8 + 4 + n + 4 bytes
    assert len(_record.frame(b"")) == 16
    # the data crc of nothing is the mask constant alone (crc32c(b"") == 0)
    assert _record.frame(b"")[12:] == (0xA282EAD8).to_bytes(4, "little")
    assert len(_record.frame(b"x" * 64)) == 8 + 4 + 64 + 4
    assert _record.record_header(64) == _record.frame(b"x" * 64)[:12]


def stream(payloads):
    return b"".join(_record.frame(p) for p in payloads)


PAYLOADS = [b"", b"a", b"hello world", bytes(range(256)) * 5, b"z" * 63, b"q" * 65]


@pytest.mark.parametrize("as_file", [False, True])
def test_round_trip(as_file):
    data = stream(PAYLOADS)
    source = io.BytesIO(data) if as_file else data
    records = list(_record.iter_records(source))
    assert [p for _, p in records] == PAYLOADS
    offsets = [o for o, _ in records]
    assert offsets[0] == 0
    assert offsets[1] == 16 and offsets[2] == 16 + 17


def section_at(cut, lengths):
    """TensorBoard's section name for a stream cut at byte ``cut``."""
    pos = 0
    for n in lengths:
        for name, size in (("header", 8), ("header crc", 4), ("data", n), ("data crc", 4)):
            if cut < pos + size:
                return name
            pos += size
    return None


@pytest.mark.parametrize("as_file", [False, True])
def test_every_truncation_point(as_file):
    data = stream(PAYLOADS[:4])
    ends = []
    pos = 0
    for p in PAYLOADS[:4]:
        pos += 16 + len(p)
        ends.append(pos)
    for cut in range(len(data) + 1):
        piece = data[:cut]
        source = io.BytesIO(piece) if as_file else piece
        complete = sum(1 for e in ends if e <= cut)
        got = list(_record.iter_records(source))
        assert [p for _, p in got] == PAYLOADS[:complete], cut
        source = io.BytesIO(piece) if as_file else piece
        if cut in ends or cut == 0:
            assert len(list(_record.iter_records(source, strict=True))) == complete
        else:
            with pytest.raises(DecodeError) as info:
                list(_record.iter_records(source, strict=True))
            assert info.value.section == section_at(cut, [len(p) for p in PAYLOADS[:4]])
            assert info.value.offset == (ends[complete - 1] if complete else 0)


def test_every_bit_flip_is_caught():
    data = stream([b"one", b"two two"])
    second = 16 + 3
    for i in range(len(data)):
        for bit in range(8):
            bad = bytearray(data)
            bad[i] ^= 1 << bit
            with pytest.raises(DecodeError) as info:
                list(_record.iter_records(bytes(bad)))
            err = info.value
            record_start = 0 if i < second else second
            assert err.offset == record_start
            within = i - record_start
            expected = "header crc" if within < 12 else "data crc"
            # a flipped length that still parses as a shorter/longer length fails its crc
            assert err.section in (expected, "header")
            assert str(err).startswith(
                ("length crc mismatch", "data crc mismatch", "record length")
            )


def test_trailing_partial_record_is_left_alone():
    data = stream([b"abc"]) + _record.frame(b"defgh")[:10]
    assert [p for _, p in _record.iter_records(data)] == [b"abc"]


def test_garbage_raises_decode_error_only():
    rng = random.Random(3)
    for _ in range(500):
        junk = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        try:
            list(_record.iter_records(junk))
        except DecodeError:
            pass


def test_huge_length_with_valid_crc_is_rejected():
    from tinytb._crc32c import masked_crc32c

    length = (1 << 40).to_bytes(8, "little")
    header = length + masked_crc32c(length).to_bytes(4, "little")
    with pytest.raises(DecodeError, match="over 2 GiB") as info:
        list(_record.iter_records(io.BytesIO(header + b"x" * 10)))
    assert info.value.section == "header"


@pytest.mark.parametrize("length", [1 << 31, (1 << 31) - 1, 5 << 20])
def test_a_length_claiming_more_than_the_file_holds_allocates_nothing(tmp_path, length):
    # tinytb 0.x did f.read(length): a 12-byte header with a valid CRC made it allocate 2 GiB
    from fuzzing import MB, guarded, huge_length_header

    path = tmp_path / "events.out.tfevents.1.h"
    good = _record.frame(b"first")
    path.write_bytes(good + huge_length_header(length) + b"x" * 100)

    def read(strict):
        with open(path, "rb") as f:
            return [p for _, p in _record.iter_records(f, strict)]

    got, peak, _ = guarded(read, False)
    assert got == [b"first"]  # a truncated tail: the file may still be being written
    assert peak < 4 * MB, peak
    err, peak, _ = guarded(read, True)
    assert isinstance(err, DecodeError) and peak < 4 * MB
    assert (err.offset, err.section) == (len(good), "data")
    assert "truncated record: 100 of %d bytes of its data" % length in str(err)


def test_a_long_record_read_in_pieces_is_whole(tmp_path):
    payloads = [bytes(range(256)) * (9 << 12), b"after"]  # 9 MiB: nine pieces
    data = stream(payloads)
    for source in (io.BytesIO(data), io.BufferedReader(io.BytesIO(data), 7)):
        assert [p for _, p in _record.iter_records(source)] == payloads
    assert [p for _, p in _record.iter_records(io.BytesIO(data[:-10]))] == payloads[:1]
