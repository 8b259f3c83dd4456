# SPDX-License-Identifier: MIT
"""Audio clips as PyTorch's ``add_audio`` writes them: 16-bit PCM in a WAV file.

PyTorch (``torch/utils/tensorboard/summary.py`` ``audio``) does::

    array = make_np(tensor).squeeze()
    if abs(array).max() > 1: print("warning: audio amplitude out of range, auto clipped.")
    array = (array.clip(-1, 1) * 32767).astype("<i2")              # mono only
    wave.open(fio, "wb"): setnchannels(1), setsampwidth(2), setframerate(sample_rate)

The product ``x * 32767`` is computed in the input's float type (float32 stays float32) and
truncated toward zero by the cast; :func:`pcm16` reproduces that. tinytb also takes stereo
``(L, 2)`` clips, as tensorboardX does. The WAV container is the standard ``wave`` module's;
its header stores the byte rate (rate x channels x 2) as a uint32, hence
``_arrays.MAX_SAMPLE_RATE``.
"""

from __future__ import annotations

import io
import math
import sys
import wave
from array import array
from itertools import repeat
from operator import mul

from ._arrays import MAX_AUDIO_SAMPLES, MAX_SAMPLE_RATE
from ._convert import to_real, warn_caller

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Sequence

__all__ = ["sample_rate", "channels", "pcm16", "wav"]

_SAMPLE_WIDTH = 2  # bytes per sample: 16-bit PCM, as PyTorch writes
_NARROW_FLOATS = ("float32", "float16", "bfloat16")  # numpy multiplies these in float32


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


def clipped(values: Any, name: str) -> Any:
    """``values`` clipped to [-1, 1], with a warning when any is louder (NaN stays NaN)."""
    if values and (max(values) > 1 or min(values) < -1):
        # (PyTorch skips clipping altogether when the clip holds a NaN, since abs(x).max() is
        # then NaN; tinytb clips the loud samples anyway: NaN stays NaN and is written as 0.)
        warn_caller("%s: audio amplitude out of range [-1, 1], clipped" % name)
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


def wav(samples: "array[int]", channel_count: int, rate: float) -> bytes:
    """The bytes of a WAV file holding ``samples`` (an ``array('h')``, interleaved)."""
    if sys.byteorder != "little":  # WAV is little-endian
        samples = samples.__copy__()
        samples.byteswap()
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(channel_count)
        out.setsampwidth(_SAMPLE_WIDTH)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return buf.getvalue()
