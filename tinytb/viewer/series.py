# SPDX-License-Identifier: MIT
"""Scalar series for the charts: TensorBoard's smoothing, the x axes, and the reduction of a
series to what a chart of a given width can show. Pure functions on ``array`` objects, no I/O;
``static/app.js`` mirrors them (report mode smooths and reduces in the browser), so any change
here is a change there.

Smoothing is computed over every point of a series before any reduction, and a smoothed value
depends only on the points before it: a drawn value does not move when later points arrive.
"""

from __future__ import annotations

import math
import sys
from array import array
from bisect import bisect_left
from itertools import accumulate, repeat
from operator import le, mul, sub, truediv

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Sequence, Set, Tuple

__all__ = ["smooth", "x_values", "reduce", "AXES"]

#: The x axes of a scalar chart, as TensorBoard names them (STEP, RELATIVE, WALL_TIME).
AXES = ("step", "relative", "wall")

_isfinite = math.isfinite


def smooth(values: Sequence[float], weight: float) -> array:
    """TensorBoard's "classic" smoothing: a debiased exponential moving average.

    Follows ``classicSmoothing`` in tensorboard/webapp/widgets/line_chart_v2/
    data_transformer.ts line for line::

        if (!Number.isFinite(smoothingWeight)) { smoothingWeight = 0; }
        smoothingWeight = Math.max(0, Math.min(smoothingWeight, 1));
        const initialYVal = series.points[0]?.y;
        const isConstant = series.points.every((point) => point.y == initialYVal);
        // See #786.
        if (isConstant) { results.push(series); continue; }
        let last = series.points.length > 0 ? 0 : NaN;
        let numAccum = 0;
        ... if (!Number.isFinite(nextVal)) { return {x: point.x, y: nextVal}; }
        } else { last = last * smoothingWeight + (1 - smoothingWeight) * nextVal;
          numAccum++;
          const debiasWeight =
            smoothingWeight === 1 ? 1 : 1 - Math.pow(smoothingWeight, numAccum);
          return {x: point.x, y: last / debiasWeight};

    So: a constant series (every value ``==`` the first; NaN equals nothing, so a series
    holding NaN is never constant) comes back unchanged; non-finite values pass through and
    leave the average alone. The constant test looks at the whole series, as TensorBoard's
    does: a constant prefix is returned as is while the series is constant, and as the
    moving average (equal to it up to rounding) once a different value arrives. Every other
    smoothed value depends only on the values before it.

    Args:
        values: the series' values (any sequence of floats).
        weight: the smoothing weight; non-finite counts as 0, clamped to [0, 1].

    Returns:
        array('d') of the smoothed values, one per value.
    """
    w = float(weight)
    if not _isfinite(w):
        w = 0.0
    w = max(0.0, min(w, 1.0))
    out = array("d", values)
    n = len(out)
    if n == 0 or out.count(out[0]) == n:  # count compares with ==, in C
        return out
    if all(map(_isfinite, out)):
        return _smooth_finite(out, w)
    a = 1 - w
    last = 0.0
    count = 0
    for i in range(n):
        y = out[i]
        if _isfinite(y):
            last = last * w + a * y
            count += 1
            out[i] = last / (1 if w == 1 else 1 - w**count)
    return out


def _smooth_finite(values: array, w: float) -> array:
    """``smooth`` of a series without non-finite values, faster: the moving average in C
    (``accumulate``), and the debiasing division only while ``1 - w**k`` differs from 1
    (past that it is a division by 1.0, which changes nothing)."""
    a = 1 - w
    out = array("d", accumulate(values, lambda last, y: last * w + a * y, initial=0.0))
    del out[0]
    if w == 1:
        return out
    for k in range(1, len(out) + 1):
        debias = 1 - w**k
        if debias == 1.0:
            break
        out[k - 1] = out[k - 1] / debias
    return out


def x_values(steps: Sequence[int], wall_times: Sequence[float], axis: str) -> array:
    """The x coordinate of each point for one of TensorBoard's x axes.

    Args:
        steps: the points' steps.
        wall_times: the points' wall times (seconds since the epoch).
        axis: "step" (the step), "relative" (seconds since the series' first point) or
            "wall" (the wall time).

    Returns:
        array('d'), one x per point.

    Raises:
        ValueError: an unknown ``axis``.
    """
    if axis == "step":
        return array("d", steps)
    if axis == "wall":
        return array("d", wall_times)
    if axis == "relative":
        if not len(wall_times):
            return array("d")
        return array("d", map(sub, wall_times, repeat(wall_times[0])))
    raise ValueError("axis must be one of %s, got %r" % (", ".join(AXES), axis))


