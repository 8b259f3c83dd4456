#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Write the byte listings of docs/format.md from what tinytb's code makes now.

The guide's prose is written by hand; every byte, offset, CRC and number it shows sits between
marker comments (``<!-- generated:NAME -->`` ... ``<!-- end:NAME -->``) and comes from here: a
small event file written with tinytb's SummaryWriter (fixed wall times, so the same bytes every
time), annotated by ``tinytb._dump.dump_bytes`` (what ``tinytb dump --bytes`` prints), plus the
worked numbers (the CRC-32C steps, a varint, a float and a double taken apart).

    python docs/make_format_guide.py           # rewrite the generated parts of docs/format.md
    python docs/make_format_guide.py --check   # exit 1 (and show the diff) if they differ

tests/test_format_guide.py runs the check, so a change in the writer or in the dumper fails
the tests until the guide is regenerated (and its prose re-read). Standard library only.
"""

import argparse
import difflib
import io
import os
import re
import shutil
import struct
import sys
import tempfile
import zlib
from unittest import mock

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:  # run as a file: the tinytb of this checkout
    sys.path.insert(0, ROOT)

from tinytb import SummaryWriter, _crc32c, _messages, _record, _wire  # noqa: E402
from tinytb._dump import dump_bytes  # noqa: E402
from tinytb.errors import DecodeError  # noqa: E402

GUIDE = os.path.join(ROOT, "docs", "format.md")
FILE_NAME = "events.out.tfevents.1700000000.guide"  # the name shown (the bytes do not hold it)
FILE_TIME = 1700000000.0  # the clock when the writer opens the file: the header's wall time

# The calls that write the guide's file, run as written here (``w`` is the writer).
CALLS = """\
w = SummaryWriter(logdir)  # writes the header record; its wall time is the clock's
w.add_scalar("loss", 0.5, 1, walltime=1700000001.5)
w.add_image("pixels", [[[255, 0], [0, 255]],  # red    (3 x 2 x 2: channels, rows, columns)
                       [[0, 255], [0, 255]],  # green
                       [[0, 0], [255, 255]]], # blue
            2, walltime=1700000002.0)
w.add_histogram("weights", [0.0, 1.0, 1.0, 2.0, 3.5], 1000, bins="auto",
                walltime=1700000003.0)
w.add_scalar("accuracy", 0.25, 1000, walltime=1700000004.0, new_style=True)
w.close()
"""
# Which record each section of the guide shows.
HEADER, SCALAR, IMAGE, HISTOGRAM, TENSOR = range(5)

# Byte strings the prose quotes as examples of rules, not from the guide's file; every other
# `xx yy ...` in the prose must be bytes of the file, so that prose and listings cannot drift.
EXAMPLES = {
    "10 ff ff ff ff ff ff ff ff ff 01",  # step = -1
    "15 00 00 00 00",  # simple_value = 0.0
    "12 00",  # an empty tensor_shape
}
_QUOTED_BYTES = re.compile(r"`((?:[0-9a-f]{2} )+[0-9a-f]{2})`")
_MARKER = re.compile(r"(<!-- generated:([\w-]+) -->\n)(.*?)(<!-- end:\2 -->)", re.S)


def write_file(logdir):
    """Run CALLS into ``logdir``; return the event file's bytes."""
    with mock.patch("time.time", return_value=FILE_TIME):
        w = SummaryWriter(logdir)  # the file name and the header's wall time read the clock
    names = os.listdir(logdir)
    exec(CALLS.split("\n", 1)[1], {"w": w})  # the first line (the writer) ran above
    with open(os.path.join(logdir, names[0]), "rb") as f:
        return f.read()


def records(data):
    """[(offset, Event bytes)] of the file."""
    return list(_record.iter_records(data))


def annotated(path):
    """dump_bytes of every record: {record number: its lines, title first}."""
    out = io.StringIO()
    dump_bytes(path, out, records=100)
    shown = out.getvalue().replace(os.path.dirname(path) + os.sep, "")
    blocks = {}
    columns = shown.splitlines()[1]
    for block in shown.split("\n\n")[1:]:
        number = int(re.match(r"record (\d+)", block).group(1))
        lines = block.rstrip("\n").splitlines()
        if lines[-1] == "end of file":
            lines.pop()
        blocks[number] = [columns] + lines
    return blocks


