# SPDX-License-Identifier: MIT
"""Boxes, labels and Lanczos resizing for ``add_image_with_boxes``, as PyTorch does them with
Pillow, in pure Python.

Images here are what the rest of tinytb passes around: a ``bytearray`` of ``height * width *
channels`` uint8 samples, row-major and interleaved (HWC), with 3 (RGB) or 4 (RGBA) channels.

PyTorch (``torch/utils/tensorboard/summary.py``: ``_draw_single_box``, ``draw_boxes``,
``make_image``) draws each box with Pillow's ``ImageDraw``::

    draw.line([(l, t), (l, b), (r, b), (r, t), (l, t)], width=2, fill="Red")
    draw.rectangle([(l, b - text_h - 2 * margin), (l + text_w, b)], fill="Red")  # if a label
    draw.text((l + margin, b - text_h - margin), label, fill="black", font=load_default())

and then resizes with ``Image.resize((int(W * rescale), int(H * rescale)), LANCZOS)``.

What is reproduced exactly (checked pixel for pixel against Pillow 13.0.0 by
conformance/test_draw_pillow.py):

* the box lines.  Pillow truncates each coordinate to an int (C's ``(int)`` cast, toward
  zero), then draws every segment of a ``width=2`` line as a filled quadrilateral
  (libImaging/Draw.c, ``ImagingDrawWideLine``).  A box's segments are always horizontal or
  vertical, and for those the quadrilateral works out to a 2-pixel-thick rectangle that
  grows to one side: right of a downward segment, below a rightward one, left of an upward
  one, above a leftward one.  A zero-length segment is one pixel.
* the label's red rectangle: ``ImagingDrawRectangle`` with ``fill``, corners truncated to
  ints, both ends inclusive, clipped to the image.
* ``resize``: Pillow's two-pass resampler (libImaging/Resample.c) with its Lanczos filter,
  fixed-point coefficients, 8-bit clipping between the passes and Pillow 13's choice of
  which pass comes first, and, for RGBA, the premultiplied-alpha round trip Pillow makes
  around it (Image.resize converts RGBA to RGBa and back).

What is not: the label text.  PyTorch uses ``ImageFont.load_default()``, which in Pillow >= 10.1
with FreeType is the Aileron font at 10 px, antialiased; tinytb has no font file and no
rasteriser, so it draws its own 1-bit bitmap font (below) in solid black.  The font's
metrics (advance, box) are those Pillow reports for the default font, so the label
rectangle, sized from the text's bounding box with PyTorch's formulas, is the same size as
PyTorch's for every printable-ASCII label; only the glyph pixels inside it differ.
conformance/test_draw_pillow.py measures by how much.
"""

from __future__ import annotations

import math
import sys

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, List, Optional, Sequence

__all__ = ["draw_boxes", "resize", "text_bbox"]

_RED = b"\xff\x00\x00\xff"  # "Red" in Pillow's ImageColor, opaque (the alpha byte for RGBA)
_BLACK = b"\x00\x00\x00\xff"


# ---------------------------------------------------------------------------
# Argument checks (the public functions are called by summary.py, which has converted the
# caller's arrays already; these catch tinytb's own mistakes and direct use)


def _check_image(pixels, width, height, channels, name="pixels"):
    for arg, value in (("width", width), ("height", height), ("channels", channels)):
        if type(value) is not int:
            raise TypeError("%s must be an int, not %s" % (arg, type(value).__name__))
    if width < 1 or height < 1:
        raise ValueError("width and height must be > 0, got %dx%d" % (width, height))
    if channels not in (3, 4):
        raise ValueError("channels must be 3 (RGB) or 4 (RGBA), got %d" % channels)
    if len(pixels) != width * height * channels:
        raise ValueError(
            "%s holds %d bytes, but %dx%dx%d (height x width x channels) needs %d"
            % (name, len(pixels), height, width, channels, width * height * channels)
        )


def _coordinate(value, i, name):
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        try:
            if isinstance(value, (bool, str, bytes)):
                raise TypeError
            value = float(value)  # numpy scalars, Fraction, Decimal...
        except (TypeError, ValueError):
            raise TypeError(
                "%s[%d] must hold 4 numbers, found %s" % (name, i, type(value).__name__)
            ) from None
    if not math.isfinite(value):
        raise ValueError("%s[%d] must hold finite numbers, found %r" % (name, i, value))
    return value


