"""Bad input through every ``SummaryWriter.add_*`` method (whose checks live in ``summary``
and the conversion modules below it), and the ``summary`` functions' own behaviour.

The probe: each method is called with a valid set of arguments, then with one argument
replaced by a bad value (None where none is allowed, wrong types, NUL bytes in names that
become paths, complex numbers, ragged or wrongly shaped lists, NaN, huge ints and shapes,
empty containers). Each call must raise ``TypeError`` or ``ValueError`` (the type PyTorch
raises where it raises one), with a message naming the argument; nothing it started may
reach a file, and the writer must still work: a later ``add_scalar`` is the one record in
the file.
"""

import math
import os
import struct

import pytest

from tinytb import SummaryWriter, _messages, reader, summary

IMG = [[[0.5] * 4] * 4] * 3  # CHW
BATCH = [IMG, IMG]  # NCHW
VIDEO = [[IMG, IMG]]  # NTCHW
BIG = 1 << 40  # far past every size limit
NUL = "a\0b"


class Huge:
    """An array-like declaring a huge shape (as numpy's ``broadcast_to`` or torch's
    ``expand`` views do: tiny storage, huge shape); reading its data would fail the test."""

    def __init__(self, shape, dtype="float32"):
        self.shape = shape
        self.dtype = dtype

    def tolist(self):
        raise AssertionError("the data of a huge array was read")

    def reshape(self, *shape):
        raise AssertionError("the data of a huge array was read")


def _bad_arrays():
    return [None, "abc", {}, object(), [[1, 2], [3]], [["a"]], Huge((BIG, BIG))]


TAGS = [None, 1, b"x", ["a"]]
STEPS = ["1", b"1", 1 + 0j, [1], (1,), 2**63, -(2**63) - 1, math.nan, math.inf, 1.5, {}, object()]
WALLTIMES = ["now", 1 + 0j, math.nan, math.inf, [1.0], object()]
SCALARS = [None, "a", "", 1 + 0j, [1.0, 2.0], [], {}, object()]
NUM_THRESHOLDS = [0, -1, "127", 1.5, None, 1 + 0j, [3]]

