# SPDX-License-Identifier: MIT
"""Audio clips as PyTorch's ``add_audio`` writes them: 16-bit PCM in a WAV file.

PyTorch (``torch/utils/tensorboard/summary.py`` ``audio``) does::

    array = make_np(tensor).squeeze()
    if abs(array).max() > 1: print("warning: audio amplitude out of range, auto clipped.")
    array = (array.clip(-1, 1) * 32767).astype("<i2")              # mono only
    wave.open(fio, "wb"): setnchannels(1), setsampwidth(2), setframerate(sample_rate)

The product ``x * 32767`` is computed in the input's float type (float32 stays float32) and
truncated toward zero by the cast. tinytb also takes stereo ``(L, 2)`` clips, as tensorboardX
does. The WAV header is the one the standard ``wave`` module writes (:func:`wav` packs it
itself, so the samples go in as a buffer, without a Python object each); it stores the byte
rate (rate x channels x 2) as a uint32, hence ``_arrays.MAX_SAMPLE_RATE``.

Strategy. Two paths, the same samples (tests/test_audio.py compares them byte for byte over
random clips: float16/32/64, integers, bools, stereo, strided, big-endian, loud samples,
infinities, NaN, -0.0, denormals, values one step off k / 32767):

* The reference, for lists, ``array.array``, buffers: :func:`clipped` (loud samples clipped,
  one warning) then :func:`pcm16`, one Python number per sample: ``array('f')`` rounds the
  products of float32 (and float16, bfloat16) input to float32 as numpy does, ``int``
  truncates, NaN becomes 0.
* The caller's numpy array (a torch tensor's ``numpy()`` view): :func:`pcm16_host`, block by
  block through the array's own methods (``max``/``min`` find loud samples and NaN,
  ``clip``, ``* 32767`` in the input's type, NaN set to 0, a truncating cast into one int16
  result), which :func:`wav` takes as a buffer. numpy's own warnings are kept from the
  caller; the caller's array is never written.

Speed (10 s of mono 44.1 kHz float32, ``add_audio`` + ``close()``, this project's 2-core box,
PyTorch 2.13 / numpy 2.4.6 alongside): about 11 ms a call against PyTorch's 240-340 ms
(0.04-0.1x), where the pure path took 230 ms (0.54-1.2x). ``summary.audio`` is about 1 ms of
that (:func:`pcm16_host` 0.65 ms); the rest is the event record, mostly its CRC-32C (3.6 ms
for the 0.9 MB WAV), and the file. Peak extra memory of the call (tracemalloc): 2x the
float32 clip, i.e. four copies of the WAV (half the clip's size): the nested messages'
joins make three, the event record one more; :func:`pcm16_host` alone about 0.6x.
"""

from __future__ import annotations

import math
import struct
import sys
import warnings
from array import array
from itertools import repeat
from operator import mul

from ._arrays import MAX_AUDIO_SAMPLES, MAX_SAMPLE_RATE, Array
from ._convert import to_real, warn_caller

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Sequence

__all__ = ["sample_rate", "channels", "samples", "clipped", "pcm16", "pcm16_host", "wav"]

_SAMPLE_WIDTH = 2  # bytes per sample: 16-bit PCM, as PyTorch writes
_NARROW_FLOATS = ("float32", "float16", "bfloat16")  # numpy multiplies these in float32
_BLOCK = 16384  # samples per block of pcm16_host, at most: its temporaries stay this small
_SMALL_BLOCK = 1024  # samples per block, at least (each block costs a few method calls)
_LOUD = "%s: audio amplitude out of range [-1, 1], clipped"


def sample_rate(value: Any, name: str = "sample_rate") -> float:
    """A sample rate in Hz: a positive number whose rounding (``wave`` rounds it) is at least
    1 and at most ``MAX_SAMPLE_RATE``; ``ValueError``/``TypeError`` naming ``name``."""
    rate = to_real(value, name)
    if not (math.isfinite(rate) and 1 <= round(rate) <= MAX_SAMPLE_RATE):
        raise ValueError(
            "%s must be a positive number of Hz, at most %d (the WAV header's "
            "byte rate is 32 bits), got %r" % (name, MAX_SAMPLE_RATE, value)
        )
    return rate


def channels(shape: Sequence[int], size: int, name: str) -> int:
    """1 for a mono clip (L,) (size-1 dimensions squeezed, as PyTorch does), 2 for (L, 2)."""
    squeezed = [n for n in shape if n != 1]
    if len(squeezed) == 1 or (not squeezed and size == 1):
        count = 1
    elif len(squeezed) == 2 and squeezed[1] == 2:
        count = 2
    else:
        raise ValueError(
            "%s must be mono (L,) or stereo (L, 2) audio; got shape %s" % (name, tuple(shape))
        )
    if size > MAX_AUDIO_SAMPLES:
        raise ValueError(
            "%s has %d samples, more than tinytb's limit of %d (the WAV must "
            "stay under 2 GiB)" % (name, size, MAX_AUDIO_SAMPLES)
        )
    return count


def samples(arr: Array, name: str) -> Any:
    """The clip ``arr`` as 16-bit PCM samples (interleaved, in C order), clipped to [-1, 1]
    with a warning as PyTorch does: through the caller's numpy array when there is one
    (:func:`pcm16_host`: a little-endian int16 array), else one Python number per sample
    (:func:`clipped`, :func:`pcm16`: an ``array('h')``), the same values either way.

    Args:
        arr: the clip, from :func:`~tinytb._arrays.as_array`.
        name: the argument's name, for the warning."""
    if arr.host is not None:
        return pcm16_host(arr.host, arr.dtype, name)
    values = list(arr.data) if arr.dtype == "uint8" else arr.data  # uint8 data is bytes
    return pcm16(clipped(values, name), arr.dtype)