def _check_boxes(boxes, name="boxes"):
    checked = []
    for i, box in enumerate(boxes):
        try:
            n = len(box)
        except TypeError:
            raise TypeError(
                "%s[%d] must be (xmin, ymin, xmax, ymax), not %s" % (name, i, type(box).__name__)
            ) from None
        if n != 4:
            raise ValueError(
                "%s[%d] must be (xmin, ymin, xmax, ymax), found %d values" % (name, i, n)
            )
        checked.append(tuple(_coordinate(v, i, name) for v in box))
    return checked


def _check_labels(
    labels: Optional[Sequence[Optional[str]]], count: int, name: str = "labels"
) -> List[Optional[str]]:
    if labels is None:
        return [None] * count
    if isinstance(labels, str):
        raise TypeError("%s must be a sequence of str, one per box, not a str" % name)
    labels = list(labels)
    if len(labels) != count:
        raise ValueError("%s has %d entries for %d boxes" % (name, len(labels), count))
    for i, label in enumerate(labels):
        if label is not None and not isinstance(label, str):
            raise TypeError(
                "%s[%d] must be a str or None, not %s" % (name, i, type(label).__name__)
            )
    return labels


# ---------------------------------------------------------------------------
# Boxes


def draw_boxes(
    pixels: bytearray,
    width: int,
    height: int,
    channels: int,
    boxes: Any,
    labels: Optional[Sequence[Optional[str]]] = None,
) -> None:
    """Draw ``boxes`` into ``pixels`` (a bytearray, changed in place) as PyTorch's
    ``draw_boxes`` does: a 2-pixel red outline per box, and for a non-empty ``labels[i]`` a
    red label rectangle with black text at the box's bottom-left corner, inside the box.

    ``boxes`` holds ``(xmin, ymin, xmax, ymax)`` in pixels (floats are fine, anything
    outside the image is clipped); ``labels`` is None or one str (or None) per box.
    Boxes are drawn in order, so later ones cover earlier ones.
    """
    if not isinstance(pixels, bytearray):
        raise TypeError(
            "pixels must be a bytearray (drawn in place), not %s" % type(pixels).__name__
        )
    _check_image(pixels, width, height, channels)
    boxes = _check_boxes(boxes)
    labels = _check_labels(labels, len(boxes))
    red, black = _RED[:channels], _BLACK[:channels]
    for (xmin, ymin, xmax, ymax), label in zip(boxes, labels):
        # ImageDraw.line -> _imaging.c draw_lines: each coordinate is cast to int.
        x_l, t, r, b = int(xmin), int(ymin), int(xmax), int(ymax)
        for x0, y0, x1, y1 in ((x_l, t, x_l, b), (x_l, b, r, b), (r, b, r, t), (r, t, x_l, t)):
            _wide_segment(pixels, width, height, channels, x0, y0, x1, y1, red)
        if label:
            tl, tt, tr, tb = text_bbox(label)
            text_w, text_h = tr - tl, tb - tt
            margin = math.ceil(0.05 * text_h)
            # ImageDraw.rectangle -> ImagingDrawRectangle(fill): corners cast to int.
            _fill(
                pixels,
                width,
                height,
                channels,
                int(xmin),
                int(ymax - text_h - 2 * margin),
                int(xmin + text_w),
                int(ymax),
                red,
            )
            _draw_text(
                pixels, width, height, channels, xmin + margin, ymax - text_h - margin, label, black
            )