# method -> (valid kwargs, {argument: [bad values]})
CASES = {
    "add_scalar": (
        {"tag": "s", "scalar_value": 1.0, "global_step": 0},
        {"tag": TAGS, "scalar_value": SCALARS, "global_step": STEPS, "walltime": WALLTIMES},
    ),
    "add_scalars": (
        {"main_tag": "m", "tag_scalar_dict": {"a": 1.0}, "global_step": 0},
        {
            "main_tag": TAGS + [NUL],
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "tag_scalar_dict": [
                None,
                [1.0],
                "a",
                {"a": "x"},
                {"a": None},
                {1: 1.0},
                {NUL: 1.0},
                {"a": 1 + 0j},
                {"a": 1.0, "b": [1.0, 2.0]},
            ],
        },
    ),
    "add_tensor": (
        {"tag": "t", "tensor": [1.0, 2.0]},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "tensor": [
                None,
                "abc",
                {},
                object(),
                [[1, 2], [3]],
                [["a"]],
                [2**70],
                Huge((BIG,)),
                Huge((1 << 20, 1 << 20)),
            ],
        },
    ),
    "add_text": (
        {"tag": "t", "text_string": "hello"},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "text_string": [None, 3, b"x", ["a"]],
        },
    ),
    "add_custom_scalars": (
        {"layout": {"c": {"t": ["Multiline", ["a"]]}}},
        {
            "layout": [
                None,
                [],
                "x",
                {"c": 3},
                {"c": {"t": 3}},
                {"c": {"t": ["Margin", "abc"]}},
                {1: {}},
                {"c": {2: ["Multiline", ["a"]]}},
                {"c": {"t": ["Multiline", [1]]}},
                {"c": {"t": ["Margin", ["a", "b"]]}},
                {"c": {"t": ["Multiline"]}},
            ]
        },
    ),
    "add_custom_scalars_multilinechart": (
        {"tags": ["a", "b"]},
        {"tags": [None, 3, "abc", ["a", 1]], "category": [None, 3], "title": [None, 3]},
    ),
    "add_custom_scalars_marginchart": (
        {"tags": ["a", "b", "c"]},
        {
            "tags": [None, 3, "abc", ["a", "b"], ["a", "b", 1]],
            "category": [None, 3],
            "title": [None, 3],
        },
    ),
    "add_histogram": (
        {"tag": "h", "values": [1.0, 2.0, 3.0]},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "values": _bad_arrays() + [[], [math.nan], [1 + 0j]],
            "bins": [
                None,
                "nope",
                0,
                -1,
                10**10,
                [],
                [3.0, 2.0, 1.0],
                ["a"],
                1.5,
                1 + 0j,
                [math.nan, 1.0],
                [1.0],
            ],
            "max_bins": ["3", -1, 1.5, 1 + 0j, [3], 10**30],
        },
    ),
    "add_histogram_raw": (
        {
            "tag": "h",
            "min": 0.0,
            "max": 1.0,
            "num": 2,
            "sum": 1.0,
            "sum_squares": 1.0,
            "bucket_limits": [0.5, 1.0],
            "bucket_counts": [1, 1],
        },
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "min": SCALARS,
            "max": SCALARS,
            "num": SCALARS,
            "sum": SCALARS,
            "sum_squares": SCALARS,
            "bucket_limits": _bad_arrays() + [[1.0], [1.0, 0.5], [], [0.5, math.nan]],
            "bucket_counts": _bad_arrays() + [[1], [-1, 1], [], [1, math.nan]],
        },
    ),
    "add_image": (
        {"tag": "i", "img_tensor": IMG},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "img_tensor": _bad_arrays()
            + [[], [[[0.5]]] * 5, Huge((3, 1 << 20, 1 << 20)), Huge((3, 1, 1 << 30))],
            "dataformats": [None, 3, "XYZ", "CHWC", "", "HW", b"CHW"],
        },
    ),
    "add_images": (
        {"tag": "i", "img_tensor": BATCH},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "img_tensor": _bad_arrays() + [IMG, Huge((1 << 20, 3, 1024, 1024))],
            "dataformats": [None, 3, "XYZ", "CHW"],
        },
    ),
    "add_image_with_boxes": (
        {"tag": "i", "img_tensor": IMG, "box_tensor": [[0, 0, 2, 2]]},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "img_tensor": _bad_arrays(),
            "box_tensor": [
                None,
                "a",
                [[1, 2, 3]],
                [1, 2, 3, 4],
                [[math.nan, 0, 1, 1]],
                Huge((BIG, 4)),
            ],
            "rescale": [0, -1, math.nan, math.inf, "2", None, 1 + 0j, 10**6, [2]],
            "dataformats": [None, 3, "XYZ"],
            "labels": [3, [b"x"], object()],
        },
    ),
    "add_video": (
        {"tag": "v", "vid_tensor": VIDEO},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "vid_tensor": _bad_arrays() + [IMG, Huge((1, 1 << 20, 3, 1024, 1024))],
            "fps": [0, -1, math.nan, math.inf, "4", None, 1 + 0j, [4]],
        },
    ),
    "add_audio": (
        {"tag": "a", "snd_tensor": [0.0, 0.5, -0.5]},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "snd_tensor": _bad_arrays() + [[[0.1] * 3] * 3, Huge((1 << 40,))],
            "sample_rate": [
                0,
                -1,
                math.nan,
                math.inf,
                "44100",
                None,
                1 + 0j,
                2**40,
                2**31,
                [44100],
            ],
        },
    ),
    "add_pr_curve": (
        {"tag": "p", "labels": [1, 0, 1], "predictions": [0.9, 0.1, 0.5]},
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "labels": _bad_arrays() + [[1, 0], [math.nan, 0, 1]],
            "predictions": _bad_arrays() + [[2.0, 0.1, 0.5], [math.nan, 0.1, 0.5], [0.1]],
            "num_thresholds": NUM_THRESHOLDS,
            "weights": ["a", [1.0, 2.0], {}, object(), [[1.0]] * 2],
        },
    ),
    "add_pr_curve_raw": (
        {
            "tag": "p",
            "true_positive_counts": [3, 1],
            "false_positive_counts": [2, 0],
            "true_negative_counts": [0, 2],
            "false_negative_counts": [0, 2],
            "precision": [0.6, 1.0],
            "recall": [1.0, 0.33],
            "num_thresholds": 2,
        },
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "true_positive_counts": _bad_arrays() + [[1]],
            "false_positive_counts": _bad_arrays() + [[1, 2, 3]],
            "true_negative_counts": _bad_arrays(),
            "false_negative_counts": _bad_arrays(),
            "precision": _bad_arrays(),
            "recall": _bad_arrays() + [[1 + 0j, 1]],
            "num_thresholds": NUM_THRESHOLDS,
        },
    ),
    "add_mesh": (
        {
            "tag": "m",
            "vertices": [[[0, 0, 0], [1, 0, 0], [0, 1, 0]]],
            "faces": [[[0, 1, 2]]],
            "colors": [[[255, 0, 0]] * 3],
        },
        {
            "tag": TAGS,
            "global_step": STEPS,
            "walltime": WALLTIMES,
            "vertices": _bad_arrays() + [[[1, 2, 3]], Huge((1, BIG, 3))],
            "colors": ["a", [[[1, 2]]], [[[1, 2, 3]]], Huge((1, BIG, 3))],
            "faces": ["a", [[[0, 0, 99]]], [[[0, 1]]], [[[-1, 0, 1]]], Huge((1, BIG, 3))],
            "config_dict": [object(), {"a": {1, 2}}, {"a": math.nan}],
        },
    ),
    "add_hparams": (
        {"hparam_dict": {"lr": 0.1}, "metric_dict": {"m": 1.0}},
        {
            "global_step": STEPS,
            "hparam_dict": [
                None,
                [],
                "x",
                {"a": [1, 2]},
                {"a": object()},
                {1: 1},
                {"a": 1 + 0j},
                {"a": b"x"},
            ],
            "metric_dict": [None, [], "x", {"m": "x"}, {1: 1.0}, {"m": [1, 2]}, {"m": 1 + 0j}],
            "hparam_domain_discrete": [
                [],
                "x",
                {"lr": 3},
                {"zz": [1]},
                {"lr": ["x"]},
                {"lr": "abc"},
            ],
            "run_name": [3, NUL, b"r"],
        },
    ),
    "add_embedding": (
        {"mat": [[1.0, 2.0], [3.0, 4.0]], "metadata": ["a", "b"]},
        {
            "global_step": STEPS,
            "mat": _bad_arrays() + [[1.0, 2.0], Huge((BIG, 2))],
            "metadata": [3, ["a"], ["a\tb", "c"]],
            "label_img": [3, "a", [[1.0]], Huge((2, 3, BIG, BIG))],
            "tag": TAGS + [NUL],
            "metadata_header": [3, "ab"],
        },
    ),
    "add_graph": (
        {"model": [{"name": "x", "op": "Placeholder"}]},
        {
            "model": [
                None,
                3,
                "abc",
                b"\xff\xff\xff",
                [{"name": 3, "op": "x"}],
                [{"op": "x"}],
                [{"name": "x", "op": "y", "inputs": ["nope"]}],
            ],
            "input_to_model": [[1.0]],
        },
    ),
    "add_onnx_graph": (None, {"prototxt": [None, 3, NUL]}),
    "add_figure": (None, {"figure": [None, 3, "x", [3]]}),
    "add_event": (
        None,
        {"event": [None, 3, "x", b"\xff\xff\xff"], "step": STEPS, "walltime": WALLTIMES},
    ),
}
# PyTorch's own names for the arguments a message names
ALIASES = {
    "img_tensor": ("img_tensor", "tensor"),
    "snd_tensor": ("snd_tensor",),
    "vid_tensor": ("vid_tensor",),
}
# Valid arguments for the methods whose table entry has none.
EXTRA_VALID = {
    "add_onnx_graph": {},
    "add_figure": {"tag": "f"},
    "add_event": {"event": _messages.event(step=1, summary=summary.scalar("e", 1.0))},
}


