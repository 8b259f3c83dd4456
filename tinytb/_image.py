# SPDX-License-Identifier: MIT
"""The pixel pipeline: from an array-like to the pixels of one image (PyTorch's scaling,
``convert_to_HWC`` and ``make_grid``, on flat ``bytes``), video frames (``_prepare_video``),
and on to the encoded image: boxes drawn and ``rescale`` applied (``_draw``), PNG (``_png``)
or GIF (``_gif``). Sizes are checked against ``_arrays.MAX_IMAGE_PIXELS`` and
``MAX_VIDEO_BYTES`` before the pixels are allocated.

PyTorch (``torch/utils/tensorboard/summary.py`` ``image``, ``_utils.py``) does::

    tensor = convert_to_HWC(make_np(tensor), dataformats)      # make_grid for 4 letters
    scale = 1 if tensor.dtype == np.uint8 else 255
    tensor = (tensor.astype(np.float32) * scale).clip(0, 255).astype(np.uint8)

Scaling is elementwise and ``make_grid`` pads with zeros (which scale to zero), so tinytb scales
first, on the flat data, and then moves bytes around with slice assignments: a uint8 image never
goes through a Python int per pixel.

The float path must give PyTorch's pixels exactly. numpy multiplies in float32: the product
``x * 255`` is rounded to float32 before it is truncated. For a float32 ``x`` the double product
is exact (24 + 8 bits), and for every float32 in [0, 1] its float32 rounding never carries it
across an integer: all 1,065,353,217 of them were checked against numpy (``(x *
np.float32(255)).astype(np.uint8) == floor(float64(x) * 255)``, numpy 2.4.6); outside [0, 1]
both clip to 0 or 255. So one C-speed pass, ``int(x * 255.0)``, gives PyTorch's pixels; values
that fall outside 0..255 (or NaN) send the whole image through a slower pass that clips. Images
normalised from 8 bits (every value exactly k / 255, as torchvision's ToTensor makes them) are
recognised and mapped back to k with table lookups instead (``_from_8bit_levels``).
float64 inputs are first rounded to float32 (``astype(np.float32)``), as PyTorch does: 1 -
2**-30 is 1.0 in float32, pixel 255, where float64 arithmetic would give 254.

**The caller's numpy array.** When the input is a numpy array or a torch tensor
(``Array.host``, a plain ndarray: subclasses such as ``np.matrix`` change what the methods
mean and take the pure path), :func:`host_pixels` makes the same bytes with the array's own
methods, never one Python object per pixel: the axes are permuted first (``transpose``: the
layout of any ``dataformats``, CHW -> HWC), then blocks of ``_BLOCK`` elements are copied to
float32 (``astype``; float64 rounded as PyTorch rounds it), NaN set to 0, clipped to [-1, 2]
and values under 1/256 set to 0 (their pixel is 0 anyway; this keeps overflow and underflow
out of every later step, so no numpy warning and no ``np.seterr(all="raise")`` error reaches
the caller), multiplied by 255 in float32 (numpy's product is PyTorch's, and the truncation
equals the pure path's, as shown above), clipped to [0, 255] and cast to uint8; ``tobytes``
of each block gives the C order of the permuted array. Ints and bools become ``(x >= 1) *
255``; uint8 is one ``transpose(...).tobytes()``. Grids (4-letter formats, and the
projector's sprite) are permuted views too (:func:`host_grid`): no Python loop per image row.
The pure path stays the reference: tests/test_image.py compares both, byte for byte, over
random dtypes (byte orders, strides), layouts and special values.

Measured (numpy 2.4.6, a shared 2-core host, several runs): ``summary.image`` of a 3x512x512
float32 image with values between the 8-bit levels, 129-158 ms -> 48-60 ms (its pixels: 4-6
ms instead of 90-150; PNG encoding is now nearly all of it); on the 8-bit levels 102 -> 52
ms; uint8 unchanged (about 50 ms). ``add_image`` of the first, end to end with ``close()``,
went from 0.85-0.95x PyTorch's writer's time to 0.33-0.38x. Peak extra memory of
``summary.image`` on it: 1.8x its size (the block temporaries are 0.5 MB; most is the PNG
encoder's), down from 2.2x. ``video_frames`` of a (4, 32, 3, 64, 64) float32 video: 15 ms
instead of 330.
"""

from __future__ import annotations

import math
import sys
from array import array
from itertools import repeat
from operator import mul