def _wide_segment(pixels, width, height, channels, x0, y0, x1, y1, color):
    # ImagingDrawWideLine for width 2 and an axis-parallel segment.  With dx == 0 it
    # computes dxmax = ROUND_DOWN(dy / |dy|) = sign(dy) and dxmin = dymin = dymax = 0, so the
    # quadrilateral is (x0, y0) (x1, y1) (x1 + sign(dy), y1) (x0 + sign(dy), y0); with dy == 0,
    # (x0, y0 + sign(dx)) (x1, y1 + sign(dx)) (x1, y1) (x0, y0).  polygon_generic fills such
    # a rectangle edges included.  dx == dy == 0 draws the single point (x0, y0).
    if x0 == x1:
        if y0 == y1:
            _fill(pixels, width, height, channels, x0, y0, x0, y0, color)
        else:
            side = x0 + (1 if y1 > y0 else -1)
            _fill(
                pixels,
                width,
                height,
                channels,
                min(x0, side),
                min(y0, y1),
                max(x0, side),
                max(y0, y1),
                color,
            )
    else:  # y0 == y1: draw_boxes only makes axis-parallel segments
        side = y0 + (1 if x1 > x0 else -1)
        _fill(
            pixels,
            width,
            height,
            channels,
            min(x0, x1),
            min(y0, side),
            max(x0, x1),
            max(y0, side),
            color,
        )


def _fill(pixels, width, height, channels, x0, y0, x1, y1, color):
    # Pixels x0..x1, y0..y1 (inclusive, x0 <= x1, y0 <= y1), clipped to the image.
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, width - 1), min(y1, height - 1)
    if x0 > x1 or y0 > y1:
        return
    run = color * (x1 - x0 + 1)
    stride = width * channels
    start = y0 * stride + x0 * channels
    for row in range(start, y1 * stride + x0 * channels + 1, stride):
        pixels[row : row + len(run)] = run


# ---------------------------------------------------------------------------
# The label font
#
# A 1-bit font of tinytb's own design for printable ASCII, plus a replacement box for
# every other character.  Per character: (advance, left, top, right, bottom, rows).
# (left, top, right, bottom) is the glyph's box relative to the pen position, with y = 0 at
# the ascender and the baseline at y = 10; these metrics and the advances are the ones
# Pillow reports for ImageFont.load_default() (Aileron, 10 px), so text boxes measure the
# same.  ``rows`` are the bitmap, top row first, one hex number per row whose most
# significant bit (bit right - left - 1) is the box's leftmost column; rows left out at the
# bottom are blank.