def _cases():
    for method, (valid, bad) in CASES.items():
        for arg, values in bad.items():
            for i, value in enumerate(values):
                yield pytest.param(
                    method, valid, arg, value, id="%s-%s-%d-%s" % (method, arg, i, _short(value))
                )


def _short(value):
    text = repr(value)
    return text if len(text) < 24 else text[:20] + "..."


def _only_run(tmp_path):
    runs = reader.event_files(tmp_path)
    assert sorted(runs) == ["."], "a bad call created a run: %s" % sorted(runs)
    return runs["."]


@pytest.mark.parametrize("method,valid,arg,value", list(_cases()))
def test_bad_argument_raises_naming_it_and_writes_nothing(tmp_path, method, valid, arg, value):
    kwargs = dict(valid or EXTRA_VALID[method])
    kwargs[arg] = value
    w = SummaryWriter(tmp_path)
    try:
        with pytest.raises((TypeError, ValueError)) as info:
            getattr(w, method)(**kwargs)
        assert type(info.value).__name__ in ("TypeError", "ValueError", "DecodeError")
        message = str(info.value)
        names = ALIASES.get(arg, (arg,))
        assert any(name in message for name in names), "%s(%s=%r): message %r does not name %s" % (
            method,
            arg,
            value,
            message,
            arg,
        )
        w.add_scalar("after", 2.0, 5)
    finally:
        w.close()
    (path,) = _only_run(tmp_path)
    events = [e for e in reader.read_events(path) if not e.file_version]
    assert len(events) == 1 and reader.scalars(path) == [(5, "after", 2.0)]
    assert [os.path.basename(p) for p in os.listdir(tmp_path)] == [os.path.basename(path)]


