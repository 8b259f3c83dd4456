"""tinytb._histogram: PyTorch's make_histogram and numpy's bin edges, without numpy.

Expected values are the verified examples of docs/pytorch-writer.md section 6.2
("Verified examples", torch 2.13 / numpy 2.4.6) and 6.3 ("Example counts"), and 6.1 for the
default edges; conformance/test_histogram_numpy.py compares against numpy and PyTorch on
random data.
The array path (make_histogram_array: a numpy array through its own methods) is held to the
pure path's bytes by property tests on random inputs (design note of issue 13).
"""

import math
import warnings
from array import array

import pytest

from tinytb import _histogram
from tinytb._histogram import bin_edges, default_bins, make_histogram

SPEC_X = [0, 1, 1, 2, 3.5, 7.25, 7.5, 10]  # 6.3 "Example counts"


def _reference_counts(values, edges):
    """numpy's counting rule written plainly: [e_i, e_i+1), last bin closed."""
    counts = [0] * (len(edges) - 1)
    for x in values:
        for i in range(len(edges) - 1):
            last = i == len(edges) - 2
            if edges[i] <= x < edges[i + 1] or (last and x == edges[-1]):
                # numpy's searchsorted puts x in the last of equal-edged bins
                j = i
                while j + 1 < len(edges) - 1 and edges[j + 1] == x:
                    j += 1
                counts[j] += 1
                break
    return counts


# ---------------------------------------------------------------------------
# 6.1 default edges


def test_default_bins_running_product():
    edges = default_bins()
    assert len(edges) == 1549
    assert edges[774] == 0.0
    assert edges[775] == 1e-12 and edges[-1] == 9.920775621859783e19
    assert edges[773] == -1e-12 and edges[0] == -9.920775621859783e19
    assert edges[:774] == [-e for e in reversed(edges[775:])]
    assert all(a < b for a, b in zip(edges, edges[1:]))
    # a running product, not powers: most edges differ from 1e-12 * 1.1**i
    differ = sum(e != 1e-12 * 1.1**i for i, e in enumerate(edges[775:]))
    assert differ == 731
    assert default_bins() is edges  # cached


# ---------------------------------------------------------------------------
# 6.2 verified examples


def test_auto_example():
    h = make_histogram([0, 1, 1, 2, 3.5], "auto")
    assert h == {
        "min": 0.0,
        "max": 3.5,
        "num": 5,
        "sum": 7.5,
        "sum_squares": 18.25,
        "bucket_limit": [0.0, 0.875, 1.75, 2.625, 3.5],
        "bucket": [0, 1, 2, 1, 1],
        "nonfinite": 0,
    }


def test_tensorflow_example():
    h = make_histogram([0, 1, 1, 2, 3.5], "tensorflow")
    assert h["bucket"] == make_histogram([0, 1, 1, 2, 3.5], default_bins())["bucket"]
    limits, counts = h["bucket_limit"], h["bucket"]
    assert len(limits) == len(counts) == 306
    assert (limits[0], counts[0]) == (0.0, 0)
    assert (limits[1], counts[1]) == (1e-12, 1)  # the value 0.0
    assert {i: c for i, c in enumerate(counts) if c} == {1: 1, 291: 2, 299: 1, 305: 1}
    assert limits[-1] == 3.8315657995195243
    assert (h["min"], h["max"], h["num"], h["sum"], h["sum_squares"]) == (0.0, 3.5, 5, 7.5, 18.25)


def test_single_value_tensorflow():
    h = make_histogram([5.0], "tensorflow")
    assert h["bucket_limit"] == [4.636194617418625, 5.099814079160488]
    assert h["bucket"] == [0, 1]
    assert (h["min"], h["max"], h["num"], h["sum"], h["sum_squares"]) == (5.0, 5.0, 1, 5.0, 25.0)


@pytest.mark.parametrize(
    "bins,limits",
    [
        ("auto", [1.5, 2.5]),
        ("fd", [1.5, 2.5]),
        ("stone", [1.5, 2.5]),
        (10, [2.0, 2.1]),
    ],
)
def test_constant_values_widened(bins, limits):
    h = make_histogram([2.0, 2.0, 2.0], bins)
    assert h["bucket_limit"] == limits
    assert h["bucket"] == [0, 3]


