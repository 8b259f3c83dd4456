"""Histograms through the writer: tinytb's ``summary.histogram`` against PyTorch's, and through
TensorBoard's ``data_compat``, beyond the case table's ``histograms`` case.

For every input kind (numpy float64/float32 arrays, torch tensors, integer arrays) and every
``bins`` form ('tensorflow', estimators, an int, explicit edges) with and without
``max_bins``: ``bucket_limit``, ``bucket``, ``min``, ``max`` and ``num`` equal PyTorch's
exactly. ``sum`` and ``sum_squares`` may differ in the last bits: tinytb adds with
``math.fsum`` (correctly rounded), numpy with pairwise summation and a BLAS dot product; they
must agree to a relative 1e-12, and the whole Summary is byte-identical whenever they agree
exactly (most cases). In the case table the same difference is the ``histogram_sums``
divergence (the parity check recomputes PyTorch's sums with ``math.fsum``).
"""

import importlib

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="compares tinytb with PyTorch")


def test_histogram_fields_equal_pytorchs():
    np = deps.need("numpy")
    torch = deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    from tensorboard.compat.proto import summary_pb2

    tb = target.load()
    edges = _target_histogram().default_bins()  # PyTorch's writer's edges (checked below)
    rng = np.random.default_rng(7)
    inputs = [
        rng.normal(size=1000),
        rng.normal(size=(10, 20)).astype(np.float32),
        np.array([0, 1, 1, 2, 3.5]),
        torch.randn(500),
        rng.integers(0, 10, 300),
        rng.exponential(size=2000) * 1e-6,
        np.array([2.0, 2.0, 2.0]),
    ]
    identical = compared = 0
    for x in inputs:
        for bins in [
            "tensorflow",
            "auto",
            "fd",
            "doane",
            "sturges",
            "sqrt",
            "scott",
            "rice",
            10,
            [-1.0, 0.0, 1.0, 2.0],
        ]:
            for max_bins in (None, 3):
                ours_bytes = tb.summary.histogram("h", x, bins, max_bins=max_bins)
                ours = summary_pb2.Summary.FromString(ours_bytes).value[0].histo
                theirs = ps.histogram(
                    "h", x, edges if bins == "tensorflow" else bins, max_bins=max_bins
                )
                t = theirs.value[0].histo
                where = (type(x).__name__, bins, max_bins)
                assert list(ours.bucket_limit) == list(t.bucket_limit), where
                assert list(ours.bucket) == list(t.bucket), where
                assert (ours.min, ours.max, ours.num) == (t.min, t.max, t.num), where
                assert ours.sum == pytest.approx(t.sum, rel=1e-12, abs=1e-300), where
                assert ours.sum_squares == pytest.approx(t.sum_squares, rel=1e-12), where
                compared += 1
                identical += ours_bytes == theirs.SerializeToString()
    assert compared == len(inputs) * 10 * 2
    assert identical >= compared // 2  # most are byte-identical too


def test_default_edges_equal_pytorchs_writer(tmp_path):
    deps.need("torch")
    from torch.utils.tensorboard import SummaryWriter

    w = SummaryWriter(str(tmp_path))
    try:
        assert _target_histogram().default_bins() == [float(e) for e in w.default_bins]
    finally:
        w.close()


def test_data_compat_migrates_tinytbs_histogram():
    np = deps.need("numpy")
    deps.need("tensorboard")
    from tensorboard import data_compat
    from tensorboard.compat.proto import summary_pb2
    from tensorboard.util import tensor_util

    tb = target.load()
    value = summary_pb2.Summary.FromString(
        tb.summary.histogram("h", np.array([0, 1, 1, 2, 3.5]), "auto")
    ).value[0]
    migrated = data_compat.migrate_value(value)
    assert migrated.metadata.plugin_data.plugin_name == "histograms"
    buckets = tensor_util.make_ndarray(migrated.tensor)
    # the Python loader drops the empty outer bucket: (left, right, count) triples
    assert buckets[:, 2].tolist() == [1.0, 2.0, 1.0, 1.0]


def _target_histogram():
    target.load()
    return importlib.import_module(target.MODULE_NAME + "._histogram")
