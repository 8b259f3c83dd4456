# SPDX-License-Identifier: MIT
"""PR-curve data as PyTorch's ``add_pr_curve`` computes it, without numpy.

PyTorch (``torch/utils/tensorboard/summary.py`` ``compute_curve``, a port of TensorBoard's
``plugins/pr_curve/summary.py``; docs/pytorch-writer.md section 7) does, with
``T = min(num_thresholds, 127)``::

    bucket_indices = np.int32(np.floor(predictions * (T - 1)))
    float_labels = labels.astype(np.float64)
    tp_buckets, _ = np.histogram(bucket_indices, bins=T, range=(0, T - 1),
                                 weights=float_labels * weights)         # weights=1.0 if None
    fp_buckets, _ = np.histogram(bucket_indices, bins=T, range=(0, T - 1),
                                 weights=(1.0 - float_labels) * weights)
    tp = np.cumsum(tp_buckets[::-1])[::-1]                               # and fp alike
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return np.stack((tp, fp, tn, fn, precision, recall))                 # float64, (6, T)

:func:`compute_curve` returns the same six rows, equal bit for bit, as lists of Python floats.
What "the same arithmetic" takes:

* ``predictions * (T - 1)`` is computed in the predictions' own type: a float32 array times
  a Python int stays float32 (numpy's promotion rules), float16 stays float16, so
  ``floor(float32(p * (T - 1)))`` can exceed ``floor(p * (T - 1))`` by one. The caller says
  which type with ``float32=True`` / ``float16=True``; see :func:`_rounded_thresholds`.
* Bucket k of ``np.histogram(range=(0, T-1), bins=T)`` receives exactly the integer index k
  (index T-1 falls on the closed last edge), so a bucket is the weights of the items whose
  index is k, added as numpy adds them: ``np.bincount`` in item order, one block of 65536
  items at a time, each block's sums added to the running totals.
* The cumulative sums run from the last bucket down, one addition at a time; ``np.maximum``
  keeps a NaN (so does this module).

Strategy. Two paths, one arithmetic (tests/test_pr_curve.py compares them bit for bit over
random inputs):

* The caller's numpy arrays (a torch tensor's ``numpy()`` view included), float16/32/64
  predictions: :func:`compute_curve_host`, through the arrays' own methods. ``min``/``max``
  validate the predictions; the bucket index is ``(p * (T - 1)).astype(uint8)``, numpy's
  own product in the predictions' type (non-negative, so the truncating cast is
  ``floor``). Labels all 0 or 1 with one finite weight (the usual call): T is added to a
  positive's index, and one stable sort of those 1-byte keys (numpy's radix sort) and one
  ``searchsorted`` count both classes' buckets: 2T integers reach Python, not one per
  item. Any other finite labels and weights (fractions, one weight per item, NaN or
  infinite weights): a stable ``argsort`` lines each bucket's items up in item order, numpy
  makes their float64 weights, and ``cumsum`` adds them one at a time per bucket, as
  ``np.bincount`` does. Integer or bool predictions, non-finite labels, T above 2049, one
  weight in an array, and every error go to the pure path.
* Pure, labels all 0 or 1 (bools, 0/1 ints or floats) and ``weights`` None or a finite
  number: every weight added is ``w`` or a zero, so a bucket is ``w`` added to itself once
  per item of its class; with ``w == 1`` that is the item count. One loop computes each
  item's bucket and counts it in its class's list. 0/1 labels in an ``array`` are
  recognised from their bytes, without a Python object per label.
* Pure, otherwise: the bucket indices are made first (one list comprehension into a
  ``bytes``), then a plain loop adds each item's two weights to its buckets, block by block
  as numpy does.

Both counting ways turn counts into buckets alike (:func:`_add_block`): the count itself for
``w == 1``, else ``w`` added to itself count times, per block of 65536 items.

Validation (tinytb's rules, issue 5): ``predictions`` must be in [0, 1] (NaN, values below 0
and above 1 raise ``ValueError``; PyTorch silently drops or misfiles them); ``labels`` must be
finite numbers (any value, as in PyTorch: 0/1 and bools are usual, fractions count
fractionally); ``weights`` may be any numbers (NaN and infinities give what numpy gives).
The range checks ride on the bucket computation: ``floor`` raises on NaN and infinities,
negative values are found from the sign bits of a float ``array`` (``min`` otherwise) or
refused by ``bytes``, and only ``p >= 1`` gives an index of T-1 or more, which triggers an
exact check (``max``); valid input below 1 costs no extra pass over the values.

Speed (10,000 items, 127 thresholds, this project's 2-core box, numpy 2.4.6). Pure path:
about 2x PyTorch's numpy ``compute_curve`` (0.9-1.0 ms against 0.45-0.5 ms; float32
predictions about 0.3 ms more), 7-9 ms with per-item weights or fractional labels. Numpy
arrays: about 0.15-0.25 ms for 0/1 labels (radix sort 30 us, validation and keys 35 us,
searchsorted 15 us, the six rows 35 us), 0.3 ms with a scalar weight, 0.8 ms with per-item
weights or fractional labels (254 short ``cumsum`` calls). ``add_pr_curve`` + ``close()``
e2e: about 0.65-0.8 ms a call against PyTorch's 1.6-2.5 ms (0.3-0.4x; the pure path was
1.04x for float64, 1.22x for float32 predictions); the rest is the Summary's floats and the
event's record, outside this module. Peak extra memory (tracemalloc): at most the inputs'
size for 0/1 labels; the weighted way keeps about 25 bytes per item of a 65536-item block
(0.3-0.7x of 1e6-item inputs, up to 3.3x of 10k-item ones, about 250 KB).
"""