def test_max_bins_regrouping_is_not_an_upper_bound():
    h = make_histogram([float(i) for i in range(10)], 10, max_bins=3)
    assert h["bucket_limit"] == [0.0, 2.7, 5.4, 8.1, 9.0]
    assert h["bucket"] == [0, 3, 3, 3, 1]


def test_max_bins_pads_modulo_the_step():
    # 7 bins, max_bins=3: step 2, 7 % 2 = 1 -> one zero appended, 4 groups
    values = [float(i) for i in range(7)]
    h = make_histogram(values, 7, max_bins=3)
    edges = bin_edges(values, 7)
    assert h["bucket_limit"] == [edges[0], edges[2], edges[4], edges[6], edges[7]]
    assert h["bucket"] == [0, 2, 2, 2, 1]
    assert make_histogram(values, 7, max_bins=7) == make_histogram(values, 7)
    with pytest.raises(ValueError, match="max_bins"):
        make_histogram(values, 7, max_bins=0)


# ---------------------------------------------------------------------------
# 6.3 estimators


@pytest.mark.parametrize(
    "name,count",
    [
        ("auto", 4),
        ("fd", 2),
        ("doane", 5),
        ("sturges", 4),
        ("sqrt", 3),
        ("scott", 2),
        ("rice", 4),
        ("stone", 1),
    ],
)
def test_estimator_bin_counts(name, count):
    edges = bin_edges(sorted(SPEC_X), name)
    assert len(edges) == count + 1
    assert edges[0] == 0 and edges[-1] == 10  # linspace ends exactly at the data range
    assert make_histogram(SPEC_X, name)["bucket"][1:] == _reference_counts(SPEC_X, edges)


def test_percentile_is_numpys_linear_lerp():
    s = sorted(SPEC_X)
    # (n-1)*q = 5.25 -> 7.25 + 0.25*0.25; 1.75 -> g >= 0.5: 1 - (1-1)*0.25
    assert _histogram._percentile(s, 0.75) == 7.3125
    assert _histogram._percentile(s, 0.25) == 1.0
    assert _histogram._percentile([3.0], 0.75) == 3.0


def test_linspace():
    assert _histogram._linspace(0.0, 3.5, 5) == [0.0, 0.875, 1.75, 2.625, 3.5]
    edges = _histogram._linspace(0.0, 1.0, 11)
    assert edges[3] == 3 * 0.1 and edges[-1] == 1.0
    # denormal step: i / div * delta
    tiny = _histogram._linspace(0.0, 5e-324, 2)
    assert tiny == [0.0, 5e-324]


def test_int_bins_edges():
    assert bin_edges([1.0, 3.0], 4) == [1.0, 1.5, 2.0, 2.5, 3.0]
    assert bin_edges([], 2) == [0.0, 0.5, 1.0]  # numpy's range for no data
    assert bin_edges([], "auto") == [0.0, 1.0]


def test_explicit_edges():
    values = [-1.0, 0.0, 0.5, 1.0, 1.0, 2.0, 5.0]
    edges = [0, 1, 2]
    assert bin_edges(values, edges) == [0.0, 1.0, 2.0]
    h = make_histogram(values, edges)
    # [0, 1): 0, 0.5; [1, 2]: 1, 1, 2 (last bin closed); -1 and 5 not counted
    assert h["bucket_limit"] == [0.0, 1.0, 2.0]
    assert h["bucket"] == [0, 2, 3]
    assert (h["min"], h["max"], h["num"]) == (-1.0, 5.0, 7)  # stats keep every value
    # equal edges (numpy allows non-decreasing): the value goes to the later bin
    edges = [0.0, 1.0, 1.0, 2.0]
    assert _histogram._counts_sparse(sorted(values), edges) == [2, 0, 3]
    assert _histogram._counts(sorted(values), edges) == [2, 0, 3]


@pytest.mark.parametrize(
    "bins,error,match",
    [
        ("nope", ValueError, "not a valid estimator"),
        (0, ValueError, "must be positive"),
        (2.5, TypeError, "an integer, a string, or an array"),
        ([2.0, 1.0], ValueError, "increase monotonically"),
        ([1.0], ValueError, "at least 2 edges"),
        ([0.0, float("nan")], ValueError, "NaN"),
        ([[0.0, 1.0]], ValueError, "1d"),
    ],
)
def test_bins_errors(bins, error, match):
    with pytest.raises(error, match=match):
        make_histogram([1.0, 2.0], bins)


