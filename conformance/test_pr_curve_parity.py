"""PR curves: tinytb's ``compute_curve`` against PyTorch's, and the PR-curve Summary byte for byte.

* ``_pr_curve.compute_curve`` (the pure module, given Python numbers) against
  ``torch.utils.tensorboard.summary.compute_curve`` (numpy 2.4.6) on random and edge inputs:
  0 to 70,000 items, T in 2, 5, 127; float64, float32 and float16 predictions (numpy
  multiplies them by T - 1 in their own type, so floor() of the product can differ from the
  float64 one: the inputs include the values where it does); 0/1, bool, fractional and other
  labels; no weights, scalar weights and per-item weights (float64 and float32 arrays), with
  more than 65,536 items so numpy's block summation shows. The six rows must be equal bit for
  bit in float64 (NaN equal to NaN).
* Through the package: ``summary.compute_curve`` on numpy arrays and torch tensors (the
  conversion and the float32/float16 flag), and ``summary.pr_curve`` / ``pr_curve_raw``
  whose serialized Summary must equal PyTorch's byte for byte (the tensor is written as
  float32, T capped at 127).

tinytb refuses predictions outside [0, 1] where PyTorch silently drops or misfiles them (see
tests/test_pr_curve.py), so only valid predictions are compared here.
"""

import importlib
import math
import struct
import warnings

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="compares tinytb with PyTorch")


def _module():
    target.load()
    return importlib.import_module(target.MODULE_NAME + "._pr_curve")


def _bits(rows):
    return [["nan" if x != x else struct.pack("<d", x) for x in row] for row in rows]


def _predictions(np, rng, n, T, dtype, mod):
    """Uniform values, values on the thresholds k / (T - 1) and a few ulps around them (in
    the array's type), the first values of each bucket after float32/float16 rounding, 0 and 1."""
    kinds = rng.integers(0, 4, n)
    p = rng.random(n)
    grid = rng.integers(0, T, n) / (T - 1)
    p = np.where(kinds == 1, grid, p).astype(dtype)
    near = grid.astype(dtype)
    steps = rng.integers(-3, 4, n)
    for _ in range(3):
        near = np.where(steps > 0, np.nextafter(near, dtype(2)), near)
        near = np.where(steps < 0, np.nextafter(near, dtype(-1)), near)
        steps = steps - np.sign(steps)
    p = np.where(kinds == 2, near, p)
    if dtype in (np.float32, np.float16):
        up = np.array(
            mod._rounded_thresholds(T, "f" if dtype == np.float32 else "e")[:-1], dtype=dtype
        )
        firsts = up[rng.integers(0, len(up), n)]
        firsts = np.where(rng.random(n) < 0.5, firsts, np.nextafter(firsts, dtype(-1)))
        p = np.where(kinds == 3, firsts, p)
    p = np.clip(p, 0, 1).astype(dtype)
    if n >= 2:
        p[:2] = [0, 1]
    return p


def _labels(np, rng, n, kind):
    if kind == "int":
        return rng.integers(0, 2, n)
    if kind == "bool":
        return rng.random(n) < 0.3
    if kind == "float":
        return rng.integers(0, 2, n).astype(np.float32)
    if kind == "fraction":
        return rng.choice([0.0, 1.0, 0.5, 0.1, 2.0, -1.0], n)
    return rng.integers(-1, 3, n)  # "other": any int counts with its value


def _weights(np, rng, n, kind):
    if kind == "none":
        return None
    if kind == "scalar":
        return float(rng.choice([0.1, 3.0, -2.0, 0.0]))
    if kind == "one":
        return np.array([0.7])
    if kind == "f32":
        return rng.uniform(0, 2, n).astype(np.float32)
    return rng.normal(1, 2, n)  # "f64": negative weights too