from __future__ import annotations

import struct
import sys
import warnings
from array import array
from functools import reduce
from itertools import accumulate, islice, repeat
from math import floor, isfinite
from operator import add, index, mul, sub

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

__all__ = ["compute_curve", "compute_curve_host"]

_MINIMUM_COUNT = 1e-7  # PyTorch's _MINIMUM_COUNT: the floor of precision's and recall's divisor
_BLOCK = 65536  # np.histogram sums weights this many items at a time (its BLOCK)

# Python-number label -> 0/1 byte; a miss (KeyError) means "not a binary label". -0.0, 0.0,
# False hash and compare equal to 0, so they take the count path too (their weights are zeros).
_BINARY = {0: 0, 1: 1}


def compute_curve(
    labels: Any,
    predictions: Any,
    num_thresholds: int = 127,
    weights: Any = None,
    float32: bool = False,
    float16: bool = False,
) -> List[List[float]]:
    """The six rows ``[tp, fp, tn, fn, precision, recall]`` of a PR curve, each a list of
    ``num_thresholds`` Python floats, equal to PyTorch's ``compute_curve`` on the same
    arrays.

    ``labels``, ``predictions``: flat sequences of Python numbers of equal length (lists,
    tuples, ``array.array``, ``bytes``); bools are fine. ``num_thresholds``: T, already capped
    at 127 by the caller (PyTorch's ``min(T, 127)``), at least 1 (one bucket: every
    prediction, as numpy's histogram widens the empty range (0, 0) to (-0.5, 0.5)).
    ``weights``: None, a number, or a flat sequence of the labels' length (a length-1
    sequence broadcasts, as in numpy).
    ``float32`` / ``float16``: the predictions were a float32 / float16 array, so
    ``predictions * (T - 1)`` is rounded to that type, as numpy computes it (a float64,
    integer or bool array: leave both False; the arithmetic is then exact float64).

    Raises ValueError for predictions outside [0, 1] or NaN, non-finite labels, lengths that
    differ and ``num_thresholds < 1``; TypeError for items that are not numbers.
    """
    try:
        thresholds = index(num_thresholds)
    except TypeError:
        raise TypeError(
            "num_thresholds must be an int, not %s" % type(num_thresholds).__name__
        ) from None
    if thresholds < 1:
        raise ValueError("num_thresholds must be at least 1, got %r" % (num_thresholds,))
    n = len(labels)
    if len(predictions) != n:
        raise ValueError(
            "labels and predictions must have the same length, got %d labels and "
            "%d predictions" % (n, len(predictions))
        )
    scalar, per_item = _weights(weights, n)
    if thresholds == 1:  # p * 0 is 0 for every p: the range checks below would see nothing
        _check_predictions(predictions)

    rounding = "f" if float32 else "e" if float16 else None
    binary = None
    if per_item is None and isfinite(scalar):
        binary = _binary_labels(labels)
    if binary is not None:
        tp_buckets, fp_buckets = _count_buckets(predictions, binary, scalar, thresholds, rounding)
    else:
        idx = _bucket_indices(predictions, thresholds, rounding)
        if idx and isinstance(idx, list) and min(idx) < 0:  # T > 256: negatives are not refused
            _check_predictions(predictions)
        if idx and max(idx) >= thresholds - 1:
            _check_not_above_one(predictions)
        tp_buckets, fp_buckets = _sum_buckets(
            idx, _floats(labels, "labels", True), scalar, per_item, thresholds
        )
    return _curve(tp_buckets, fp_buckets)