def test_too_many_bins():
    with pytest.raises(ValueError, match="Too many bins for data range. Cannot create 10 "):
        bin_edges([1.0, 1.0 + 2.0**-52], 10)
    with pytest.raises(ValueError, match="too large"):
        bin_edges([-1e308, 1e308], 3)


def test_stone_exact_ties_go_to_the_first():
    # counts 4 bins [2, 0, 0, 3] and 7 bins [1, 1, 0, 0, 0, 0, 3] cost exactly the same;
    # tinytb takes the first (numpy 2.4 with its BLAS rounding takes 7 here; documented)
    assert len(bin_edges(sorted([8.0, 9.0, 8.5, 3.5, 2.0]), "stone")) == 5


def test_stone_warns_at_its_upper_bound():
    values = [0.0, 0.0, 1.0]  # J(nb) decreases with nb: stone picks 100 bins and warns
    with pytest.warns(RuntimeWarning, match="suboptimal"):
        edges = bin_edges(values, "stone")
    assert len(edges) == 101


# ---------------------------------------------------------------------------
# counting rule and trimming, against a plain reference


@pytest.mark.parametrize(
    "bins",
    ["auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt", 1, 3, 17, "tensorflow"],
)
def test_counts_follow_numpys_rule(bins):
    values = [((i * 7919) % 101 - 50) / 7.0 for i in range(203)] + [0.0, -0.0, 1e-13]
    s = sorted(values)
    with warnings.catch_warnings():  # stone's, asserted by test_stone_warns_at_its_upper_bound
        warnings.filterwarnings("ignore", "The number of bins estimated", RuntimeWarning)
        edges = bin_edges(s, bins)
        h = make_histogram(values, bins)
    counts = _reference_counts(values, edges)
    assert _histogram._counts(s, edges) == counts
    assert _histogram._counts_sparse(s, edges) == counts
    assert sum(h["bucket"]) == len(values)
    first = next(i for i, c in enumerate(counts) if c)
    last = max(i for i, c in enumerate(counts) if c)
    if first:
        assert h["bucket"] == counts[first - 1 : last + 1]
    else:
        assert h["bucket"] == [0] + counts[: last + 1]
    assert h["bucket_limit"] == edges[first : last + 2]


def test_nothing_in_range():
    with pytest.raises(ValueError, match="histogram is empty"):
        make_histogram([1e25], "tensorflow")
    # PyTorch's trim keeps one empty bucket when there is a single bin
    assert make_histogram([5.0], [0.0, 1.0])["bucket"] == [0]


def test_value_on_last_default_edge_counts():
    top = default_bins()[-1]
    h = make_histogram([top], "tensorflow")
    assert h["bucket"] == [0, 1] and h["bucket_limit"][-1] == top


# ---------------------------------------------------------------------------
# input, statistics, non-finite values


def test_empty_input():
    with pytest.raises(ValueError, match="The input has no element."):
        make_histogram([], "tensorflow")


def test_input_kinds():
    expected = make_histogram([0.5, 1.5, -2.0], "auto")
    assert make_histogram(array("d", [0.5, 1.5, -2.0]), "auto") == expected
    assert make_histogram((0.5, 1.5, -2.0), "auto") == expected
    assert make_histogram(iter([0.5, 1.5, -2.0]), "auto") == expected
    h = make_histogram([1, 2, 3], "auto")  # ints: the statistics are floats
    assert type(h["min"]) is float and h["sum"] == 6.0 and type(h["sum"]) is float


def test_sums_are_exactly_rounded():
    values = [1e16, 1.0, -1e16, 1.0]
    h = make_histogram(values, 3)
    assert h["sum"] == 2.0  # plain left-to-right summation gives 0.0 or 1.0
    assert h["sum_squares"] == math.fsum(v * v for v in values)


def test_sum_overflow_is_infinite():
    h = make_histogram([1e308, 1.5e308], 2)
    assert h["sum"] == math.inf and h["sum_squares"] == math.inf and h["nonfinite"] == 0
    assert h["num"] == 2 and h["bucket"] == [0, 1, 1]