def _cases(np):
    rng = np.random.default_rng(20)
    dtypes = (np.float64, np.float32, np.float16)
    for n in (0, 1, 10, 257):
        for T in (2, 5, 127):
            for dtype in dtypes:
                for labels in ("int", "bool", "float", "fraction", "other"):
                    for weights in ("none", "scalar", "one", "f32", "f64"):
                        yield n, T, dtype, labels, weights, rng
    for dtype in dtypes:
        for labels, weights in (("int", "none"), ("bool", "scalar"), ("fraction", "f64")):
            yield 10000, 127, dtype, labels, weights, rng
    for labels, weights in (
        ("int", "f64"),
        ("bool", "scalar"),
        ("int", "none"),
        ("fraction", "f32"),
    ):
        yield 70000, 127, np.float64, labels, weights, rng
    yield 70000, 5, np.float32, "int", "scalar", rng


def test_compute_curve_equals_pytorchs():
    np = deps.need("numpy")
    ps = deps.need("torch.utils.tensorboard.summary")
    mod = _module()
    compared = 0
    for n, T, dtype, label_kind, weight_kind, rng in _cases(np):
        labels = _labels(np, rng, n, label_kind)
        predictions = _predictions(np, rng, n, T, dtype, mod)
        weights = _weights(np, rng, n, weight_kind)
        theirs = ps.compute_curve(labels, predictions, num_thresholds=T, weights=weights)
        assert theirs.dtype == np.float64 and theirs.shape == (6, T)
        ours = mod.compute_curve(
            labels.tolist(),
            predictions.astype(np.float64).tolist(),
            T,
            weights.tolist() if isinstance(weights, np.ndarray) else weights,
            float32=dtype == np.float32,
            float16=dtype == np.float16,
        )
        where = (n, T, np.dtype(dtype).name, label_kind, weight_kind)
        assert _bits(ours) == _bits(theirs.tolist()), where
        compared += 1
    assert compared == 4 * 3 * 3 * 5 * 5 + 9 + 5


def test_float32_rounding_matters_and_is_reproduced():
    """The inputs where floor(float32 product) != floor(float64 product) exist, PyTorch's
    curve follows the float32 product, and so does tinytb's when told the type."""
    np = deps.need("numpy")
    ps = deps.need("torch.utils.tensorboard.summary")
    mod = _module()
    for dtype, flag in ((np.float32, "float32"), (np.float16, "float16")):
        up = np.array(
            mod._rounded_thresholds(127, "f" if flag == "float32" else "e")[:-1], dtype=dtype
        )
        moved = up[np.floor(up.astype(np.float64) * 126) < np.floor(up * 126)]
        assert len(moved) >= 10, flag
        labels = np.ones(len(moved), dtype=np.int64)
        theirs = ps.compute_curve(labels, moved, num_thresholds=127).tolist()
        as_double = ps.compute_curve(labels, moved.astype(np.float64), num_thresholds=127)
        assert theirs != as_double.tolist()
        values = moved.astype(np.float64).tolist()
        assert mod.compute_curve(labels.tolist(), values, 127, **{flag: True}) == theirs
        assert mod.compute_curve(labels.tolist(), values, 127) == as_double.tolist()


def _inputs(np, torch, mod):
    rng = np.random.default_rng(21)
    n = 3000
    grid = (rng.integers(0, 127, n) / 126).astype(np.float32)
    # the values whose float32 / float16 product lands one bucket above the float64 one
    firsts = {
        code: np.array(mod._rounded_thresholds(127, code)[:-1], dtype=dtype)
        for code, dtype in (("f", np.float32), ("e", np.float16))
    }
    return [
        ("f32 firsts", rng.integers(0, 2, 126), firsts["f"], None, 127),
        ("f16 firsts", rng.integers(0, 2, 126), firsts["e"], None, 127),
        ("f64", rng.integers(0, 2, n), rng.random(n), None, 127),
        ("f32", rng.random(n) < 0.5, rng.random(n).astype(np.float32), None, 127),
        ("f32 grid", rng.integers(0, 2, n), grid, 0.5, 127),
        ("f16", rng.integers(0, 2, n), rng.random(n).astype(np.float16), None, 127),
        ("2-d", rng.integers(0, 2, (30, 20)), rng.random((30, 20)), rng.random((30, 20)), 50),
        (
            "weights f32",
            rng.integers(0, 2, n).astype(np.float64),
            rng.random(n),
            rng.random(n).astype(np.float32),
            127,
        ),
        ("fraction", rng.random(n), rng.random(n), 2.0, 10),
        ("T capped", rng.integers(0, 2, n), rng.random(n), None, 500),
        ("tensors", torch.randint(0, 2, (n,)), torch.rand(n), None, 127),
        (
            "tensor f64",
            torch.randint(0, 2, (n,)).bool(),
            torch.rand(n, dtype=torch.float64),
            torch.rand(n, dtype=torch.float64),
            127,
        ),
        ("empty", np.zeros(0, np.int64), np.zeros(0), None, 127),
    ]