from ._arrays import MAX_IMAGE_PIXELS, MAX_VIDEO_BYTES, Array, as_array

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, List, Optional, Tuple


def to_uint8(arr: Array) -> bytes:
    """Flat uint8 ``bytes`` of an :class:`~tinytb._arrays.Array`, scaled as PyTorch scales."""
    host = arr.host
    if host is not None:
        return host_pixels(host, arr.dtype, range(len(arr.shape)))
    if arr.dtype == "uint8":
        return bytes(arr.data)
    values = arr.data
    if arr.dtype == "float32" and isinstance(values, array):
        pixels = _from_8bit_levels(values)
        if pixels is not None:
            return pixels
    if arr.dtype in ("float32", "float16", "bfloat16"):
        pass  # already exact float32 values
    elif arr.dtype == "float64":
        values = array("f", values)  # astype(np.float32): round, beyond range -> inf
    else:
        # ints and bools: float32(x) * 255 is >= 255 for x >= 1 and <= 0 for x <= 0
        return bytes([255 if x >= 1 else 0 for x in values])
    try:
        # int() truncates toward zero: (-1, 0) gives 0 and [255, 256) gives 255, as clipping
        # would; anything further out, NaN or inf makes bytes() or int() raise.
        return bytes(map(int, map(mul, values, repeat(255.0))))
    except (ValueError, OverflowError):
        return bytes(
            [
                int(p)
                if 0.0 <= p <= 255.0
                else (255 if p > 255.0 else 0)  # clip; NaN becomes 0 (numpy's cast on x86 does)
                for p in map(mul, values, repeat(255.0))
            ]
        )


# -- the caller's numpy array -------------------------------------------------------------------
# With a host array (Array.host) the same pixels are made by its own methods, a block of
# elements at a time (temporaries stay small and in cache). Every step is chosen so that no
# floating-point exception is raised (module docstring), so neither numpy warnings nor
# np.seterr(all="raise") reach the caller.
_BLOCK = 1 << 16  # elements per block


def host_pixels(host: Any, dtype: str, perm: Any, wide: bool = False) -> bytes:
    """The uint8 pixels of the numpy array ``host`` (elements of ``dtype``, any strides or byte
    order), scaled as :func:`to_uint8` scales them, in the C order of ``host.transpose(perm)``.
    ``wide``: float64 is multiplied in float64 (the sprite's arithmetic) instead of first being
    rounded to float32 (``add_image``'s)."""
    view = host.transpose(tuple(perm))
    if dtype == "uint8":
        return view.tobytes()  # tobytes: the C order of the transposed view, one copy
    return b"".join([_scaled_block(block, dtype, wide) for block in _blocks(view)])


def host_grid(nchw: Any, dtype: str, ncols: int, wide: bool = False) -> Tuple[int, bytearray]:
    """``(rows, pixels)``: :func:`make_grid` of the numpy array ``nchw`` (N, C, H, W) in
    ``ncols`` columns, scaled as :func:`host_pixels` scales, grey repeated to RGB. The full
    rows of cells are one permuted view, ``(rows, H, ncols, W, C)``, whose C order is the
    canvas's (splitting the N axis into ``(rows, ncols)`` is a view for any strides); the last
    row of cells is padded with black."""
    n, c, h, w = nchw.shape
    full = n // ncols
    grid = bytearray()
    if full:
        cells = nchw[: full * ncols].reshape(full, ncols, c, h, w)
        grid += host_pixels(cells, dtype, (0, 3, 1, 4, 2), wide)
    rest = n - full * ncols
    if rest:
        tail = host_pixels(nchw[full * ncols :], dtype, (2, 0, 3, 1), wide)  # (H, rest, W, C)
        row, out_row = rest * w * c, ncols * w * c
        band = bytearray(h * out_row)
        for y in range(h):
            band[y * out_row : y * out_row + row] = tail[y * row : (y + 1) * row]
        grid += band
    if c == 1:
        rgb = bytearray(3 * len(grid))
        rgb[0::3] = rgb[1::3] = rgb[2::3] = grid
        grid = rgb
    return full + (1 if rest else 0), grid