def clipped(values: Any, name: str) -> Any:
    """``values`` clipped to [-1, 1], with a warning when any is louder (NaN stays NaN)."""
    if not values:
        return values
    high, low = max(values), min(values)
    if high != high or low != low:  # a NaN came first, so max/min stopped seeing the others
        high = max((v for v in values if v == v), default=0.0)
        low = min((v for v in values if v == v), default=0.0)
    if high > 1 or low < -1:
        # (PyTorch skips clipping altogether when the clip holds a NaN, since abs(x).max() is
        # then NaN; tinytb clips the loud samples anyway: NaN stays NaN and is written as 0.)
        warn_caller(_LOUD % name)
        values = [v if -1 <= v <= 1 else (1 if v > 1 else (-1 if v < -1 else v)) for v in values]
    return values


def pcm16(values: Any, dtype: str) -> "array[int]":
    """``(x * 32767).astype('<i2')`` as numpy computes it: the product in float32 for float32
    (and narrower) input, in float64 otherwise, then truncated toward zero; NaN gives 0."""

    def products():
        if dtype in _NARROW_FLOATS:
            return array("f", map(mul, values, repeat(32767.0)))  # float32 rounding, exact
        return map(mul, values, repeat(32767.0))

    try:
        return array("h", map(int, products()))
    except ValueError:  # NaN
        return array("h", [int(p) if p == p else 0 for p in products()])


def pcm16_host(host: Any, dtype: str, name: str) -> Any:
    """:func:`clipped` then :func:`pcm16` through a numpy array's own methods: the samples
    as a C-contiguous little-endian int16 array (a buffer) in C order, equal to
    ``pcm16(clipped(values))`` sample for sample; the same warning for loud clips.

    Args:
        host: the caller's numpy array (any shape, strides and byte order).
        dtype: the element type ``host`` holds (an :class:`~tinytb._arrays.Array`'s name).
        name: the argument's name, for the warning.

    The work runs block by block (``_BLOCK`` samples at most, an eighth of the clip for
    shorter ones), so the one full-size allocation is the int16 result: each block's product
    (in the input's float type; float16 in float32 and integers in float64, as
    :func:`pcm16`) is made once, clipped and scaled in place, and cast into the result."""
    flat = host.ravel()  # C order, a view when it can be
    size = flat.size
    wide = None if dtype in ("float32", "float64") else "<f4" if dtype == "float16" else "<f8"
    step = max(_SMALL_BLOCK, min(_BLOCK, size // 8))
    loud = False
    with warnings.catch_warnings():
        # numpy's warnings (a NaN cast to int, a reduction over NaN) must not reach the
        # caller; the block casts never see a NaN, and no value leaves int16's range
        warnings.simplefilter("ignore")
        out = flat.astype("<i2")  # only its memory: every block is overwritten below
        for start in range(0, size, step):
            block = flat[start : start + step]
            high, low = block.max(), block.min()
            nan = high != high  # numpy's max and min are NaN if any sample is NaN
            if nan:
                high = 2 if (block > 1).any() else 0
                low = -2 if (block < -1).any() else 0
            clip = high > 1 or low < -1
            loud = loud or clip
            if wide is not None:  # float16 multiplies in float32, integers in float64
                product = block.astype(wide)
                if clip:
                    product.clip(-1, 1, out=product)  # NaN stays NaN, as in clipped()
                product *= 32767
            elif clip:
                product = block.clip(-1, 1)  # a new array: the caller's stays as it is
                product *= 32767
            else:
                product = block * 32767  # in the input's float type: a Python int is weak
            if nan:
                product[product != product] = 0  # pcm16 writes NaN as 0
            out[start : start + step] = product  # the cast truncates toward zero
    if loud:
        warn_caller(_LOUD % name)
    return out


# RIFF/WAVE header, as the standard ``wave`` module writes it for PCM (its _write_header):
# "RIFF" <riff size = 36 + data size> "WAVE" "fmt " <16> <format 1 = PCM> <channels>
# <frame rate> <byte rate> <block align> <bits per sample> "data" <data size>, little-endian
_WAV_HEADER = struct.Struct("<4sL4s4sLHHLLHH4sL")
_WAVE_FORMAT_PCM = 0x0001
_FMT_SIZE = 16  # the size of the PCM "fmt " chunk
_RIFF_REST = 36  # header bytes after the RIFF size field, before the samples


def wav(samples: Any, channel_count: int, rate: float) -> bytes:
    """The bytes of a WAV file holding ``samples``, interleaved 16-bit PCM: an ``array('h')``
    (native byte order), or any buffer of little-endian int16 such as :func:`pcm16_host`'s
    array. The header is the ``wave`` module's, byte for byte (it rounds ``rate``)."""
    if isinstance(samples, array):
        if sys.byteorder != "little":  # WAV is little-endian
            samples = samples.__copy__()
            samples.byteswap()
    data = memoryview(samples).cast("B")  # bytes, without a copy
    rate = int(round(rate))
    size = len(data)
    header = _WAV_HEADER.pack(
        b"RIFF",
        _RIFF_REST + size,
        b"WAVE",
        b"fmt ",
        _FMT_SIZE,
        _WAVE_FORMAT_PCM,
        channel_count,
        rate,
        channel_count * rate * _SAMPLE_WIDTH,
        channel_count * _SAMPLE_WIDTH,
        _SAMPLE_WIDTH * 8,
        b"data",
        size,
    )
    return b"".join((header, data))