_GLYPH_DATA = {
    "0": (6, 0, 2, 6, 10, "1c 22 26 2a 32 22 22 1c"),
    "1": (6, 0, 2, 6, 10, "8 18 28 8 8 8 8 3e"),
    "2": (6, 0, 2, 6, 10, "1c 22 2 4 8 10 20 3e"),
    "3": (6, 0, 2, 6, 10, "1c 22 2 c 2 2 22 1c"),
    "4": (6, 0, 2, 6, 10, "4 c 14 24 3e 4 4 4"),
    "5": (6, 0, 2, 6, 10, "3e 20 20 3c 2 2 22 1c"),
    "6": (6, 0, 2, 6, 10, "c 10 20 3c 22 22 22 1c"),
    "7": (6, 0, 2, 6, 10, "3e 2 4 4 8 8 10 10"),
    "8": (6, 0, 2, 6, 10, "1c 22 22 1c 22 22 22 1c"),
    "9": (6, 0, 2, 6, 10, "1c 22 22 22 1e 2 4 18"),
    "a": (5, 0, 4, 5, 10, "c 2 e 12 12 e"),
    "b": (6, 0, 2, 6, 10, "20 20 3c 22 22 22 22 3c"),
    "c": (5, 0, 4, 5, 10, "e 10 10 10 10 e"),
    "d": (6, 0, 2, 6, 10, "2 2 1e 22 22 22 22 1e"),
    "e": (6, 0, 4, 6, 10, "1c 22 3e 20 20 1c"),
    "f": (3, 0, 1, 4, 10, "6 8 8 e 8 8 8 8 8"),
    "g": (6, 0, 4, 6, 12, "1e 22 22 22 22 1e 2 1c"),
    "h": (7, 0, 2, 7, 10, "40 40 78 44 44 44 44 44"),
    "i": (3, 0, 2, 3, 10, "4 0 4 4 4 4 4 4"),
    "j": (3, 0, 2, 3, 12, "2 0 2 2 2 2 2 2 2 4"),
    "k": (6, 0, 2, 6, 10, "20 20 24 28 30 28 24 22"),
    "l": (3, 0, 2, 3, 10, "4 4 4 4 4 4 4 2"),
    "m": (9, 0, 4, 9, 10, "1d8 124 124 124 124 124"),
    "n": (7, 0, 4, 7, 10, "78 44 44 44 44 44"),
    "o": (5, 0, 4, 5, 10, "c 12 12 12 12 c"),
    "p": (6, 0, 4, 6, 12, "3c 22 22 22 22 3c 20 20"),
    "q": (6, 0, 4, 6, 12, "1e 22 22 22 22 1e 2 2"),
    "r": (4, 0, 4, 4, 10, "a c 8 8 8 8"),
    "s": (4, -1, 4, 4, 10, "7 8 6 1 1 e"),
    "t": (3, 0, 2, 3, 10, "2 2 7 2 2 2 2 1"),
    "u": (7, 0, 4, 7, 10, "44 44 44 44 44 3c"),
    "v": (5, 0, 4, 6, 10, "22 22 22 14 14 8"),
    "w": (8, 0, 4, 8, 10, "82 82 92 92 aa 44"),
    "x": (5, -1, 4, 5, 10, "11 a 4 4 a 11"),
    "y": (5, 0, 4, 6, 12, "22 22 22 14 14 8 8 30"),
    "z": (6, 0, 4, 6, 10, "3e 4 8 10 20 3e"),
    "A": (6, 0, 2, 7, 10, "10 28 28 44 44 7c 44 44"),
    "B": (6, 0, 2, 6, 10, "3c 22 22 3c 22 22 22 3c"),
    "C": (7, 0, 2, 7, 10, "3c 42 40 40 40 40 42 3c"),
    "D": (7, 0, 2, 7, 10, "7c 42 42 42 42 42 42 7c"),
    "E": (6, 0, 2, 6, 10, "3e 20 20 3c 20 20 20 3e"),
    "F": (6, 0, 2, 6, 10, "3e 20 20 3c 20 20 20 20"),
    "G": (7, 0, 2, 7, 10, "3c 42 40 40 4e 42 42 3c"),
    "H": (8, 0, 2, 8, 10, "84 84 84 fc 84 84 84 84"),
    "I": (3, 0, 2, 3, 10, "7 2 2 2 2 2 2 7"),
    "J": (6, 0, 2, 6, 10, "2 2 2 2 2 2 22 1c"),
    "K": (6, 0, 2, 7, 10, "44 48 50 60 60 50 48 44"),
    "L": (6, 0, 2, 6, 10, "20 20 20 20 20 20 20 3e"),
    "M": (9, 0, 2, 9, 10, "104 18c 154 124 104 104 104 104"),
    "N": (8, 0, 2, 8, 10, "84 c4 a4 a4 94 94 8c 84"),
    "O": (7, 0, 2, 7, 10, "3c 42 42 42 42 42 42 3c"),
    "P": (6, 0, 2, 6, 10, "3c 22 22 3c 20 20 20 20"),
    "Q": (7, 0, 2, 7, 11, "3c 42 42 42 42 4a 44 3a 2"),
    "R": (6, 0, 2, 7, 10, "78 44 44 78 50 48 44 44"),
    "S": (6, 0, 2, 6, 10, "1e 20 20 1c 2 2 2 3c"),
    "T": (6, 0, 2, 7, 10, "7c 10 10 10 10 10 10 10"),
    "U": (7, 0, 2, 7, 10, "42 42 42 42 42 42 42 3c"),
    "V": (6, 0, 2, 7, 10, "44 44 44 44 28 28 28 10"),
    "W": (10, 0, 2, 10, 10, "202 202 202 222 222 154 154 88"),
    "X": (6, 0, 2, 7, 10, "44 44 28 10 10 28 44 44"),
    "Y": (6, 0, 2, 7, 10, "44 44 28 10 10 10 10 10"),
    "Z": (7, 0, 2, 7, 10, "7e 2 4 8 10 20 40 7e"),
    "!": (3, 0, 2, 3, 10, "2 2 2 2 2 2 0 2"),
    '"': (3, 0, 2, 3, 10, "5 5 5"),
    "#": (6, 0, 2, 6, 10, "14 14 3e 14 14 3e 14 14"),
    "$": (7, 0, 1, 7, 11, "10 3c 50 50 38 14 14 78 10"),
    "%": (7, 0, 2, 7, 10, "62 64 8 8 10 10 26 46"),
    "&": (7, 0, 2, 7, 10, "30 48 48 30 52 4a 44 3a"),
    "'": (1, 0, 2, 1, 10, "1 1 1"),
    "(": (4, 0, 1, 4, 11, "2 4 8 8 8 8 8 8 4 2"),
    ")": (3, -1, 1, 3, 11, "8 4 2 2 2 2 2 2 4 8"),
    "*": (7, 0, 5, 7, 10, "10 54 38 54 10"),
    "+": (7, 0, 4, 7, 10, "10 10 7c 10 10"),
    ",": (2, -1, 8, 2, 11, "2 2 4"),
    "-": (3, 0, 6, 3, 10, "0 7"),
    ".": (2, 0, 8, 2, 10, "0 2"),
    "/": (3, -1, 2, 4, 11, "1 1 2 2 4 8 8 10 10"),
    ":": (2, 0, 4, 2, 10, "0 2 0 0 0 2"),
    ";": (2, -1, 4, 2, 11, "0 2 0 0 0 2 4"),
    "<": (6, 0, 4, 6, 10, "2 c 30 c 2"),
    "=": (6, 0, 5, 6, 10, "0 3e 0 3e"),
    ">": (6, 0, 4, 6, 10, "20 18 6 18 20"),
    "?": (4, 0, 2, 4, 10, "c 2 2 4 4 4 0 4"),
    "@": (10, 0, 2, 10, 11, "f8 104 272 292 292 292 26c 100 f8"),
    "[": (3, 0, 1, 4, 11, "c 8 8 8 8 8 8 8 8 c"),
    "\\": (3, -1, 2, 4, 11, "10 10 8 8 4 2 2 1 1"),
    "]": (3, -1, 1, 3, 11, "6 2 2 2 2 2 2 2 2 6"),
    "^": (6, 0, 3, 6, 10, "8 14 22"),
    "_": (5, 0, 10, 5, 11, "1f"),
    "`": (3, 0, 3, 3, 10, "4 2"),
    "{": (3, 0, 1, 3, 11, "1 2 2 2 4 2 2 2 2 1"),
    "|": (3, 0, 1, 3, 12, "2 2 2 2 2 2 2 2 2 2 2"),
    "}": (3, 0, 1, 3, 11, "4 2 2 2 1 2 2 2 2 4"),
    "~": (6, 0, 6, 6, 10, "1a 2c"),
    " ": (2, 0, 10, 2, 10, ""),
}
# Pillow's default font draws everything else (but for a handful of Latin-1 symbols) with
# its .notdef glyph, whose metrics these are.
_REPLACEMENT_DATA = (5, 0, 3, 5, 10, "1e 12 12 12 12 12 1e")