@pytest.mark.parametrize(
    "bad",
    [[math.nan], [math.inf], [-math.inf], [math.inf, -math.inf], [math.nan, math.inf, -math.inf]],
)
@pytest.mark.parametrize("bins", ["tensorflow", "auto", 5, [0.0, 1.0, 4.0]])
def test_nonfinite_values_are_skipped_and_counted(bad, bins):
    finite = [0.0, 1.0, 1.0, 2.0, 3.5]
    h = make_histogram(finite[:2] + bad + finite[2:], bins)
    expected = make_histogram(finite, bins)
    assert h.pop("nonfinite") == len(bad)
    assert expected.pop("nonfinite") == 0
    assert h == expected


def test_all_nonfinite_input():
    with pytest.raises(ValueError, match=r"no finite element \(3 NaN or infinite values\)"):
        make_histogram([math.nan, math.inf, -math.inf], "tensorflow")


def test_default_bins_not_modified_by_results():
    before = list(default_bins())
    h = make_histogram([0.0, 1.0], "tensorflow")
    h["bucket_limit"].append(1.0)
    assert default_bins() == before


def test_bin_counts_beyond_the_limit_are_refused_before_the_edges_are_made():
    from tinytb._arrays import MAX_HISTOGRAM_BINS

    assert len(bin_edges([0.0, 1.0], 1000)) == 1001
    with pytest.raises(ValueError, match="bins makes 10000000000 bins"):
        bin_edges([0.0, 1.0], 10**10)
    with pytest.raises(ValueError, match="bins makes"):
        bin_edges([0.0, 1.0], MAX_HISTOGRAM_BINS + 1)
    # an estimator's count too: 'sqrt' of a huge range with tiny width... 'fd' on values
    # with a tiny interquartile range and one far outlier asks for ~1e12 bins (numpy would
    # try to allocate them)
    values = sorted([0.0] * 50 + [1e-9] * 50 + [1e6])
    with pytest.raises(ValueError, match="bins='fd' makes"):
        bin_edges(values, "fd")


# ---------------------------------------------------------------------------
# the array path (make_histogram_array, numpy's own methods) against the pure path: the same
# HistogramProto bytes for every input (design note of issue 13)


def _numpy():
    return pytest.importorskip("numpy", reason="the array path drives numpy arrays")


def _summary():
    from tinytb import summary

    return summary