# the element types compute_curve_host takes (others, bfloat16 included, go the pure way)
_HOST_PREDICTIONS = ("float16", "float32", "float64")
_HOST_LABELS = frozenset(
    ("bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64")
    + _HOST_PREDICTIONS
)
# numpy 2 rounds the Python int T - 1 to the predictions' type before it multiplies (NEP 50's
# weak scalars): float16 holds every integer up to 2048, so T - 1 stays the exact scale that
# the pure path uses up to T = 2049 (and float16 * T - 1 is exact in float32, numpy 1.x's type)
_HOST_MAX_THRESHOLDS = 2049


def compute_curve_host(
    labels: Any,
    labels_dtype: str,
    predictions: Any,
    predictions_dtype: str,
    num_thresholds: int,
    weights: Any = None,
) -> Optional[List[List[float]]]:
    """:func:`compute_curve` through the callers' numpy arrays' own methods and operators,
    the same rows bit for bit; None when the pure path must run instead (it then raises the
    errors, or handles what this one does not take).

    Args:
        labels, predictions: numpy arrays (any shape, strides, byte order; flattened in C
            order), holding elements of ``labels_dtype`` / ``predictions_dtype``
            (:class:`~tinytb._arrays.Array` names). Taken: float16/32/64 predictions in
            [0, 1], finite labels of a real type.
        num_thresholds: T, an int from 1 to ``_HOST_MAX_THRESHOLDS``.
        weights: None, a float, or a numpy array of one real weight per label.

    ``min``/``max`` validate the predictions; ``(predictions * (T - 1)).astype(uint)`` is
    numpy's bucket index (the product in the predictions' type; not negative, so the
    truncating cast is ``floor``). Labels all 0 or 1 with one finite weight are counted
    (:func:`_host_counts`), anything else summed (:func:`_host_sums`)."""
    if predictions_dtype not in _HOST_PREDICTIONS or labels_dtype not in _HOST_LABELS:
        return None
    if not (isinstance(num_thresholds, int) and 1 <= num_thresholds <= _HOST_MAX_THRESHOLDS):
        return None
    n, thresholds = predictions.size, num_thresholds
    scalar = 1.0 if weights is None else weights if isinstance(weights, float) else None
    if n == 0 or labels.size != n or (scalar is None and weights.size != n):
        return None  # (one weight in an array broadcasts: the pure path does that)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numpy's own warnings never reach the caller
        flat = predictions.ravel()
        if not 0 <= flat.min() <= flat.max() <= 1:  # also NaN
            return None
        kind = "u1" if 2 * thresholds <= 256 else "u2"  # counting keys go up to 2T - 1
        scaled = flat * (thresholds - 1)
        # numpy 1.x multiplies float16 by an int above 255 in float32 (value-based casting),
        # numpy 2 in float16: the float32 product is exact, so one rounding to float16 is
        # numpy 2's product (and the pure path's); no copy for the other types
        keys = scaled.astype(predictions_dtype, copy=False).astype(kind)
        del flat, scaled
        buckets = None
        if scalar is not None and isfinite(scalar):
            buckets = _host_counts(keys, labels.ravel(), labels_dtype, thresholds, scalar)
        if buckets is None:
            each = scalar if scalar is not None else weights.ravel()
            buckets = _host_sums(keys, labels.ravel(), thresholds, each)
    return None if buckets is None else _curve(*buckets)


