"""tinytb._histogram against numpy 2.4 and PyTorch's own make_histogram, on random data.

For many distributions and sizes, every estimator string, int bins, explicit edges,
PyTorch's 'tensorflow' edges and ``max_bins``:

* ``bin_edges`` equals ``np.histogram_bin_edges`` exactly (every bit);
* ``make_histogram`` equals ``torch.utils.tensorboard.summary.make_histogram`` exactly in
  ``bucket_limit``, ``bucket``, ``min``, ``max`` and ``num``; ``sum`` and ``sum_squares``
  within a relative 1e-13 (numpy sums pairwise and BLAS computes the dot product; tinytb's
  ``math.fsum`` is correctly rounded, so the two differ in the last bits, see the module
  docstring of tinytb/_histogram.py);
* with NaN/inf mixed in, tinytb's result is PyTorch's result for the finite values alone
  (tinytb's documented choice; PyTorch's own statistics would be NaN/inf).
"""

import math
import random
import warnings

import importlib

import pytest

from . import deps, target


def _load_histogram():
    target.load()  # the package under test, as everywhere in the suite
    return importlib.import_module(target.MODULE_NAME + "._histogram")


_histogram = None if target.is_torch() else _load_histogram()
pytestmark = pytest.mark.skipif(target.is_torch(), reason="tests tinytb's binning module")

ESTIMATORS = _histogram.ESTIMATORS if _histogram else ()
SIZES = (1, 2, 3, 4, 5, 8, 10, 31, 100, 257, 1000, 4096)