def _unpack(data):
    advance, left, top, right, bottom, rows = data
    w = right - left
    # Ink as (dx, dy) offsets from the pen position, ready to draw.
    ink = tuple(
        (left + col, top + y)
        for y, row in enumerate(int(h, 16) for h in rows.split())
        for col in range(w)
        if row >> (w - 1 - col) & 1
    )
    return advance, (left, top, right, bottom), ink


_GLYPHS = {ch: _unpack(data) for ch, data in _GLYPH_DATA.items()}
_REPLACEMENT = _unpack(_REPLACEMENT_DATA)


def text_bbox(text):
    """``(left, top, right, bottom)`` of one line of ``text`` in tinytb's label font,
    relative to the pen's start on the ascender line: the union of the glyph boxes, widened
    to the final pen position.  Pillow's ``FreeTypeFont.getbbox`` measures the same way
    (checked on random strings), so ASCII text measures as in ``load_default()``.
    ``""`` gives ``(0, 0, 0, 0)``, as in Pillow."""
    if not text:
        return (0, 0, 0, 0)
    pen = 0
    left = top = right = bottom = None
    for ch in text:
        advance, (g_l, t, r, b), _ = _GLYPHS.get(ch, _REPLACEMENT)
        if left is None:
            left, top, right, bottom = g_l, t, r, b
        else:
            left, top = min(left, pen + g_l), min(top, t)
            right, bottom = max(right, pen + r), max(bottom, b)
        pen += advance
    return (left, top, max(right, pen), bottom)