def _host_counts(keys, labels, labels_dtype, thresholds, weight):
    """(tp, fp) buckets for labels all 0 or 1 and one finite ``weight``, as
    :func:`_count_buckets` makes them; None if a label is anything else.

    ``labels != 0``, compared back with the labels (fractions and non-finite labels are
    not 0 or 1), gives each item's class; T is added to the bucket index (``keys``, changed
    in place) of a positive, so one stable sort of the 1- or 2-byte keys (numpy's radix
    sort) and one ``searchsorted`` count both classes' buckets: 2T integers reach Python,
    not one per item."""
    positive = labels if labels_dtype == "bool" else labels != 0
    if positive is not labels and not (positive == labels).all():  # True == 1, False == 0
        return None
    classes = positive.astype(keys.dtype)
    del positive
    classes *= thresholds
    keys += classes
    del classes
    # the upper edges of the keys 0 .. 2T - 2, as an array of the keys' own type
    needles = memoryview(array("B" if keys.itemsize == 1 else "H", range(1, 2 * thresholds)))
    tp, fp = [0.0] * thresholds, [0.0] * thresholds
    n = len(keys)
    step = n if weight == 1.0 else _BLOCK  # numpy's blocks matter for other weights
    for start in range(0, n, step):
        block = keys[start : start + step]  # our own array: sorted in place
        block.sort(kind="stable")
        edges = [0] + block.searchsorted(needles).tolist() + [len(block)]
        counts = list(map(sub, edges[1:], edges[:-1]))  # negatives, then positives
        repeated = None
        if weight != 1.0:  # weight added to itself 0, 1, 2... times: one cumsum (see
            copies = block[: max(counts)].astype("f8")  # _sequential_sums on its first value)
            copies[...] = weight
            repeated = [0.0] + [s + 0.0 for s in copies.cumsum().tolist()]
        positives = counts[thresholds:]
        tp, fp = _add_block(tp, fp, positives, counts[:thresholds], weight, thresholds, repeated)
    return tp, fp


def _host_sums(keys, labels, thresholds, weights):
    """(tp, fp) buckets as :func:`_sum_buckets` adds them, for any finite labels and any
    weights (a float, or an array of one per item); None if a label is not finite.

    Per block of 65536 items: a stable ``argsort`` of the bucket indices lists each
    bucket's items in item order; their weights ``label * w`` and ``(1 - label) * w`` are
    made in float64 by numpy (the same IEEE operations as the pure path's) and added one
    at a time from 0.0, as ``np.bincount`` does (:func:`_sequential_sums`)."""
    needles = memoryview(array("B" if keys.itemsize == 1 else "H", range(1, thresholds)))
    tp, fp = [0.0] * thresholds, [0.0] * thresholds
    for start in range(0, len(keys), _BLOCK):
        stop = start + _BLOCK
        block = keys[start:stop]
        order = block.argsort(kind="stable")
        edges = [0] + block[order].searchsorted(needles).tolist() + [len(block)]
        spans = list(zip(edges[:-1], edges[1:]))
        # float64 as the pure path's float(x * 1.0): exact, or rounded alike (huge ints)
        label = labels[start:stop][order].astype("f8", copy=False)  # (a copy: indexed)
        if not (isfinite(label.min()) and isfinite(label.max())):
            return None  # NaN or infinite labels: the pure path says which
        each = weights
        if not isinstance(weights, float):
            each = weights[start:stop][order].astype("f8", copy=False)
        del order
        other = 1.0 - label  # then (1 - label) * w and label * w in place: three arrays
        other *= each
        fp = list(map(add, fp, _sequential_sums(other, spans)))
        del other
        label *= each
        tp = list(map(add, tp, _sequential_sums(label, spans)))
    return tp, fp


def _sequential_sums(values, spans):
    """The sum of each slice ``values[a:b]`` for (a, b) in ``spans``, added one value at a
    time from 0.0, as ``np.bincount`` adds weights: ``cumsum`` is ``add.accumulate``, which
    numpy defines as that recurrence (``t = op(t, A[i])``); it starts from the first value
    rather than 0.0, which only differs for -0.0, and ``+ 0.0`` turns -0.0 into 0.0."""
    return [float(values[a:b].cumsum()[-1]) + 0.0 if b > a else 0.0 for a, b in spans]


