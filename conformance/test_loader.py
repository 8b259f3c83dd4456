"""Check 3: TensorBoard's Python loader (plugin_event_multiplexer, the path of
--load_fast=false, tbparse and EventAccumulator users) sees every tag under the
right plugin with the right values."""

import pytest

from . import checks, expected_view, target

# Tags where PyTorch's own output cannot be decoded to the input (its bugs, see
# KNOWN_DIVERGENCES); only relevant when debugging the suite with PyTorch as target.
_TORCH_BUGGY = ("float16", "bfloat16", "uint8")


@pytest.fixture(scope="session")
def views(written):
    return {slot: checks.loader_view(written.results[slot].root) for slot in ("target", "torch")}


def _expected(case):
    points = expected_view.model_points(case)
    if target.is_torch():  # debugging the suite: PyTorch writes no videos
        points = [p for p in points if expected_view.pytorch_writes(p)]
    return checks.python_semantics(points)


def _blobs(root, case):
    """{(run, tag, step): bytes} of the case's images and audio clips in the event files."""
    out = {
        (run, tag, step): image.encoded_image_string
        for run in expected_view.run_dirs(case)
        for (tag, step), image in checks.image_blobs(root, run).items()
    }
    out.update(
        {
            (run, tag, step): audio.encoded_audio_string
            for run in expected_view.run_dirs(case)
            for (tag, step), audio in checks.audio_blobs(root, run).items()
        }
    )
    return out


@pytest.fixture(scope="session")
def pytorch_invisible(written):
    """(run, tag) that PyTorch's writer (without moviepy) shows to no reader: its videos."""
    return {
        (p.run, p.tag)
        for case in written.cases
        for p in expected_view.model_points(case)
        if not expected_view.pytorch_writes(p)
    }


def test_loader_values(written, views, case_name):
    """The target's files, through the Python loader, show the case table's values."""
    err = written.target.errors.get(case_name)
    if err:
        pytest.fail(
            "the target raised while writing case %r:\n%s" % (case_name, err), pytrace=False
        )
    case = written.case(case_name)
    view, runs = views["target"]
    runs_of_case = set(expected_view.run_dirs(case))
    assert runs_of_case <= set(runs), runs_of_case - set(runs)
    mine = {k: v for k, v in view.items() if k[0] in runs_of_case}
    skip = ()
    if target.is_torch():
        skip = tuple(
            t
            for (_, t) in mine
            if any("/%s/" % d in t or t.endswith("/" + d) for d in _TORCH_BUGGY)
        )
    checks.check_view(
        mine,
        _expected(case),
        written.target.window,
        skip_tags=skip,
        blobs=_blobs(written.target.root, case),
        hparams_bools=not target.is_torch(),
    )


def _as_target_writes(metadata, model):
    """PyTorch's hparams metadata with the hparams divergences applied (map order, bools)."""
    from tensorboard.compat.proto import summary_pb2

    from . import divergences

    out = summary_pb2.SummaryMetadata()
    out.CopyFrom(metadata)
    divergences._hparams(out.plugin_data, model, "PyTorch's metadata")
    return out