def _draw_text(pixels, width, height, channels, x, y, text, color):
    # As ImageDraw.text: the position is cast to int and is the pen's start on the
    # ascender line (anchor "la").
    x, y = int(x), int(y)
    stride = width * channels
    for ch in text:
        advance, _, ink = _GLYPHS.get(ch, _REPLACEMENT)
        for dx, dy in ink:
            px, py = x + dx, y + dy
            if 0 <= px < width and 0 <= py < height:
                i = py * stride + px * channels
                pixels[i : i + channels] = color
        x += advance


# ---------------------------------------------------------------------------
# Resizing: Pillow's Image.resize(size, Image.LANCZOS), bit for bit
#
# libImaging/Resample.c in outline:
#   precompute_coeffs  for each output index: the window of input indices and their filter
#                      weights, normalised to sum to 1;
#   normalize_coeffs_8bpc  weights to fixed point: (int)(w * 2**22 +- 0.5) (PRECISION_BITS =
#                      32 - 8 - 2: 8 bits of pixel, 2 bits of headroom for weights summing
#                      above 1 or below 0);
#   each output sample = clip8((1 << 21) + sum(pixel * weight)), clip8(v) = v >> 22 clipped
#                      to 0..255;
#   ImagingResampleInner  one pass per axis whose size changes, each into an 8-bit image:
#                      the horizontal one first (over the rows the vertical pass will read
#                      only), except that Pillow 13 (python-pillow/Pillow#9549) goes
#                      vertical first when the height shrinks by more than twice as many
#                      pixels as the width (see _resample).
#
# Done pixel by pixel, that is ~8 million multiply-adds for 512x512 -> 256x256 RGB, many
# seconds of pure Python.  Instead every input column (for the horizontal pass) or row (for
# the vertical one) becomes one big int holding its samples in 32-bit lanes, so an output
# column or row is a weighted sum of a handful of big ints, computed in C by int arithmetic:
# sum(V[i] * k[i]).  To keep the lanes independent, positive and negative weights are summed
# apart (P and N, every lane >= 0) and combined as P + BIAS - N, where BIAS puts 2**21 (the
# rounding) + 128 * 2**22 in each lane.  Then each lane is v + 128 * 2**22 for Pillow's sum
# v, and ((P + BIAS - N) >> 22) & 1023 per lane is (v >> 22) + 128, which is clipped to
# 0..255 with a few more whole-number operations (_Lanes.combine).  This needs, per output,
# 255 * (sum of negative weights) <= 128 * 2**22 and 255 * (sum of positive weights) + BIAS
# < 2**32.  Measured over all sizes 1..300, the sums reach 0.29 and 1.29 (1.0 being 2**22),
# so there is room to spare, and _weights checks it anyway.  Memory: the lane ints take
# about four times the size of the image they hold.

_PRECISION_BITS = 32 - 8 - 2
_LANE = 4  # bytes per lane
_OFFSET = 128  # in units of 2**22, keeps every lane positive
_BIAS_LANE = (1 << (_PRECISION_BITS - 1)) + (_OFFSET << _PRECISION_BITS)


def _lanczos(x):
    # lanczos_filter: sinc(x) * sinc(x / 3) on [-3, 3), the same double operations as the C.
    if -3.0 <= x < 3.0:
        return _sinc(x) * _sinc(x / 3)
    return 0.0


def _sinc(x):
    if x == 0.0:
        return 1.0
    x = x * math.pi
    return math.sin(x) / x


def _weights(in_size, out_size):
    """precompute_coeffs + normalize_coeffs_8bpc for box (0, in_size): per output index,
    (positive weights as [(input index, fixed-point weight)], negative ones negated)."""
    scale = filterscale = in_size / out_size  # (double)(in1 - in0) / outSize; exact floats
    if filterscale < 1.0:
        filterscale = 1.0
    support = 3.0 * filterscale
    ss = 1.0 / filterscale
    one = 1 << _PRECISION_BITS
    table = []
    for xx in range(out_size):
        center = (xx + 0.5) * scale  # in0 + (xx + 0.5) * scale, in0 = 0
        xmin = int(center - support + 0.5)  # (int) truncates toward zero, like the C cast
        if xmin < 0:
            xmin = 0
        xmax = int(center + support + 0.5)
        if xmax > in_size:
            xmax = in_size
        xmax -= xmin
        k = [_lanczos((x + xmin - center + 0.5) * ss) for x in range(xmax)]
        ww = 0.0
        for w in k:
            ww += w
        if ww != 0.0:
            k = [w / ww for w in k]
        pos, neg = [], []
        for x, w in enumerate(k):
            if w < 0:
                fixed = int(-0.5 + w * one)
                if fixed:
                    neg.append((xmin + x, -fixed))
            else:
                fixed = int(0.5 + w * one)
                if fixed:
                    pos.append((xmin + x, fixed))
        if (
            255 * sum(w for _, w in neg) > _OFFSET << _PRECISION_BITS
            or 255 * sum(w for _, w in pos) + _BIAS_LANE >= 1 << 32
        ):
            raise RuntimeError(
                "Lanczos weights out of the lanes' range (%d -> %d)" % (in_size, out_size)
            )
        table.append((pos, neg))
    return table