@pytest.mark.parametrize("method,valid", [(m, v) for m, (v, _) in CASES.items() if v])
def test_valid_arguments_of_the_probe_are_written(tmp_path, method, valid):
    # the probe's baseline: each valid call is accepted, so each bad value is what fails
    with SummaryWriter(tmp_path) as w:
        getattr(w, method)(**valid)


# -- PyTorch's types where PyTorch raises ------------------------------------------------------


@pytest.mark.parametrize(
    "call,error",
    [
        (lambda w: w.add_scalar("x", 1.0, [1]), TypeError),  # protobuf refuses a list
        (lambda w: w.add_scalar("x", 1.0, 1 + 0j), TypeError),  # ... and a complex step
        (lambda w: w.add_scalars("m", {"a": "x"}), ValueError),  # float(np.array("x"))
        (lambda w: w.add_scalar("x", "abc"), ValueError),  # float(np.array("abc"))
        (lambda w: w.add_hparams(None, {"m": 1.0}), TypeError),  # type(...) is not dict
        (lambda w: w.add_hparams({"a": 1}, None), TypeError),
    ],
)
def test_error_types_are_pytorchs(tmp_path, call, error):
    with SummaryWriter(tmp_path) as w:
        with pytest.raises(error):
            call(w)


def test_hparams_function_refuses_none_as_pytorch_does():
    with pytest.raises(TypeError, match="hparam_dict"):
        summary.hparams(None, {"m": 1.0})
    with pytest.raises(TypeError, match="metric_dict"):
        summary.hparams({"a": 1.0}, None)


# -- int_to_half, half_to_int --------------------------------------------------------------------


@pytest.mark.parametrize("value", [0.0, 1.0, -2.5, 0.1, 65504.0, 1e-40, math.inf])
def test_half_to_int_is_pytorchs_float32_bit_pattern(value):
    # PyTorch (summary.py): struct.unpack("i", struct.pack("f", f))[0]
    bits = summary.half_to_int(value)
    assert bits == struct.unpack("<i", struct.pack("<f", value))[0]
    assert summary.int_to_half(bits) == struct.unpack("<f", struct.pack("<f", value))[0]


def test_int_to_half_round_trips_every_sign_and_exponent():
    for bits in (0, 1, -1, 0x3F800000, -0x40800000, 0x7F7FFFFF, -(1 << 31), (1 << 31) - 1):
        value = summary.int_to_half(bits)
        if value == value:  # NaN patterns do not compare
            assert summary.half_to_int(value) == bits


def test_half_helpers_refuse_bad_input_naming_it():
    with pytest.raises(ValueError, match="i"):
        summary.int_to_half(1 << 31)
    with pytest.raises(TypeError, match="i"):
        summary.int_to_half("3")
    with pytest.raises(ValueError, match="f"):
        summary.half_to_int(1e300)
    with pytest.raises(TypeError, match="f"):
        summary.half_to_int("x")


# -- warnings point at the caller -----------------------------------------------------------------