def _proto(values, bins, max_bins=None):
    """make_histogram's bytes, or the exception it raised (type and message)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NaN/inf and stone's warnings: both paths warn
        try:
            return _summary().make_histogram(values, bins, max_bins)
        except (ValueError, TypeError) as err:
            return type(err), str(err)


def _pure_twin(np, a):
    """The same values through the pure path: a buffer of the same type and shape."""
    c = np.ascontiguousarray(a)
    if c.ndim == 0:
        return c.reshape(1).tolist() if c.dtype.kind == "f" else [float(c)]
    return memoryview(c)


_DTYPES = ("f2", "f4", "f8", "i1", "i4", "i8", "u1", "?", ">f4", ">f8", "u8", "i2", ">i2", "u2")
_BINS = (
    "tensorflow",
    1,
    7,
    50,
    "auto",
    "fd",
    "doane",
    "scott",
    "stone",
    "rice",
    "sturges",
    "sqrt",
    [-1.0, 0.0, 0.5, 2.0],
    [0.0, 1.0, 1.0, 3.0],
)


def _values(np, rng, dtype, n):
    """Random values of ``dtype`` with the hard cases mixed in: NaN, +-inf, signed zeros,
    subnormals, values exactly on the 'tensorflow' and the explicit edges."""
    kind = np.dtype(dtype).kind
    if kind == "b":
        return rng.integers(0, 2, n).astype(dtype)
    if kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = (int(info.min), int(info.max)) if rng.random() < 0.3 else (-50, 50)
        lo, hi = max(lo, int(info.min)), min(hi, int(info.max))
        return rng.integers(lo, hi, n, endpoint=True, dtype=np.dtype(dtype).newbyteorder("="))
    scale = 10.0 ** rng.integers(-3, 4)
    v = rng.standard_normal(n) * scale
    specials = [0.0, -0.0, 0.5, -1.0, 2.0, 1.0, 3.0]
    specials += rng.choice(default_bins()[454:1095], 5).tolist()  # edges within +-20
    if rng.random() < 0.5:
        specials += [math.nan, math.inf, -math.inf]
    tiny = {"f": 2.0**-140, "d": 2.0**-1060, "e": 2.0**-20}[
        np.dtype(dtype).char.lower() if dtype != "f2" else "e"
    ]
    specials += [tiny, -tiny, 3 * tiny]
    k = int(rng.integers(0, min(n, len(specials)) + 1))
    v[rng.choice(n, k, replace=False)] = rng.choice(specials, k)
    with np.errstate(over="ignore"):
        return v.astype(dtype)


@pytest.fixture
def array_path(monkeypatch):
    """Small inputs take the array path too (below _SMALL_ARRAY values the pure path does it)."""
    monkeypatch.setattr(_histogram, "_SMALL_ARRAY", 0)


@pytest.mark.parametrize("mode", ["sizes", "array", "runs"])
def test_array_path_equals_pure_path_random(mode, monkeypatch):
    np = _numpy()
    if mode != "sizes":  # the thresholds as they are: small inputs take the pure path
        monkeypatch.setattr(_histogram, "_SMALL_ARRAY", 0)
    if mode == "runs":  # the integer sums of large inputs and runs, on every small case too
        monkeypatch.setattr(_histogram, "_SMALL", 0)
        monkeypatch.setattr(_histogram, "_SMALL_RUN", 0)
    rng = np.random.default_rng(["sizes", "array", "runs"].index(mode))
    for case in range(600):
        dtype = _DTYPES[case % len(_DTYPES)]
        n = int(rng.choice([1, 2, 3, 5, 17, 100, 1000, 2500]))
        a = _values(np, rng, dtype, n)
        shape = [(n,), (1, n), None][case % 3]
        if shape is None and n % 5 == 0:
            a = a.reshape(5, n // 5).T  # Fortran order
        elif shape:
            a = a.reshape(shape)
        if case % 4 == 0 and n > 2:
            a = a[::2]  # non-contiguous
        bins = _BINS[case % len(_BINS)]
        max_bins = [None, None, 3, 40][case % 4]
        expected = _proto(_pure_twin(np, a), bins, max_bins)
        assert _proto(a, bins, max_bins) == expected, (case, dtype, a, bins, max_bins)
        if a.dtype == np.float64 and a.ndim:  # a list means float64: the same bytes
            assert _proto(a.reshape(-1).tolist(), bins, max_bins) == expected


def test_array_path_zero_d_single_and_empty(array_path):
    np = _numpy()
    for v in (2.5, -0.0, 0.0, 1e-12, 7):
        a = np.array(v)
        for bins in ("tensorflow", 3, "auto", [0.0, 1.0]):
            assert _proto(a, bins) == _proto([float(v)], bins)
            assert _proto(a.reshape(1, 1), bins) == _proto([float(v)], bins)
    assert _proto(np.zeros(0, "f4"), "tensorflow") == _proto([], "tensorflow")
    assert _proto(np.zeros(0, "f4"), "tensorflow")[0] is ValueError
    nan = np.array([math.nan, math.inf], "f4")
    assert _proto(nan, 5) == _proto(memoryview(nan), 5)
    assert "no finite element" in _proto(nan, 5)[1]


def test_array_path_signed_zero_extremes_follow_the_stable_sort(array_path):
    # the pure path's sorted() keeps equal values in input order: min is the first zero,
    # max the last one; numpy's sort does not, so the array path looks them up
    np = _numpy()
    for order in ([0.0, -0.0, 1.0], [-0.0, 0.0, -1.0], [-0.0, 0.0], [0.0, -0.0, -0.0]):
        for dtype in ("f2", "f4", "f8"):
            a = np.array(order * 3000, dtype)  # large: the run-based sums too
            assert _proto(a, "tensorflow") == _proto(memoryview(a), "tensorflow"), order
            assert _proto(a[:3], 4) == _proto(memoryview(a[:3].copy()), 4), order


def test_array_path_large_inputs_exact_sums():
    # 2 ** 13 values or more take the run-based exact sums (a Python int per run); they
    # must be math.fsum's correctly rounded sums, for the sums and the squares
    np = _numpy()
    rng = np.random.default_rng(5)
    for case in range(12):
        n = int(rng.integers(8192, 30000))
        dtype = ("f4", "f8", "f2", "i8")[case % 4]
        v = rng.standard_normal(n) * 10.0 ** rng.uniform(-30, 30, n)
        v[rng.choice(n, 50, replace=False)] = rng.choice([0.0, -0.0, 1e-310, -5e-324, 1e-40], 50)
        if dtype == "f4":
            v = v.clip(-3e38, 3e38)
        if dtype == "i8":
            v = (v.clip(-1e18, 1e18)).round()
        with np.errstate(over="ignore"):
            a = v.astype(dtype)
        h = _histogram.make_histogram_array(a, str(a.dtype), "tensorflow")
        values = [float(x) for x in a.tolist()]
        finite = [x for x in values if math.isfinite(x)]
        assert h["sum"] == math.fsum(finite)
        assert h["sum_squares"] == math.fsum(x * x for x in finite)
        assert _proto(a, "tensorflow") == _proto(memoryview(np.ascontiguousarray(a)), "tensorflow")
        assert _proto(a, 30) == _proto(values, 30)


@pytest.mark.parametrize("dtype", ["f4", "f8", ">f4"])
def test_array_path_one_sign_and_subnormal_runs(dtype, monkeypatch):
    # every run through the integer sums: one sign only, subnormals only, zeros only,
    # a single binade, values on both sides of the smallest normal number
    np = _numpy()
    for name in ("_SMALL_ARRAY", "_SMALL", "_SMALL_RUN"):
        monkeypatch.setattr(_histogram, name, 0)
    tiny = float(np.finfo(dtype).tiny)  # smallest normal
    sub = float(np.finfo(dtype).smallest_subnormal)
    cases = [
        [-3.0, -1.5, -1e-3, -2.0],
        [3.0, 1.5, 1e-3, 2.0, 1.0],
        [sub, 3 * sub, -sub, 0.0, -0.0],
        [tiny, tiny - sub, -tiny, tiny * 2, -(tiny - sub)],
        [-0.0, -0.0],
        [0.0, -0.0, 0.0],
        [1.0, 1.25, 1.5, 1.75],
        [-(2.0**20), 2.0**-20, 7.0, -7.0, 65504.0],
    ]
    for values in cases:
        a = np.array(values * 5, dtype)
        for bins in ("tensorflow", 3, "auto", [-2.0, 0.0, 2.0]):
            assert _proto(a, bins) == _proto(memoryview(np.ascontiguousarray(a)), bins), values


def test_array_subclasses(array_path, tmp_path):
    # a matrix stays 2-D and a masked array writes its own values: both take the pure path
    # (as their tobytes() gives them); a memmap is an ndarray
    np = _numpy()
    v = np.random.default_rng(4).standard_normal((30, 100))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)  # numpy's about matrix
        m = np.matrix(v)
    assert _histogram.make_histogram_array(m, "float64", 10) is None
    assert _proto(m, 10) == _proto(memoryview(v), 10)
    ma = np.ma.masked_array(v, mask=v > 1)
    assert _proto(ma, "tensorflow") == _proto(memoryview(np.frombuffer(ma.tobytes())), "tensorflow")
    mm = np.memmap(str(tmp_path / "v.f4"), dtype="f4", mode="w+", shape=(3000,))
    mm[:] = v.reshape(-1)
    assert _histogram.make_histogram_array(mm, "float32", 10) is not None
    assert _proto(mm, 10) == _proto(memoryview(np.array(mm)), 10)


def test_array_path_overflowing_sums_take_the_pure_path():
    np = _numpy()
    a = np.array([1e308, 1.5e308, -1e308] * 4000)
    assert _histogram.make_histogram_array(a, "float64", 3) is None
    assert _proto(a, 3) == _proto(a.tolist(), 3)


def test_array_path_does_not_modify_the_input():
    np = _numpy()
    a = np.random.default_rng(1).standard_normal(20000).astype("f4")
    before = a.copy()
    _proto(a, "tensorflow")
    assert (a == before).all()


def test_list_numpy_and_torch_give_identical_bytes(array_path):
    np = _numpy()
    v = np.random.default_rng(2).standard_normal(10000) * 3
    v[:3] = [0.0, -0.0, 1e-300]
    for bins in ("tensorflow", 10, "auto", [-1.0, 0.0, 1.0]):
        expected = _proto(v.tolist(), bins)
        assert _proto(v, bins) == expected
        assert _proto(v[:50], bins) == _proto(v[:50].tolist(), bins)
    try:
        import torch
    except ImportError:
        pytest.skip("torch is not installed: list and numpy compared only")
    t = torch.from_numpy(v.copy())
    for bins in ("tensorflow", 10):
        assert _proto(t, bins) == _proto(v.tolist(), bins)