# --------------------------------------------------------------------------------------------
# Inputs


def _weights(weights, n):
    """(scalar weight, None) or (None, per-item float list) for ``weights``."""
    if weights is None:
        return 1.0, None
    if isinstance(weights, (int, float)):
        return float(weights), None
    if not hasattr(weights, "__len__"):  # a number of another type (a numpy scalar, ...)
        try:
            return float(weights), None
        except (TypeError, ValueError):
            raise TypeError(
                "weights must be None, a number or a sequence of numbers, not %s"
                % type(weights).__name__
            ) from None
    if len(weights) == 1:  # numpy broadcasts a single weight over the labels
        return _floats(weights, "weights", False)[0], None
    if len(weights) != n:
        raise ValueError("weights must have the labels' length (%d), got %d" % (n, len(weights)))
    return None, _floats(weights, "weights", False)


def _floats(values, name, finite):
    """``values`` as a list of Python floats (``x * 1.0`` refuses strings, which ``float()``
    would parse); ``finite``: refuse NaN and infinities."""
    try:
        out = list(map(float, map(mul, values, repeat(1.0))))
        if finite and not all(map(isfinite, out)):
            bad = next(x for x in out if not isfinite(x))
            raise ValueError("%s must be finite numbers, found %r" % (name, bad))
    except TypeError:
        raise TypeError("%s must be a sequence of numbers" % name) from None
    except OverflowError:  # an int too large for a float
        raise ValueError("%s holds a number too large for a float" % name) from None
    return out


def _bucket_indices(predictions, thresholds, rounding):
    """``floor(predictions * (T - 1))`` as ``bytes`` (a list when T > 256), the product in
    float64, or rounded once to ``rounding`` ("f": float32, "e": float16) as numpy's
    multiply in that type does. Raises the predictions' error for NaN and infinities
    (``floor`` fails) and for negative values (``bytes`` refuses them); values above 1 are
    caught later, from the indices.

    The rounded product moves an item up one bucket exactly when the prediction reaches the
    first value of its grid that lands there (:func:`_rounded_thresholds`), so the rounding
    costs one comparison per item rather than a conversion."""
    scale = float(thresholds - 1)
    try:
        # comprehensions: the multiply runs inline, faster than map(mul, ...) on 3.11+
        if rounding is None:
            indices = [floor(p * scale) for p in predictions]
        else:
            up = _rounded_thresholds(thresholds, rounding)
            # the condition runs first and binds k (a compare-and-jump: cheaper than k + bool)
            indices = [k if p < up[(k := floor(p * scale))] else k + 1 for p in predictions]
        return bytes(indices) if thresholds <= 256 else indices
    except (TypeError, ValueError, OverflowError, IndexError):
        _check_predictions(predictions)
        raise  # not reached: _check_predictions raised the precise error


_GRIDS = {"f": ("<f", "<I"), "e": ("<e", "<H")}  # value format, same-size bits format
_UP: Dict[Any, Any] = {}  # (T, rounding) -> thresholds


def _rounded_thresholds(thresholds, rounding):
    """``up[k]``: the smallest float32 (or float16) value q with
    ``floor(round(q * (T - 1))) >= k + 1``; a value of that grid with float64 bucket k is in
    bucket k + 1 once the product is rounded iff it is ``>= up[k]`` (rounding to nearest is
    monotonic and never crosses an integer downwards). ``up[T - 1]`` is 2.0: bucket T-1 is
    the last. A few struct round trips per bucket, once per (T, grid)."""
    key = (thresholds, rounding)
    if key not in _UP:
        value, bits = _GRIDS[rounding]
        scale = float(thresholds - 1)

        def grid(x):
            return struct.unpack(value, struct.pack(value, x))[0]

        def step(q, by):
            n = struct.unpack(bits, struct.pack(value, q))[0] + by
            return struct.unpack(value, struct.pack(bits, n))[0]

        up = []
        for m in range(1, thresholds):
            q = grid(m / scale)
            while q > 0.0 and floor(grid(step(q, -1) * scale)) >= m:
                q = step(q, -1)
            while floor(grid(q * scale)) < m:
                q = step(q, 1)
            up.append(q)
        _UP[key] = up + [2.0]
    return _UP[key]