def _np(x):
    return x.numpy() if hasattr(x, "numpy") else x


def test_summary_compute_curve_on_arrays_equals_pytorchs():
    np = deps.need("numpy")
    torch = deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    tb = target.load()
    for name, labels, predictions, weights, T in _inputs(np, torch, _module()):
        if T > 127:
            continue  # compute_curve itself is not capped, only pr_curve is
        lab, pre, wei = _np(labels), _np(predictions), _np(weights)
        theirs = ps.compute_curve(
            lab.reshape(-1),
            pre.reshape(-1),
            num_thresholds=T,
            weights=None if wei is None else np.reshape(wei, -1),
        )
        ours = tb.summary.compute_curve(labels, predictions, T, weights)
        assert _bits(ours) == _bits(theirs.tolist()), name


def test_pr_curve_summary_bytes_equal_pytorchs():
    np = deps.need("numpy")
    torch = deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    tb = target.load()
    for name, labels, predictions, weights, T in _inputs(np, torch, _module()):
        if name == "2-d":
            continue  # PyTorch's compute_curve keeps the 2-d shape in its histogram: same
            # data, covered above flattened
        # add_pr_curve's make_np: tensors become numpy arrays before pr_curve
        theirs = ps.pr_curve(
            "pr/" + name, _np(labels), _np(predictions), num_thresholds=T, weights=_np(weights)
        ).SerializeToString()
        ours = tb.summary.pr_curve("pr/" + name, labels, predictions, T, weights)
        assert ours == theirs, name


def test_pr_curve_raw_summary_bytes_equal_pytorchs():
    np = deps.need("numpy")
    ps = deps.need("torch.utils.tensorboard.summary")
    tb = target.load()
    rng = np.random.default_rng(22)
    labels, predictions = rng.integers(0, 2, 500), rng.random(500)
    rows = ps.compute_curve(labels, predictions, num_thresholds=33)
    for T in (33, 200):
        theirs = ps.pr_curve_raw("raw", *rows, num_thresholds=T).SerializeToString()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tinytb warns that 33 columns != 127 thresholds
            ours = tb.summary.pr_curve_raw("raw", *rows, num_thresholds=T)
        assert ours == theirs, T
    # rows as lists of Python numbers, counts as ints
    as_lists = [[int(x) for x in r] for r in rows[:4]] + [list(r) for r in rows[4:]]
    theirs = ps.pr_curve_raw("raw", *[np.array(r) for r in as_lists], num_thresholds=33)
    assert (
        tb.summary.pr_curve_raw("raw", *as_lists, num_thresholds=33) == theirs.SerializeToString()
    )


def test_precision_keeps_numpys_nan():
    np = deps.need("numpy")
    ps = deps.need("torch.utils.tensorboard.summary")
    mod = _module()
    labels = np.array([1, 0, 1])
    predictions = np.array([0.5, 0.2, 0.9])
    for weights in (
        np.array([math.inf, 1.0, 2.0]),
        np.array([1.0, math.nan, 1.0]),
        np.array([-math.inf, math.inf, 1.0]),
    ):
        with np.errstate(invalid="ignore"):
            theirs = ps.compute_curve(labels, predictions, num_thresholds=4, weights=weights)
        ours = mod.compute_curve(labels.tolist(), predictions.tolist(), 4, weights.tolist())
        assert _bits(ours) == _bits(theirs.tolist()), weights
