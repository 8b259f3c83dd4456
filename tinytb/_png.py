# SPDX-License-Identifier: MIT
"""PNG images, 8 bits per sample: an encoder tuned for size and speed, and a small decoder.

What a PNG is (the W3C PNG specification, Third Edition; section numbers below are its own):

    §5.2  PNG signature: 137 80 78 71 13 10 26 10
    §5.3  Chunk layout: Length (4-byte unsigned, big-endian, at most 2**31 - 1), Chunk Type
          (4 bytes), Chunk Data (Length bytes), CRC (4 bytes). "The CRC is calculated on the
          preceding bytes in the chunk, including the chunk type field and chunk data fields,
          but not including the length field." It is the CRC-32 of ISO 3309 / ITU-T V.42,
          which is ``zlib.crc32``.
    §11.2.2 IHDR: Width 4 bytes, Height 4 bytes, Bit depth 1 byte, Colour type 1 byte,
          Compression method 1 byte, Filter method 1 byte, Interlace method 1 byte. Width and
          height are 1 .. 2**31 - 1. Colour types with bit depth 8: 0 greyscale, 2 truecolour,
          3 indexed-colour, 4 greyscale with alpha, 6 truecolour with alpha.
    §11.2.3 PLTE: 1 to 256 palette entries of 3 bytes (red, green, blue).
    §11.2.4 IDAT: "There may be multiple IDAT chunks; if so, they shall appear consecutively
          with no other intervening chunks. The compressed datastream is then the
          concatenation of the contents of the data fields of all the IDAT chunks."
    §11.2.5 IEND: "The IEND chunk marks the end of the PNG datastream. The chunk's data field
          is empty."
    §11.3.2.1 tRNS for indexed-colour: one alpha byte per palette entry, possibly fewer than
          the entries (the rest are opaque).
    §10   Compression method 0: a zlib datastream (RFC 1950) of deflate (RFC 1951) data.
    §7.2, §9 Scanlines: each row of the image is one filter-type byte followed by the filtered
          bytes of the row. With ``x`` the byte being filtered, ``a`` the corresponding byte
          of the pixel to the left, ``b`` the byte above and ``c`` the byte above ``a``
          (0 where there is no such pixel), and all arithmetic modulo 256 (§9.2):

              0 None     Filt(x) = Orig(x)
              1 Sub      Filt(x) = Orig(x) - Orig(a)
              2 Up       Filt(x) = Orig(x) - Orig(b)
              3 Average  Filt(x) = Orig(x) - floor((Orig(a) + Orig(b)) / 2)
              4 Paeth    Filt(x) = Orig(x) - PaethPredictor(Orig(a), Orig(b), Orig(c))

          §9.4: p = a + b - c; pa = |p - a|; pb = |p - b|; pc = |p - c|;
          if pa <= pb and pa <= pc: Pr = a; elif pb <= pc: Pr = b; else: Pr = c.

:func:`encode_png` writes greyscale, grey+alpha, RGB and RGBA images (1 to 4 channels);
:func:`decode_png` reads the 8-bit, non-interlaced PNGs of colour types 0, 2, 3, 4 and 6.

How the encoder is fast in pure Python. The filters are computed for many rows at once,
each strip of rows (about 64 KB) read as ONE Python ``int``: every byte is a "lane", and
byte-wise arithmetic is a handful of C big-int operations over the whole strip (SWAR, "SIMD
within a register"). With ``H`` = 0x80 in every byte and ``L`` = 0x7F in every byte:

    bytewise (x - y) mod 256      ((x | H) - (y & L)) ^ (((x ^ y) & H) ^ H)
    bytewise floor((x + y) / 2)   (x & y) + (((x ^ y) & 0xFE...) >> 1)

The byte to the left is the strip shifted by one pixel with the first pixel of every row
masked to zero, the byte above is the strip shifted by one row. Paeth's three comparisons
are done the same way (see ``_paeth_predictor``). Strips of 64 KB keep the operands in the
CPU cache, which makes them 3 times faster than one int for the whole image.

How the encoder makes small files. One filter type for the whole image, picked by trying:
all five filters are computed for a sample of the rows (a few strips spread over the image,
about 1/16 of it, the whole image when it is small), each sample is deflated as the real
image will be, and the smallest wins. Photographs usually pick Average or Paeth, plots and
masks None or Up. The zlib strategy is then picked the same way: ``Z_FILTERED`` (which gives
up short matches for Huffman coding: better on noisy filtered data) or the default (better
on flat areas and repeated shapes). Pillow instead picks a filter per row by the smallest
sum of absolute values, then deflates at level 6 with ``Z_FILTERED``; on photographs our
files come out about the same size or smaller, on plots and masks 5-30% smaller.

``fast=True`` skips the trials: Paeth on every row, then ``Z_RLE`` (runs only), several
times faster than Pillow. Files are close to Pillow's for photographs and larger (up to
several times, on gradients) for flat graphics.
"""