def _check_predictions(predictions):
    """Raise the error for predictions that are not all numbers in [0, 1]."""
    try:
        for p in predictions:
            if not 0.0 <= p <= 1.0:  # also NaN
                raise ValueError("predictions must be in [0, 1], found %r" % (p,))
    except TypeError:
        raise TypeError("predictions must be a sequence of numbers") from None


def _check_not_above_one(predictions):
    """After the indices were made (so no NaN and nothing negative): raise if a prediction
    is above 1. ``max`` is a C loop; the precise error comes from the slow check."""
    if max(predictions) > 1.0:
        _check_predictions(predictions)


def _binary_labels(labels):
    """``bytes`` of 0/1, one per label, if every label is 0 or 1 (or False/True, 0.0/1.0,
    -0.0), else None."""
    if isinstance(labels, array):
        found = _binary_array(labels)
        if found is not None:
            return found
    elif isinstance(labels, (bytes, bytearray)):
        found = bytes(labels)
        return None if found.translate(None, b"\x00\x01") else found
    elif isinstance(labels, (list, tuple)):
        try:
            found = bytes(labels)  # ints and bools: C speed; floats raise TypeError
        except (TypeError, ValueError):
            pass
        else:
            return None if found.translate(None, b"\x00\x01") else found
    try:
        return bytes(map(_BINARY.__getitem__, labels))
    except (KeyError, TypeError):
        return None


def _binary_array(labels):
    """``_binary_labels`` for an ``array.array``, from its bytes: every item must be the
    bytes of 0 or of 1 in its type (-0.0 is left to the caller's fallback)."""
    size = labels.itemsize
    try:
        one = array(labels.typecode, [1]).tobytes()
    except TypeError:  # 'u' / 'w' arrays
        return None
    raw = labels.tobytes()
    lane = next(i for i, c in enumerate(one) if c)  # a byte where 1 differs from 0
    found = raw[lane::size]
    if one[lane] != 1:  # floats: 0x3f or 0x80 there
        table = bytearray(b"\x02") * 256
        table[0], table[one[lane]] = 0, 1
        found = found.translate(table)
    if found.translate(None, b"\x00\x01"):
        return None
    if size == 1:
        return found
    expected = bytearray(len(raw))  # the bytes of those 0s and 1s in the array's type
    for i, c in enumerate(one):
        if c:
            expected[i::size] = (
                found if c == 1 else found.translate(bytes.maketrans(b"\x01", bytes((c,))))
            )
    return found if expected == raw else None


# --------------------------------------------------------------------------------------------
# Buckets


def _count_buckets(predictions, positive, weight, thresholds, rounding):
    """Buckets for 0/1 labels (``positive``: bytes of 0/1) and one finite weight: a bucket is
    ``weight`` added to itself once per item of its class (the other class's items add
    zeros, which change nothing). With weight 1 that is the count, whatever numpy's block
    structure; otherwise the counts are taken per block of 65536 items.

    One loop indexes a count list per class (faster than making the indices first). Lists
    take negative indices, so negative predictions are refused before (:func:`_negative`);
    NaN and infinities make ``floor`` raise, indices of 2T or more ``IndexError``, and only
    ``p >= 1`` reaches bucket T-1 or above, checked after."""
    if _negative(predictions):
        _check_predictions(predictions)  # raises, unless all of them are -0.0
    scale = float(thresholds - 1)
    up = None if rounding is None else _rounded_thresholds(thresholds, rounding)
    n = len(positive)
    size = 2 * thresholds  # p in [1, 2) lands in [T - 1, size) and is checked after
    step = n if weight == 1.0 else _BLOCK
    items = zip(predictions, positive)
    tp = [0.0] * thresholds
    fp = [0.0] * thresholds
    top = 0  # items in bucket T-1 or above: only p == 1 is valid there
    try:
        for _ in range(0, n, step or 1):
            counts = ([0] * size, [0] * size)  # by label: negatives, positives
            block = items if step == n else islice(items, step)
            if up is None:
                for p, label in block:
                    counts[label][floor(p * scale)] += 1
            else:
                # the condition runs first and binds k (see _bucket_indices)
                for p, label in block:
                    counts[label][k if p < up[(k := floor(p * scale))] else k + 1] += 1
            negatives, positives = counts
            top += sum(negatives[thresholds - 1 :]) + sum(positives[thresholds - 1 :])
            tp, fp = _add_block(tp, fp, positives, negatives, weight, thresholds)
    except (TypeError, ValueError, OverflowError, IndexError):
        _check_predictions(predictions)
        raise  # not reached: _check_predictions raised the precise error
    if top:
        _check_not_above_one(predictions)
    return tp, fp