def _distributions(rng, n):
    """name -> list of n floats (float64 unless the name says float32)."""
    import numpy as np

    gen = np.random.default_rng(rng.randrange(2**32))
    return {
        "normal": gen.standard_normal(n),
        "normal_f32": gen.standard_normal(n).astype(np.float32).astype(np.float64),
        "uniform": gen.uniform(-3.0, 7.0, n),
        "exponential": gen.exponential(2.0, n),
        "lognormal": gen.lognormal(0.0, 2.0, n),
        "small_ints": gen.integers(-3, 4, n).astype(np.float64),
        "bimodal": np.concatenate([gen.normal(-5, 0.5, n // 2), gen.normal(4, 1.0, n - n // 2)]),
        "narrow": 1.0 + 1e-9 * gen.standard_normal(n),
        "tiny": 1e-30 * gen.standard_normal(n),
        "huge": 1e15 * gen.standard_cauchy(n),
        "constant": np.full(n, 2.5),
        "grid": np.round(gen.uniform(0, 10, n) * 4) / 4,
    }


def _torch_histogram(values, bins, max_bins=None):
    from torch.utils.tensorboard.summary import make_histogram

    return make_histogram(values, bins, max_bins)


def _assert_same(ours, proto, what):
    assert ours["bucket_limit"] == list(proto.bucket_limit), what
    assert ours["bucket"] == list(proto.bucket), what
    assert (ours["min"], ours["max"], ours["num"]) == (proto.min, proto.max, proto.num), what
    for key in ("sum", "sum_squares"):
        expected = getattr(proto, key)
        assert math.isclose(ours[key], expected, rel_tol=1e-13, abs_tol=1e-300), (what, key)


def _cases(seed, sizes=SIZES):
    rng = random.Random(seed)
    for n in sizes:
        for name, values in _distributions(rng, n).items():
            yield "%s[%d]" % (name, n), values


@pytest.fixture(scope="module")
def np():
    return deps.need("numpy")


@pytest.fixture(scope="module")
def torch_summary():
    deps.need("torch")
    deps.need("tensorboard")
    from torch.utils.tensorboard import summary

    return summary


def test_estimator_edges_exact(np):
    mismatches = []
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for what, values in _cases(1):
            s = sorted(values.tolist())
            for bins in ESTIMATORS + (1, 2, 7, 10, 64):
                try:
                    expected = np.histogram_bin_edges(values, bins).tolist()
                except ValueError as e:
                    with pytest.raises(ValueError, match="Too many bins"):
                        _histogram.bin_edges(s, bins)
                    assert "Too many bins" in str(e)
                    continue
                checked += 1
                if _histogram.bin_edges(s, bins) != expected:
                    mismatches.append((what, bins))
    assert not mismatches, mismatches
    assert checked > 1000


def test_make_histogram_matches_torch(np, torch_summary):
    rng = random.Random(2)
    default = _histogram.default_bins()
    checked = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for what, values in _cases(3):
            choices = list(ESTIMATORS) + [1, 5, 30]
            for bins in rng.sample(choices, 4) + ["tensorflow"]:
                torch_bins = default if bins == "tensorflow" else bins
                max_bins = rng.choice([None, None, 1, 2, 3, 7, 50])
                try:
                    proto = _torch_histogram(values, torch_bins, max_bins)
                except ValueError as e:
                    with pytest.raises(ValueError):
                        _histogram.make_histogram(values.tolist(), bins, max_bins)
                    assert "Too many bins" in str(e) or "histogram is empty" in str(e)
                    continue
                ours = _histogram.make_histogram(values.tolist(), bins, max_bins)
                _assert_same(ours, proto, (what, bins, max_bins))
                checked += 1
    assert checked > 400


def test_default_bins_are_torchs(np, torch_summary, tmp_path):
    from torch.utils.tensorboard import SummaryWriter

    writer = SummaryWriter(log_dir=str(tmp_path))
    try:
        assert _histogram.default_bins() == [float(e) for e in writer.default_bins]
    finally:
        writer.close()


def test_explicit_edges(np, torch_summary):
    rng = random.Random(4)
    gen = np.random.default_rng(4)
    checked = 0
    for trial in range(200):
        n = rng.choice([1, 3, 10, 100, 1000])
        values = gen.standard_normal(n) * rng.choice([0.1, 1.0, 10.0])
        k = rng.randint(2, 40)
        edges = sorted(gen.uniform(-3, 3, k).tolist())
        if rng.random() < 0.3:  # repeated edges, and edges equal to values
            edges = sorted(edges + edges[: k // 3] + values[:3].tolist())
        s = sorted(values.tolist())
        expected_counts, expected_edges = np.histogram(values, np.asarray(edges))
        assert _histogram.bin_edges(s, edges) == expected_edges.tolist()
        assert _histogram._counts(s, edges) == expected_counts.tolist()
        assert _histogram._counts_sparse(s, edges) == expected_counts.tolist()
        max_bins = rng.choice([None, 2, 4])
        try:
            proto = _torch_histogram(values, np.asarray(edges), max_bins)
        except ValueError as e:
            assert "histogram is empty" in str(e)
            with pytest.raises(ValueError, match="histogram is empty"):
                _histogram.make_histogram(values.tolist(), edges, max_bins)
            continue
        _assert_same(
            _histogram.make_histogram(values.tolist(), edges, max_bins),
            proto,
            (trial, edges, max_bins),
        )
        checked += 1
    assert checked > 100


def test_explicit_edges_with_max_bins(np, torch_summary):
    gen = np.random.default_rng(5)
    for max_bins in (None, 1, 2, 3, 5, 8, 13):
        for n in (1, 7, 500):
            values = gen.standard_normal(n)
            edges = np.linspace(-2.5, 2.5, 23)
            try:
                proto = _torch_histogram(values, edges, max_bins)
            except ValueError:
                with pytest.raises(ValueError, match="histogram is empty"):
                    _histogram.make_histogram(values.tolist(), edges.tolist(), max_bins)
                continue
            ours = _histogram.make_histogram(values.tolist(), edges.tolist(), max_bins)
            _assert_same(ours, proto, (n, max_bins))


def test_larger_inputs(np, torch_summary):
    gen = np.random.default_rng(6)
    default = _histogram.default_bins()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for n in (30000, 100000):
            values = gen.standard_normal(n).astype(np.float32).astype(np.float64)
            for bins in ("tensorflow",) + ESTIMATORS:
                if bins == "stone" and n > 30000:
                    continue
                torch_bins = default if bins == "tensorflow" else bins
                proto = _torch_histogram(values, torch_bins)
                ours = _histogram.make_histogram(values.tolist(), bins)
                _assert_same(ours, proto, (n, bins))


def test_nonfinite_values_are_skipped(np, torch_summary):
    gen = np.random.default_rng(7)
    default = _histogram.default_bins()
    bad = [math.nan, math.inf, -math.inf]
    for n in (1, 10, 1000):
        finite = gen.standard_normal(n)
        mixed = finite.tolist()
        for i in range(5):
            mixed.insert(int(gen.integers(0, len(mixed) + 1)), bad[i % 3])
        for bins in ("tensorflow", "auto", 10):
            torch_bins = default if bins == "tensorflow" else bins
            proto = _torch_histogram(finite, torch_bins)
            ours = _histogram.make_histogram(mixed, bins)
            assert ours["nonfinite"] == 5
            _assert_same(ours, proto, (n, bins))
            # PyTorch itself: the counts ignore NaN/inf with explicit edges, the statistics
            # are poisoned
            if bins == "tensorflow":
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", RuntimeWarning)  # numpy's inf - inf
                    poisoned = _torch_histogram(np.asarray(mixed), torch_bins)
                assert list(poisoned.bucket) == ours["bucket"]
                assert math.isnan(poisoned.sum) and poisoned.num == n + 5


def test_empty_input_error_matches(np, torch_summary):
    with pytest.raises(ValueError, match="The input has no element."):
        _torch_histogram(np.zeros(0), "auto")
    with pytest.raises(ValueError, match="The input has no element."):
        _histogram.make_histogram([], "auto")
