# SPDX-License-Identifier: MIT
"""PNG images with 8 bits per sample: an encoder tuned for size and speed, and a small decoder.

The format (W3C, "Portable Network Graphics (PNG) Specification (Third Edition)"; the section
numbers below are that document's):

    §5.2   PNG signature: 137 80 78 71 13 10 26 10.
    §5.3   Chunk layout: Length (4-byte unsigned integer, at most 2**31 - 1), Chunk Type
           (4 bytes), Chunk Data (Length bytes), CRC (4 bytes). "The CRC is calculated on the
           preceding bytes in the chunk, including the chunk type field and chunk data fields,
           but not including the length field." It is the CRC-32 of ISO 3309 / ITU-T V.42,
           which is zlib's ``crc32``. All integers are big-endian (§7.1).
    §5.4   A chunk type is 4 ASCII letters; a lower-case first letter marks an ancillary chunk
           (a decoder may skip it), an upper-case one a critical chunk.
    §11.2.2 IHDR, first: Width (4 bytes), Height (4 bytes), Bit depth, Colour type,
           Compression method, Filter method, Interlace method (1 byte each). "Zero is an
           invalid value" for width and height; colour types 0 greyscale, 2 truecolour,
           3 indexed-colour, 4 greyscale with alpha, 6 truecolour with alpha.
    §11.2.3 PLTE: 1 to 256 palette entries of 3 bytes (red, green, blue), before the first
           IDAT; required for colour type 3, not allowed for types 0 and 4.
    §11.2.4 IDAT: "There may be multiple IDAT chunks; if so, they shall appear consecutively
           with no other intervening chunks. The compressed datastream is then the
           concatenation of the contents of the data fields of all the IDAT chunks."
    §11.2.5 IEND, last: "The chunk's data field is empty."
    §11.3.2.1 tRNS for colour type 3: one alpha byte per palette entry, possibly fewer
           bytes than entries (the others are opaque).
    §10.1  Compression method 0: a zlib datastream (RFC 1950) of deflate data (RFC 1951)
           with a window of at most 32768 bytes.
    §7.2, §9 Each row of the image becomes one filter-type byte followed by the filtered
           bytes of the row. With x the byte being filtered, a the corresponding byte of the
           pixel to the left, b the byte above and c the byte above a (0 where there is no
           such pixel), and all arithmetic modulo 256 (§9.2):

               0 None     Filt(x) = Orig(x)
               1 Sub      Filt(x) = Orig(x) - Orig(a)
               2 Up       Filt(x) = Orig(x) - Orig(b)
               3 Average  Filt(x) = Orig(x) - floor((Orig(a) + Orig(b)) / 2)
               4 Paeth    Filt(x) = Orig(x) - PaethPredictor(Orig(a), Orig(b), Orig(c))

           §9.4: p = a + b - c; pa = |p - a|; pb = |p - b|; pc = |p - c|;
           if pa <= pb and pa <= pc: Pr = a; elif pb <= pc: Pr = b; else: Pr = c.

:func:`encode_png` writes greyscale, grey+alpha, RGB and RGBA images (1 to 4 channels, bit
depth 8, not interlaced). :func:`decode_png` reads colour types 0, 2, 3, 4 and 6 at bit depth 8
(and 1, 2, 4 for types 0 and 3), not interlaced, and checks every CRC; anything else raises
:class:`~tinytb.errors.DecodeError`, and so does an image over ``max_pixels``
(:data:`MAX_PIXELS`, 2**28), refused from its IHDR before anything is inflated or allocated.
It is for tests and readers: plain Python loops undo the Average and Paeth filters, at 3 to
6 MB/s.

**Filters in big integers.** The encoder filters a strip of rows (about 64 KB) at a time,
read as ONE Python ``int``: each byte is a lane, and a bytewise operation over the strip is
a handful of C big-int operations (SWAR, "SIMD within a register"). With H = 0x80 and
L = 0x7F in every byte:

    bytewise (x - y) mod 256      ((x | H) - (y & L)) ^ (((x ^ y) & H) ^ H)
    bytewise floor((x + y) / 2)   (x & y) + (((x ^ y) & 0xFE...) >> 1)

The bytes to the left are the strip shifted by one pixel, with the first pixel of each row
masked to zero; the bytes above are the strip shifted by one row. Paeth's comparisons are
done the same way (``_paeth_predictor``). Strips that fit in the CPU cache run about three
times faster than one int for a 512x512 image.

**Choosing filters and zlib settings.** All five filters are computed for a sample of the
rows (4 bands spread over the image, about 1/16 of it; small images whole). Each sample row
votes for the filter type whose bytes are smallest (the sum of their distances from 0, capped
at 32; Pillow and libpng use the uncapped sum), and the types with at least 1% of the votes
are tried on every row of the image, each row taking its cheapest. Graphics (the favourite
type leaves 80% of the sample zero: plots, masks) keep only the types with a quarter of the
votes, because one type for all rows keeps their long repeats intact. The filtered sample is
then deflated with the candidate settings and the smallest wins: ``Z_FILTERED`` at level 6
(Pillow's: it drops short matches for Huffman codes, best on noisy data), ``Z_RLE`` (runs
only, several times faster: best on some photographs) and, where long matches pay (Z_FILTERED
beats Z_RLE by 5%: flat areas, repeated shapes), the default strategy. Where matches are rare
``Z_FILTERED`` runs at level 7, which then costs little more than level 6 and gives the
margin over Pillow on photographs.

Pillow (``Image.fromarray(a).save(f, "PNG")``) picks each row's filter by the sum of absolute
values over all five types and deflates at level 6 with ``Z_FILTERED``. Compared with it
(512x512-ish images, medians of interleaved runs on a shared 2-core host): photographs 0.1-3%
smaller, in 0.2-0.9x Pillow's time when noisy or JPEG-decoded and 1.1-1.4x when real (level
7 and the per-row choice cost up to a quarter more there); plots and masks 5-28% smaller in
1.1-1.2x its time; small flat graphics and tiny images up to 2-3x its time (a few ms).

``fast=True`` skips the per-row choice and level 6: one filter type (the sample's favourite)
and ``Z_RLE`` or level 1, whichever makes the smaller sample. On photographs that is 0.15-0.5x
Pillow's time for files 3% smaller to 6% larger; plots come out 10% larger, flat graphics up
to a few times larger.
"""

