# SPDX-License-Identifier: MIT
"""Tests for tinytb._png, standard library only.

pypng's test suite states the problem: reading can be checked against the spec, but a written
file "can only be read back in again, which merely checks consistency". So the checks here do
not lean on tinytb's own decoder alone:

- golden files, each with its provenance, whose CRCs are recomputed with a bit-by-bit CRC-32
  written here from the spec (not zlib's);
- the encoder's filtered rows compared byte for byte with a per-row reference filter written
  here from the spec's formulas (§9.2, §9.4), and its SWAR Paeth predictor with the spec's;
- the decoder fed PNGs built here by that reference filter, for every filter type;
- round trips for every channel count and many shapes; corrupted files (every truncation,
  every single-byte change) must raise DecodeError.

The conformance suite checks the same files with Pillow, pixel for pixel.
"""

import array
import ast
import os
import random
import struct
import subprocess
import sys
import zlib

import pytest

from tinytb import _png
from tinytb.errors import DecodeError

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIGNATURE = b"\x89PNG\r\n\x1a\n"


# --- References written from the spec ----------------------------------------------------


def crc32_reference(data):
    """PNG's CRC (§5.3; the sample code of Annex D): bitwise, polynomial 0xEDB88320
    (reflected), register preset to all ones, complemented at the end."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xEDB88320 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def paeth_reference(a, b, c):
    """§9.4, as printed."""
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    if pb <= pc:
        return b
    return c


def filter_reference(pixels, width, height, bpp, types):
    """The filtered data (§7.2) of an 8-bit image, row ``y`` filtered with ``types[y]``
    by the formulas of §9.2, one byte at a time."""
    stride = width * bpp
    out = bytearray()
    for y in range(height):
        kind = types[y]
        row = pixels[y * stride : (y + 1) * stride]
        prior = pixels[(y - 1) * stride : y * stride] if y else bytes(stride)
        out.append(kind)
        for i in range(stride):
            x = row[i]
            a = row[i - bpp] if i >= bpp else 0
            b = prior[i]
            c = prior[i - bpp] if i >= bpp else 0
            predictor = (0, a, b, (a + b) // 2, paeth_reference(a, b, c))[kind]
            out.append((x - predictor) % 256)
    return bytes(out)


def chunk(chunk_type, data):
    return (
        struct.pack(">I", len(data))
        + chunk_type
        + data
        + struct.pack(">I", zlib.crc32(chunk_type + data))
    )


def ihdr(width, height, colour_type, depth=8, compression=0, filter_method=0, interlace=0):
    return chunk(
        b"IHDR",
        struct.pack(
            ">IIBBBBB", width, height, depth, colour_type, compression, filter_method, interlace
        ),
    )


IEND = chunk(b"IEND", b"")


def build_png(width, height, colour_type, filtered, idat_pieces=1, before=(), after=(), depth=8):
    """A PNG of already filtered data, its zlib stream cut into ``idat_pieces`` IDATs."""
    stream = zlib.compress(filtered)
    size = -(-len(stream) // idat_pieces)
    idats = [chunk(b"IDAT", stream[i : i + size]) for i in range(0, len(stream), size)]
    return b"".join(
        [SIGNATURE, ihdr(width, height, colour_type, depth)]
        + list(before)
        + idats
        + list(after)
        + [IEND]
    )


def chunks(png):
    """[(offset, type, data)] of a PNG, checked by the reference CRC."""
    assert png[:8] == SIGNATURE
    out, pos = [], 8
    while pos < len(png):
        length, chunk_type = struct.unpack(">I4s", png[pos : pos + 8])
        data = png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == crc32_reference(chunk_type + data), chunk_type
        out.append((pos, chunk_type, data))
        pos += 12 + length
    assert pos == len(png)
    return out


def random_bytes(rng, n):
    # random.Random.randbytes is Python 3.9+, and getrandbits(0) fails on 3.8.
    return rng.getrandbits(8 * n).to_bytes(n, "little") if n else b""


def image(kind, width, height, channels, seed=0):
    """Test content: "random" bytes, "flat" colour, "smooth" gradients, "noisy" gradients
    (photograph-like), "graphic" (white with a few lines, plot-like)."""
    rng = random.Random(seed)
    n = width * height * channels
    if kind == "random":
        return random_bytes(rng, n)
    if kind == "flat":
        return bytes([rng.randrange(256)]) * n
    if kind == "smooth":
        return bytes(
            (3 * x + 2 * y + 50 * c) // 4 % 256
            for y in range(height)
            for x in range(width)
            for c in range(channels)
        )
    if kind == "noisy":
        return bytes(
            min(255, max(0, 128 + (x - y) // 3 + c * 20 + rng.randint(-6, 6)))
            for y in range(height)
            for x in range(width)
            for c in range(channels)
        )
    if kind == "graphic":
        out = bytearray(b"\xff" * n)
        for y in range(height):
            for x in (width // 3, (y * 7) % width):
                out[(y * width + x) * channels : (y * width + x + 1) * channels] = bytes(
                    (40 * (c + 1)) % 256 for c in range(channels)
                )
        return bytes(out)
    raise ValueError(kind)


def idat_stream(png):
    return b"".join(data for _, chunk_type, data in chunks(png) if chunk_type == b"IDAT")


# --- Golden files ---------------------------------------------------------------------------

# Constructed by hand from the spec (minpng's spirit): signature (§5.2); IHDR 1x1, bit depth 8,
# colour type 0 (§11.2.2); IDAT holding a zlib stream (RFC 1950 header 78 01, one deflate
# "stored" block of RFC 1951 §3.2.4: 01, LEN 0002, NLEN fffd, then the filtered data 00 80:
# filter type None and the grey value 0x80, and the Adler-32 00820081); IEND (§11.2.5). The
# CRCs were computed by zlib.crc32 and are checked below by the bitwise reference; the IHDR
# and IEND CRCs (3a7e9b55, ae426082) are the well-known values of those chunks.
GREY_1X1 = bytes.fromhex(
    "89504e470d0a1a0a"
    "0000000d49484452000000010000000108000000003a7e9b55"
    "0000000d494441547801010200fdff008000820081c36e25e0"
    "0000000049454e44ae426082"
)

# Constructed by hand the same way: 2x2 RGBA (colour type 6). Row 0 is red, opaque, and
# green at alpha 128, filtered with Sub: ff0000ff, then (00-ff, ff-00, 00-00, 80-ff) mod 256
# = 01ff0081. Row 1 is blue, opaque, and white, transparent, filtered with Up: (00-ff,
# 00-00, ff-00, ff-ff) = 0100ff00 and (ff-00, ff-ff, ff-00, 00-80) = ff00ff80.
RGBA_2X2 = bytes.fromhex(
    "89504e470d0a1a0a"
    "0000000d494844520000000200000002080600000072b60d24"
    "0000001d494441547801011200edff01ff0000ff01ff0081020100ff00ff00ff803c9e0701b95eaf17"
    "0000000049454e44ae426082"
)
RGBA_2X2_PIXELS = bytes.fromhex("ff0000ff00ff00800000ffffffffff00")

# Written by Pillow 13.0.0 (an independent encoder) on 2026-11-26:
#   Image.frombytes("RGB", (3, 2), bytes(range(0, 54, 3))).save(f, "PNG")
# Pillow filtered both rows with Sub and deflated them (level 6, Z_FILTERED).
PILLOW_RGB_3X2 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000030000000208020000001216f14d0000001749444154789c"
    "63646066e3e4e4e4e4e46491969686b000070a00ccd9e7a2480000000049454e44ae426082"
)
PILLOW_RGB_3X2_PIXELS = bytes(range(0, 54, 3))

#   Image.frombytes("LA", (2, 3), bytes([10, 255, 20, 128, 30, 0, 40, 255, 250, 1, 5, 5]))
#   .save(f, "PNG")  (colour type 4)
PILLOW_LA_2X3 = bytes.fromhex(
    "89504e470d0a1a0a0000000d494844520000000200000003080400000013e3160a0000001749444154789c"
    "63e4facfd5c822c2c8f59fe117232b2b001ebe03bd4fdb760a0000000049454e44ae426082"
)
PILLOW_LA_2X3_PIXELS = bytes([10, 255, 20, 128, 30, 0, 40, 255, 250, 1, 5, 5])

#   im = Image.new("P", (4, 3)); im.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255])
#   im.putdata([0, 1, 2, 3, 3, 2, 1, 0, 1, 1, 2, 2])
#   im.save(f, "PNG", transparency=bytes([0, 128]))
# Pillow wrote bit depth 2 (4 colours), a PLTE and a tRNS chunk (alpha 0 and 128 for the first
# two entries). The expected pixels are Pillow's own .convert("RGBA") of the file.
PILLOW_PALETTE_4X3 = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000004000000030203000000c99a46550000000c504c5445000000"
    "ff000000ff000000ff9bc013dc0000000274524e5300809b2b4e180000000e49444154789c63906678c21005"
    "000393015ab945a3090000000049454e44ae426082"
)
PILLOW_PALETTE_4X3_PIXELS = bytes.fromhex(
    "00000000ff00008000ff00ff0000ffff0000ffff00ff00ffff00008000000000"
    "ff000080ff00008000ff00ff00ff00ff"
)

GOLDEN = {
    "grey_1x1": GREY_1X1,
    "rgba_2x2": RGBA_2X2,
    "pillow_rgb": PILLOW_RGB_3X2,
    "pillow_la": PILLOW_LA_2X3,
    "pillow_palette": PILLOW_PALETTE_4X3,
}


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_files_follow_the_chunk_rules(name):
    found = chunks(GOLDEN[name])  # signature, lengths and every CRC, by the reference CRC
    types = [chunk_type for _, chunk_type, _ in found]
    assert types[0] == b"IHDR" and types[-1] == b"IEND" and b"IDAT" in types
    assert len(found[0][2]) == 13 and found[-1][2] == b""


def test_reference_crc_matches_the_published_check_value():
    # CRC-32 (ISO 3309 / V.42, PNG Annex D) check value: "123456789" -> 0xCBF43926.
    assert crc32_reference(b"123456789") == 0xCBF43926 == zlib.crc32(b"123456789")


def test_decode_golden_files():
    assert _png.decode_png(GREY_1X1) == (1, 1, 1, b"\x80")
    assert _png.decode_png(RGBA_2X2) == (2, 2, 4, RGBA_2X2_PIXELS)
    assert _png.decode_png(PILLOW_RGB_3X2) == (3, 2, 3, PILLOW_RGB_3X2_PIXELS)
    assert _png.decode_png(PILLOW_LA_2X3) == (2, 3, 2, PILLOW_LA_2X3_PIXELS)
    assert _png.decode_png(PILLOW_PALETTE_4X3) == (4, 3, 4, PILLOW_PALETTE_4X3_PIXELS)


def test_encode_1x1_grey_matches_the_golden_chunks():
    png = _png.encode_png(b"\x80", 1, 1, 1)
    ours, golden = chunks(png), chunks(GREY_1X1)
    assert png[:8] == SIGNATURE
    assert ours[0] == golden[0]  # IHDR, byte for byte
    assert ours[-1][1:] == golden[-1][1:] and png.endswith(IEND)  # IEND
    assert [t for _, t, _ in ours] == [b"IHDR", b"IDAT", b"IEND"]
    kind, value = zlib.decompress(ours[1][2])
    assert kind in range(5) and value == 0x80  # every filter predicts 0 for a lone pixel
    assert _png.decode_png(png) == (1, 1, 1, b"\x80")


def test_encode_2x2_rgba_round_trips_the_golden_pixels():
    png = _png.encode_png(RGBA_2X2_PIXELS, 2, 2, 4)
    assert chunks(png)[0] == chunks(RGBA_2X2)[0]  # same IHDR
    assert _png.decode_png(png) == (2, 2, 4, RGBA_2X2_PIXELS)


# --- The encoder's filters against the reference -----------------------------------------


def test_paeth_predictor_lanes_match_the_spec():
    edges = (0, 1, 2, 63, 64, 126, 127, 128, 129, 191, 192, 253, 254, 255)
    triples = [(a, b, c) for a in edges for b in edges for c in edges]
    rng = random.Random(4)
    triples += [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(20000)]
    n = len(triples)
    lanes = [int.from_bytes(bytes(t[i] for t in triples), "little") for i in range(3)]
    ones = int.from_bytes(b"\x01" * n, "little")
    got = _png._paeth_predictor(lanes[0], lanes[1], lanes[2], ones << 7, ones * 0x7F)
    assert got.to_bytes(n, "little") == bytes(paeth_reference(*t) for t in triples)


@pytest.mark.parametrize("kind", _png.FILTER_TYPES)
@pytest.mark.parametrize("channels", [1, 2, 3, 4])
def test_each_filter_type_matches_the_reference(kind, channels):
    rng = random.Random(kind * 10 + channels)
    for width, height in ((1, 1), (1, 5), (5, 1), (7, 3), (33, 9)):
        pixels = random_bytes(rng, width * height * channels)
        # mostly runs of equal bytes, so that Paeth's ties (pa == pb, pb == pc) happen
        pixels = bytes(p if p < 200 else 100 for p in pixels)
        stride = width * channels
        padded = _png._padded_rows(memoryview(pixels), height, stride)
        got = b"".join(_png._filtered_strips(padded, height, stride, channels, (kind,)))
        assert got == filter_reference(pixels, width, height, channels, [kind] * height)


@pytest.mark.parametrize("kind", ["random", "smooth", "noisy", "graphic"])
@pytest.mark.parametrize("fast", [False, True], ids=["default", "fast"])
def test_encoded_rows_are_the_reference_filters_of_their_types(kind, fast):
    # Whatever types the encoder picks, each row must be exactly that filter of the pixels.
    for width, height, channels in ((40, 30, 3), (9, 70, 4), (130, 20, 1)):
        pixels = image(kind, width, height, channels, seed=width)
        png = _png.encode_png(pixels, width, height, channels, fast=fast)
        filtered = zlib.decompress(idat_stream(png))
        line = width * channels + 1
        types = [filtered[y * line] for y in range(height)]
        assert set(types) <= set(range(5))
        assert filtered == filter_reference(pixels, width, height, channels, types)


# --- Round trips --------------------------------------------------------------------------

SHAPES = [(1, 1), (1, 9), (9, 1), (2, 2), (3, 5), (31, 2), (2, 33), (17, 17), (64, 40), (129, 3)]


@pytest.mark.parametrize("channels", [1, 2, 3, 4])
@pytest.mark.parametrize("width,height", SHAPES)
def test_round_trip_every_channel_count_and_shape(channels, width, height):
    for kind in ("random", "flat", "smooth", "graphic"):
        pixels = image(kind, width, height, channels, seed=width * 100 + height)
        for fast in (False, True):
            png = _png.encode_png(pixels, width, height, channels, fast=fast)
            ihdr_data = chunks(png)[0][2]
            assert struct.unpack(">IIBBBBB", ihdr_data) == (
                width,
                height,
                8,
                {1: 0, 2: 4, 3: 2, 4: 6}[channels],
                0,
                0,
                0,
            )
            assert _png.decode_png(png) == (width, height, channels, pixels), (kind, fast)


@pytest.mark.parametrize(
    "width,height,channels,kind",
    [
        (300, 200, 3, "noisy"),  # sampled in bands, several strips, photograph-like
        (256, 256, 3, "graphic"),  # plot-like
        (700, 30, 3, "noisy"),  # rows over 2047 bytes: the row cost is summed in pieces
        (257, 300, 4, "smooth"),
        (5, 3000, 1, "noisy"),  # tall and narrow: one filter type, columns copied
        (20000, 2, 1, "random"),  # one wide strip
    ],
)
def test_round_trip_larger_images(width, height, channels, kind):
    pixels = image(kind, width, height, channels, seed=7)
    for fast in (False, True):
        png = _png.encode_png(pixels, width, height, channels, fast=fast)
        assert _png.decode_png(png) == (width, height, channels, pixels)


def test_several_idat_chunks(monkeypatch):
    monkeypatch.setattr(_png, "_IDAT_BYTES", 100)
    pixels = image("random", 30, 20, 3, seed=3)
    png = _png.encode_png(pixels, 30, 20, 3)
    types = [chunk_type for _, chunk_type, _ in chunks(png)]
    assert types.count(b"IDAT") == -(-len(idat_stream(png)) // 100) > 10
    assert types[0] == b"IHDR" and types[-1] == b"IEND"
    assert _png.decode_png(png) == (30, 20, 3, pixels)


def test_bytes_like_inputs():
    width, height, channels = 6, 4, 3
    pixels = image("noisy", width, height, channels)
    expected = _png.encode_png(pixels, width, height, channels)
    doubled = bytes(b for p in pixels for b in (p, 0))
    signed = array.array("b", [p - 256 if p > 127 else p for p in pixels])
    for data in (
        bytearray(pixels),
        memoryview(pixels),
        array.array("B", pixels),
        signed,
        memoryview(pixels).cast("B", (height, width, channels)),
        memoryview(doubled)[::2],
    ):  # not contiguous
        assert _png.encode_png(data, width, height, channels) == expected


def test_output_is_deterministic():
    pixels = image("noisy", 100, 60, 3, seed=5)
    assert _png.encode_png(pixels, 100, 60, 3) == _png.encode_png(pixels, 100, 60, 3)


def test_filters_and_zlib_make_small_files():
    # Not a benchmark (see bench/): a sanity check that the filters are in use.
    width, height = 256, 128
    assert len(_png.encode_png(image("flat", width, height, 3), width, height, 3)) < 1000
    smooth = image("smooth", width, height, 3)
    for fast in (False, True):
        assert len(_png.encode_png(smooth, width, height, 3, fast=fast)) < len(smooth) // 20


# --- The decoder against the reference encoder ---------------------------------------------


@pytest.mark.parametrize("kind", _png.FILTER_TYPES)
@pytest.mark.parametrize("channels,colour_type", [(1, 0), (2, 4), (3, 2), (4, 6)])
def test_decode_every_filter_type(kind, channels, colour_type):
    rng = random.Random(kind + 10 * channels)
    for width, height in ((1, 1), (1, 6), (6, 1), (5, 4), (23, 11)):
        pixels = random_bytes(rng, width * height * channels)
        filtered = filter_reference(pixels, width, height, channels, [kind] * height)
        png = build_png(width, height, colour_type, filtered)
        assert _png.decode_png(png) == (width, height, channels, pixels)


def test_decode_mixed_filter_types_and_several_idats():
    rng = random.Random(11)
    width, height, channels = 19, 25, 3
    pixels = image("noisy", width, height, channels, seed=11)
    types = [rng.randrange(5) for _ in range(height)]
    filtered = filter_reference(pixels, width, height, channels, types)
    for pieces in (1, 2, 7, 1000):
        png = build_png(width, height, 2, filtered, idat_pieces=pieces)
        assert _png.decode_png(png) == (width, height, channels, pixels)
    # an empty IDAT among them is allowed
    stream = zlib.compress(filtered)
    png = b"".join(
        [
            SIGNATURE,
            ihdr(width, height, 2),
            chunk(b"IDAT", stream[:10]),
            chunk(b"IDAT", b""),
            chunk(b"IDAT", stream[10:]),
            IEND,
        ]
    )
    assert _png.decode_png(png) == (width, height, channels, pixels)


def test_decode_skips_ancillary_chunks():
    pixels = image("random", 4, 3, 3)
    filtered = filter_reference(pixels, 4, 3, 3, [0, 1, 2])
    text = chunk(b"tEXt", b"Comment\x00made by a test")
    gamma = chunk(b"gAMA", struct.pack(">I", 45455))
    suggested = chunk(b"PLTE", b"\x00\x00\x00\xff\xff\xff")  # allowed (ignored) for RGB
    png = build_png(4, 3, 2, filtered, before=[gamma, suggested, text], after=[text])
    assert _png.decode_png(png) == (4, 3, 3, pixels)


def test_decode_palette():
    palette = bytes([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30])
    indices = bytes([0, 1, 2, 3, 3, 2, 1, 0])
    filtered = filter_reference(indices, 4, 2, 1, [1, 4])
    rgb = b"".join(palette[3 * i : 3 * i + 3] for i in indices)
    png = build_png(4, 2, 3, filtered, before=[chunk(b"PLTE", palette)])
    assert _png.decode_png(png) == (4, 2, 3, rgb)
    # tRNS with fewer entries than the palette: the others are opaque (§11.3.2.1)
    png = build_png(
        4, 2, 3, filtered, before=[chunk(b"PLTE", palette), chunk(b"tRNS", b"\x00\x80")]
    )
    alpha = [0, 128, 255, 255]
    rgba = b"".join(palette[3 * i : 3 * i + 3] + bytes([alpha[i]]) for i in indices)
    assert _png.decode_png(png) == (4, 2, 4, rgba)


@pytest.mark.parametrize("depth", [1, 2, 4])
def test_decode_low_bit_depths(depth):
    # Greyscale samples scale to 0-255 (1 bit: x255, 2 bits: x85, 4 bits: x17); rows end on
    # a byte boundary (§7.2); the filter unit is one byte (§9.2).
    rng = random.Random(depth)
    width, height = 11, 5
    samples = [[rng.randrange(1 << depth) for _ in range(width)] for _ in range(height)]
    packed = b""
    for row in samples:
        bits = "".join(format(s, "0%db" % depth) for s in row)
        bits += "0" * (-len(bits) % 8)
        packed += bytes(int(bits[i : i + 8], 2) for i in range(0, len(bits), 8))
    row_bytes = len(packed) // height
    filtered = filter_reference(packed, row_bytes, height, 1, [0, 1, 2, 3, 4])
    png = build_png(width, height, 0, filtered, depth=depth)
    scale = 255 // ((1 << depth) - 1)
    assert _png.decode_png(png) == (
        width,
        height,
        1,
        bytes(s * scale for row in samples for s in row),
    )
    palette = bytes(range(3 << depth))
    png = build_png(
        width, height, 3, filtered, depth=depth, before=[chunk(b"PLTE", palette[: 3 << depth])]
    )
    assert _png.decode_png(png)[3] == b"".join(
        palette[3 * s : 3 * s + 3] for row in samples for s in row
    )


# --- Malformed input -----------------------------------------------------------------------

VALID = build_png(3, 2, 2, filter_reference(bytes(range(18)), 3, 2, 3, [1, 4]))


def test_every_truncation_raises_decode_error():
    for size in range(len(VALID)):
        with pytest.raises(DecodeError):
            _png.decode_png(VALID[:size])


def test_every_single_byte_change_raises_decode_error():
    for pos in range(len(VALID)):
        for flip in (0x01, 0x80, 0xFF):
            corrupted = bytearray(VALID)
            corrupted[pos] ^= flip
            with pytest.raises(DecodeError):
                _png.decode_png(bytes(corrupted))


@pytest.mark.parametrize("name", ["IHDR", "IDAT", "IEND"])
def test_crc_mismatch_names_the_chunk_and_its_offset(name):
    offset = VALID.index(name.encode()) - 4
    (length,) = struct.unpack(">I", VALID[offset : offset + 4])
    for where in range(offset + 8, offset + 12 + length):  # every data and CRC byte
        corrupted = bytearray(VALID)
        corrupted[where] ^= 0x01
        with pytest.raises(DecodeError) as info:
            _png.decode_png(bytes(corrupted))
        assert info.value.offset == offset and info.value.section == name
        assert info.value.msg.startswith(name + " chunk CRC mismatch: stored 0x")


def test_decode_error_is_a_value_error_with_where():
    with pytest.raises(ValueError) as info:
        _png.decode_png(b"GIF89a" + bytes(20))
    assert isinstance(info.value, DecodeError)
    assert info.value.offset == 0 and info.value.section == "signature"
    assert "not a PNG file" in str(info.value) and "at byte 0" in str(info.value)


def ihdr_then(*rest, header=None):
    return b"".join((SIGNATURE, header or ihdr(2, 2, 0)) + rest)


GOOD_IDAT = chunk(b"IDAT", zlib.compress(b"\x00\x01\x02\x00\x03\x04"))


@pytest.mark.parametrize(
    "png,message,section",
    [
        (b"", "not a PNG file", "signature"),
        (SIGNATURE, "without an IEND", "chunk"),
        (SIGNATURE + b"\x00\x00\x00", "truncated chunk header", "chunk"),
        (SIGNATURE + GOOD_IDAT + IEND, "first chunk is IDAT, not IHDR", "IDAT"),
        (ihdr_then(GOOD_IDAT), "without an IEND", "chunk"),
        (ihdr_then(GOOD_IDAT, IEND, b"\x00"), "1 bytes after the IEND chunk", "IEND"),
        (ihdr_then(IEND), "no IDAT chunk", "IEND"),
        (ihdr_then(GOOD_IDAT, chunk(b"IEND", b"x")), "IEND chunk with 1 data bytes", "IEND"),
        (ihdr_then(ihdr(2, 2, 0), GOOD_IDAT, IEND), "a second IHDR", "IHDR"),
        (
            ihdr_then(
                chunk(b"IDAT", b"\x78\x9c"),
                chunk(b"tEXt", b"a\x00b"),
                chunk(b"IDAT", zlib.compress(b"x")[2:]),
                IEND,
            ),
            "not consecutive",
            "IDAT",
        ),
        (ihdr_then(chunk(b"ABCD", b""), GOOD_IDAT, IEND), "unknown critical chunk ABCD", "ABCD"),
        (ihdr_then(chunk(b"AB1D", b""), GOOD_IDAT, IEND), "invalid chunk type", "chunk"),
        (ihdr_then(b"\x80\x00\x00\x00IDAT", GOOD_IDAT, IEND), "over 2**31 - 1", "IDAT"),
        (ihdr_then(b"\x00\x00\x01\x00IDAT\x00"), "truncated IDAT chunk", "IDAT"),
        (
            ihdr_then(GOOD_IDAT, IEND, header=chunk(b"IHDR", bytes(12))),
            "IHDR chunk of 12 bytes",
            "IHDR",
        ),
        (ihdr_then(GOOD_IDAT, IEND, header=ihdr(0, 2, 0)), "width 0 is not 1 to 2**31 - 1", "IHDR"),
        (ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2**31, 0)), "height 2147483648", "IHDR"),
        (ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 1)), "invalid colour type 1", "IHDR"),
        (
            ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 2, depth=4)),
            "invalid bit depth 4 for colour type 2",
            "IHDR",
        ),
        (
            ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 6, depth=16)),
            "unsupported bit depth 16",
            "IHDR",
        ),
        (
            ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 0, compression=1)),
            "invalid compression method 1",
            "IHDR",
        ),
        (
            ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 0, filter_method=1)),
            "invalid filter method 1",
            "IHDR",
        ),
        (ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 0, interlace=1)), "interlaced", "IHDR"),
        (
            ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 0, interlace=2)),
            "invalid interlace method 2",
            "IHDR",
        ),
        (ihdr_then(chunk(b"IDAT", b"not zlib"), IEND), "corrupt zlib data", "IDAT"),
        (
            ihdr_then(chunk(b"IDAT", zlib.compress(b"\x00\x01\x02\x00\x03")), IEND),
            "5 bytes, not height * (1 + width * bytes per pixel) = 6",
            "IDAT",
        ),
        (
            ihdr_then(chunk(b"IDAT", zlib.compress(b"\x00\x01\x02\x00\x03\x04\x05")), IEND),
            "longer than height * (1 + width * bytes per pixel) = 6",
            "IDAT",
        ),
        (
            ihdr_then(chunk(b"IDAT", zlib.compress(b"\x00\x01\x02\x00\x03\x04")[:-4]), IEND),
            "cut short",
            "IDAT",
        ),
        (
            ihdr_then(chunk(b"IDAT", zlib.compress(b"\x00\x01\x02\x00\x03\x04") + b"\x00"), IEND),
            "1 bytes after the end of the zlib stream",
            "IDAT",
        ),
        (
            ihdr_then(chunk(b"IDAT", zlib.compress(b"\x00\x01\x02\x05\x03\x04")), IEND),
            "invalid filter type 5 at row 1 (byte 3 of the image data)",
            "IDAT",
        ),
        (ihdr_then(chunk(b"PLTE", b"\x00" * 6), GOOD_IDAT, IEND), "PLTE chunk not allowed", "PLTE"),
        (ihdr_then(GOOD_IDAT, IEND, header=ihdr(2, 2, 3)), "without a PLTE chunk", "IDAT"),
        (
            ihdr_then(chunk(b"PLTE", b"\x00" * 5), GOOD_IDAT, IEND, header=ihdr(2, 2, 3)),
            "PLTE chunk of 5 bytes",
            "PLTE",
        ),
        (
            ihdr_then(
                chunk(b"PLTE", b"\x00" * 6),
                chunk(b"tRNS", b"\x00" * 3),
                GOOD_IDAT,
                IEND,
                header=ihdr(2, 2, 3),
            ),
            "tRNS chunk has 3 entries for a palette of 2",
            "tRNS",
        ),
        (
            ihdr_then(chunk(b"tRNS", b"\x00"), GOOD_IDAT, IEND, header=ihdr(2, 2, 6)),
            "tRNS chunk not allowed",
            "tRNS",
        ),
        (
            ihdr_then(chunk(b"PLTE", b"\x00" * 6), GOOD_IDAT, IEND, header=ihdr(2, 2, 3)),
            "palette index 4 out of range (the palette has 2 entries)",
            "IDAT",
        ),
    ],
)
def test_malformed_input(png, message, section):
    with pytest.raises(DecodeError) as info:
        _png.decode_png(png)
    assert message in info.value.msg
    assert info.value.section == section
    assert info.value.offset is not None and 0 <= info.value.offset <= len(png)


def test_decode_rejects_non_bytes():
    with pytest.raises(TypeError):
        _png.decode_png("\x89PNG")


# --- Argument errors -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "args,error,message",
    [
        (
            (b"\x00" * 4, 2, 2, 0),
            ValueError,
            "channels must be 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA), got 0",
        ),
        ((b"\x00" * 20, 2, 2, 5), ValueError, "channels"),
        ((b"", 0, 2, 1), ValueError, "width must be 1 to 2**31 - 1 (PNG's limit), got 0"),
        ((b"", 2, 0, 1), ValueError, "height must be 1 to 2**31 - 1"),
        ((b"", -1, 2, 1), ValueError, "width"),
        (
            (b"", 2**31, 1, 1),
            ValueError,
            "width must be 1 to 2**31 - 1 (PNG's limit), got 2147483648",
        ),
        ((b"", 1, 2**31, 1), ValueError, "height"),
        (
            (b"\x00" * 5, 2, 2, 1),
            ValueError,
            "data has 5 bytes, but height * width * channels = 2 * 2 * 1 = 4",
        ),
        ((b"\x00" * 4, 2.0, 2, 1), TypeError, "width must be an integer, got float"),
        ((b"\x00" * 4, 2, "2", 1), TypeError, "height must be an integer, got str"),
        ((b"\x00" * 4, 2, 2, True), TypeError, "channels must be an integer, got bool"),
        (([0, 0, 0, 0], 2, 2, 1), TypeError, "data must be a bytes-like object"),
        ((array.array("H", [0] * 4), 2, 2, 1), TypeError, "1-byte samples"),
    ],
)
def test_argument_errors(args, error, message):
    with pytest.raises(error) as info:
        _png.encode_png(*args)
    assert message in str(info.value)


def test_integer_like_arguments():
    class Index:
        def __index__(self):
            return 2

    assert _png.decode_png(_png.encode_png(b"\x01\x02\x03\x04", Index(), Index(), 1)) == (
        2,
        2,
        1,
        b"\x01\x02\x03\x04",
    )


# --- Module hygiene ------------------------------------------------------------------------


def test_zlib_is_imported_lazily():
    path = os.path.join(ROOT, "tinytb", "_png.py")
    with open(path, encoding="utf-8") as f:
        source = f.read()
    assert source.startswith("# SPDX-License-Identifier: MIT\n")
    tree = ast.parse(source)
    top_level = set()
    for node in tree.body:
        if isinstance(node, ast.Import):
            top_level.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            top_level.add("." * node.level + (node.module or ""))
    assert top_level == {"operator", "struct", "itertools", ".errors"}
    code = (
        "import sys, tinytb; before = 'zlib' in sys.modules; import tinytb._png; "
        "print(before, 'zlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-S", "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    before, after = out.stdout.split()
    assert after == before


# --- Decoder limits ------------------------------------------------------------------------


def zero_rows_stream(megabytes):
    """A zlib stream of ``megabytes`` MiB of zero bytes, built in milliseconds: deflate of a
    zero MiB after a zero MiB, flushed to a byte boundary (Z_SYNC_FLUSH), is the same bytes
    every time, so the middle repeats; the Adler-32 trailer is computed for the whole."""
    zeros = bytes(1 << 20)
    compressor = zlib.compressobj(9)
    pieces = []
    for _ in range(3):
        pieces.append(compressor.compress(zeros) + compressor.flush(zlib.Z_SYNC_FLUSH))
    assert pieces[1] == pieces[2]
    tail = compressor.flush(zlib.Z_FINISH)[:-4]  # the final empty block, without Adler-32
    adler = 1
    for _ in range(megabytes):
        adler = zlib.adler32(zeros, adler)
    return pieces[0] + pieces[1] * (megabytes - 1) + tail + struct.pack(">I", adler)


def test_zero_rows_stream_is_a_valid_zlib_stream():
    stream = zero_rows_stream(5)
    assert zlib.decompress(stream) == bytes(5 << 20)


def test_zlib_bomb_is_refused_before_inflating():
    # The case: a 194 KB PNG that decoded to 3.4 GB. 1-bit indexed colour, all rows
    # zero (filter type None, palette index 0): every bit of the 141 MiB zlib output becomes
    # 3 RGB bytes. 32760 x 36288 pixels, rows of 4095 + 1 bytes: exactly 141.75 MiB.
    width, height = 4095 * 8, 36288
    stream = zero_rows_stream(height * 4096 >> 20)
    png = b"".join(
        [
            SIGNATURE,
            ihdr(width, height, 3, depth=1),
            chunk(b"PLTE", b"\x00" * 3),
            chunk(b"IDAT", stream),
            IEND,
        ]
    )
    assert len(png) < 200_000 and width * height * 3 > 3.4e9
    with pytest.raises(DecodeError) as info:
        _png.decode_png(png)
    assert info.value.section == "IHDR" and info.value.offset == 8
    assert "over the decoder's limit of 268435456 pixels (max_pixels)" in info.value.msg


def test_max_pixels_is_the_limit():
    png = build_png(4, 3, 0, b"\x00\x01\x02\x03\x04" * 3)
    assert _png.decode_png(png, max_pixels=12)[3] == b"\x01\x02\x03\x04" * 3
    with pytest.raises(DecodeError, match="4 x 3 pixels is over the decoder's limit of 11"):
        _png.decode_png(png, max_pixels=11)
    with pytest.raises(TypeError, match="max_pixels"):
        _png.decode_png(png, max_pixels=1.5)


def test_69_byte_png_of_2_31_square_pixels():
    # The case: the largest dimensions IHDR allows raised OverflowError (the expected
    # size, 1.4e19 bytes, does not fit zlib's max_length) instead of DecodeError.
    png = b"".join(
        [SIGNATURE, ihdr(2**31 - 1, 2**31 - 1, 2), chunk(b"IDAT", zlib.compress(bytes(4))), IEND]
    )
    assert len(png) == 69
    with pytest.raises(DecodeError, match="2147483647 x 2147483647 pixels is over"):
        _png.decode_png(png)


def split_chunks(png):
    """[(type, data)] of a well-formed PNG (CRCs not checked)."""
    out, pos = [], 8
    while pos < len(png):
        length, chunk_type = struct.unpack(">I4s", png[pos : pos + 8])
        out.append((chunk_type, png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


def fuzz_seeds():
    """Small valid PNGs of every kind the decoder reads."""
    palette = chunk(b"PLTE", bytes(range(12)))
    seeds = [
        _png.encode_png(image("noisy", 5, 4, channels), 5, 4, channels) for channels in (1, 2, 3, 4)
    ]
    seeds.append(
        build_png(
            3,
            2,
            2,
            filter_reference(bytes(range(18)), 3, 2, 3, [1, 4]),
            idat_pieces=3,
            before=[chunk(b"tEXt", b"k\x00v")],
        )
    )
    seeds.append(build_png(3, 2, 3, b"\x00\x00\x01\x02\x00\x03\x02\x01", before=[palette]))
    seeds.append(
        build_png(
            9,
            2,
            3,
            b"\x00\x1b\x39\x00\x00\x3f\x01\x40",
            depth=2,
            before=[palette, chunk(b"tRNS", b"\x00\x80")],
        )
    )
    seeds.append(build_png(9, 2, 0, b"\x01\xa5\x80\x02\x0f\x00", depth=1))
    return seeds


def mutate(rng, png):
    """One random change: bytes flipped anywhere, or a chunk's data changed and its CRC made
    right again (so the change reaches the chunk's handler), or the chunks reordered, or the
    image data changed and recompressed (so the change reaches the filters and palette)."""
    how = rng.randrange(6)
    if how == 0:
        out = bytearray(png)
        for _ in range(rng.randint(1, 4)):
            out[rng.randrange(len(out))] = rng.randrange(256)
        return bytes(out)
    if how == 1:
        cut = rng.randrange(len(png))
        return png[:cut] + random_bytes(rng, rng.randrange(3) * rng.randrange(20))
    parts = split_chunks(png)
    if how == 2:
        i = rng.randrange(len(parts))
        data = bytearray(parts[i][1])
        for _ in range(rng.randint(1, 3)):
            if data and rng.random() < 0.7:
                data[rng.randrange(len(data))] = rng.randrange(256)
            else:
                data[rng.randrange(len(data) + 1) : 0] = random_bytes(rng, rng.randint(1, 4))
        parts[i] = (parts[i][0], bytes(data))
    elif how == 3:
        i, j = rng.randrange(len(parts)), rng.randrange(len(parts))
        if rng.random() < 0.5:
            parts[i], parts[j] = parts[j], parts[i]
        else:
            parts.insert(j, parts[i])
    elif how == 4:  # IHDR fields: dimensions, bit depth, colour type
        fields = list(struct.unpack(">IIBBBBB", parts[0][1]))
        field = rng.randrange(4)
        fields[field] = (
            rng.choice([0, 1, 2, 3, 7, 8, 9, 2**14, 2**31 - 1, 2**32 - 1])
            if field < 2
            else rng.choice([0, 1, 2, 3, 4, 6, 8, 16])
        )
        parts[0] = (b"IHDR", struct.pack(">IIBBBBB", *fields))
    else:  # the decompressed image data
        raw = bytearray(zlib.decompress(b"".join(d for t, d in parts if t == b"IDAT")))
        for _ in range(rng.randint(1, 3)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        if rng.random() < 0.3:
            del raw[rng.randrange(len(raw)) :]
        parts = [p for p in parts if p[0] != b"IDAT"]
        parts.insert(len(parts) - 1, (b"IDAT", zlib.compress(bytes(raw))))
    return SIGNATURE + b"".join(chunk(t, d) for t, d in parts)


def test_fuzz_only_decode_error_escapes():
    rng = random.Random(20261207)
    seeds = fuzz_seeds()
    for seed in seeds:
        _png.decode_png(seed)  # the seeds are valid
    decoded = 0
    for case in range(3000):
        png = mutate(rng, rng.choice(seeds))
        try:
            _png.decode_png(png)
        except DecodeError:
            continue
        except Exception as error:  # pragma: no cover - what the test is for
            raise AssertionError("case %d: %r raised %r" % (case, png, error)) from error
        decoded += 1
    assert 0 < decoded < 3000  # some mutations are still valid PNGs; most are not
