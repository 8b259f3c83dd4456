"""Lists mean float64 (issue 13): a Python list given to tinytb writes what PyTorch's writer
writes for ``numpy.array(the_list)`` (float64; PyTorch itself takes no lists), byte for byte,
for every method that takes an array:

* ``add_tensor``: PyTorch's ``tensor_proto`` of ``torch.from_numpy(numpy.array(the_list))``
  (a ``DT_DOUBLE`` tensor; complex values ``DT_COMPLEX128``);
* ``add_histogram``: every field but the two sums equal; ``sum`` and ``sum_squares`` are the
  correctly rounded sums of the float64 values (tinytb's documented rule: ``math.fsum``, where
  numpy adds pairwise), so they are checked against ``math.fsum`` of PyTorch's own values;
* ``add_audio``: the same WAV (samples multiplied by 32767 in float64, truncated);
* ``add_pr_curve``: the same six rows (the thresholds computed in float64);
* ``add_image``: the same PNG (images scale in float32 whatever the input, as PyTorch does);
* ``add_embedding``: the same ``tensors.tsv`` text (the float64 values, printed as Python
  prints them).

And the same values as a list, a float64 numpy array and a float64 torch tensor give
byte-identical summaries from tinytb.
"""

import contextlib
import importlib
import io
import math
import os
import warnings

import pytest

from . import deps, target

pytestmark = pytest.mark.skipif(target.is_torch(), reason="compares tinytb with PyTorch")


def _values(np, n=2000, seed=13):
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal(n) * 10.0 ** rng.integers(-3, 3, n)).tolist()
    # values a float32 rounding would change, and some exactly on the default bucket edges
    return values + [0.1, -0.3, 1e-12, 1.1e-12, 1e300 / 1e290, -0.0, 0.0]


def _quiet(call, *args, **kwargs):
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


def _same_from_every_kind(tb, np, torch, call, values):
    """tinytb's bytes of ``call(values)``, checked equal for a list, a float64 numpy array
    and a float64 torch tensor of the same values (complex128 for complex values)."""
    from_list = _quiet(call, values)
    assert _quiet(call, np.array(values)) == from_list
    kind = torch.complex128 if "j" in repr(values) else torch.float64
    assert _quiet(call, torch.tensor(values, dtype=kind)) == from_list
    return from_list


def test_add_tensor_of_a_list_is_pytorchs_float64_tensor():
    np, torch = deps.need("numpy"), deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    tb = target.load()
    for values in ([[0.1, -2.5], [1e300, 5e-324]], [1.0, 2, True], [1 + 2j, -0.5j], [[0.5]]):
        ours = _same_from_every_kind(
            tb, np, torch, lambda v: tb.summary.tensor_proto("t", v), values
        )
        theirs = ps.tensor_proto("t", torch.from_numpy(np.array(values))).SerializeToString()
        assert ours == theirs, values


def test_add_histogram_of_a_list_is_pytorchs_of_its_float64_array():
    np, torch = deps.need("numpy"), deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    from tensorboard.compat.proto import summary_pb2

    tb = target.load()
    histogram = importlib.import_module(tb.__name__ + "._histogram")
    values = _values(np)
    for bins in ("tensorflow", 30, "auto", [-1.0, -0.1, 0.0, 0.1, 1.0]):
        ours = _same_from_every_kind(
            tb, np, torch, lambda v, b=bins: tb.summary.histogram("h", v, b), values
        )
        edges = np.array(histogram.default_bins()) if bins == "tensorflow" else bins
        theirs = ps.histogram("h", np.array(values), edges)
        mine = summary_pb2.Summary.FromString(ours).value[0].histo
        want = theirs.value[0].histo
        for field in ("min", "max", "num", "bucket_limit", "bucket"):
            assert getattr(mine, field) == getattr(want, field), (bins, field)
        assert mine.sum == math.fsum(values)
        assert mine.sum_squares == math.fsum(v * v for v in values)


def test_add_audio_of_a_list_is_pytorchs_of_its_float64_array():
    np, torch = deps.need("numpy"), deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    tb = target.load()
    clip = np.random.default_rng(3).uniform(-1, 1, 4000).tolist() + [1.0, -1.0, 0.1, -0.0]
    ours = _same_from_every_kind(tb, np, torch, lambda v: tb.summary.audio("a", v, 8000), clip)
    theirs = _quiet(ps.audio, "a", np.array(clip), 8000).SerializeToString()
    assert ours == theirs


def test_add_pr_curve_of_lists_is_pytorchs_of_their_float64_arrays():
    np, torch = deps.need("numpy"), deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    tb = target.load()
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, 3000).tolist()
    # predictions on the thresholds k / 126 and between them, where float32 would round
    predictions = rng.random(3000).tolist() + [k / 126 for k in range(127)]
    labels += [1] * 127
    for thresholds in (127, 10, 3):
        ours = _same_from_every_kind(
            tb,
            np,
            torch,
            lambda p, t=thresholds: tb.summary.pr_curve("pr", labels, p, t),
            predictions,
        )
        theirs = ps.pr_curve("pr", np.array(labels), np.array(predictions), thresholds)
        assert ours == theirs.SerializeToString(), thresholds


def test_add_image_of_a_list_is_pytorchs_of_its_float64_array():
    np, torch = deps.need("numpy"), deps.need("torch")
    ps = deps.need("torch.utils.tensorboard.summary")
    tb = target.load()
    rng = np.random.default_rng(5)
    image = (rng.random((3, 16, 24)) * 1.1 - 0.05).tolist()  # some values beyond [0, 1]
    ours = _same_from_every_kind(
        tb, np, torch, lambda v: tb.summary.image("i", v, dataformats="CHW"), image
    )
    theirs = ps.image("i", np.array(image), dataformats="CHW")
    from tensorboard.compat.proto import summary_pb2

    mine = summary_pb2.Summary.FromString(ours).value[0].image
    want = theirs.value[0].image
    assert (mine.height, mine.width, mine.colorspace) == (want.height, want.width, want.colorspace)
    PIL = deps.need("PIL.Image")
    decode = lambda blob: np.asarray(PIL.open(io.BytesIO(blob)))  # noqa: E731
    assert (decode(mine.encoded_image_string) == decode(want.encoded_image_string)).all()


def test_add_embedding_of_a_list_writes_pytorchs_tensors_tsv(tmp_path):
    np = deps.need("numpy")
    torch_writer = deps.need("torch.utils.tensorboard")
    tb = target.load()
    mat = (np.random.default_rng(6).standard_normal((20, 5)) / 7).tolist()
    mat[0][:3] = [0.1, 1e-300, -0.0]
    texts = []
    for name, writer_class, value in (
        ("ours_list", tb.SummaryWriter, mat),
        ("ours_array", tb.SummaryWriter, np.array(mat)),
        ("theirs", torch_writer.SummaryWriter, np.array(mat)),
    ):
        writer = writer_class(str(tmp_path / name))
        _quiet(writer.add_embedding, value, tag="e", global_step=0)
        writer.close()
        found = [
            os.path.join(root, "tensors.tsv")
            for root, _, files in os.walk(str(tmp_path / name))
            if "tensors.tsv" in files
        ]
        assert len(found) == 1, name
        with open(found[0], "rb") as f:
            texts.append(f.read())
    assert texts[0] == texts[1] == texts[2]
    assert b"0.1\t1e-300\t-0.0\t" in texts[0]