def test_loader_parity(views, written, pytorch_invisible):
    """The loader's whole view of the target equals its view of PyTorch's files
    (metadata, steps, tensors), apart from the divergent tensors, the image blobs (the
    same pixels in other PNG bytes: test_parity), tinytb's videos (PyTorch writes none),
    the hparams metadata (equal once the hparams divergences are applied to PyTorch's)
    and clock wall times."""
    a, a_runs = views["torch"]
    b, b_runs = views["target"]
    assert a_runs == b_runs
    videos = set() if target.is_torch() else pytorch_invisible
    assert videos and videos <= set(b) or target.is_torch()
    assert sorted(a) == sorted(set(b) - videos)
    models = expected_view.summary_expectations(written.cases)
    for key in a:
        if a[key]["plugin"] == "hparams" and not target.is_torch():
            step = a[key]["points"][0][1]
            assert (
                _as_target_writes(a[key]["metadata"], models[key + (step,)]) == b[key]["metadata"]
            ), key
        else:
            assert a[key]["metadata"] == b[key]["metadata"], key
        pa, pb = a[key]["points"], b[key]["points"]
        assert [s for _, s, _ in pa] == [s for _, s, _ in pb], key
        divergent = any(d in key[1] for d in _TORCH_BUGGY + ("complex32",))
        for (wa, _, ta), (wb, _, tb) in zip(pa, pb):
            a_now = written.torch.window[0] <= wa <= written.torch.window[1]
            b_now = written.target.window[0] <= wb <= written.target.window[1]
            assert a_now == b_now and (a_now or wa == wb), (key, wa, wb)
            if a[key]["plugin"] == "images":  # width and height; the blob: test_parity
                assert ta.string_val[:2] == tb.string_val[:2], (key, ta.string_val[:2])
            elif not divergent:
                assert ta == tb, (key, ta, tb)


def test_reader_fact_torch_video_invisible(views, pytorch_invisible):
    """Documented reader fact behind video_gif: PyTorch's add_video without moviepy writes
    a value-less Summary.Value, which the Python loader drops (no tag at all), where
    tinytb's videos are images-plugin blob sequences."""
    a, _ = views["torch"]
    b, _ = views["target"]
    assert pytorch_invisible
    for key in pytorch_invisible:
        assert key not in a, key
        if not target.is_torch():
            assert b[key]["plugin"] == "images", key


def test_reader_fact_torch_tensor_bugs(views):
    """Documented reader facts behind the tensor divergences, shown on PyTorch's files:
    TensorBoard cannot decode PyTorch's float16 (float32 bit patterns in half_val: with
    numpy 2 make_ndarray raises OverflowError, older numpy gave garbage) nor its uint8
    (uint32_val is ignored); and without TensorFlow it cannot decode DT_BFLOAT16 at
    all, for any writer.  The target's float16 and uint8 decode to the input values
    (test_loader_values)."""
    from tensorboard.util import tensor_util

    view, _ = views["torch"]
    for shape in ("0d", "1d", "2d"):
        f16 = view[("tensor_dtypes", "tensor/float16/" + shape)]["points"][0][2]
        with pytest.raises(OverflowError):
            tensor_util.make_ndarray(f16)
    u8 = view[("tensor_dtypes", "tensor/uint8/1d")]["points"][0][2]
    with pytest.raises(ValueError):
        tensor_util.make_ndarray(u8)  # int_val is empty: cannot reshape size 0 into (3,)
    bf16 = view[("tensor_dtypes", "tensor/bfloat16/1d")]["points"][0][2]
    with pytest.raises(OverflowError):
        tensor_util.make_ndarray(bf16)
    if not target.is_torch():  # real bfloat16 bits: numpy has no bfloat16 without TensorFlow
        bf16 = views["target"][0][("tensor_dtypes", "tensor/bfloat16/1d")]["points"][0][2]
        with pytest.raises(TypeError):
            tensor_util.make_ndarray(bf16)


def test_purge_python_loader(views):
    """purge_step through the Python loader.  'purge': the first resumed session's START
    only marks a session start, the second (purge_step=2) purges steps >= 2.
    'purge_once': a single resumed session purges nothing, so steps 4 and 5 appear twice."""
    view, _ = views["target"]

    def series(run):
        return [(s, float(checks.decode_tensor(t))) for _, s, t in view[(run, "loss")]["points"]]

    assert series("purge") == [(0, 0.0), (1, 1.0), (2, 22.0), (3, 23.0)]
    assert series("purge_once") == [
        (0, 0.0),
        (1, 1.0),
        (2, 2.0),
        (3, 3.0),
        (4, 4.0),
        (5, 5.0),
        (4, 14.0),
        (5, 15.0),
        (6, 16.0),
    ]