def _warned_here(record):
    assert record, "no warning"
    for w in record:
        assert os.path.basename(w.filename) == os.path.basename(__file__), (
            "warning %r points at %s:%d" % (str(w.message), w.filename, w.lineno)
        )


def test_histogram_warning_points_at_the_caller(tmp_path):
    with pytest.warns(UserWarning) as record:
        summary.make_histogram([1.0, math.nan], "tensorflow")
    _warned_here(record)
    with pytest.warns(UserWarning) as record:
        summary.histogram("h", [1.0, math.nan], "tensorflow")
    _warned_here(record)
    with SummaryWriter(tmp_path) as w, pytest.warns(UserWarning) as record:
        w.add_histogram("h", [1.0, math.nan])
    _warned_here(record)


def test_histogram_estimator_warning_points_at_the_caller(tmp_path):
    values = [0.0] * 50 + [1.0]  # 'stone' finds no optimum: numpy's RuntimeWarning
    with pytest.warns(RuntimeWarning) as record:
        summary.make_histogram(values, "stone")
    _warned_here(record)
    with SummaryWriter(tmp_path) as w, pytest.warns(RuntimeWarning) as record:
        w.add_histogram("h", values, bins="stone")
    _warned_here(record)


def test_pr_curve_raw_warning_points_at_the_caller(tmp_path):
    rows = [[1, 1]] * 4 + [[1.0, 1.0]] * 2
    with pytest.warns(UserWarning) as record:
        summary.pr_curve_raw("p", *rows, num_thresholds=5)
    _warned_here(record)
    with SummaryWriter(tmp_path) as w, pytest.warns(UserWarning) as record:
        w.add_pr_curve_raw("p", *rows, num_thresholds=5)
    _warned_here(record)


def test_audio_warning_points_at_the_caller(tmp_path):
    with pytest.warns(UserWarning) as record:
        summary.audio("a", [2.0, 0.0])
    _warned_here(record)
    with SummaryWriter(tmp_path) as w, pytest.warns(UserWarning) as record:
        w.add_audio("a", [2.0, 0.0])
    _warned_here(record)


# -- one-threshold PR curves, as PyTorch writes them ---------------------------------------------


def _pr_value(data):
    (value,) = _messages.SUMMARY.decode(data).value
    _, shape, flat = reader.tensor_values(value.tensor)
    return value, list(shape), flat


def test_pr_curve_with_one_threshold():
    # PyTorch: every prediction falls in bucket 0 (np.histogram widens the empty range
    # (0, 0) to (-0.5, 0.5)), so tp and fp are the class totals, tn and fn zero.
    rows = summary.compute_curve([1, 0, 1, 1], [0.9, 0.2, 0.0, 1.0], num_thresholds=1)
    assert rows == [[3.0], [1.0], [0.0], [0.0], [0.75], [1.0]]
    weighted = summary.compute_curve([1, 0, 1, 1], [0.9, 0.2, 0.0, 1.0], 1, [1, 2, 3, 4])
    assert weighted == [[8.0], [2.0], [0.0], [0.0], [0.8], [1.0]]
    value, shape, flat = _pr_value(
        summary.pr_curve("p", [1, 0, 1, 1], [0.9, 0.2, 0.0, 1.0], num_thresholds=1)
    )
    assert value.tag == "p" and shape == [6, 1] and flat == [3.0, 1.0, 0.0, 0.0, 0.75, 1.0]
    with pytest.raises(ValueError, match="predictions"):  # still checked with one bucket
        summary.compute_curve([1, 0], [-0.5, 0.2], 1, [1.0, 2.0])


def test_pr_curve_raw_with_one_threshold(tmp_path):
    data = summary.pr_curve_raw("p", [3], [1], [0], [0], [0.75], [1.0], num_thresholds=1)
    value, shape, flat = _pr_value(data)
    assert shape == [6, 1] and flat == [3.0, 1.0, 0.0, 0.0, 0.75, 1.0]
    with SummaryWriter(tmp_path) as w:
        w.add_pr_curve_raw("p", [3], [1], [0], [0], [0.75], [1.0], num_thresholds=1)
    with pytest.raises(ValueError, match="num_thresholds"):
        summary.pr_curve_raw("p", [3], [1], [0], [0], [0.75], [1.0], num_thresholds=0)