def reduce(
    xs: Sequence[float], values: Sequence[float], width: int, lo: float, hi: float
) -> List[int]:
    """The indices of the points to draw in a chart ``width`` columns wide, keeping spikes.

    With at most ``2 * width`` points, all of them. Otherwise each point goes to column
    ``min(width - 1, int((x - lo) / (hi - lo) * width))`` (column 0 when ``hi == lo`` or the
    range is not finite; clamped at 0 below ``lo``), and of each column the first and last
    point and the first index of the minimum and of the maximum value are kept; points whose
    x or value is not finite are always kept (and take no part in minima and maxima).

    Args:
        xs: the points' x coordinates (see :func:`x_values`).
        values: the points' values, as many as ``xs``.
        width: the chart's width in columns (at least 1).
        lo: the smallest x of the chart (over every series drawn in it).
        hi: the largest x of the chart.

    Returns:
        The kept indices, sorted, each once.

    Raises:
        ValueError: ``width`` below 1, or ``xs`` and ``values`` of different lengths.
    """
    if width < 1:
        raise ValueError("width must be at least 1, got %r" % (width,))
    n = len(xs)
    if len(values) != n:
        raise ValueError("xs and values differ in length: %d and %d" % (n, len(values)))
    if n <= 2 * width:
        return list(range(n))
    span = hi - lo
    if not (span > 0 and _isfinite(span)) or not all(map(_isfinite, xs)):
        return _reduce_any(xs, values, width, lo, span)
    # (x - lo) / (hi - lo) * width, in that order (app.js computes the same floats)
    scaled = list(map(mul, map(truediv, map(sub, xs, repeat(lo)), repeat(span)), repeat(width)))
    if not all(map(_isfinite, scaled)):  # x far outside [lo, hi]: overflow
        return _reduce_any(xs, values, width, lo, span)
    cols = [c if c < width else width - 1 for c in map(int, scaled)]
    if cols[0] < 0 or not all(map(le, cols, cols[1:])):
        return _reduce_any(xs, values, width, lo, span)
    # x sorted (the usual case): each column is a stretch of the series, found by bisection
    keep: Set[int] = set()
    start = 0
    while start < n:
        stop = bisect_left(cols, cols[start] + 1, start)
        _keep_stretch(values, start, stop, keep)
        start = stop
    return sorted(keep)


def _keep_stretch(values: Sequence[float], start: int, stop: int, keep: Set[int]) -> None:
    """Add the first, last, argmin and argmax of ``values[start:stop]`` to ``keep``."""
    keep.add(start)
    keep.add(stop - 1)
    seg = values[start:stop]
    if all(map(_isfinite, seg)):
        keep.add(start + seg.index(min(seg)))
        keep.add(start + seg.index(max(seg)))
        return
    lo_i = hi_i = -1
    for i in range(start, stop):
        y = values[i]
        if not _isfinite(y):
            keep.add(i)
            continue
        if lo_i < 0 or y < values[lo_i]:
            lo_i = i
        if hi_i < 0 or y > values[hi_i]:
            hi_i = i
    if lo_i >= 0:
        keep.add(lo_i)
        keep.add(hi_i)


def _reduce_any(
    xs: Sequence[float], values: Sequence[float], width: int, lo: float, span: float
) -> List[int]:
    """``reduce`` for x in any order (or a degenerate range): column by column in a dict."""
    ok = span > 0 and _isfinite(span)
    keep: Set[int] = set()
    # column -> [first, last, argmin, argmax] (argmin and argmax -1 until a finite value)
    cols: Dict[int, List[int]] = {}
    for i in range(len(xs)):
        x = xs[i]
        y = values[i]
        if not _isfinite(x):
            keep.add(i)
            continue
        f = (x - lo) / span * width if ok else 0.0
        c = 0 if f < 0 else (width - 1 if f >= width else int(f))  # int(inf) would raise
        got = cols.get(c)
        if got is None:
            got = cols[c] = [i, i, -1, -1]
        got[1] = i
        if not _isfinite(y):
            keep.add(i)
            continue
        if got[2] < 0 or y < values[got[2]]:
            got[2] = i
        if got[3] < 0 or y > values[got[3]]:
            got[3] = i
    for got in cols.values():
        keep.update(i for i in got if i >= 0)
    return sorted(keep)


# The cache of progressions: at most this many, of at most this many steps (16 bytes a step).
MAX_PROGRESSIONS = 32
MAX_PROGRESSION = 1 << 18
_PROGRESSIONS: Dict[Tuple[int, int], Tuple[int, int]] = {}
_ORDER = sys.byteorder  # arrays hold native-endian items


def stride_of(steps: array) -> Optional[int]:
    """The stride of ``steps`` that go up by a fixed positive stride (``first + i * stride``,
    what a training loop logs), else None; checked in C. Fewer than two steps: None.

    Args:
        steps: an ``array("q")``.
    """
    n = len(steps)
    if n < 2:
        return None
    first, stride = steps[0], steps[1] - steps[0]
    if stride <= 0 or steps[-1] != first + (n - 1) * stride:
        return None
    if n <= MAX_PROGRESSION and first >= 0:
        # first + i * stride in 64-bit slots of one big int (no slot carries: all are below
        # 2**63), compared with the array's bytes
        same = _progression(n, stride, first) == steps.tobytes()
    else:
        same = steps == array("q", range(first, steps[-1] + 1, stride))
    return stride if same else None


def _progression(n: int, stride: int, first: int) -> bytes:
    """The bytes of ``array("q", range(first, first + n * stride, stride))``, made with big
    ints from a cached ``0, stride, 2 * stride...`` (a log's series mostly share n and stride:
    building the array element by element costs some 100 ns each)."""
    got = _PROGRESSIONS.get((n, stride))
    if got is None:
        if len(_PROGRESSIONS) >= MAX_PROGRESSIONS:
            _PROGRESSIONS.clear()
        ramp = array("q", range(0, n * stride, stride)).tobytes()
        ones = (1).to_bytes(8, _ORDER) * n
        got = (int.from_bytes(ramp, _ORDER), int.from_bytes(ones, _ORDER))
        _PROGRESSIONS[n, stride] = got
    return (got[0] + first * got[1]).to_bytes(8 * n, _ORDER)