def _blocks(view):
    """Sub-views of ``view`` of at most ``_BLOCK`` elements (or one row of the last axis), whose
    C-order bytes, concatenated, are the C-order bytes of ``view``."""
    shape = view.shape
    if not shape:
        yield view
        return
    inner = _prod(shape[1:])
    if inner > _BLOCK:
        for i in range(shape[0]):
            yield from _blocks(view[i])
        return
    step = max(1, _BLOCK // max(inner, 1))
    for i in range(0, shape[0], step):
        yield view[i : i + step]


def _scaled_block(block, dtype, wide):
    if dtype not in ("float16", "float32", "float64"):
        # ints and bools: float32(x) * 255 is >= 255 for x >= 1 and <= 0 for x <= 0
        mask = (block >= 1).view("uint8")  # a new bool array: True is stored as 1
        mask *= 255
        return mask.tobytes()
    # a copy (the caller's array is never written), in native byte order
    values = block.astype("float64" if dtype == "float64" else "float32")
    values[values != values] = 0  # NaN: pixel 0, as the pure path (and numpy on x86) gives
    # Below 1/256 every pixel is 0 (x * 255 < 1 truncates to 0, negatives clip to 0); zeroing
    # them keeps denormals out (no underflow), clipping at 2 keeps huge values out (no overflow).
    values.clip(-1.0, 2.0, out=values)
    values[values < 0.00390625] = 0
    if dtype == "float64" and not wide:
        values = values.astype("float32")  # PyTorch's astype(np.float32): round to nearest
    # The product is rounded to float32, as numpy rounds PyTorch's; for float32 in [0, 1] the
    # module docstring shows the truncation then equals the pure path's exact product's.
    values *= 255
    values.clip(0, 255, out=values)
    return values.astype("uint8").tobytes()


# Normalised 8-bit images (torchvision's ToTensor, ``u8 / 255``) hold only the 256 float32
# values k / 255, whose pixels are k. Their upper 16 bits alone tell them apart, so one table
# lookup per pixel finds k, and two bytes.translate comparisons check the lower bytes: C speed
# for the whole check, and the general path for any other value.
_LEVELS = None


def _level_tables():
    global _LEVELS
    if _LEVELS is None:
        levels = array("f", [k / 255.0 for k in range(256)])
        if sys.byteorder != "little":
            _LEVELS = False
            return _LEVELS
        raw = levels.tobytes()
        high = [256] * 65536  # 256: not a level, bytes() refuses it
        for k, h in enumerate(memoryview(raw).cast("H")[1::2]):
            high[h] = k
        _LEVELS = (high, bytes(raw[0::4]), bytes(raw[1::4]))
    return _LEVELS


def _from_8bit_levels(values):
    """The pixels of float32 ``values`` if every one is exactly k / 255 (then pixel k, which is
    what ``floor(float32(k / 255) * 255)`` gives), else None."""
    tables = _level_tables()
    if not tables or len(values) == 0:
        return None
    high, byte0, byte1 = tables
    raw = values.tobytes()
    try:
        pixels = bytes(map(high.__getitem__, memoryview(raw).cast("H")[1::2]))
    except ValueError:  # a value that is no level
        return None
    if raw[0::4] != pixels.translate(byte0) or raw[1::4] != pixels.translate(byte1):
        return None
    return pixels


def image_hwc(
    value: Any, dataformats: Any, name: str = "img_tensor"
) -> Tuple[int, int, int, bytes]:
    """``(height, width, channels, pixels)`` of one image (or a grid of a batch), as PyTorch's
    ``convert_to_HWC`` (with ``make_grid(ncols=8)`` for 4-letter formats) lays it out."""
    if not isinstance(dataformats, str):
        raise TypeError(
            "dataformats must be a str such as 'CHW', not %s" % type(dataformats).__name__
        )
    fmt = dataformats.upper()
    arr = as_array(value, name)
    if len(set(fmt)) != len(fmt):
        raise ValueError("dataformats=%r repeats a letter" % dataformats)
    letters = {2: "HW", 3: "HWC", 4: "NCHW"}.get(len(fmt))
    if letters is None or set(fmt) != set(letters):
        raise ValueError("dataformats=%r must be an order of HW, CHW or NCHW" % dataformats)
    if len(arr.shape) != len(fmt):
        raise ValueError(
            "%s has shape %s, which does not match dataformats=%r" % (name, arr.shape, dataformats)
        )
    if 0 in arr.shape:
        raise ValueError("%s is empty: shape %s" % (name, arr.shape))
    sizes = dict(zip(fmt, arr.shape))
    n = sizes.get("N", 1)
    columns = min(n, 8)
    check_pixels(sizes["H"] * -(-n // columns), sizes["W"] * columns, name)
    if len(fmt) == 2:
        h, w = sizes["H"], sizes["W"]
        plane = _pixels(arr, [fmt.index(c) for c in "HW"])
        out = bytearray(h * w * 3)
        out[0::3] = out[1::3] = out[2::3] = plane
        return h, w, 3, bytes(out)
    if len(fmt) == 3:
        h, w, c = sizes["H"], sizes["W"], sizes["C"]
        _check_channels(c, name, arr.shape)
        hwc = _pixels(arr, [fmt.index(ch) for ch in "HWC"])
        if c == 1:
            out = bytearray(h * w * 3)
            out[0::3] = out[1::3] = out[2::3] = hwc
            return h, w, 3, bytes(out)
        return h, w, c, hwc
    n, c, h, w = sizes["N"], sizes["C"], sizes["H"], sizes["W"]
    _check_channels(c, name, arr.shape)
    host = arr.host
    if host is not None:
        rows, grid = host_grid(host.transpose([fmt.index(ch) for ch in "NCHW"]), arr.dtype, columns)
        return h * rows, w * columns, 3 if c == 1 else c, bytes(grid)
    nhwc = _pixels(arr, [fmt.index(ch) for ch in "NHWC"])
    return make_grid(nhwc, n, h, w, c, name=name)


def _pixels(arr, perm):
    """The scaled uint8 pixels of ``arr`` with its axes permuted (numpy's ``transpose(perm)``):
    through the caller's array when there is one, else the pure path."""
    host = arr.host
    if host is not None:
        return host_pixels(host, arr.dtype, perm)
    return transpose(to_uint8(arr), arr.shape, perm)


def _check_channels(c, name, shape):
    if c not in (1, 2, 3, 4):
        raise ValueError(
            "%s has %d channels (shape %s): images take 1 (grey), 2 (grey and "
            "alpha), 3 (RGB) or 4 (RGBA)" % (name, c, shape)
        )


def make_grid(nhwc, n, h, w, c, ncols=8, name="img_tensor"):
    """PyTorch's ``make_grid``: ``min(n, ncols)`` columns, row-major, zero padding; grey is
    repeated to RGB. Returns ``(height, width, channels, pixels)``."""
    out_c = 3 if c == 1 else c
    ncols = min(n, ncols)
    nrows = -(-n // ncols)
    width = w * ncols
    check_pixels(h * nrows, width, name)
    canvas = bytearray(h * nrows * width * out_c)
    row = w * c
    out_row = w * out_c
    for i in range(n):
        y0, x0 = (i // ncols) * h, (i % ncols) * w
        image = nhwc[i * h * row : (i + 1) * h * row]
        if c == 1:
            rgb = bytearray(h * w * 3)
            rgb[0::3] = rgb[1::3] = rgb[2::3] = image
            image = rgb
        for y in range(h):
            start = ((y0 + y) * width + x0) * out_c
            canvas[start : start + out_row] = image[y * out_row : (y + 1) * out_row]
    return h * nrows, width, out_c, bytes(canvas)


def transpose(data, shape, perm):
    """``data`` (bytes, C order, ``shape``) with its axes permuted: axis k of the result is
    axis ``perm[k]`` of the input (numpy's ``transpose(perm)``)."""
    perm = list(perm)
    if perm == sorted(perm):
        return bytes(data)
    shape = list(shape)
    data = bytes(data)
    # Bubble the axes into place with adjacent swaps; each swap moves whole runs with strided
    # slice assignments (one per element of the smaller swapped axis times the run count).
    order = list(range(len(shape)))  # order[k]: the input axis now at position k
    target = perm
    for i in range(len(target)):
        j = order.index(target[i])
        while j > i:
            data = _swap_adjacent(data, shape, j - 1)
            shape[j - 1], shape[j] = shape[j], shape[j - 1]
            order[j - 1], order[j] = order[j], order[j - 1]
            j -= 1
    return data


def _swap_adjacent(data, shape, k):
    """Swap axes k and k+1 of C-order ``data``."""
    outer = _prod(shape[:k])
    a, b = shape[k], shape[k + 1]
    inner = _prod(shape[k + 2 :])
    out = bytearray(len(data))
    block = a * b * inner
    for o in range(outer):
        base = o * block
        src = data[base : base + block]
        dst = bytearray(block)
        if inner == 1:
            if a <= b:
                for i in range(a):  # row i of (a, b) becomes column i of (b, a)
                    dst[i::a] = src[i * b : (i + 1) * b]
            else:
                for j in range(b):
                    dst[j * a : (j + 1) * a] = src[j::b]
        else:
            for i in range(a):
                for j in range(b):
                    s = (i * b + j) * inner
                    d = (j * a + i) * inner
                    dst[d : d + inner] = src[s : s + inner]
        out[base : base + block] = dst
    return bytes(out)


def _prod(values):
    n = 1
    for v in values:
        n *= v
    return n


# -- video -------------------------------------------------------------------------------------

_U8_VIDEO = None


def _video_u8_table():
    # PyTorch's _prepare_video divides uint8 video by 255 in float32, and video() multiplies
    # by 255 again in float32 and truncates: not every value comes back unchanged. A float32
    # quotient or product computed in double and then rounded to float32 is the correctly
    # rounded float32 result (53 >= 2 * 24 + 2 bits), so this table is exact.
    global _U8_VIDEO
    if _U8_VIDEO is None:
        quotients = array("f", [u / 255.0 for u in range(256)])
        products = array("f", [q * 255.0 for q in quotients])
        _U8_VIDEO = bytes(min(255, int(p)) for p in products)
    return _U8_VIDEO


def video_frames(value: Any, name: str = "vid_tensor") -> Tuple[int, int, int, List[bytes]]:
    """``(height, width, channels, frames)`` of an (N, T, C, H, W) video, the batch tiled into
    PyTorch's grid (``_prepare_video``): N padded with empty videos to a power of two,
    ``2 ** ((N.bit_length() - 1) // 2)`` rows. ``frames``: one HWC ``bytes`` per time step."""
    arr = as_array(value, name)
    if len(arr.shape) != 5:
        raise ValueError(
            "%s must have 5 dimensions (N, T, C, H, W), got shape %s" % (name, arr.shape)
        )
    if 0 in arr.shape:
        raise ValueError("%s is empty: shape %s" % (name, arr.shape))
    n, t, c, h, w = arr.shape
    _check_channels(c, name, arr.shape)
    padded = n if n & (n - 1) == 0 else 1 << n.bit_length()
    n_rows = 2 ** ((n.bit_length() - 1) // 2)
    n_cols = padded // n_rows
    height, width = n_rows * h, n_cols * w
    check_pixels(height, width, name)
    if t * height * width * 3 > MAX_VIDEO_BYTES:
        raise ValueError(
            "%s: %d frames of %d x %d pixels need %d bytes, more than tinytb's "
            "limit of %d" % (name, t, width, height, t * height * width * 3, MAX_VIDEO_BYTES)
        )
    if arr.dtype == "uint8":
        host = arr.host
        raw = host.tobytes() if host is not None else bytes(arr.data)
        data = raw.translate(_video_u8_table())
    else:
        data = to_uint8(arr)
    plane = h * w
    frames = []
    for ti in range(t):
        canvas = bytearray(height * width * c)
        for b in range(n):
            base = (b * t + ti) * c * plane  # video b, frame ti: (C, H, W)
            chw = data[base : base + c * plane]
            hwc = bytearray(plane * c)
            for ch in range(c):
                hwc[ch::c] = chw[ch * plane : (ch + 1) * plane]
            y0, x0 = (b // n_cols) * h, (b % n_cols) * w
            for y in range(h):
                start = ((y0 + y) * width + x0) * c
                canvas[start : start + w * c] = hwc[y * w * c : (y + 1) * w * c]
        frames.append(bytes(canvas))
    return height, width, c, frames


def to_rgb(pixels, channels):
    """RGB bytes from grey (repeated), grey+alpha or RGBA (alpha dropped), or RGB."""
    if channels == 3:
        return bytes(pixels)
    n = len(pixels) // channels
    out = bytearray(n * 3)
    if channels in (1, 2):
        grey = pixels[0::channels]
        out[0::3] = out[1::3] = out[2::3] = grey
    else:
        out[0::3], out[1::3], out[2::3] = pixels[0::4], pixels[1::4], pixels[2::4]
    return bytes(out)


# -- limits, boxes, rendering ------------------------------------------------------------------


def check_pixels(height: int, width: int, name: str) -> None:
    """``ValueError`` naming ``name`` if a ``height`` x ``width`` image would exceed
    ``MAX_IMAGE_PIXELS`` (checked before its pixels are allocated)."""
    if height * width > MAX_IMAGE_PIXELS:
        raise ValueError(
            "%s makes a %d x %d image: %d pixels, more than tinytb's limit of %d"
            % (name, width, height, height * width, MAX_IMAGE_PIXELS)
        )


def boxes(value: Any, name: str = "boxes") -> List[Tuple[Any, ...]]:
    """``(xmin, ymin, xmax, ymax)`` tuples of an (N, 4) array-like."""
    arr = as_array(value, name)
    if len(arr.shape) != 2 or arr.shape[1] != 4:
        raise ValueError(
            "%s must have shape (N, 4) of (xmin, ymin, xmax, ymax), got shape %s"
            % (name, arr.shape)
        )
    values = list(arr.data)
    if not all(map(math.isfinite, values)):
        raise ValueError(
            "%s must hold finite numbers, found %r"
            % (name, next(v for v in values if not math.isfinite(v)))
        )
    return [tuple(values[i * 4 : i * 4 + 4]) for i in range(arr.shape[0])]


def scaled_size(width: int, height: int, rescale: float, name: str = "rescale") -> Tuple[int, int]:
    """``(new_width, new_height)`` of an image resized by the float ``rescale``, as PyTorch
    computes them (``int(w * rescale)``)."""
    if not (math.isfinite(rescale) and rescale > 0):
        raise ValueError("%s must be a positive finite number, got %r" % (name, rescale))
    new_w, new_h = int(width * rescale), int(height * rescale)
    if new_w < 1 or new_h < 1:
        raise ValueError("%s=%r makes the %dx%d image empty" % (name, rescale, width, height))
    check_pixels(new_h, new_w, name)
    return new_w, new_h


def render_png(
    pixels: bytes,
    h: int,
    w: int,
    c: int,
    new_w: int,
    new_h: int,
    box_list: Optional[List[Any]] = None,
    labels: Optional[List[str]] = None,
) -> bytes:
    """PNG bytes of HWC uint8 ``pixels`` with ``box_list`` drawn (Pillow's way) and resized to
    ``new_w`` x ``new_h`` (Lanczos, as Pillow's)."""
    from . import _draw, _png

    work: bytearray
    if box_list or new_w != w or new_h != h:
        # A grey+alpha ("LA") image: Pillow draws on it in the luma of the colour (red is
        # 76) and resamples it as it would the RGBA image (L, L, L, A). So draw on that RGBA
        # image and take the luma with Pillow's formula; resample it as (L, L, L, A) too.
        grey_alpha = c == 2
        if box_list:
            if labels is not None and len(labels) != len(box_list):
                labels = None  # PyTorch drops labels whose count does not match the boxes
            if grey_alpha:
                work = _grey_alpha_to_rgba(pixels)
                _draw.draw_boxes(work, w, h, 4, box_list, labels)
                pixels = bytes(_rgba_to_grey_alpha(work))
            else:
                work = bytearray(pixels)
                _draw.draw_boxes(work, w, h, c, box_list, labels)
                pixels = bytes(work)
        if new_w != w or new_h != h:
            if grey_alpha:
                resized = _draw.resize(_grey_alpha_to_rgba(pixels), w, h, 4, new_w, new_h)
                work = bytearray(len(resized) // 2)
                work[0::2], work[1::2] = resized[0::4], resized[3::4]
                pixels = bytes(work)
            else:
                pixels = _draw.resize(pixels, w, h, c, new_w, new_h)
    return _png.encode_png(pixels, new_w, new_h, c)


def _grey_alpha_to_rgba(pixels):
    out = bytearray(len(pixels) * 2)
    grey = pixels[0::2]
    out[0::4] = out[1::4] = out[2::4] = grey
    out[3::4] = pixels[1::2]
    return out


def _rgba_to_grey_alpha(pixels):
    # Pillow's rgb2l: L = (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16 (ITU-R 601 luma)
    out = bytearray(len(pixels) // 2)
    out[0::2] = bytes(
        [
            (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16
            for r, g, b in zip(pixels[0::4], pixels[1::4], pixels[2::4])
        ]
    )
    out[1::2] = pixels[3::4]
    return out


def encode_gif(frames: List[bytes], h: int, w: int, c: int, fps: float) -> bytes:
    """An animated GIF of HWC uint8 ``frames`` (``fps`` already checked positive)."""
    from . import _gif

    return _gif.encode_gif([to_rgb(f, c) for f in frames], w, h, fps)