def damaged(data, path):
    """dump_bytes of the file with one bit of record 1's step flipped (1 becomes 3): the listing
    up to the damage, then the error it raises."""
    offset, payload = records(data)[SCALAR]
    at = offset + _record.HEADER_SIZE + payload.index(b"\x10") + 1  # Event.step's varint
    broken = bytearray(data)
    broken[at] ^= 0x02
    with open(path, "wb") as f:
        f.write(bytes(broken))
    out = io.StringIO()
    try:
        dump_bytes(path, out, records=3)
    except DecodeError as err:
        error = "DecodeError: %s" % err
    else:
        raise AssertionError("a flipped bit went unnoticed")
    shown = out.getvalue().replace(os.path.dirname(path) + os.sep, "")
    block = shown.split("\n\n")[SCALAR + 1].rstrip("\n").splitlines()
    lines = ["byte %d: 0x%02x -> 0x%02x" % (at, data[at], broken[at]), ""]
    return lines + block + ["", error.replace(os.path.dirname(path) + os.sep, "")]


def fenced(lines, lang=""):
    return "```%s\n%s\n```\n" % (lang, "\n".join(line.rstrip() for line in lines))


# -- the worked numbers ---------------------------------------------------------------------------


_ROW = "%-6s%-29s%-14s%s"
_NEXT = "crc = TABLE[index] ^ (crc >> 8)"


def crc_steps(raw):
    """The table-driven CRC-32C of ``raw`` step by step, then the mask: lines of text."""
    table = _crc32c.TABLE
    lines = [
        "crc = 0xffffffff (the initial value), then for each byte:",
        "",
        _ROW % ("byte", "index = (crc ^ byte) & 0xff", "TABLE[index]", _NEXT),
    ]
    crc = 0xFFFFFFFF
    for b in raw:
        index = (crc ^ b) & 0xFF
        crc = table[index] ^ (crc >> 8)
        cells = ("0x%02x" % b, "0x%02x" % index, "0x%08x" % table[index], "0x%08x" % crc)
        lines.append(_ROW % cells)
    lines.append("")
    crc ^= 0xFFFFFFFF
    assert crc == _crc32c.crc32c(raw)
    rotated = ((crc >> 15) | (crc << 17)) & 0xFFFFFFFF
    masked = (rotated + 0xA282EAD8) & 0xFFFFFFFF
    assert masked == _crc32c.masked_crc32c(raw)
    lines += [
        "crc ^ 0xffffffff                       = 0x%08x   the CRC-32C of the 8 bytes" % crc,
        "((crc >> 15) | (crc << 17)) mod 2**32  = 0x%08x   rotated right by 15 bits" % rotated,
        "+ 0xa282ead8, mod 2**32                = 0x%08x   the masked CRC" % masked,
        "as a little-endian uint32: %s" % struct.pack("<I", masked).hex(" "),
    ]
    return lines


def table_entry(index):
    """How TABLE[index] is made: eight rounds of shift right, XOR the polynomial if a 1 fell
    out."""
    lines = ["r = 0x%02x" % index]
    r = index
    for step in range(8):
        out = r & 1
        r = (r >> 1) ^ (_crc32c.POLY if out else 0)
        lines.append(
            "round %d: bit out %d -> r = (r >> 1)%s = 0x%08x"
            % (step + 1, out, " ^ 0x82f63b78" if out else "             ", r)
        )
    assert r == _crc32c.TABLE[index]
    lines.append("TABLE[0x%02x] = 0x%08x" % (index, r))
    return lines


def varint_steps(raw):
    """A varint taken apart: its bytes, continuation bits, 7-bit groups, the number."""
    value, end = _wire.decode_varint(raw, 0)
    assert end == len(raw)
    groups = [b & 0x7F for b in raw]

    def row(title, cells):
        return "%-17s%s" % (title, "  ".join("%-9s" % cell for cell in cells))

    shifted = ["(%d << %d)" % (g, 7 * i) if i else "%d" % g for i, g in enumerate(groups)]
    parts = ["%d" % (g << 7 * i) for i, g in enumerate(groups)]
    return [
        row("bytes", ["0x%02x" % b for b in raw]),
        row("bits", ["%d %s" % (b >> 7, format(b & 0x7F, "07b")) for b in raw]),
        row("top bit", ["1: more" if b & 0x80 else "0: last" for b in raw]),
        row("low 7 bits", ["%d" % g for g in groups]),
        "",
        "value = %s = %s = %d" % (" + ".join(shifted), " + ".join(parts), value),
    ]