import operator
import struct

from .errors import DecodeError

__all__ = ["encode_png", "decode_png", "SIGNATURE"]

SIGNATURE = b"\x89PNG\r\n\x1a\n"  # §5.2

# §5.3: Length, Chunk Type ... CRC; all integers big-endian ("network byte order", §7.1).
_CHUNK_HEAD = struct.Struct(">I4s")  # length, chunk type
_CRC = struct.Struct(">I")
# §11.2.2: width, height, bit depth, colour type, compression, filter, interlace method.
_IHDR = struct.Struct(">IIBBBBB")

MAX_DIMENSION = 2 ** 31 - 1  # §11.2.2: width and height; §5.3: chunk length
BIT_DEPTH = 8

# Colour types (§11.2.2) and the number of samples per pixel of each.
GREYSCALE, TRUECOLOUR, INDEXED, GREYSCALE_ALPHA, TRUECOLOUR_ALPHA = 0, 2, 3, 4, 6
COLOUR_TYPE_OF_CHANNELS = {1: GREYSCALE, 2: GREYSCALE_ALPHA, 3: TRUECOLOUR,
                           4: TRUECOLOUR_ALPHA}
CHANNELS_OF_COLOUR_TYPE = {GREYSCALE: 1, TRUECOLOUR: 3, INDEXED: 1, GREYSCALE_ALPHA: 2,
                           TRUECOLOUR_ALPHA: 4}

# Filter types (§9.2).
NONE, SUB, UP, AVERAGE, PAETH = 0, 1, 2, 3, 4
FILTER_NAMES = ("None", "Sub", "Up", "Average", "Paeth")

# zlib settings. Level 6 is zlib's default and Pillow's; memLevel 9 is the fastest and
# what Pillow uses; window 15 bits is the maximum a PNG decoder must support (§10.1).
_LEVEL = 6
_WBITS = 15
_MEMLEVEL = 9
_Z_DEFAULT_STRATEGY, _Z_FILTERED, _Z_RLE = 0, 1, 3  # zlib.h; zlib names them the same

_MATCHES_PAY = 0.97  # level 6 must beat Z_RLE by 3% to be tried on every filter
_STRIP_BYTES = 1 << 16  # rows per strip: as many as fit in 64 KB (at least one)
_SAMPLE_FRACTION = 16  # the trials deflate about 1/16 of the image
_SAMPLE_BANDS = 4  # ... in this many bands of rows spread over it
_SAMPLE_MIN_ROWS = 8  # ... of at least 8 rows each
_SAMPLE_MIN_BYTES = 16 << 10
_SAMPLE_MAX_BYTES = 256 << 10
_SAMPLE_ALL_BYTES = 16 << 10  # smaller images are tried whole
_IDAT_BYTES = 1 << 20  # IDAT chunks of at most 1 MiB


def _zlib():
    # zlib is an optional part of CPython (zipfile's pattern): import it when a PNG is made,
    # so that "import tinytb" works, and stays light, without it.
    try:
        import zlib
    except ImportError:  # pragma: no cover - builds without zlib are rare
        raise RuntimeError("PNG images need the zlib module, which this Python lacks") from None
    return zlib


# --- Chunks -------------------------------------------------------------------------------

def _chunk(zlib, chunk_type, data):
    """One chunk (§5.3): length, type, data, CRC-32 of type and data."""
    return b"".join((_CHUNK_HEAD.pack(len(data), chunk_type), data,
                     _CRC.pack(zlib.crc32(data, zlib.crc32(chunk_type)))))


# --- Encoder ------------------------------------------------------------------------------

