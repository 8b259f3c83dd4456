"""Exact comparison of two pandas DataFrames, saying where they differ.

``frame_mismatches(got, want)`` lists every difference it finds, each precise: the columns
(names and order), the index, the row count, each column's dtype, and per column the first
row whose cells differ (with both cells). Cells compare strictly: the same Python/numpy type,
numpy arrays with the same dtype, shape and elements (NaN equal to NaN), floats bit-exact
apart from NaN payloads (so 0.0 and -0.0 differ), lists element by element.
``assert_same_frame`` then also runs ``pandas.testing.assert_frame_equal(check_dtype=True)``
with the array cells, already compared, masked out (pandas cannot compare array cells).

pandas and numpy are imported inside the functions.
"""

import math


def _is_nan(x):
    return isinstance(x, float) and math.isnan(x)


def cell_difference(a, b):
    """None if the two cells are the same, else a short description of how they differ."""
    import numpy as np

    if type(a) is not type(b):
        if _is_nan(a) and _is_nan(b):
            return None
        return "type %s vs %s" % (type(a).__name__, type(b).__name__)
    if isinstance(a, np.ndarray):
        if a.dtype != b.dtype:
            return "array dtype %s vs %s" % (a.dtype, b.dtype)
        if a.shape != b.shape:
            return "array shape %s vs %s" % (a.shape, b.shape)
        nan = a.dtype.kind in "fc"
        if not np.array_equal(a, b, equal_nan=nan):
            where = np.argwhere(~((a == b) | (np.isnan(a) & np.isnan(b)) if nan else (a == b)))
            first = tuple(int(i) for i in where[0]) if len(where) else ()
            return "array elements differ first at %s: %r vs %r" % (first, a[first], b[first])
        return None
    if isinstance(a, (list, tuple)):
        if len(a) != len(b):
            return "length %d vs %d" % (len(a), len(b))
        for i, (x, y) in enumerate(zip(a, b)):
            diff = cell_difference(x, y)
            if diff:
                return "item %d: %s" % (i, diff)
        return None
    if isinstance(a, (float, np.floating)):
        if math.isnan(a) and math.isnan(b):
            return None
        if a != b or math.copysign(1.0, a) != math.copysign(1.0, b):
            return "%r vs %r" % (a, b)
        return None
    try:
        same = a == b
    except Exception as exc:  # a cell type that cannot compare: say so
        return "cannot compare %r and %r: %s" % (a, b, exc)
    if same is not True and not (isinstance(same, np.bool_) and bool(same)):
        return "%r vs %r" % (a, b)
    return None


def _short(x, limit=120):
    text = repr(x)
    return text if len(text) <= limit else text[:limit] + "..."


def frame_mismatches(got, want):
    """Every difference between ``got`` (tinytb) and ``want`` (the reference), as strings."""
    out = []
    if list(got.columns) != list(want.columns):
        out.append("columns %r vs %r" % (list(got.columns), list(want.columns)))
    if len(got) != len(want):
        out.append("rows %d vs %d" % (len(got), len(want)))
    if type(got.index) is not type(want.index) or list(got.index) != list(want.index):
        out.append("index %s vs %s" % (_short(got.index), _short(want.index)))
    for col in want.columns:
        if col not in got.columns:
            continue
        g, w = got[col], want[col]
        if g.dtype != w.dtype:
            out.append("column %r: dtype %s vs %s" % (col, g.dtype, w.dtype))
        for row, (a, b) in enumerate(zip(g.tolist(), w.tolist())):
            diff = cell_difference(a, b)
            if diff:
                out.append(
                    "column %r: first differing row %d (tag %s): %s; got %s, want %s"
                    % (col, row, _tag_of(want, row), diff, _short(a), _short(b))
                )
                break
    return out


def _tag_of(frame, row):
    if "tag" in frame.columns and row < len(frame):
        return repr(frame["tag"].iloc[row])
    return "-"


def _has_arrays(series):
    import numpy as np

    def nested(x):
        return isinstance(x, np.ndarray) or (
            isinstance(x, (list, tuple)) and any(nested(y) for y in x)
        )

    return series.dtype == object and any(nested(x) for x in series.tolist())


def assert_same_frame(got, want, context=""):
    """Fail with every mismatch (column, dtype, first differing row), else with pandas' own
    assert_frame_equal(check_dtype=True) on the frames with array cells masked."""
    import pandas as pd

    mismatches = frame_mismatches(got, want)
    assert not mismatches, "%s\n  " % context + "\n  ".join(mismatches)
    got, want = got.copy(), want.copy()
    for col in want.columns:
        if _has_arrays(want[col]) or _has_arrays(got[col]):
            mask = pd.Series(["<array compared>"] * len(want), index=want.index, dtype=object)
            got[col] = mask
            want[col] = mask.copy()
    pd.testing.assert_frame_equal(got, want, check_dtype=True, obj=context or "DataFrame")