def _cut(bits):
    return bits if len(bits) <= 24 else bits[:24] + "... (%d more)" % (len(bits) - 24)


def float_bits(raw, fmt):
    """An IEEE 754 float (4 bytes) or double (8 bytes), little-endian, taken apart."""
    size, exp_bits, bias = (4, 8, 127) if fmt == "f" else (8, 11, 1023)
    bits = int.from_bytes(raw, "little")
    frac_bits = 8 * size - 1 - exp_bits
    sign, exponent = bits >> (8 * size - 1), (bits >> frac_bits) & ((1 << exp_bits) - 1)
    fraction = bits & ((1 << frac_bits) - 1)
    value = struct.unpack("<" + fmt, raw)[0]
    assert 0 < exponent < (1 << exp_bits) - 1, "a normal number"
    assert (-1) ** sign * (1 + fraction / 2**frac_bits) * 2.0 ** (exponent - bias) == value
    return [
        "%-20s%s" % ("bytes in the file", raw.hex(" ")),
        "%-20s0x%0*x" % ("read little-endian", 2 * size, bits),
        "%-20s%d" % ("sign (1 bit)", sign),
        "%-20s%s = %d, minus the bias %d: %d"
        % (
            "exponent (%d bits)" % exp_bits,
            format(exponent, "0%db" % exp_bits),
            exponent,
            bias,
            exponent - bias,
        ),
        "%-20s%s" % ("fraction (%d bits)" % frac_bits, _cut(format(fraction, "0%db" % frac_bits))),
        "value = (1 + fraction / 2**%d) * 2**%d = %r" % (frac_bits, exponent - bias, value),
    ]


# -- the sections ---------------------------------------------------------------------------------


def overview(data):
    rows = ["| record | offset | bytes | Event bytes | what it holds |", "|---|---|---|---|---|"]
    for n, (offset, payload) in enumerate(records(data)):
        event = _messages.decode_event(payload)
        if event.file_version:
            what = "file_version %r, source_metadata.writer %r" % (
                event.file_version,
                event.source_metadata.writer,
            )
        else:
            value = event.summary.value[0]
            kind = [k for k, _ in value.fields() if k not in ("tag", "metadata")][0]
            what = "step %d, tag %r: `%s`" % (event.step, value.tag, kind)
        size = len(payload) + _record.OVERHEAD
        rows.append("| %d | %d | %d | %d | %s |" % (n, offset, size, len(payload), what))
    rows.append("")
    rows.append(
        "%d bytes in all (the PNG inside was compressed by zlib %s)."
        % (len(data), zlib.ZLIB_RUNTIME_VERSION)
    )
    return "\n".join(rows) + "\n"


def keys(data):
    """Every key in the file, in order of first appearance: a markdown table."""
    seen = {}

    def walk(schema, buf):
        for number, wire_type, value, _ in _wire.iter_fields(buf):
            name, kind, _ = schema.fields[number]
            key = _wire.key(number, wire_type)
            seen.setdefault((key, schema.name, name), None)
            if isinstance(kind, _messages.Schema):
                walk(kind, value)

    for _, payload in records(data):
        walk(_messages.EVENT, payload)
    wire_names = {0: "VARINT", 1: "I64", 2: "LEN", 5: "I32"}
    rows = [
        "| key byte | bits | field << 3 \\| wire type | field |",
        "|---|---|---|---|",
    ]
    for key, message, name in seen:
        k = key[0]
        bits = "%s %s" % (format(k >> 3, "05b"), format(k & 7, "03b"))
        number = "%d << 3 \\| %d (%s)" % (k >> 3, k & 7, wire_names[k & 7])
        rows.append("| `%s` | `%s` | %s | `%s.%s` |" % (key.hex(), bits, number, message, name))
    return "\n".join(rows) + "\n"