def _to_lanes(samples):
    # One big int with each byte of ``samples`` in its own 32-bit lane, first sample lowest.
    spread = bytearray(_LANE * len(samples))
    spread[::_LANE] = samples
    return int.from_bytes(spread, "little")


class _Lanes:
    """Constants for big ints of ``n`` lanes."""

    def __init__(self, n):
        self.n = n
        self.ones = ones = int.from_bytes(b"\x01\x00\x00\x00" * n, "little")
        self.bias = ones * _BIAS_LANE
        self.low10 = ones * 1023
        self.ff = ones * 255
        self.k128, self.k640, self.k896 = ones * 128, ones * 640, ones * 896

    def combine(self, vectors, pos, neg):
        """The 8-bit result, as bytes, of one output: clip8 per lane of
        (1 << 21) + sum(vectors[i] * w for i, w in pos) - sum(vectors[i] * w for neg)."""
        p = 0
        for i, w in pos:
            p += vectors[i] * w
        n = 0
        for i, w in neg:
            n += vectors[i] * w
        u = ((p + self.bias - n) >> _PRECISION_BITS) & self.low10  # (v >> 22) + 128 per lane
        # clip(u - 128, 0, 255) per lane: u >= 384 -> 255, u < 128 -> 0, else (u + 128) & 255
        # (which is u - 128 there).  Bit 10 of u + 640 is set for u >= 384, of u + 896 for
        # u >= 128; u + 896 < 2**11, so no carry leaves its lane.
        ones = self.ones
        high = ((u + self.k640) >> 10) & ones
        in_range = ((u + self.k896) >> 10) & ones
        clipped = (((u + self.k128) & self.ff) & (in_range * 255)) | (high * 255)
        return clipped.to_bytes(_LANE * self.n, "little")[::_LANE]


def _resample(src, width, height, channels, new_width, new_height):
    # ImagingResampleInner for box (0, 0, width, height): a pass per axis whose size changes.
    # Pillow 13 (python-pillow/Pillow#9549) makes the vertical pass first when the height
    # shrinks by more than twice as many pixels as the width does; older versions always went
    # horizontal first.  The condition was found by experiment against Pillow 13.0.0: on
    # ~2900 random size pairs for which the two orders give different pixels, Pillow's
    # result was always the order this rule picks.
    horizontal = _weights(width, new_width) if new_width != width else None
    vertical = _weights(height, new_height) if new_height != height else None
    if (
        horizontal
        and vertical
        and new_height < height
        and height - new_height > 2 * (width - new_width)
    ):
        src = _vertical_pass(src, width, channels, vertical)
        return _horizontal_pass(src, width, channels, horizontal, 0, new_height)
    if horizontal:
        if vertical:
            # Only the rows the vertical pass reads (Pillow: from bounds_vert of the first
            # and last output row; rows are independent, so any superset gives the same).
            used = [i for pos, neg in vertical for i, _ in pos + neg]
            first, last = min(used), max(used) + 1
            vertical = [
                ([(i - first, w) for i, w in pos], [(i - first, w) for i, w in neg])
                for pos, neg in vertical
            ]
        else:
            first, last = 0, height
        src = _horizontal_pass(src, width, channels, horizontal, first, last)
        width = new_width
    if vertical:
        src = _vertical_pass(src, width, channels, vertical)
    return src