def encode_png(data, width, height, channels, fast=False):
    """A PNG file (bytes) of an 8-bit image.

    ``data``: a bytes-like object of ``height * width * channels`` samples, rows top to bottom,
    pixels left to right, the channels of each pixel together (HWC). ``channels``: 1 grey,
    2 grey and alpha, 3 RGB, 4 RGBA. ``fast``: much faster, usually larger files (see the
    module docstring).
    """
    width = _dimension(width, "width")
    height = _dimension(height, "height")
    channels = _integer(channels, "channels")
    if channels not in COLOUR_TYPE_OF_CHANNELS:
        raise ValueError("channels must be 1 (grey), 2 (grey, alpha), 3 (RGB) or 4 (RGBA), "
                         "got %d" % channels)
    try:
        view = memoryview(data)
    except TypeError:
        raise TypeError("data must be a bytes-like object of uint8 samples, got %s"
                        % type(data).__name__) from None
    if view.itemsize != 1:
        raise TypeError("data must hold 1-byte samples (uint8), got items of %d bytes "
                        "(format %r)" % (view.itemsize, view.format))
    expected = height * width * channels
    if view.nbytes != expected:
        raise ValueError("data has %d bytes, but height * width * channels = %d * %d * %d = %d"
                         % (view.nbytes, height, width, channels, expected))
    zlib = _zlib()
    stride = width * channels
    padded = _padded_rows(view, height, stride)
    stream = _deflate_best(zlib, padded, height, stride, channels, fast)
    ihdr = _IHDR.pack(width, height, BIT_DEPTH, COLOUR_TYPE_OF_CHANNELS[channels], 0, 0, 0)
    parts = [SIGNATURE, _chunk(zlib, b"IHDR", ihdr)]
    for start in range(0, len(stream), _IDAT_BYTES):
        parts.append(_chunk(zlib, b"IDAT", stream[start:start + _IDAT_BYTES]))
    parts.append(_chunk(zlib, b"IEND", b""))
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
        raise ValueError("%s must be between 1 and 2**31 - 1 (PNG's limit), got %d"
                         % (name, value))
    return value


def _padded_rows(view, height, stride):
    """The rows of the image, each after one zero byte: the layout of the filtered datastream
    (§7.2), with room for the filter-type bytes."""
    raw = view.cast("B") if view.c_contiguous else memoryview(view.tobytes())
    line = stride + 1
    out = bytearray(height * line)
    if height <= stride:
        for row in range(height):
            out[row * line + 1:(row + 1) * line] = raw[row * stride:(row + 1) * stride]
    else:  # tall and narrow: copy column by column instead
        for column in range(stride):
            out[column + 1::line] = raw[column::stride]
    return out


def _deflate(zlib, pieces, strategy, level=_LEVEL):
    compressor = zlib.compressobj(level, zlib.DEFLATED, _WBITS, _MEMLEVEL, strategy)
    out = [compressor.compress(piece) for piece in pieces]
    out.append(compressor.flush())
    return b"".join(out)