def framing(block):
    """The framing lines of one record's dump, the Event's fields left out."""
    out = []
    for line in block:
        if re.match(r" *\d+ {2}", line) and line[46:].startswith("  "):  # indented: a field
            if not out[-1].endswith("..."):
                out.append(" " * 48 + "...")
            continue
        out.append(line)
    return out


def sections(data, path):
    """{section name: its generated text}."""
    blocks = annotated(path)
    events = records(data)
    header_raw = data[: _record.LENGTH_SIZE]
    first_index = (0xFFFFFFFF ^ header_raw[0]) & 0xFF
    hist_offset, hist = events[HISTOGRAM]
    step_at = hist.index(b"\x10") + 1  # Event.step: key 0x10, then its varint
    step_raw = hist[step_at : _wire.decode_varint(hist, step_at)[1]]
    scalar = events[SCALAR][1]
    simple = scalar[scalar.index(b"\x15") + 1 :][:4]  # Value.simple_value: key 0x15, 4 bytes
    return {
        "calls": fenced(CALLS.rstrip("\n").splitlines(), "python"),
        "overview": overview(data),
        "framing": fenced(framing(blocks[SCALAR])),
        "crc": fenced(crc_steps(header_raw)),
        "table": fenced(table_entry(first_index)),
        "varint": fenced(varint_steps(step_raw)),
        "keys": keys(data),
        "header": fenced(blocks[HEADER]),
        "scalar": fenced(blocks[SCALAR]),
        "float": fenced(float_bits(simple, "f")),
        "double": fenced(float_bits(scalar[1:9], "d")),
        "image": fenced(blocks[IMAGE]),
        "histogram": fenced(blocks[HISTOGRAM]),
        "tensor": fenced(blocks[TENSOR]),
    }


def prose_bytes_not_in(guide_text, data):
    """The byte strings the prose (outside the generated parts) quotes that the file does not
    hold, examples aside."""
    prose = _MARKER.sub("", guide_text)
    return [
        quoted
        for quoted in _QUOTED_BYTES.findall(prose)
        if quoted not in EXAMPLES and bytes.fromhex(quoted) not in data
    ]


def render(guide_text):
    """The guide with every generated section made anew; raises SystemExit naming a section
    the guide lacks or one it has that is not made here, or bytes the prose quotes that the
    file does not hold."""
    tmp = tempfile.mkdtemp(prefix="tinytb-guide-")
    try:
        data = write_file(os.path.join(tmp, "run"))
        path = os.path.join(tmp, FILE_NAME)
        with open(path, "wb") as f:
            f.write(data)
        made = sections(data, path)
        os.mkdir(os.path.join(tmp, "damaged"))
        made["damaged"] = fenced(damaged(data, os.path.join(tmp, "damaged", FILE_NAME)))
    finally:
        shutil.rmtree(tmp)
    stale = prose_bytes_not_in(guide_text, data)
    if stale:
        raise SystemExit(
            "docs/format.md's prose quotes bytes the file does not hold (fix the prose): %s"
            % ", ".join(stale)
        )
    found = [m.group(2) for m in _MARKER.finditer(guide_text)]
    if sorted(found) != sorted(made):
        raise SystemExit(
            "docs/format.md's generated sections %s are not the script's %s"
            % (sorted(found), sorted(made))
        )
    return _MARKER.sub(lambda m: m.group(1) + made[m.group(2)] + m.group(4), guide_text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="exit 1 if docs/format.md is not what the code makes"
    )
    parser.add_argument("--guide", default=GUIDE, help="the guide's path (default: %(default)s)")
    args = parser.parse_args(argv)
    with open(args.guide, encoding="utf-8") as f:
        old = f.read()
    new = render(old)
    if args.check:
        if new == old:
            print("docs/format.md is up to date")
            return 0
        diff = difflib.unified_diff(
            old.splitlines(True), new.splitlines(True), "docs/format.md", "made now"
        )
        sys.stderr.writelines(diff)
        print(
            "docs/format.md differs from what the code makes now: "
            "run python docs/make_format_guide.py (and re-read the prose around what changed)",
            file=sys.stderr,
        )
        return 1
    if new != old:
        with open(args.guide, "w", encoding="utf-8") as f:
            f.write(new)
        print("docs/format.md rewritten")
    else:
        print("docs/format.md was up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