def _add_block(tp, fp, positives, negatives, weight, thresholds, repeated=None):
    """The running bucket totals ``tp``, ``fp`` after one block of items whose per-bucket
    counts are ``positives``, ``negatives`` (a whole input is one block when ``weight`` is
    1: its buckets are the counts). ``repeated``: if given, ``repeated[c]`` is ``weight``
    added to itself c times from 0.0 (the fast path's table)."""
    if weight == 1.0:
        return list(map(float, positives[:thresholds])), list(map(float, negatives[:thresholds]))
    # numpy's block sums: the weight added once per item, then into the totals
    for k in range(thresholds):
        if repeated is None:
            fp[k] += reduce(add, repeat(weight, negatives[k]), 0.0)
            tp[k] += reduce(add, repeat(weight, positives[k]), 0.0)
        else:
            fp[k] += repeated[negatives[k]]
            tp[k] += repeated[positives[k]]
    return tp, fp


def _negative(predictions):
    """Whether a prediction may be negative: the sign bits of a float ``array`` (so -0.0
    counts: the caller's exact check lets it pass), else ``min``. NaN is left to ``floor``."""
    if isinstance(predictions, array) and predictions.typecode in "fd":
        size = predictions.itemsize
        raw = predictions.tobytes()
        signs = raw[size - 1 :: size] if sys.byteorder == "little" else raw[::size]
        return not signs.isascii()  # a byte >= 0x80: a sign bit
    try:
        return len(predictions) > 0 and min(predictions) < 0
    except TypeError:  # not numbers: the exact check says so
        return True


def _sum_buckets(idx, labels, weight, weights, thresholds):
    """Buckets by adding each item's weights in item order, one block at a time: numpy's
    ``bincount`` per block, then the block added to the running totals."""
    one_minus = list(map(sub, repeat(1.0), labels))
    each = repeat(weight) if weights is None else weights
    tp_weights = list(map(mul, labels, each))
    each = repeat(weight) if weights is None else weights
    fp_weights = list(map(mul, one_minus, each))
    tp = [0.0] * thresholds
    fp = [0.0] * thresholds
    for start in range(0, len(idx), _BLOCK):
        stop = start + _BLOCK
        block_tp = [0.0] * thresholds
        block_fp = [0.0] * thresholds
        for k, t, f in zip(idx[start:stop], tp_weights[start:stop], fp_weights[start:stop]):
            block_tp[k] += t
            block_fp[k] += f
        tp = list(map(add, tp, block_tp))
        fp = list(map(add, fp, block_fp))
    return tp, fp


def _curve(tp_buckets, fp_buckets):
    """Reverse cumulative sums, then tn, fn, precision and recall, in numpy's arithmetic."""
    tp = list(accumulate(reversed(tp_buckets)))
    tp.reverse()
    fp = list(accumulate(reversed(fp_buckets)))
    fp.reverse()
    tp0, fp0, least = tp[0], fp[0], _MINIMUM_COUNT
    tn, fn, precision, recall = [], [], [], []
    for t, f in zip(tp, fp):
        n = tp0 - t
        tn.append(fp0 - f)
        fn.append(n)
        # np.maximum(1e-7, s) is s unless 1e-7 >= s: a NaN s stays NaN
        s = t + f
        precision.append(t / (least if least >= s else s))
        s = t + n
        recall.append(t / (least if least >= s else s))
    return [tp, fp, tn, fn, precision, recall]