import operator
import struct
from itertools import accumulate

from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Tuple

__all__ = ["encode_png", "decode_png", "SIGNATURE", "MAX_PIXELS"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"  # §5.2

_CHUNK_HEAD = struct.Struct(">I4s")  # §5.3: Length, Chunk Type
_CRC = struct.Struct(">I")  # §5.3: CRC
_IHDR = struct.Struct(">IIBBBBB")  # §11.2.2: width, height, bit depth, colour type,
#                                    compression method, filter method, interlace method
IHDR_LENGTH = _IHDR.size  # 13

MAX_DIMENSION = 2**31 - 1  # §11.2.2 (width, height) and §5.3 (chunk length)
BIT_DEPTH = 8

# Colour types (§11.2.2) and their samples per pixel at bit depth 8.
GREYSCALE, TRUECOLOUR, INDEXED, GREYSCALE_ALPHA, TRUECOLOUR_ALPHA = 0, 2, 3, 4, 6
COLOUR_TYPE_OF_CHANNELS = {1: GREYSCALE, 2: GREYSCALE_ALPHA, 3: TRUECOLOUR, 4: TRUECOLOUR_ALPHA}
CHANNELS_OF_COLOUR_TYPE = {
    GREYSCALE: 1,
    TRUECOLOUR: 3,
    INDEXED: 1,
    GREYSCALE_ALPHA: 2,
    TRUECOLOUR_ALPHA: 4,
}

# Filter types (§9.2).
NONE, SUB, UP, AVERAGE, PAETH = 0, 1, 2, 3, 4
FILTER_TYPES = (NONE, SUB, UP, AVERAGE, PAETH)

# zlib. memLevel 9 (Pillow's too) makes the smallest files; a window of 2**15 bytes is the
# most a PNG decoder has to support (§10.1).
_WBITS = 15
_MEMLEVEL = 9
_Z_DEFAULT_STRATEGY, _Z_FILTERED, _Z_RLE = 0, 1, 3  # zlib.h's values, as zlib.Z_* has them

# (strategy, level) pairs the encoder tries.
_FILTERED = (_Z_FILTERED, 6)
_FILTERED_SPARSE = (_Z_FILTERED, 7)  # _FILTERED where matches are rare (see _plan)
_DEFAULT = (_Z_DEFAULT_STRATEGY, 6)
_RLE = (_Z_RLE, 1)  # Z_RLE ignores the level but for level 0
_FAST_DEFAULT = (_Z_DEFAULT_STRATEGY, 1)
# A sample is shorter than the image, so it shows fewer of the long-distance matches that
# Z_FILTERED and the default strategy can use: on a near tie, do not pick Z_RLE.
_HANDICAP = {_FILTERED: 0.999, _DEFAULT: 1.0, _RLE: 1.0, _FAST_DEFAULT: 1.0}
_SPARSE_MATCHES = 0.95  # Z_FILTERED saves under 5% over Z_RLE: matches are rare

_STRIP_BYTES = 1 << 16  # filter as many rows at a time as fit in 64 KB (at least one)
_SAMPLE_FRACTION = 16  # the sample is about 1/16 of the image ...
_SAMPLE_BANDS = 4  # ... in 4 bands of rows spread over it ...
_SAMPLE_MIN_ROWS = 8  # ... of 8 rows or more ...
_SAMPLE_MIN_BYTES = 16 << 10  # ... and 16 KB to 256 KB in all;
_SAMPLE_MAX_BYTES = 256 << 10
_SAMPLE_ALL_BYTES = 16 << 10  # images up to 16 KB are tried whole
_CANDIDATE_VOTES = 0.01  # filter types winning 1% of the sample rows (one at least) are tried
#                          on every row;
_GRAPHIC_VOTES = 0.25  # for graphics, types winning a quarter of them;
_GRAPHIC_ZEROS = 0.8  # graphics: the favourite filter leaves 80% of the sample bytes zero
_PER_ROW_MIN_STRIDE = 32  # narrower images use one filter type: per-row costs are Python work
_IDAT_BYTES = 1 << 20  # IDAT chunks of at most 1 MiB


def _zlib():
    # zlib is an optional part of CPython (zipfile's pattern): import it when it is used, so
    # that "import tinytb" stays light, and works on a Python built without it.
    try:
        import zlib
    except ImportError:  # pragma: no cover - rare builds
        raise RuntimeError("PNG images need the zlib module, which this Python lacks") from None
    return zlib


def _chunk(crc32, chunk_type, data):
    """One chunk (§5.3): length, type, data, and the CRC-32 of type and data."""
    return b"".join(
        (_CHUNK_HEAD.pack(len(data), chunk_type), data, _CRC.pack(crc32(data, crc32(chunk_type))))
    )


# --- Encoder ------------------------------------------------------------------------------


def encode_png(data, width, height, channels, fast=False):
    """A PNG file (``bytes``) of an image with 8 bits per sample.

    ``data``: a bytes-like object holding ``height * width * channels`` samples (uint8), rows
    top to bottom, pixels left to right, the channels of a pixel together (HWC). ``channels``:
    1 grey, 2 grey and alpha, 3 RGB, 4 RGBA. ``fast``: several times faster, but bigger files
    for graphics (see the module docstring).
    """
    width = _dimension(width, "width")
    height = _dimension(height, "height")
    channels = _integer(channels, "channels")
    if channels not in COLOUR_TYPE_OF_CHANNELS:
        raise ValueError(
            "channels must be 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA), got %d" % channels
        )
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError(
            "data must be a bytes-like object of uint8 samples, got %s" % type(data).__name__
        ) from None
    if view.itemsize != 1:
        raise TypeError(
            "data must hold 1-byte samples (uint8), got %d-byte items (format %r)"
            % (view.itemsize, view.format)
        )
    expected = height * width * channels
    if view.nbytes != expected:
        raise ValueError(
            "data has %d bytes, but height * width * channels = %d * %d * %d = %d"
            % (view.nbytes, height, width, channels, expected)
        )
    zlib = _zlib()
    stride = width * channels
    padded = _padded_rows(view, height, stride)
    kinds, settings, stream = _plan(zlib, padded, height, stride, channels, fast)
    if stream is None:
        stream = _deflate(zlib, _filtered_strips(padded, height, stride, channels, kinds), settings)
    del padded
    crc32 = zlib.crc32
    ihdr = _IHDR.pack(width, height, BIT_DEPTH, COLOUR_TYPE_OF_CHANNELS[channels], 0, 0, 0)
    parts = [SIGNATURE, _chunk(crc32, b"IHDR", ihdr)]
    for start in range(0, len(stream), _IDAT_BYTES):
        parts.append(_chunk(crc32, b"IDAT", stream[start : start + _IDAT_BYTES]))
    parts.append(_chunk(crc32, b"IEND", b""))
    return b"".join(parts)


def _integer(value, name):
    if isinstance(value, bool):
        raise TypeError("%s must be an integer, got bool" % name)
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError("%s must be an integer, got %s" % (name, type(value).__name__)) from None


def _dimension(value, name):
    value = _integer(value, name)
    if not 1 <= value <= MAX_DIMENSION:
        raise ValueError("%s must be 1 to 2**31 - 1 (PNG's limit), got %d" % (name, value))
    return value


def _padded_rows(view, height, stride):
    """The image's rows, each after a zero byte: the layout of the filtered data (§7.2), with
    room for the filter-type bytes."""
    raw = view.cast("B") if view.c_contiguous else memoryview(view.tobytes())
    line = stride + 1
    out = bytearray(height * line)
    if height <= stride:
        for row in range(height):
            out[row * line + 1 : (row + 1) * line] = raw[row * stride : (row + 1) * stride]
    else:  # tall and narrow: fewer columns than rows to copy
        for column in range(stride):
            out[column + 1 :: line] = raw[column::stride]
    return out


def _deflate(zlib, pieces, settings):
    strategy, level = settings
    compressor = zlib.compressobj(level, zlib.DEFLATED, _WBITS, _MEMLEVEL, strategy)
    out = [compressor.compress(piece) for piece in pieces]
    out.append(compressor.flush())
    return b"".join(out)


def _strip_rows(line):
    return max(1, _STRIP_BYTES // line)


def _filtered_strips(padded, height, stride, bpp, kinds):
    """The filtered data (§7.2) of the image, strip by strip, each row filtered with the
    type of ``kinds`` that suits it best."""
    line = stride + 1
    rows = _strip_rows(line)
    for first in range(0, height, rows):
        end = min(first + rows, height)
        yield _pick_rows(
            _filter_strip(padded, stride, bpp, first, end, kinds), end - first, line, kinds
        )


def _sample_bands(height, line):
    """The row ranges (first, end) of the sample: the whole image if it is small, else
    ``_SAMPLE_BANDS`` bands spread over it (each cut into strips)."""
    total = height * line
    if total <= _SAMPLE_ALL_BYTES:
        return [(0, height)]
    want = min(max(total // _SAMPLE_FRACTION, _SAMPLE_MIN_BYTES), _SAMPLE_MAX_BYTES)
    rows = max(_SAMPLE_MIN_ROWS, -(-want // (_SAMPLE_BANDS * line)))
    count = min(_SAMPLE_BANDS, height // rows)
    if count <= 1:
        return [(0, height)]
    step = _strip_rows(line)
    bands = []
    for i in range(count):
        first = (height - rows) * (2 * i + 1) // (2 * count)
        bands.extend(
            (start, min(start + step, first + rows)) for start in range(first, first + rows, step)
        )
    return bands


def _plan(zlib, padded, height, stride, bpp, fast):
    """Pick the filter types and the zlib settings on a sample of the rows (module docstring).

    Returns ``(kinds, settings, stream)``: the candidate filter types, ``(strategy, level)``,
    and the finished deflate stream when the sample was the whole image (else None)."""
    line = stride + 1
    bands = _sample_bands(height, line)
    whole = sum(end - first for first, end in bands) == height
    outputs = [_filter_strip(padded, stride, bpp, first, end, FILTER_TYPES) for first, end in bands]
    votes = [0] * len(FILTER_TYPES)
    for out, (first, end) in zip(outputs, bands):
        for kind in _row_choices(out, end - first, line, FILTER_TYPES):
            votes[kind] += 1
    favourite = max(FILTER_TYPES, key=votes.__getitem__)
    zeros = sum(out[favourite].count(0) for out in outputs)
    graphic = zeros >= _GRAPHIC_ZEROS * sum(len(out[favourite]) for out in outputs)
    if fast or stride < _PER_ROW_MIN_STRIDE:
        kinds = (favourite,)
    else:
        least = max(1, sum(votes) * (_GRAPHIC_VOTES if graphic else _CANDIDATE_VOTES))
        kinds = tuple(kind for kind in FILTER_TYPES if votes[kind] >= least)
    sample = [
        _pick_rows(out, end - first, line, kinds) for out, (first, end) in zip(outputs, bands)
    ]
    del outputs
    trials = {}

    def trial(settings):
        trials[settings] = _deflate(zlib, sample, settings)
        return len(trials[settings])

    if fast:
        trial(_RLE)
        trial(_FAST_DEFAULT)
        sparse = False
    elif graphic:  # not Z_RLE: its sample is small, but rare rows can make the image big
        trial(_FILTERED)
        trial(_DEFAULT)
        sparse = False
    else:
        sparse = trial(_FILTERED) >= _SPARSE_MATCHES * trial(_RLE)
        if not sparse:  # long matches pay: flat areas, repeated shapes
            trial(_DEFAULT)
    settings = min(trials, key=lambda key: len(trials[key]) * _HANDICAP[key])
    if settings == _FILTERED and sparse:
        settings = _FILTERED_SPARSE
    return kinds, settings, trials.get(settings) if whole else None


# Strip geometry: masks and lane constants, cached (a writer logs images of a few sizes).
_geometry_cache: dict = {}


def _geometry(stride, bpp, rows):
    key = (stride, bpp, rows)
    geometry = _geometry_cache.get(key)
    if geometry is None:
        line = stride + 1
        size = rows * line
        ones = int.from_bytes(b"\x01" * size, "little")
        high = ones << 7  # H: 0x80 in every byte
        low = ones * 0x7F  # L: 0x7F in every byte
        # the bytes that have a pixel to their left: not the pad, not the first pixel
        left_mask = int.from_bytes((bytes(1 + bpp) + b"\xff" * (stride - bpp)) * rows, "little")
        data_mask = int.from_bytes((b"\x00" + b"\xff" * stride) * rows, "little")
        pads = int.from_bytes((b"\x01" + bytes(stride)) * rows, "little")
        geometry = (size, high, low, left_mask, data_mask, pads)
        if len(_geometry_cache) >= 8:
            _geometry_cache.clear()
        _geometry_cache[key] = geometry
    return geometry


def _filter_strip(padded, stride, bpp, first, end, kinds):
    """Rows ``first`` to ``end`` filtered with each type of ``kinds``: {type: their filtered
    data, each row a filter-type byte and the filtered bytes}."""
    line = stride + 1
    if first:
        src = padded[(first - 1) * line : end * line]  # with the row above
    else:
        src = bytes(line) + padded[: end * line]  # above the image: zeros
    out = {}
    if NONE in kinds:
        out[NONE] = bytes(src[line:])  # the pad bytes are 0, the None filter's type
        if len(kinds) == 1:
            return out
    size, high, low, left_mask, data_mask, pads = _geometry(stride, bpp, end - first + 1)
    x = int.from_bytes(src, "little")
    x_high = x | high
    x_flip = (x & high) ^ high

    def minus(y):  # bytewise (x - y) mod 256
        return (x_high - (y & low)) ^ (x_flip ^ (y & high))

    left = (x << (8 * bpp)) & left_mask
    up = x << (8 * line)  # its top row, and what spills past the strip, are masked at the end
    for kind in kinds:
        if kind == SUB:
            filtered = minus(left)
        elif kind == UP:
            filtered = minus(up)
        elif kind == AVERAGE:
            filtered = minus((left & up) + (((left ^ up) & (low << 1)) >> 1))
        elif kind == PAETH:
            upper_left = (up << (8 * bpp)) & left_mask
            filtered = minus(_paeth_predictor(left, up, upper_left, high, low))
        else:
            continue
        # The top row (the row above the strip) is dropped; the pads get the filter type.
        out[kind] = ((filtered & data_mask) | (pads * kind)).to_bytes(size, "little")[line:]
    return out


def _paeth_predictor(a, b, c, high, low):
    """§9.4's PaethPredictor in every byte lane of ``a``, ``b`` and ``c`` at once.

    With u = b - c and v = a - c: pa = |u|, pb = |v|, pc = |u + v|. Where u and v have the same
    sign, pc = pa + pb is never the smallest, and the choice is a if pa <= pb, else b. Where
    their signs differ, pc = |pa - pb|, and the choice is a if 2 pa <= pb, else b if
    2 pb <= pa, else c. Flags live in bit 7 of each byte (``high``)."""
    bc = b ^ c
    diff = (b | high) - (c & low)  # bit 7: the low 7 bits of b >= those of c
    u = diff ^ ((bc & high) ^ high)  # (b - c) mod 256
    u_neg = (((bc & b) | ((bc ^ high) & diff)) & high) ^ high  # b < c
    ac = a ^ c
    diff = (a | high) - (c & low)
    v = diff ^ ((ac & high) ^ high)  # (a - c) mod 256
    v_neg = (((ac & a) | ((ac ^ high) & diff)) & high) ^ high  # a < c
    s = u_neg >> 7
    pa = (u ^ (s * 0xFF)) + s  # |b - c|: negated where b < c
    s = v_neg >> 7
    pb = (v ^ (s * 0xFF)) + s  # |a - c|
    opposite = u_neg ^ v_neg
    d = pa ^ pb
    # pa <= pb: pb's bit 7 set and pa's clear, or the same bit 7 and no borrow below it
    pa_le_pb = ((d & pb) | ((d ^ high) & ((pb | high) - (pa & low)))) & high
    # pa <= pb // 2 and pb <= pa // 2 (a half has bit 7 clear)
    pa_le_half_pb = ((((pb >> 1) & low) | high) - (pa & low)) & (pa ^ high) & high
    pb_le_half_pa = ((((pa >> 1) & low) | high) - (pb & low)) & (pb ^ high) & high
    choose_a = pa_le_pb ^ ((pa_le_pb ^ pa_le_half_pb) & opposite)
    choose_b = (opposite ^ high) | pb_le_half_pa  # where a is not chosen
    predictor = c ^ (bc & ((choose_b >> 7) * 0xFF))
    return predictor ^ ((a ^ predictor) & ((choose_a >> 7) * 0xFF))


# The cost of a filtered byte when picking a row's filter type: its distance from 0 as a
# signed byte (Pillow's and libpng's measure), capped at 32 so that a row's sum is exact in the
# low half of an Adler-32 (which adds bytes modulo 65521, in C) for pieces of 2047 bytes.
_COST_CAP = 32
_COST = bytes(min(v, 256 - v, _COST_CAP) for v in range(256))
_COST_PIECE = 65520 // _COST_CAP


def _row_choices(outputs, rows, line, kinds):
    """For each row, the type among ``kinds`` whose filtered row costs least."""
    if len(kinds) == 1:
        return [kinds[0]] * rows
    adler32 = _zlib().adler32
    costs = [(kind, memoryview(outputs[kind].translate(_COST))) for kind in kinds]
    choices = []
    append = choices.append
    if line - 1 <= _COST_PIECE:
        for start in range(1, rows * line, line):  # after the filter-type byte
            end = start + line - 1
            best = 1 << 62
            for kind, cost in costs:
                total = adler32(cost[start:end]) & 0xFFFF
                if total < best:
                    best, chosen = total, kind
            append(chosen)
        return choices
    for start in range(1, rows * line, line):
        end = start + line - 1
        best = 1 << 62
        for kind, cost in costs:
            total = 0
            for piece in range(start, end, _COST_PIECE):
                total += adler32(cost[piece : min(piece + _COST_PIECE, end)]) & 0xFFFF
            if total < best:
                best, chosen = total, kind
        append(chosen)
    return choices


def _pick_rows(outputs, rows, line, kinds):
    """A strip's filtered data, each row with its cheapest type among ``kinds``."""
    choices = _row_choices(outputs, rows, line, kinds)
    first = choices[0]
    if choices.count(first) == rows:
        return outputs[first]
    out = bytearray(rows * line)
    for row, kind in enumerate(choices):
        out[row * line : (row + 1) * line] = outputs[kind][row * line : (row + 1) * line]
    return out


# --- Decoder ------------------------------------------------------------------------------

# The decoder's limit: an IHDR of 25 bytes can declare 2**31 - 1 x 2**31 - 1 pixels, and a
# zlib stream of a few hundred KB inflates to gigabytes of zero rows. Images over this many
# pixels (width * height) are refused from the IHDR, before anything is inflated or
# allocated. 2**28 pixels is 16384 x 16384: at most 1 GiB of RGBA output.
MAX_PIXELS = 1 << 28


class _Chunks:
    """What the chunks read so far said: decode_png's state, filled in by the handlers."""

    __slots__ = ("max_pixels", "header", "palette", "alpha", "idat", "idat_offset", "previous")

    def __init__(self, max_pixels: int) -> None:
        self.max_pixels = max_pixels
        self.header = None  # (width, height, bit depth, colour type) from IHDR
        self.palette = None  # PLTE's bytes
        self.alpha = None  # tRNS's bytes, for indexed colour
        self.idat: list = []  # the IDAT chunks' data, in order
        self.idat_offset = None  # where the first IDAT chunk starts
        self.previous = b""  # the type of the chunk before this one


def _on_ihdr(state, body, pos, name):
    if state.header is not None:
        raise DecodeError("a second IHDR chunk", pos, name)
    state.header = header = _read_ihdr(body, pos)
    width, height = header[:2]
    if width * height > state.max_pixels:
        raise DecodeError(
            "image of %d x %d pixels is over the decoder's limit of %d pixels "
            "(max_pixels)" % (width, height, state.max_pixels),
            pos,
            name,
        )


def _on_idat(state, body, pos, name):
    # §11.2.4: IDAT chunks "shall appear consecutively with no other intervening chunks"
    if state.idat and state.previous != b"IDAT":
        raise DecodeError("IDAT chunks are not consecutive", pos, name)
    if state.idat_offset is None:
        state.idat_offset = pos
    state.idat.append(body)


def _on_plte(state, body, pos, name):
    colour_type = state.header[3]
    # §11.2.3: one PLTE, before the first IDAT, not for greyscale
    if state.palette is not None or colour_type in (GREYSCALE, GREYSCALE_ALPHA) or state.idat:
        raise DecodeError(
            "PLTE chunk not allowed here (colour type %d%s)"
            % (colour_type, ", after IDAT" if state.idat else ""),
            pos,
            name,
        )
    if len(body) % 3 or not 3 <= len(body) <= 768:
        raise DecodeError(
            "PLTE chunk of %d bytes (1 to 256 entries of 3 bytes)" % len(body), pos, name
        )
    state.palette = bytes(body)


def _on_trns(state, body, pos, name):
    colour_type = state.header[3]
    # §11.3.2.1: before IDAT, after PLTE for indexed colour, never with an alpha channel
    if (
        state.idat
        or colour_type in (GREYSCALE_ALPHA, TRUECOLOUR_ALPHA)
        or (colour_type == INDEXED and state.palette is None)
    ):
        raise DecodeError("tRNS chunk not allowed here (colour type %d)" % colour_type, pos, name)
    if colour_type == INDEXED:
        if len(body) > len(state.palette) // 3:
            raise DecodeError(
                "tRNS chunk has %d entries for a palette of %d"
                % (len(body), len(state.palette) // 3),
                pos,
                name,
            )
        state.alpha = bytes(body)
    # greyscale and truecolour: a transparent colour key, not applied here


# The critical chunks this decoder reads (IEND ends the loop), and tRNS.
_CHUNK_HANDLERS = {b"IHDR": _on_ihdr, b"IDAT": _on_idat, b"PLTE": _on_plte, b"tRNS": _on_trns}


def _read_chunks(zlib, data, max_pixels):
    """Read the chunks after the signature up to IEND: the decoder's state."""
    state = _Chunks(max_pixels)
    pos = len(SIGNATURE)
    while True:
        chunk_type, body, next_pos = _read_chunk(zlib, data, pos)
        name = chunk_type.decode("ascii")
        if state.header is None and chunk_type != b"IHDR":
            raise DecodeError("the first chunk is %s, not IHDR" % name, pos, name)
        if chunk_type == b"IEND":  # §11.2.5: last, and empty
            if len(body):
                raise DecodeError(
                    "IEND chunk with %d data bytes (it must be empty)" % len(body), pos, name
                )
            pos = next_pos
            break
        handler = _CHUNK_HANDLERS.get(chunk_type)
        if handler is not None:
            handler(state, body, pos, name)
        elif not chunk_type[0] & 0x20:  # §5.4: critical (upper-case first letter)
            raise DecodeError("unknown critical chunk %s" % name, pos, name)
        state.previous = chunk_type
        pos = next_pos
    if pos != len(data):
        raise DecodeError("%d bytes after the IEND chunk" % (len(data) - pos), pos, "IEND")
    if not state.idat:
        raise DecodeError("no IDAT chunk", pos, "IEND")
    if state.header[3] == INDEXED and state.palette is None:
        raise DecodeError("indexed-colour image without a PLTE chunk", state.idat_offset, "IDAT")
    return state


def decode_png(png: bytes, *, max_pixels: int = MAX_PIXELS) -> "Tuple[int, int, int, bytes]":
    """``(width, height, channels, pixels)`` of a PNG file: ``pixels`` are ``bytes`` in the
    layout :func:`encode_png` takes (HWC, 8 bits per sample).

    Reads non-interlaced images of bit depth 8, and also 1, 2 and 4 for greyscale (scaled to
    0-255) and indexed-colour. Indexed-colour images come out as RGB, or RGBA when they have
    a tRNS chunk. Ancillary chunks are checked (CRC) and skipped. Malformed or unsupported
    input raises :class:`~tinytb.errors.DecodeError` with the byte offset and the chunk, and
    so does an image of more than ``max_pixels`` pixels (width * height; default
    :data:`MAX_PIXELS`, 2**28), refused from its IHDR before anything is inflated; the zlib
    stream is never inflated past the size the IHDR gives."""
    zlib = _zlib()
    try:
        data = memoryview(png).cast("B")
    except TypeError:
        raise TypeError("png must be a bytes-like object, got %s" % type(png).__name__) from None
    max_pixels = _integer(max_pixels, "max_pixels")
    if data[: len(SIGNATURE)] != SIGNATURE:
        raise DecodeError(
            "not a PNG file: the first 8 bytes are %r, not the PNG signature"
            % bytes(data[: len(SIGNATURE)]),
            0,
            "signature",
        )
    state = _read_chunks(zlib, data, max_pixels)
    width, height, depth, colour_type = state.header
    idat_offset = state.idat_offset
    channels = CHANNELS_OF_COLOUR_TYPE[colour_type]
    row_bytes = (width * channels * depth + 7) // 8
    raw = _inflate(zlib, state.idat, height * (row_bytes + 1), idat_offset)
    # §9.2: bpp, the bytes per complete pixel, "rounding up to 1" below 8 bits per pixel
    pixels = _unfilter(raw, height, row_bytes, max(1, channels * depth // 8), idat_offset)
    if depth < 8:
        pixels = _unpack(
            pixels,
            height,
            row_bytes,
            width,
            depth,
            255 // ((1 << depth) - 1) if colour_type == GREYSCALE else 1,
        )
    if colour_type == INDEXED:
        return (width, height) + _expand_palette(pixels, state.palette, state.alpha, idat_offset)
    return width, height, channels, pixels


def _read_chunk(zlib, data, pos):
    """(chunk type, data, offset of the next chunk) of the chunk at ``pos``, CRC checked."""
    end = len(data)
    head, crc = _CHUNK_HEAD.size, _CRC.size  # §5.3: 8 bytes before the data, 4 after
    if end - pos < head:
        if pos == end:
            raise DecodeError("the file ends without an IEND chunk", pos, "chunk")
        raise DecodeError("truncated chunk header: %d of 8 bytes" % (end - pos), pos, "chunk")
    length, chunk_type = _CHUNK_HEAD.unpack_from(data, pos)
    if not all(65 <= c <= 90 or 97 <= c <= 122 for c in chunk_type):  # §5.4: ASCII letters
        raise DecodeError("invalid chunk type %r" % chunk_type, pos, "chunk")
    name = chunk_type.decode("ascii")
    if length > MAX_DIMENSION:
        raise DecodeError("chunk length %d is over 2**31 - 1" % length, pos, name)
    if end - pos - head - crc < length:
        raise DecodeError(
            "truncated %s chunk: %d of %d data bytes and its CRC"
            % (name, max(0, end - pos - head), length + crc),
            pos,
            name,
        )
    body = data[pos + head : pos + head + length]
    (stored,) = _CRC.unpack_from(data, pos + head + length)
    computed = zlib.crc32(body, zlib.crc32(chunk_type))
    if stored != computed:
        raise DecodeError(
            "%s chunk CRC mismatch: stored 0x%08x, computed 0x%08x" % (name, stored, computed),
            pos,
            name,
        )
    return chunk_type, body, pos + head + length + crc


def _read_ihdr(body, pos):
    if len(body) != IHDR_LENGTH:
        raise DecodeError("IHDR chunk of %d bytes (it has 13)" % len(body), pos, "IHDR")
    width, height, depth, colour_type, compression, filter_method, interlace = _IHDR.unpack(body)
    for label, value in (("width", width), ("height", height)):
        if not 1 <= value <= MAX_DIMENSION:
            raise DecodeError("%s %d is not 1 to 2**31 - 1" % (label, value), pos, "IHDR")
    if colour_type not in CHANNELS_OF_COLOUR_TYPE:
        raise DecodeError("invalid colour type %d" % colour_type, pos, "IHDR")
    # §11.2.2, Table 11.1: the allowed bit depths of each colour type
    allowed = (
        (1, 2, 4, 8)
        if colour_type == INDEXED
        else (1, 2, 4, 8, 16)
        if colour_type == GREYSCALE
        else (8, 16)
    )
    if depth not in allowed:
        raise DecodeError(
            "invalid bit depth %d for colour type %d" % (depth, colour_type), pos, "IHDR"
        )
    if depth == 16:
        raise DecodeError(
            "unsupported bit depth 16 (this decoder reads 8 bits per sample, "
            "or fewer for greyscale and indexed-colour)",
            pos,
            "IHDR",
        )
    if compression != 0:
        raise DecodeError("invalid compression method %d" % compression, pos, "IHDR")
    if filter_method != 0:
        raise DecodeError("invalid filter method %d" % filter_method, pos, "IHDR")
    if interlace == 1:
        raise DecodeError("interlaced (Adam7) PNG files are not supported", pos, "IHDR")
    if interlace != 0:
        raise DecodeError("invalid interlace method %d" % interlace, pos, "IHDR")
    return width, height, depth, colour_type


def _inflate(zlib, idat, expected, offset):
    """The decompressed image data, which must be exactly ``expected`` bytes."""
    decompressor = zlib.decompressobj()
    try:
        raw = decompressor.decompress(b"".join(idat), expected + 1)  # at most: no zip bombs
    except zlib.error as error:
        raise DecodeError("corrupt zlib data in IDAT: %s" % error, offset, "IDAT") from None
    if len(raw) > expected:
        raise DecodeError(
            "the image data is longer than height * (1 + width * bytes per "
            "pixel) = %d bytes" % expected,
            offset,
            "IDAT",
        )
    if not decompressor.eof:
        raise DecodeError(
            "the zlib stream is cut short (%d of %d image data bytes)" % (len(raw), expected),
            offset,
            "IDAT",
        )
    if len(raw) < expected:
        raise DecodeError(
            "the image data is %d bytes, not height * (1 + width * bytes per "
            "pixel) = %d" % (len(raw), expected),
            offset,
            "IDAT",
        )
    if decompressor.unused_data:
        raise DecodeError(
            "%d bytes after the end of the zlib stream" % len(decompressor.unused_data),
            offset,
            "IDAT",
        )
    return raw


def _unpack(packed, height, row_bytes, width, depth, scale):
    """Samples of ``depth`` < 8 bits, packed from the high bits of each byte down (§7.2),
    one byte each, times ``scale``; each row ends at a byte boundary."""
    per_byte = 8 // depth
    mask = (1 << depth) - 1
    table = [
        bytes(((value >> (8 - depth * (i + 1))) & mask) * scale for i in range(per_byte))
        for value in range(256)
    ]
    return b"".join(
        b"".join(map(table.__getitem__, packed[row * row_bytes : (row + 1) * row_bytes]))[:width]
        for row in range(height)
    )


def _unfilter(raw, height, stride, bpp, offset):
    """Undo the filters (§9.2), row by row."""
    line = stride + 1
    out = bytearray(height * stride)
    previous = bytes(stride)
    ones = None
    for row in range(height):
        start = row * line
        kind = raw[start]
        current = raw[start + 1 : start + line]
        if kind == NONE:
            pass
        elif kind == SUB:
            current = _unfilter_sub(current, bpp)
        elif kind == UP:
            if ones is None:
                ones = int.from_bytes(b"\x01" * stride, "little")
                high, low = ones << 7, ones * 0x7F
            x = int.from_bytes(current, "little")
            y = int.from_bytes(previous, "little")
            current = (((x & low) + (y & low)) ^ ((x ^ y) & high)).to_bytes(stride, "little")
        elif kind == AVERAGE:
            current = _unfilter_average(current, previous, bpp)
        elif kind == PAETH:
            current = _unfilter_paeth(current, previous, bpp)
        else:
            raise DecodeError(
                "invalid filter type %d at row %d (byte %d of the image data)" % (kind, row, start),
                offset,
                "IDAT",
            )
        out[row * stride : (row + 1) * stride] = current
        previous = current
    return bytes(out)


def _unfilter_sub(current, bpp):
    # Recon(x) = Filt(x) + Recon(a): a running sum along each channel, taken modulo 256.
    row = bytearray(len(current))
    mod = (255).__and__
    for channel in range(bpp):
        row[channel::bpp] = bytes(map(mod, accumulate(current[channel::bpp])))
    return row


def _unfilter_average(current, previous, bpp):
    # Recon(x) = Filt(x) + floor((Recon(a) + Recon(b)) / 2)
    row = bytearray(len(current))
    for channel in range(bpp):
        a = 0
        out = []
        append = out.append
        for x, b in zip(current[channel::bpp], previous[channel::bpp]):
            a = (x + ((a + b) >> 1)) & 255
            append(a)
        row[channel::bpp] = bytes(out)
    return row


def _unfilter_paeth(current, previous, bpp):
    # Recon(x) = Filt(x) + PaethPredictor(Recon(a), Recon(b), Recon(c))
    row = bytearray(len(current))
    for channel in range(bpp):
        a = c = 0
        out = []
        append = out.append
        for x, b in zip(current[channel::bpp], previous[channel::bpp]):
            pa = b - c  # p - a, with p = a + b - c
            pb = a - c  # p - b
            pc = pa + pb  # p - c
            if pa < 0:
                pa = -pa
            if pb < 0:
                pb = -pb
            if pc < 0:
                pc = -pc
            if pa <= pb and pa <= pc:
                a = (x + a) & 255
            elif pb <= pc:
                a = (x + b) & 255
            else:
                a = (x + c) & 255
            append(a)
            c = b
        row[channel::bpp] = bytes(out)
    return row


def _expand_palette(indices, palette, alpha, offset):
    """(channels, pixels) of an indexed-colour image: RGB, or RGBA with a tRNS chunk."""
    entries = len(palette) // 3
    top = max(indices)
    if top >= entries:
        raise DecodeError(
            "palette index %d out of range (the palette has %d entries)" % (top, entries),
            offset,
            "IDAT",
        )
    colours = [palette[3 * i : 3 * i + 3] for i in range(entries)]
    if alpha is None:
        return 3, b"".join(map(colours.__getitem__, indices))
    alpha = alpha + b"\xff" * (entries - len(alpha))
    colours = [colour + alpha[i : i + 1] for i, colour in enumerate(colours)]
    return 4, b"".join(map(colours.__getitem__, indices))