def _strip_rows(line):
    return max(1, _STRIP_BYTES // line)


def _strips(height, stride):
    """(first row, end row) of each strip."""
    rows = _strip_rows(stride + 1)
    return [(start, min(start + rows, height)) for start in range(0, height, rows)]


def _filtered_strips(padded, height, stride, bpp, kind):
    for first, end in _strips(height, stride):
        yield _filter_strip(padded, stride, bpp, first, end, (kind,))[kind]


def _sample_bands(height, line):
    """Row ranges to try the filters on: the whole image if it is small, else
    ``_SAMPLE_BANDS`` bands spread over it, about 1/``_SAMPLE_FRACTION`` of it in all."""
    total = height * line
    if total <= _SAMPLE_ALL_BYTES:
        return [(0, height)]
    want = min(max(total // _SAMPLE_FRACTION, _SAMPLE_MIN_BYTES), _SAMPLE_MAX_BYTES)
    rows = max(_SAMPLE_MIN_ROWS, -(-want // (_SAMPLE_BANDS * line)))
    count = min(_SAMPLE_BANDS, height // rows)
    if count <= 1:
        return [(0, height)]
    bands = []
    for i in range(count):
        first = (height - rows) * (2 * i + 1) // (2 * count)
        bands.extend((start, min(start + _strip_rows(line), first + rows))
                     for start in range(first, first + rows, _strip_rows(line)))
    return bands


def _deflate_best(zlib, padded, height, stride, bpp, fast):
    """Pick the filter type and the zlib settings by trying them on a sample of the rows;
    then deflate the whole image with them."""
    line = stride + 1
    bands = _sample_bands(height, line)
    whole = sum(end - first for first, end in bands) == height
    kinds = (NONE, SUB, UP, AVERAGE, PAETH)
    outputs = [_filter_strip(padded, stride, bpp, first, end, kinds) for first, end in bands]
    trials = {}

    def trial(kind, strategy, level=_LEVEL):
        key = kind, strategy, level
        if key not in trials:
            trials[key] = _deflate(zlib, [out[kind] for out in outputs], strategy, level)
        return len(trials[key])

    # Z_RLE first: it is fast, and on noisy data (photographs) as good as anything.
    best = min(kinds, key=lambda kind: trial(kind, _Z_RLE, 1))
    if fast:
        trial(best, _Z_DEFAULT_STRATEGY, 1)
    elif trial(best, _Z_FILTERED) < trial(best, _Z_RLE, 1) * _MATCHES_PAY:
        # Long matches pay (flat areas, repeated shapes): try every filter at level 6.
        best = min(kinds, key=lambda kind: trial(kind, _Z_DEFAULT_STRATEGY))
        trial(best, _Z_FILTERED)
    _TRACE.append({key: len(value) for key, value in trials.items()})
    choice = min(trials, key=lambda key: (len(trials[key]), key[1] != _Z_RLE))
    if whole:
        return trials[choice]
    del outputs, trials
    kind, strategy, level = choice
    return _deflate(zlib, _filtered_strips(padded, height, stride, bpp, kind), strategy, level)
_TRACE = []


# Per strip geometry: the masks and lane constants, cached (a writer logs the same sizes).
_geometry_cache = {}


def _geometry(stride, bpp, rows):
    key = (stride, bpp, rows)
    geometry = _geometry_cache.get(key)
    if geometry is None:
        line = stride + 1
        size = rows * line
        ones = int.from_bytes(b"\x01" * size, "little")
        high = ones << 7  # 0x80 in every byte
        low = ones * 0x7F  # 0x7F in every byte
        # bytes that have a pixel to their left (not the pad, not the first pixel)
        left_mask = int.from_bytes((bytes(1 + bpp) + b"\xff" * (stride - bpp)) * rows,
                                   "little")
        data_mask = int.from_bytes((b"\x00" + b"\xff" * stride) * rows, "little")
        pads = int.from_bytes((b"\x01" + bytes(stride)) * rows, "little")
        geometry = (size, high, low, left_mask, data_mask, pads)
        if len(_geometry_cache) >= 8:
            _geometry_cache.clear()
        _geometry_cache[key] = geometry
    return geometry


def _filter_strip(padded, stride, bpp, first, end, kinds):
    """Filter rows ``first`` to ``end`` with each filter type of ``kinds``: {kind: the
    scanlines of those rows (filter-type byte, filtered bytes)}."""
    line = stride + 1
    if first:
        src = padded[(first - 1) * line:end * line]
    else:
        src = bytes(line) + padded[:end * line]  # the row "above" the image is zeros
    out = {}
    if NONE in kinds:
        out[NONE] = bytes(src[line:])
    if kinds == (NONE,):
        return out
    size, high, low, left_mask, data_mask, pads = _geometry(stride, bpp, end - first + 1)
    x = int.from_bytes(src, "little")
    x_high = x | high
    x_flip = (x & high) ^ high

    def minus(y):  # bytewise (x - y) mod 256
        return (x_high - (y & low)) ^ (x_flip ^ (y & high))

    left = (x << (8 * bpp)) & left_mask
    up = x << (8 * line)  # its top row and what spills past the strip are masked at the end
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
        out[kind] = ((filtered & data_mask) | (pads * kind)).to_bytes(size, "little")[line:]
    return out


def _paeth_predictor(a, b, c, high, low):
    """§9.4's PaethPredictor for every byte lane of ``a``, ``b``, ``c`` at once.

    With u = b - c and v = a - c: pa = |u|, pb = |v| and pc = |u + v|. Where u and v have the
    same sign, pc = pa + pb is never the smallest: the choice is a if pa <= pb, else b.
    Where the signs differ, pc = |pa - pb|, and the choice is a if 2 pa <= pb, else b if
    2 pb <= pa, else c. Flags live in bit 7 of each byte ("high")."""
    bc = b ^ c
    diff = (b | high) - (c & low)
    u = diff ^ ((bc & high) ^ high)  # (b - c) mod 256
    u_neg = (((bc & b) | ((bc ^ high) & diff)) & high) ^ high  # b < c
    ac = a ^ c
    diff = (a | high) - (c & low)
    v = diff ^ ((ac & high) ^ high)  # (a - c) mod 256
    v_neg = (((ac & a) | ((ac ^ high) & diff)) & high) ^ high  # a < c
    s = u_neg >> 7
    pa = (u ^ (s * 0xFF)) + s  # |b - c|: negate the lanes where u < 0
    s = v_neg >> 7
    pb = (v ^ (s * 0xFF)) + s  # |a - c|
    opposite = u_neg ^ v_neg
    d = pa ^ pb
    # pa <= pb: pb's top bit set and pa's clear, or equal top bits and no borrow below
    pa_le_pb = ((d & pb) | ((d ^ high) & ((pb | high) - (pa & low)))) & high
    # pa <= pb // 2 and pb <= pa // 2 (the halves are below 128)
    pa_le_half_pb = ((((pb >> 1) & low) | high) - (pa & low)) & (pa ^ high) & high
    pb_le_half_pa = ((((pa >> 1) & low) | high) - (pb & low)) & (pb ^ high) & high
    choose_a = pa_le_pb ^ ((pa_le_pb ^ pa_le_half_pb) & opposite)
    choose_b = (opposite ^ high) | pb_le_half_pa  # where a is not chosen
    predictor = c ^ (bc & ((choose_b >> 7) * 0xFF))
    return predictor ^ ((a ^ predictor) & ((choose_a >> 7) * 0xFF))