def _horizontal_pass(src, width, channels, weights, first, last):
    # Rows first..last-1 of src resampled to len(weights) columns, as a new image.
    rows = last - first
    stride = width * channels
    # Column x as lanes, channel-major: channel 0 of rows first..last-1, then channel 1...
    columns = [
        _to_lanes(
            b"".join(
                bytes(src[first * stride + x * channels + c : last * stride : stride])
                for c in range(channels)
            )
        )
        for x in range(width)
    ]
    lanes = _Lanes(rows * channels)
    out_stride = len(weights) * channels
    out = bytearray(rows * out_stride)
    for xx, (pos, neg) in enumerate(weights):
        column = lanes.combine(columns, pos, neg)
        for c in range(channels):
            out[xx * channels + c :: out_stride] = column[c * rows : (c + 1) * rows]
    return out


def _vertical_pass(src, width, channels, weights):
    # src resampled to len(weights) rows, as a new image.
    stride = width * channels
    rows = [_to_lanes(src[y : y + stride]) for y in range(0, len(src), stride)]
    lanes = _Lanes(stride)
    out = bytearray(len(weights) * stride)
    for yy, (pos, neg) in enumerate(weights):
        out[yy * stride : (yy + 1) * stride] = lanes.combine(rows, pos, neg)
    return out


# RGBA: Image.resize converts to RGBa (premultiplied) and back, libImaging/Convert.c:
#   rgbA2rgba: c' = MULDIV255(c, a) = (t + (t >> 8)) >> 8 with t = c * a + 128
#   rgba2rgbA: c = c' if a is 0 or 255, else CLIP8(255 * c' / a) (integer division)
# Both as 64 KiB tables indexed by a << 8 | c.
_PREMULTIPLY = None
_UNPREMULTIPLY = None


def _alpha_tables():
    global _PREMULTIPLY, _UNPREMULTIPLY
    if _PREMULTIPLY is None:
        pre = bytearray(65536)
        un = bytearray(65536)
        for a in range(256):
            for c in range(256):
                t = c * a + 128
                pre[a << 8 | c] = ((t >> 8) + t) >> 8
                un[a << 8 | c] = c if a in (0, 255) else min(255, 255 * c // a)
        _PREMULTIPLY, _UNPREMULTIPLY = bytes(pre), bytes(un)
    return _PREMULTIPLY, _UNPREMULTIPLY


def _map_color(pixels, table):
    # Apply table[a << 8 | c] to the three colour samples of each RGBA pixel.  Both tables
    # leave a = 255 unchanged, so an opaque image is copied as it is.
    out = bytearray(pixels)
    alpha = pixels[3::4]
    if alpha.count(255) == len(alpha):
        return out
    # The indices a << 8 | c as native 16-bit ints: alpha in the high byte, colour in the low.
    index = bytearray(2 * len(alpha))
    index[_HIGH_BYTE::2] = alpha
    lookup = table.__getitem__
    for c in range(3):
        index[1 - _HIGH_BYTE :: 2] = pixels[c::4]
        out[c::4] = bytes(map(lookup, memoryview(index).cast("H")))
    return out


_HIGH_BYTE = 1 if sys.byteorder == "little" else 0


def resize(pixels, width, height, channels, new_width, new_height):
    """``pixels`` (HWC, 3 or 4 channels) resized to ``new_width`` x ``new_height`` exactly as
    Pillow's ``Image.resize((new_width, new_height), Image.LANCZOS)`` does, as a new
    bytearray; the same size gives a copy.  Sizes must be > 0 (Pillow's ValueError)."""
    _check_image(pixels, width, height, channels)
    for arg, value in (("new_width", new_width), ("new_height", new_height)):
        if type(value) is not int:
            raise TypeError("%s must be an int, not %s" % (arg, type(value).__name__))
    if new_width < 1 or new_height < 1:
        raise ValueError("height and width must be > 0, got %dx%d" % (new_width, new_height))
    pixels = bytes(pixels)
    if (new_width, new_height) == (width, height):
        return bytearray(pixels)
    if channels == 4:
        premultiply, unpremultiply = _alpha_tables()
        pixels = _map_color(pixels, premultiply)
        out = _resample(pixels, width, height, 4, new_width, new_height)
        return _map_color(out, unpremultiply)
    return _resample(pixels, width, height, channels, new_width, new_height)
