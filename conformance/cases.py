"""The case table: writer calls with fixed arguments and walltimes.

Each case is a small scenario for one summary kind.  It writes into its own run
directory (``<slot root>/<case name>``) of one logdir per writer "slot": the
``target`` slot (tinytb, or whatever ``target.py`` imports) and the ``torch``
slot (``torch.utils.tensorboard``).  The same calls go to both slots in lock
step, so the two logdirs are directly comparable.

A case is a list of *phases*; a phase is a list of :class:`Call`.  Between two
phases the executor waits for the next whole second, so an event file created
in a later phase has a later ``%010d`` timestamp in its name and sorts after the
earlier files of the same run: the readers read a run's files in name order,
and a process-wide counter (``...<pid>.9`` vs ``...<pid>.10``) does not sort
numerically.

Where PyTorch refuses an input that tinytb accepts (numpy arrays for
``add_tensor``, ``decimal``/``fractions`` numbers, ``torch.complex32``), the call
carries ``torch=`` - the equivalent input PyTorch accepts - and parity compares
tinytb's output for the original input with PyTorch's for the equivalent one.

Arguments a deep copy would change (numpy views with negative or step strides)
or cannot give each writer (matplotlib figures, which the writer closes) are
:class:`Fresh`: built anew for each slot by the same function.

The table is also the source of the *expected reader view*: ``model_points``
turns every call into the points a TensorBoard reader should show (tag,
plugin, step, wall time, value), computed from the inputs independently of
both writers; for images that is an ``ImageModel`` (header and decoded size
from the input's shape and arguments); for histograms, audio, PR curves, meshes
and hparams a ``HistogramModel``, ``AudioModel``, ``PrCurveModel``,
``MeshModel`` or ``HparamsModel`` computed with numpy (and TensorBoard's message
classes) from the call's input.  ``media_expectations`` adds what the parity
check needs for images and videos (label text boxes, the video input and fps;
see media.py), ``summary_expectations`` what the histogram and hparams
divergences need from the call.  ``same_run_cases`` is tinytb's same-run
hparams mode, written outside the lock-step table.
"""

import copy
import decimal
import fractions
import math
import os
import struct
import time
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Optional

# numpy and torch are imported by build_cases() (see _import_libs), so that this
# module - and every test module - imports without them: the tests then skip
# with an install hint instead of failing to collect.
np = torch = None


def _import_libs():
    global np, torch
    if torch is None:
        import numpy
        import torch as torch_module

        np, torch = numpy, torch_module

# Fixed wall times are far in the past, so that a wall time inside the writing
# window can only be one the writer took from the clock ("now").
W0 = 1_600_000_000.0

# Calls that are not writer methods.
OPEN_SUMMARY_WRITER = "SummaryWriter"
OPEN_FILE_WRITER = "FileWriter"
CLOSE = "close"


@dataclass
class Call:
    """One writer call (or ``SummaryWriter(...)``/``FileWriter(...)``/``close``).

    ``run`` is only used by the two constructors: the run directory relative to
    the case directory ("" = the case directory itself).  ``torch`` is
    ``(args, kwargs)`` for PyTorch when it refuses ``args``/``kwargs``;
    ``divergence`` names the ``KNOWN_DIVERGENCES`` entry that explains it.
    ``warns`` is a regular expression: the target must emit exactly one warning
    for this call, matching it (PyTorch prints its own warning for the same
    input); a call without ``warns`` must not warn.
    """

    method: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    run: str = ""
    torch: Optional[tuple] = None
    divergence: Optional[str] = None
    warns: Optional[str] = None

    def for_slot(self, slot, owner=None):
        """(args, kwargs) to use for ``slot`` ("torch" or "target"), fresh copies.

        :class:`Fresh` arguments are built anew, on behalf of ``owner`` (the slot
        writing; ``slot`` by default)."""
        if slot == "torch" and self.torch is not None:
            args, kwargs = self.torch
        else:
            args, kwargs = self.args, self.kwargs
        # Writers may mutate what they are given (PyTorch's FileWriter.add_event
        # sets wall_time/step on the Event), so each slot gets its own copy.
        args, kwargs = copy.deepcopy(tuple(args)), copy.deepcopy(dict(kwargs))
        owner = owner or slot
        return (tuple(_build(a, owner) for a in args),
                {k: _build(v, owner) for k, v in kwargs.items()})

    def reference(self):
        """(args, kwargs) in the form PyTorch accepts: what the model reads."""
        args, kwargs = self.torch if self.torch is not None else (self.args, self.kwargs)
        return (tuple(_model_value(a) for a in args),
                {k: _model_value(v) for k, v in kwargs.items()})


class Fresh:
    """An argument built anew for each slot by ``make()``, where a deep copy would not do:
    a numpy view with negative or step strides (``deepcopy`` makes it contiguous), a
    matplotlib figure (each writer renders and closes its own).

    ``model`` is what the expected view reads instead (``None``: a fresh ``make()``).
    Every object built for a slot is kept in ``built`` as ``(slot, object)``, so that
    tests can look at it afterwards (was the figure closed?)."""

    def __init__(self, make, model=None):
        self.make = make
        self.model = model
        self.built = []

    def __deepcopy__(self, memo):
        return self  # built per slot by for_slot, never copied

    def build(self, owner):
        obj = self.make()
        self.built.append((owner, obj))
        return obj

    def __repr__(self):
        return "Fresh(%r)" % (self.model,)


def _build(value, owner):
    return value.build(owner) if isinstance(value, Fresh) else value


def _model_value(value):
    if isinstance(value, Fresh):
        return value.model if value.model is not None else value.make()
    return value


@dataclass
class Case:
    name: str
    doc: str
    phases: list

    def calls(self):
        for phase in self.phases:
            yield from phase


def _wt(k):
    return W0 + 0.25 * k


def sw(run="", **kwargs):
    return Call(OPEN_SUMMARY_WRITER, kwargs=kwargs, run=run)


def fw(run="", **kwargs):
    return Call(OPEN_FILE_WRITER, kwargs=kwargs, run=run)


def close():
    return Call(CLOSE)


def call(method, *args, torch=None, divergence=None, warns=None, **kwargs):
    return Call(method, args, kwargs, torch=torch, divergence=divergence, warns=warns)


# ---------------------------------------------------------------------------
# Values

SCALAR_VALUES = [
    0.0,
    -0.0,
    1.5,
    float("nan"),
    float("inf"),
    float("-inf"),
    1e-45,  # float32 denormal (the smallest, 2**-149)
    1e39,  # beyond float32: becomes +inf
    -1e39,  # ... and -inf
    3.4028235e38,  # float32 max
    0.1,  # rounded to float32
    123456789.0,
]

STEPS = [0, 1, 127, 128, 2**31 - 1, 2**31, 2**32, 2**33]

MARKDOWN = """# Results 📈

Some *emphasis*, **bold**, `code` and a [link](https://example.com).

## Table

| metric | value |
|--------|------:|
| loss   | 0.25  |
| 精度    | 0.97  |

- item one
- item two

```
code block
```
"""

LAYOUT = {
    "Losses": {
        "train vs val": ["Multiline", ["loss/train", "loss/val"]],
        "loss margin": ["Margin", ["loss/mean", "loss/lower", "loss/upper"]],
    },
    "Accuracy": {
        "acc": ["Multiline", [r"acc/.*"]],
    },
    "Ünïcode категория": {
        "empty": ["Multiline", []],
    },
}


def _tensor_values():
    """(tag, tensor) for every dtype PyTorch's add_tensor maps, 0-d, 1-d and 2-d."""
    data = {
        torch.float32: ([1.5, -2.25, float("inf"), float("nan"), 1e-40, 3e38], 0.1),
        torch.float64: ([1.5, -2.25, float("inf"), float("nan"), 5e-324, 1e300], 0.1),
        torch.float16: ([1.5, -2.25, float("inf"), float("nan"), 65504.0, 6e-8], 0.1),
        torch.bfloat16: ([1.5, -2.25, float("inf"), float("nan"), 3e38, 1e-40], 0.1),
        torch.int8: ([0, -1, 127, -128, 5, 6], -7),
        torch.int16: ([0, -1, 32767, -32768, 5, 6], -300),
        torch.int32: ([0, -1, 2**31 - 1, -(2**31), 5, 6], 70000),
        torch.int64: ([0, -1, 2**63 - 1, -(2**63), 2**40, 6], -(2**40)),
        torch.uint8: ([0, 1, 127, 128, 255, 6], 200),
        torch.bool: ([True, False, True, True, False, False], True),
        torch.complex64: ([1 + 2j, -0.5j, complex("inf+nanj"), 3, 4 - 4j, 1e-3], 2 - 1j),
        torch.complex128: ([1 + 2j, -0.5j, complex("inf+nanj"), 3, 4 - 4j, 1e-300], 2 - 1j),
    }
    out = []
    for dtype, (six, scalar) in data.items():
        name = str(dtype).replace("torch.", "")
        out.append(("tensor/%s/0d" % name, torch.tensor(scalar, dtype=dtype)))
        out.append(("tensor/%s/1d" % name, torch.tensor(six[:3], dtype=dtype)))
        out.append(("tensor/%s/2d" % name, torch.tensor(six, dtype=dtype).reshape(2, 3)))
    # Packed fields longer than 127 bytes (multi-byte length varints).
    gen = torch.Generator().manual_seed(0)
    out.append(("tensor/float32/big", torch.arange(300, dtype=torch.float32) / 7))
    out.append(("tensor/float16/big", torch.randn(200, generator=gen).to(torch.float16)))
    out.append(("tensor/bfloat16/big", (torch.randn(200, generator=gen) * 1e30).to(torch.bfloat16)))
    out.append(("tensor/int64/big", torch.arange(-150, 150, dtype=torch.int64) * 2**40))
    out.append(("tensor/uint8/big", torch.arange(256, dtype=torch.int64).to(torch.uint8)))
    out.append(("tensor/float32/empty", torch.zeros(0, dtype=torch.float32)))
    out.append(("tensor/float32/2x0", torch.zeros((2, 0), dtype=torch.float32)))
    return out


def _tensor_divergence(tensor):
    return {
        torch.float16: "tensor_float16_bits",
        torch.bfloat16: "tensor_bfloat16_bits",
        torch.uint8: "tensor_uint8_int_val",
    }.get(tensor.dtype)


def _raw_events():
    from tensorboard.compat.proto import event_pb2, summary_pb2

    Event, Summary = event_pb2.Event, summary_pb2.Summary
    plain = Summary(value=[Summary.Value(tag="raw/summary", simple_value=0.5)])
    return [
        # add_event sets wall_time and step from its arguments.
        call(
            "add_event",
            Event(summary=Summary(value=[Summary.Value(tag="raw/event", simple_value=1.25)])),
            step=3,
            walltime=_wt(1),
        ),
        # An event with its own wall_time: FileWriter overwrites it (walltime=None: now).
        call(
            "add_event",
            Event(
                wall_time=5.0,
                step=4,
                summary=Summary(value=[Summary.Value(tag="raw/event", simple_value=2.5)]),
            ),
        ),
        call("add_summary", plain, global_step=7, walltime=_wt(2)),
        call("add_summary", plain, global_step=-2, walltime=_wt(3)),
        call(
            "add_event",
            Event(log_message=event_pb2.LogMessage(level=event_pb2.LogMessage.WARN, message="hi")),
            step=8,
            walltime=_wt(4),
        ),
        call(
            "add_event",
            Event(session_log=event_pb2.SessionLog(status=event_pb2.SessionLog.CHECKPOINT,
                                                   checkpoint_path="/tmp/ck", msg="ok")),
            walltime=_wt(5),
        ),
        # tinytb also takes serialized bytes (PyTorch: only protobuf objects).
        call(
            "add_event",
            Event(summary=Summary(value=[Summary.Value(tag="raw/bytes", simple_value=3.5)]))
            .SerializeToString(),
            step=10,
            walltime=_wt(7),
            torch=((Event(summary=Summary(value=[Summary.Value(tag="raw/bytes", simple_value=3.5)])),),
                   {"step": 10, "walltime": _wt(7)}),
            divergence="extra_inputs",
        ),
        call(
            "add_summary",
            Summary(value=[Summary.Value(tag="raw/bytes", simple_value=4.5)]).SerializeToString(),
            global_step=11,
            walltime=_wt(8),
            torch=((Summary(value=[Summary.Value(tag="raw/bytes", simple_value=4.5)]),),
                   {"global_step": 11, "walltime": _wt(8)}),
            divergence="extra_inputs",
        ),
        call(
            "add_summary",
            Summary(value=[
                Summary.Value(tag="raw/multi_a", simple_value=1.0),
                Summary.Value(tag="raw/multi_b", simple_value=-1.0),
            ]),
            global_step=9,
            walltime=_wt(6),
        ),
    ]


# The case names, known without numpy/torch (pytest parametrizes with them at collection).
CASE_NAMES = (
    "scalar_values", "scalar_double", "scalar_steps", "scalar_inputs", "scalar_edges",
    "scalar_longdouble", "scalar_bfloat16", "scalar_now", "tags", "add_scalars", "text",
    "tensor_dtypes", "custom_scalars", "custom_scalars_multiline", "custom_scalars_margin",
    "purge", "purge_once", "filename_suffix", "multi", "filewriter", "close_then_add",
    "image_formats", "image_dtypes", "image_lists", "images_grid", "image_boxes",
    "image_boxes_grey_alpha", "figure", "video",
    "histograms", "histogram_raw", "audio", "pr_curves", "pr_curve_raw", "mesh", "hparams",
)

# Labels measured pixel for pixel against PyTorch's (Pillow's font) by test_media.py, on a
# white 120x40 uint8 HWC image with the box (5, 5, 110, 35): label -> tag.
GLYPH_LABELS = {"cat": "glyphs/cat", "person": "glyphs/person",
                "traffic light": "glyphs/traffic light"}
GLYPH_BOX = (5, 5, 110, 35)


def build_cases():
    """The case table (a list of Case, in CASE_NAMES order)."""
    _import_libs()
    cases = []

    def add(name, doc, *phases):
        cases.append(Case(name, doc, [list(p) for p in phases]))

    add(
        "scalar_values",
        "add_scalar old style (simple_value) and new_style (DT_FLOAT tensor): zero, "
        "negative zero, NaN, +-inf, a float32 denormal, values beyond float32 "
        "(become +-inf), float32 max, float32 rounding.",
        [sw()]
        + [call("add_scalar", "scalar/old", v, i, walltime=_wt(i)) for i, v in enumerate(SCALAR_VALUES)]
        + [
            call("add_scalar", "scalar/new", v, i, walltime=_wt(i), new_style=True)
            for i, v in enumerate(SCALAR_VALUES)
        ]
        + [close()],
    )
    add(
        "scalar_double",
        "add_scalar(new_style=True, double_precision=True): DT_DOUBLE; rustboard drops it "
        "(a reader fact, for both writers); tinytb warns once.",
        [sw()]
        + [
            call("add_scalar", "scalar/double", v, i, walltime=_wt(i), new_style=True,
                 double_precision=True)
            for i, v in enumerate([0.1, -0.0, 1e39, float("nan"), 1 / 3])
        ]
        # double_precision has no effect without new_style.
        + [call("add_scalar", "scalar/double_old_style", 0.1, 0, walltime=_wt(0),
                double_precision=True)]
        + [close()],
    )
    add(
        "scalar_steps",
        "global_step: 0, 1, 127/128 (varint boundary), 2**31-1 .. 2**33, negative (-1: a "
        "10-byte varint), omitted (step 0), int-likes (numpy, 0-d tensor).",
        [sw()]
        + [call("add_scalar", "steps/int", float(i), s, walltime=_wt(i)) for i, s in enumerate(STEPS)]
        + [
            call("add_scalar", "steps/negative", -1.0, -1, walltime=_wt(0)),
            call("add_scalar", "steps/very_negative", -2.0, -(2**40), walltime=_wt(0)),
            call("add_scalar", "steps/omitted", 7.0, walltime=_wt(0)),
            call("add_scalar", "steps/intlike", 1.0, np.int64(3), walltime=_wt(1)),
            call("add_scalar", "steps/intlike", 2.0, torch.tensor(4), walltime=_wt(2)),
            call("add_scalar", "steps/intlike", 3.0, np.int32(5), walltime=_wt(3)),
            close(),
        ],
    )
    add(
        "scalar_inputs",
        "scalar_value as Python int/float/bool, numpy scalars, 0-d and 1-element tensors; "
        "decimal.Decimal and fractions.Fraction (tinytb only: compared with PyTorch's "
        "output for float(value)).",
        [
            sw(),
            call("add_scalar", "in/int", 3, 0, walltime=_wt(0)),
            call("add_scalar", "in/float", 2.5, 0, walltime=_wt(0)),
            call("add_scalar", "in/bool", True, 0, walltime=_wt(0)),
            call("add_scalar", "in/np_float32", np.float32(0.1), 0, walltime=_wt(0)),
            call("add_scalar", "in/np_float64", np.float64(0.1), 0, walltime=_wt(0)),
            call("add_scalar", "in/np_int64", np.int64(-5), 0, walltime=_wt(0)),
            call("add_scalar", "in/np_0d", np.array(1.25), 0, walltime=_wt(0)),
            call("add_scalar", "in/torch_0d", torch.tensor(0.1), 0, walltime=_wt(0)),
            call("add_scalar", "in/torch_1elem", torch.tensor([0.75], dtype=torch.float64), 0,
                 walltime=_wt(0)),
            call("add_scalar", "in/torch_int", torch.tensor(9), 0, walltime=_wt(0)),
            call("add_scalar", "in/decimal", decimal.Decimal("0.1"), 0, walltime=_wt(0),
                 torch=(("in/decimal", 0.1, 0), {"walltime": _wt(0)}), divergence="extra_inputs"),
            call("add_scalar", "in/fraction", fractions.Fraction(1, 3), 0, walltime=_wt(0),
                 torch=(("in/fraction", 1 / 3, 0), {"walltime": _wt(0)}),
                 divergence="extra_inputs"),
            call("add_scalar", "in/new_decimal", decimal.Decimal("2.5"), 0, walltime=_wt(0),
                 new_style=True,
                 torch=(("in/new_decimal", 2.5, 0), {"walltime": _wt(0), "new_style": True}),
                 divergence="extra_inputs"),
            close(),
        ],
    )
    long_tags = ["long/" + "x" * 60, "y" * 130, "z/" + "é" * 150]
    add(
        "scalar_edges",
        "Record-size edges of add_scalar: tags making the event longer than 64 bytes and "
        "tag lengths needing 2-byte varints, with 1- to 10-byte step varints; wall times "
        "0.0 (omitted by proto3), an int, 1e10; an empty tag (omitted by proto3).",
        [sw()]
        + [call("add_scalar", t, float(i), s, walltime=_wt(i))
           for t in long_tags for i, s in enumerate([0, 5, 300, 2**40, -1])]
        + [
            call("add_scalar", "wall/zero", 1.0, 0, walltime=0.0),
            call("add_scalar", "wall/zero", 2.0, 1, walltime=0.0, new_style=True),
            call("add_scalar", "wall/int", 3.0, 0, walltime=7),
            call("add_scalar", "wall/far", 4.0, 0, walltime=1e10),
            call("add_scalar", "", 5.0, 3, walltime=_wt(3)),
            call("add_text", "wall/zero_text", "t", 0, walltime=0.0),
            close(),
        ],
    )
    add(
        "scalar_longdouble",
        "numpy long double scalar values (np.longdouble.item() returns a np.longdouble).",
        [
            sw(),
            call("add_scalar", "ld/old", np.longdouble("0.1"), 0, walltime=_wt(0)),
            call("add_scalar", "ld/new", np.longdouble("-2.5"), 0, walltime=_wt(0), new_style=True),
            close(),
        ],
    )
    def bf16(method, tag, value, **kwargs):
        # tinytb keeps the exact bfloat16 value; PyTorch's make_np goes through float16, so
        # 1e5 becomes inf and 1e-10 becomes 0. PyTorch gets the same value as float32.
        exact = value.float() if hasattr(value, "float") else {
            k: v.float() for k, v in value.items()}
        return call(method, tag, value, 0, torch=((tag, exact, 0), dict(kwargs)),
                    divergence="scalar_bfloat16_exact", **kwargs)

    add(
        "scalar_bfloat16",
        "bfloat16 tensors as scalar values keep their exact value (PyTorch converts them "
        "through float16 in torch.utils.tensorboard._convert_np, so values beyond float16's "
        "range become inf and tiny ones 0): compared with PyTorch's output for the same "
        "value as float32.",
        [
            sw(),
            call("add_scalar", "bf16/in_range", torch.tensor(0.5, dtype=torch.bfloat16), 0,
                 walltime=_wt(0)),
            bf16("add_scalar", "bf16/big", torch.tensor(1e5, dtype=torch.bfloat16),
                 walltime=_wt(0)),
            bf16("add_scalar", "bf16/tiny", torch.tensor(1e-10, dtype=torch.bfloat16),
                 walltime=_wt(0)),
            bf16("add_scalar", "bf16/new_style", torch.tensor([1e5], dtype=torch.bfloat16),
                 walltime=_wt(0), new_style=True),
            bf16("add_scalars", "bf16", {"s": torch.tensor(-1e5, dtype=torch.bfloat16)},
                 walltime=_wt(0)),
            call("add_scalar", "f16/np", np.float16(0.1), 0, walltime=_wt(0)),
            close(),
        ],
    )
    add(
        "scalar_now",
        "add_scalar without walltime: the writer's clock ('now').",
        [sw(), call("add_scalar", "scalar/now", 4.0, 1), close()],
    )
    add(
        "tags",
        "Unicode and spaced tags are written verbatim.",
        [
            sw(),
            call("add_scalar", "损失/训练 loss", 0.5, 0, walltime=_wt(0)),
            call("add_scalar", "损失/训练 loss", 0.25, 1, walltime=_wt(1)),
            call("add_scalar", "a b/c d", 1.0, 0, walltime=_wt(0)),
            call("add_scalar", "emoji/🙂", 2.0, 0, walltime=_wt(0), new_style=True),
            call("add_text", "ü tag", "x", 0, walltime=_wt(0)),
            close(),
        ],
    )
    add(
        "add_scalars",
        "add_scalars: one sub-run per key, <run>/<main_tag with / replaced by _>_<key>, "
        "tag = main_tag.",
        [sw()]
        + [
            call("add_scalars", "loss/train", {"a": 1.0 + i, "b": -1.0 - i, "c d": 0.5 * i}, i,
                 walltime=_wt(i))
            for i in range(3)
        ]
        + [call("add_scalars", "acc", {"x": 0.9}, 0, walltime=_wt(0)), close()],
    )
    add(
        "text",
        "add_text: markdown (headers, a table, lists, code), Unicode, empty text; tag gets "
        "/text_summary.",
        [
            sw(),
            call("add_text", "notes", MARKDOWN, 0, walltime=_wt(0)),
            call("add_text", "notes", "second *step* — ünïcödé 日本語", 1, walltime=_wt(1)),
            call("add_text", "plain", "hello", 5, walltime=_wt(2)),
            call("add_text", "long", "line of text\n" * 1700, 0, walltime=_wt(2)),
            call("add_text", "empty", "", 0, walltime=_wt(3)),
            call("add_text", "html", "<script>alert(1)</script> & <b>bold</b>", 0,
                 walltime=_wt(4)),
            close(),
        ],
    )
    tensor_calls = []
    for tag, tensor in _tensor_values():
        tensor_calls.append(
            call("add_tensor", tag, tensor, 1, walltime=_wt(1), divergence=_tensor_divergence(tensor))
        )
    # complex32: PyTorch raises; tinytb writes DT_COMPLEX64.
    for tag, values in [
        ("tensor/complex32/1d", [1 + 2j, -0.5j, 3]),
        ("tensor/complex32/0d", 2 - 1j),
    ]:
        with warnings.catch_warnings():  # "ComplexHalf support is experimental"
            warnings.simplefilter("ignore", UserWarning)
            t32 = torch.tensor(values, dtype=torch.complex64).to(torch.complex32)
        tensor_calls.append(
            call("add_tensor", tag, t32, 1, walltime=_wt(1),
                 torch=((tag, t32.to(torch.complex64), 1), {"walltime": _wt(1)}),
                 divergence="tensor_complex32")
        )
    # numpy arrays: PyTorch requires a torch.Tensor.
    for tag, arr in [
        ("np/float32", np.arange(6, dtype=np.float32).reshape(2, 3) / 4),
        ("np/float64", np.array(0.1)),
        ("np/int64", np.array([-(2**62), 0, 5], dtype=np.int64)),
        ("np/int32", np.array([[1], [-2]], dtype=np.int32)),
        ("np/bool", np.array([True, False])),
        ("np/uint8", np.array([0, 255], dtype=np.uint8)),
        ("np/float16", np.array([0.5, -1.0, 65504.0], dtype=np.float16)),
        ("np/complex128", np.array([1 + 1j])),
    ]:
        equivalent = torch.from_numpy(arr.copy())
        tensor_calls.append(
            call("add_tensor", tag, arr, 2, walltime=_wt(2),
                 torch=((tag, equivalent, 2), {"walltime": _wt(2)}),
                 divergence=_tensor_divergence(equivalent) or "extra_inputs")
        )
    add(
        "tensor_dtypes",
        "add_tensor for every dtype (float32/64, float16, bfloat16, int8/16/32/64, uint8, "
        "bool, complex64/128; 0-d, 1-d, 2-d, empty), complex32 and numpy arrays (tinytb "
        "only).",
        [sw()] + tensor_calls + [close()],
    )
    add(
        "custom_scalars",
        "add_custom_scalars: a layout with Multiline and Margin charts in several "
        "categories (one of them Unicode, one chart with no tags).",
        [sw(), call("add_custom_scalars", LAYOUT), close()],
    )
    add(
        "custom_scalars_multiline",
        "add_custom_scalars_multilinechart with the default category and title.",
        [sw(), call("add_custom_scalars_multilinechart", ["scalar/old", "scalar/new"]), close()],
    )
    add(
        "custom_scalars_margin",
        "add_custom_scalars_marginchart with a category and title.",
        [
            sw(),
            call("add_custom_scalars_marginchart", ["m/v", "m/lo", "m/hi"], category="margins",
                 title="band"),
            close(),
        ],
    )
    add(
        "purge",
        "A run written, resumed with purge_step=4, then with purge_step=2: each resumed "
        "session writes file_version + SessionLog(START) at step=purge_step.  The Python "
        "loader ignores the first START and purges at the second; rustboard ignores "
        "SessionLog and preempts by step.",
        [sw()] + [call("add_scalar", "loss", float(s), s, walltime=_wt(s)) for s in range(6)]
        + [close()],
        [sw(purge_step=4)]
        + [call("add_scalar", "loss", 10.0 + s, s, walltime=_wt(10 + s)) for s in (4, 5, 6)]
        + [close()],
        [sw(purge_step=2)]
        + [call("add_scalar", "loss", 20.0 + s, s, walltime=_wt(20 + s)) for s in (2, 3)]
        + [close()],
    )
    add(
        "purge_once",
        "A run written without purge_step, resumed once with purge_step=4: the Python "
        "loader treats that START as the first session start and purges nothing (steps "
        "4 and 5 appear twice); rustboard preempts steps >= 4.",
        [sw()] + [call("add_scalar", "loss", float(s), s, walltime=_wt(s)) for s in range(6)]
        + [close()],
        [sw(purge_step=4)]
        + [call("add_scalar", "loss", 10.0 + s, s, walltime=_wt(10 + s)) for s in (4, 5, 6)]
        + [close()],
    )
    add(
        "filename_suffix",
        "filename_suffix on the main file and the add_scalars sub-writers.",
        [
            sw(filename_suffix=".sfx"),
            call("add_scalar", "x", 1.0, 0, walltime=_wt(0)),
            call("add_scalars", "m", {"k": 2.0}, 0, walltime=_wt(0)),
            close(),
        ],
    )
    add(
        "multi",
        "Several runs (and a nested run) in one logdir.",
        [
            sw("run_a"), call("add_scalar", "shared", 1.0, 0, walltime=_wt(0)), close(),
            sw("run_b"), call("add_scalar", "shared", 2.0, 0, walltime=_wt(1)), close(),
            sw("nested/run_c"), call("add_scalar", "shared", 3.0, 0, walltime=_wt(2)),
            call("add_text", "about", "run c", 0, walltime=_wt(2)), close(),
        ],
    )
    add(
        "filewriter",
        "FileWriter.add_event / add_summary with raw Events and Summaries (step and "
        "walltime from the arguments; a LogMessage and a SessionLog event).",
        [fw()] + _raw_events() + [close()],
    )
    add(
        "close_then_add",
        "close() then add again: a new event file in the same run.",
        [sw(), call("add_scalar", "x", 1.0, 0, walltime=_wt(0)), close()],
        [call("add_scalar", "x", 2.0, 1, walltime=_wt(1)),
         call("add_text", "t", "after close", 1, walltime=_wt(1)), close()],
    )
    _media_cases(add)
    _summary_cases(add)
    assert tuple(c.name for c in cases) == CASE_NAMES, [c.name for c in cases]
    return cases


# ---------------------------------------------------------------------------
# Images, figures and video


def _nested(a):
    """``a`` as nested lists of Python ints (uint8) or floats (float32)."""
    return a.tolist()


def _figure(seed, model):
    """A Fresh matplotlib figure (Agg), the same drawing for every slot."""

    def make():
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig = plt.figure(figsize=(model.width / 40, model.height / 40), dpi=40)
        ax = fig.add_subplot()
        xs = list(range(12))
        ax.plot(xs, [((x * (seed + 3)) % 7) / 7 for x in xs], color="C%d" % seed)
        ax.fill_between(xs, 0, [x / 24 for x in xs], alpha=0.3)
        ax.set_title("figure %d" % seed)
        return fig

    return make


def _media_cases(add):
    rng = np.random.RandomState(2024)

    def rand(*shape, dtype=np.float32):
        return rng.rand(*shape).astype(dtype)

    def u8(*shape):
        return rng.randint(0, 256, shape).astype(np.uint8)

    def img(tag, value, step=0, **kwargs):
        return call("add_image", tag, value, step, walltime=_wt(step), **kwargs)

    # -- add_image: data formats, channels, sizes ------------------------------------------
    smooth = np.linspace(0, 1, 96 * 128, dtype=np.float32).reshape(96, 128)
    large = np.stack([smooth, smooth.T.reshape(96, 128), 0.5 + 0.1 * np.sin(smooth * 40)])
    large = (large + 0.05 * rng.rand(3, 96, 128)).astype(np.float32)
    alpha = u8(6, 8, 4)
    alpha[0, :, 3], alpha[1, :, 3], alpha[2, :, 3] = 0, 255, 128
    add(
        "image_formats",
        "add_image in every data format (CHW default, HWC, HW, WH, unusual orders WCH and "
        "HCW, lower case), 1 (grey, repeated to RGB), 2 (grey + alpha), 3 and 4 (RGBA "
        "kept) channels, sizes from 1x1 to 128x96.",
        [sw()]
        + [img("fmt/CHW", rand(3, 6, 8), step) for step in range(3)]
        + [
            img("fmt/HWC", rand(6, 8, 3), dataformats="HWC"),
            img("fmt/HW", rand(6, 8), dataformats="HW"),
            img("fmt/WH", rand(8, 6), dataformats="WH"),
            img("fmt/WCH", rand(8, 3, 6), dataformats="WCH"),
            img("fmt/HCW", rand(6, 3, 8), dataformats="HCW"),
            img("fmt/chw", rand(3, 6, 8), dataformats="chw"),
            img("fmt/hwc", rand(6, 8, 3), dataformats="hwc"),
            img("fmt/wh", rand(8, 6), dataformats="wh"),
            img("ch/1_CHW", rand(1, 6, 8)),
            img("ch/1_HWC", u8(6, 8, 1), dataformats="HWC"),
            img("ch/2_HWC", rand(6, 8, 2), dataformats="HWC"),
            img("ch/4_CHW", rand(4, 6, 8)),
            img("ch/4_HWC_alpha", alpha, dataformats="HWC"),
            img("size/1x1", rand(3, 1, 1)),
            img("size/1x300", rand(1, 1, 300)),
            img("size/200x2", rand(200, 2), dataformats="HW"),
            img("size/128x96", large),
            close(),
        ],
    )

    # -- add_image: element types and array kinds --------------------------------------------
    levels = np.arange(256, dtype=np.float64) / 255  # k/255: products right at the integers
    levels32 = np.stack([levels, (np.arange(256) + 0.5) / 255, levels[::-1]]).astype(np.float32)
    levels64 = np.stack([levels, np.nextafter(levels, 2.0), np.nextafter(levels, -1.0)])
    levels64[:, -1] = 1 - 2.0**-30  # 1.0 in float32: pixel 255 (254 in float64 arithmetic)
    special = [-1.0, -0.0, 0.0, 1.5, float("nan"), float("inf"), float("-inf"), 1e30, -1e-45,
               1.0000001, 255.0, 0.999, 1e-3, 2.5e-3, 0.5, 0.25]
    special = np.array(special * 6).reshape(3, 4, 8)
    with np.errstate(over="ignore"):  # 1e30 is inf in float16
        special16 = special.astype(np.float16)
    ints = np.array([-(2**62), -5, -1, 0, 1, 2, 127, 255, 256, 2**40, 7, 0] * 2).reshape(3, 2, 4)
    gen = torch.Generator().manual_seed(7)
    base_view = rand(3, 12, 16)
    base_hwc = rand(6, 8, 3)
    base_u8 = u8(3, 10, 12)
    add(
        "image_dtypes",
        "add_image for float32/float64/float16 in [0, 1] (every k/255 level) and out of "
        "range (negative, > 1, NaN, +-inf), uint8, int8..int64 and uint16 (PyTorch scales "
        "them by 255 too: they saturate), bool; numpy arrays (contiguous, Fortran order, "
        "negative and step strides) and torch tensors (float32/64, float16, bfloat16, "
        "uint8, int64, bool; transposed, sliced, channels_last, requiring grad).",
        [
            sw(),
            img("dtype/float32_levels", levels32.reshape(3, 16, 16)),
            img("dtype/float64_levels", levels64.reshape(3, 16, 16)),
            img("dtype/float32_special", special.astype(np.float32)),
            img("dtype/float64_special", special),
            img("dtype/float16_special", special16),
            img("dtype/float16_levels", levels32.astype(np.float16).reshape(3, 16, 16)),
            img("dtype/uint8", np.arange(768).reshape(3, 16, 16).astype(np.uint8)),
            img("dtype/int64", ints.astype(np.int64)),
            img("dtype/int32", np.clip(ints, -(2**31), 2**31 - 1).astype(np.int32)),
            img("dtype/int8", np.clip(ints, -128, 127).astype(np.int8)),
            img("dtype/uint16", np.clip(ints, 0, 65535).astype(np.uint16)),
            img("dtype/bool", rng.rand(3, 5, 7) > 0.5),
            img("numpy/fortran", Fresh(lambda: np.asfortranarray(base_view))),
            img("numpy/reversed", Fresh(lambda: base_view[:, ::-1, ::2])),
            img("numpy/transposed", Fresh(lambda: base_hwc.transpose(2, 0, 1))),
            img("numpy/uint8_reversed", Fresh(lambda: base_u8[:, ::-1, ::2])),
            img("torch/float32", torch.rand(3, 6, 8, generator=gen)),
            img("torch/float64", torch.tensor(special)),
            img("torch/float16", torch.tensor(special).half()),
            img("torch/bfloat16", torch.rand(3, 6, 8, generator=gen).to(torch.bfloat16)),
            img("torch/bfloat16_special", torch.tensor(special).to(torch.bfloat16)),
            img("torch/uint8_HWC", torch.randint(0, 256, (6, 8, 3), generator=gen,
                                                 dtype=torch.uint8), dataformats="HWC"),
            img("torch/int64", torch.tensor(ints)),
            img("torch/bool", torch.rand(3, 5, 7, generator=gen) > 0.5),
            img("torch/transposed", torch.rand(3, 8, 6, generator=gen).transpose(1, 2)),
            img("torch/sliced", torch.rand(3, 12, 16, generator=gen)[:, ::2, 1::2]),
            img("torch/uint8_sliced", torch.randint(0, 256, (3, 10, 12), generator=gen,
                                                    dtype=torch.uint8)[:, 1::2, ::3]),
            img("torch/channels_last", torch.rand(1, 3, 6, 8, generator=gen).to(
                memory_format=torch.channels_last)[0]),
            img("torch/requires_grad", torch.rand(3, 6, 8, generator=gen).requires_grad_()),
            close(),
        ],
    )

    # -- add_image / add_images: nested lists (tinytb only) ----------------------------------
    def listed(method, tag, array, dataformats, values=None):
        # Python ints are uint8 values, Python floats float32 values: PyTorch gets that array.
        values = _nested(array) if values is None else values
        return call(method, tag, values, 0, walltime=_wt(0), dataformats=dataformats,
                    torch=((tag, array, 0), {"walltime": _wt(0), "dataformats": dataformats}),
                    divergence="extra_inputs")

    hwc_bytes = u8(4, 5, 3)
    float_values = (np.arange(12, dtype=np.float64).reshape(3, 4) / 255 + 1 / 3e3).tolist()

    def tupled(c):
        c.args = (c.args[0], tuple(tuple(row) for row in c.args[1])) + c.args[2:]
        return c

    add(
        "image_lists",
        "Nested lists and tuples (tinytb only): Python ints are uint8 values, Python floats "
        "float32 values in [0, 1]; compared with PyTorch's output for the numpy array "
        "(uint8 or float32).  And a uint8 memoryview with a shape.",
        [
            sw(),
            listed("add_image", "list/int_CHW", u8(3, 4, 5), "CHW"),
            listed("add_image", "list/float_HWC", rand(4, 5, 3), "HWC"),
            listed("add_image", "list/float_HW", rand(4, 5), "HW"),
            listed("add_image", "list/float_out_of_range",
                   np.array([[-0.5, 2.0, 0.1, 1 / 3], [0.7, 1e-9, 1.0, 0.0]], np.float32), "HW"),
            listed("add_image", "list/int_RGBA", u8(3, 4, 4), "HWC"),
            tupled(listed("add_image", "list/tuples_HW", rand(3, 4), "HW")),
            listed("add_images", "list/images_NCHW", rand(2, 3, 4, 5), "NCHW"),
            # A buffer with a shape (tinytb only, as a list): uint8 HWC.
            call("add_image", "buffer/memoryview_HWC",
                 Fresh(lambda: memoryview(hwc_bytes.tobytes()).cast("B", hwc_bytes.shape)), 0,
                 walltime=_wt(0), dataformats="HWC",
                 torch=(("buffer/memoryview_HWC", hwc_bytes, 0),
                        {"walltime": _wt(0), "dataformats": "HWC"}),
                 divergence="extra_inputs"),
            # Python floats that float32 rounds (k/255 and thirds in float64).
            listed("add_image", "list/float64_values",
                   np.array(float_values, np.float32), "HW", values=float_values),
            close(),
        ],
    )

    # -- add_images: grids -------------------------------------------------------------------
    grid_calls = []
    for n in (1, 3, 8, 9, 17):
        grid_calls.append(call("add_images", "grid/NCHW_3ch_N%d" % n, rand(n, 3, 4, 5), 0,
                               walltime=_wt(0)))
        grid_calls.append(call("add_images", "grid/NHWC_1ch_N%d" % n, u8(n, 4, 5, 1), 0,
                               walltime=_wt(0), dataformats="NHWC"))
    grid_calls += [
        call("add_images", "grid/NCHW_1ch_N9", rand(9, 1, 4, 5), 0, walltime=_wt(0),
             dataformats="NCHW"),
        call("add_images", "grid/NHWC_3ch_N17", u8(17, 4, 5, 3), 0, walltime=_wt(0),
             dataformats="NHWC"),
        call("add_images", "grid/nchw_lower_N9", rand(9, 3, 3, 2), 0, walltime=_wt(0),
             dataformats="nchw"),
        call("add_images", "grid/CNHW_N3", rand(3, 3, 4, 5), 0, walltime=_wt(0),
             dataformats="CNHW"),
        call("add_images", "grid/torch_N10", torch.rand(10, 3, 4, 5, generator=gen), 0,
             walltime=_wt(0)),
    ]
    grid_calls += [call("add_images", "grid/steps", rand(3, 3, 4, 5), s, walltime=_wt(s))
                   for s in (1, 2)]
    add(
        "images_grid",
        "add_images: NCHW and NHWC batches of N = 1, 3, 8, 9, 17 (8 columns; the last row "
        "partial and zero-padded), 1 and 3 channels, float and uint8, lower case and an "
        "unusual order (CNHW), a torch batch.",
        [sw()] + grid_calls + [close()],
    )

    # -- add_image_with_boxes ------------------------------------------------------------------
    scene = (0.2 + 0.6 * rng.rand(3, 40, 60)).astype(np.float32)  # no pure black or red
    two = np.array([[5, 5, 30, 30], [20, 10, 55, 38]], dtype=np.float64)
    white = np.full((40, 120, 3), 255, np.uint8)

    def boxes(tag, image, box_tensor, step=0, **kwargs):
        return call("add_image_with_boxes", tag, image, box_tensor, step, walltime=_wt(step),
                    **kwargs)

    box_calls = [
        boxes("boxes/no_labels", scene, two),
        boxes("boxes/labels", scene, two, labels=["cat", "person"]),
        boxes("boxes/label_count_mismatch", scene, two, labels=["cat"]),  # dropped
        boxes("boxes/label_str", scene, two[:1], labels="dog 0.93"),
        boxes("boxes/empty_label", scene, two, labels=["", "car: 87%"]),
        boxes("boxes/partly_outside", scene,
              np.array([[-10, -5, 20, 25], [45, 30, 80, 50], [-20, -20, 100, 100]], np.float64),
              labels=["a", "Label_12", "0.99"]),
        boxes("boxes/fractional", scene, np.array([[3.5, 4.25, 30.75, 20.5]])),
        boxes("boxes/int64", scene, two.astype(np.int64)),
        boxes("boxes/none", scene, np.zeros((0, 4))),
        boxes("boxes/torch", torch.tensor(scene), torch.tensor(two), labels=["x", "y"]),
        boxes("boxes/HWC_uint8", u8(30, 50, 3), np.array([[2, 3, 40, 25]]), dataformats="HWC",
              labels=["hwc"]),
        boxes("boxes/RGBA", rand(4, 30, 40), np.array([[2, 3, 35, 25]]), labels=["rgba"]),
        boxes("boxes/rescale_0.5", scene, two, rescale=0.5, labels=["cat", "person"]),
        boxes("boxes/rescale_2", scene, two, rescale=2, labels=["cat", "person"]),
        boxes("boxes/rescale_0.5_no_labels", scene, two, rescale=0.5),
        boxes("boxes/steps", scene, two, 1, labels=["a", "b"]),
        boxes("boxes/steps", scene[:, ::-1].copy(), two, 2, labels=["c", "d"]),
    ]
    box_calls += [
        boxes(tag, white, np.array([GLYPH_BOX], np.float64), dataformats="HWC", labels=[label])
        for label, tag in GLYPH_LABELS.items()
    ]
    for c in box_calls:
        if _drawn_labels(c.kwargs.get("labels"), c.args[2]):
            c.divergence = "label_glyphs"
    add(
        "image_boxes",
        "add_image_with_boxes with and without labels, a label count mismatch (labels "
        "dropped, as PyTorch does), a str label, an empty label, boxes partly outside the "
        "image, fractional, int64 and torch boxes, no boxes, HWC uint8 and RGBA images, "
        "rescale 0.5 and 2 (Summary.Image keeps the original height and width); three "
        "labels on a white image whose glyph differences are measured (test_media.py).",
        [sw()] + box_calls + [close()],
    )

    # Grey + alpha (2 channels, Pillow's "LA"): PyTorch draws boxes on it and resizes it.
    grey_alpha = rand(30, 40, 2)
    grey_box = np.array([[2, 3, 35, 25]], np.float64)
    add(
        "image_boxes_grey_alpha",
        "add_image_with_boxes on a 2-channel (grey + alpha) HWC image: a box, a labelled "
        "box, rescale 0.5 (PyTorch: an LA PNG, colorspace 2; Pillow's 'Red' is grey 76 "
        "there).",
        [
            sw(),
            boxes("la/box", grey_alpha, grey_box, dataformats="HWC"),
            boxes("la/label", grey_alpha, grey_box, dataformats="HWC", labels=["la"],
                  divergence="label_glyphs"),
            boxes("la/rescale_0.5", grey_alpha, grey_box, dataformats="HWC", rescale=0.5),
            close(),
        ],
    )

    # -- add_figure ----------------------------------------------------------------------------
    size = FigureModel(width=160, height=120)
    pair = FigureModel(width=160, height=120, count=2)
    add(
        "figure",
        "add_figure: a matplotlib figure (Agg canvas), a list of two figures (a grid), "
        "close=True (the default, checked: the figures are closed) and close=False.",
        [
            sw(),
            call("add_figure", "figure/single", Fresh(_figure(0, size), size), 0,
                 walltime=_wt(0)),
            call("add_figure", "figure/list",
                 Fresh(lambda: [_figure(1, size)(), _figure(2, size)()], pair), 0,
                 walltime=_wt(0), close=True),
            call("add_figure", "figure/kept_open", Fresh(_figure(3, size), size), 0,
                 walltime=_wt(0), close=False),
            close(),
        ],
    )

    # -- add_video -----------------------------------------------------------------------------
    def video(tag, value, step=0, **kwargs):
        return call("add_video", tag, value, step, walltime=_wt(step), **kwargs)

    odd = rand(1, 3, 3, 6, 6, dtype=np.float64) * 1.6 - 0.3
    odd[0, 0, 0, 0, :3] = [float("nan"), float("inf"), float("-inf")]
    add(
        "video",
        "add_video: N = 1, 2, 3 (a 1x4 grid, padded), 4 (2x2), 5 (2x4, padded), 16 (4x4); "
        "T = 1 to 5; C = 1 and 3; uint8 (every level), float32/float64 (out of range, NaN, "
        "inf) and torch tensors (float32, bfloat16); "
        "fps 1, 2.5, 4 (default), 10, 30; a video with more than 256 colours per frame.",
        [
            sw(),
            video("video/n1_t3_c3_uint8_fps4", u8(1, 3, 3, 8, 10), fps=4),
            video("video/n3_t2_c3_float_fps10", rand(3, 2, 3, 6, 8), fps=10),
            video("video/n4_t4_c1_uint8_fps1", u8(4, 4, 1, 6, 6), fps=1),
            video("video/n2_t5_c1_float_fps30", rand(2, 5, 1, 8, 8), fps=30),
            video("video/n1_t1_default_fps", rand(1, 1, 3, 8, 8)),
            video("video/fps_2.5", u8(1, 2, 3, 6, 6), fps=2.5),
            video("video/uint8_levels", np.arange(2 * 3 * 256).reshape(1, 2, 3, 16, 16)
                  .astype(np.uint8), fps=4),
            video("video/float64_special", odd, fps=4),
            video("video/torch", torch.rand(3, 2, 3, 6, 6, generator=gen), fps=4),
            video("video/torch_bfloat16", torch.rand(2, 2, 3, 4, 4, generator=gen).to(
                torch.bfloat16), fps=4),
            video("video/n5_grid_2x4", u8(5, 2, 3, 4, 4), fps=4),
            video("video/n16_grid_4x4", rand(16, 1, 1, 4, 4), fps=4),
            video("video/many_colours", rand(4, 2, 3, 16, 16), fps=4),
            video("video/steps", u8(1, 2, 3, 6, 6), 1, fps=4),
            video("video/steps", u8(1, 2, 3, 6, 6), 2, fps=4),
            close(),
        ],
    )


# ---------------------------------------------------------------------------
# Histograms, audio, PR curves, meshes and hparams (issue 5)

# PyTorch's test_tensorboard.py (TestTensorBoardWriter.test_writer): add_pr_curve_raw rows.
PR_RAW_ROWS = (
    [75, 64, 21, 5, 0],  # true positive counts
    [150, 105, 18, 0, 0],  # false positive counts
    [0, 45, 132, 150, 150],  # true negative counts
    [0, 11, 54, 70, 75],  # false negative counts
    [0.3333333, 0.3786982, 0.5384616, 1.0, 0.0],  # precision
    [1.0, 0.8533334, 0.28, 0.0666667, 0.0],  # recall
)

# The hparams runs of the table all report (a subset of) these metric tags, as PyTorch's own
# tests and docstring do: the hparams plugin shows one experiment per logdir (see
# test_servers.py), so every session's metrics are visible through it.
HPARAM_METRICS = ("hparam/accuracy", "hparam/loss")

# The mesh dashboard's scene settings, as in TensorBoard's mesh demo.
MESH_CONFIG = {
    "camera": {"cls": "PerspectiveCamera", "fov": 75},
    "lights": [{"cls": "AmbientLight", "color": "#ffffff", "intensity": 0.75},
               {"cls": "DirectionalLight", "color": "#ffffff", "intensity": 0.75,
                "position": [0, -1, 2]}],
    "material": {"cls": "MeshStandardMaterial", "roughness": 1, "metalness": 0},
}


def _tetrahedron():
    """PyTorch's test mesh (test_tensorboard.py test_writer/test_mesh): vertices, colors,
    faces, numpy float64/int64 of shape (1, 4, 3)."""
    v = np.array([[[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]], dtype=float)
    c = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 0, 255]]], dtype=int)
    f = np.array([[[0, 2, 3], [0, 3, 1], [0, 1, 2], [1, 3, 2]]], dtype=int)
    return v, c, f


def _summary_cases(add):
    rng = np.random.RandomState(5)
    gen = torch.Generator().manual_seed(5)

    # -- add_histogram ---------------------------------------------------------------------
    def hist(tag, values, step=0, **kwargs):
        return call("add_histogram", tag, values, step, walltime=_wt(step), **kwargs)

    add(
        "histograms",
        "add_histogram: PyTorch's own test calls (a 100x100 np.random.rand matrix; torch.rand, "
        "torch.randint and bfloat16 vectors), the default 'tensorflow' bins over four steps of "
        "a narrowing normal distribution, the estimators 'auto', 'fd', 'doane' (PyTorch's "
        "arange(1024) with max_bins=5), 'sturges', an int, an edge list (values outside it "
        "not counted), max_bins with the default bins, a constant input, negative and "
        "integer inputs.",
        [sw()]
        + [
            hist("hist", rng.rand(100, 100)),
            hist("float histogram", torch.rand(50, generator=gen)),
            hist("int histogram", torch.randint(0, 100, (50,), generator=gen)),
            hist("bfloat16 histogram", torch.rand(50, generator=gen).to(torch.bfloat16)),
        ]
        + [hist("normal/default", rng.normal(0.5 * s, 1.0 / (s + 1), 1000), s) for s in range(4)]
        + [
            hist("bins/auto", rng.normal(size=500), bins="auto"),
            hist("bins/fd", rng.exponential(size=(20, 30)), bins="fd"),
            hist("bins/doane_max5", np.arange(1024, dtype=float), bins="doane", max_bins=5),
            hist("bins/auto_max5", np.arange(1024, dtype=float), bins="auto", max_bins=5),
            hist("bins/sturges", torch.randn(300, generator=gen, dtype=torch.float64),
                 bins="sturges"),
            hist("bins/int10", rng.uniform(-3, 7, 400), bins=10),
            hist("bins/edges", rng.normal(size=200), bins=[-1.0, -0.5, 0.0, 0.5, 1.0]),
            hist("bins/tensorflow_max50", rng.normal(size=2000), max_bins=50),
            hist("input/constant", np.full(7, 2.0), bins="auto"),
            hist("input/negative", -rng.gamma(2.0, size=300)),
            hist("input/int64", np.arange(-20, 30, dtype=np.int64)),
            hist("input/float32_torch", torch.randn(4, 25, generator=gen) * 1e-3),
            close(),
        ],
    )

    # -- add_histogram_raw -----------------------------------------------------------------
    # The docstring example of add_histogram_raw.
    dummy = []
    for idx, value in enumerate(range(50)):
        dummy += [idx + 0.001] * value
    values = np.array(dummy).astype(float).reshape(-1)
    counts, limits = np.histogram(values, bins=np.array(list(range(50 + 2))))
    raw_calls = [call(
        "add_histogram_raw", tag="histogram_with_raw_data", min=values.min(),
        max=values.max(), num=len(values), sum=values.sum(), sum_squares=values.dot(values),
        bucket_limits=limits[1:].tolist(), bucket_counts=counts.tolist(), global_step=0,
        walltime=_wt(0))]
    # PyTorch's test_pytorch_histogram_raw: no step and no wall time (clock); its third call
    # repeats the second one's tag at step 0 (num=50 for 100 values, as in the test).
    num = 50
    floats = torch.rand((num,), generator=gen).numpy()
    counts, limits = np.histogram(floats, [0.0, 0.25, 0.5, 0.75, 1.0])
    raw_calls.append(call(
        "add_histogram_raw", "float histogram raw", min=floats.min().item(),
        max=floats.max().item(), num=num, sum=floats.sum().item(),
        sum_squares=floats.dot(floats).item(), bucket_limits=limits[1:].tolist(),
        bucket_counts=counts.tolist()))
    ints = torch.randint(0, 100, (num,), generator=gen).numpy()
    counts, limits = np.histogram(ints, [0, 25, 50, 75, 100])
    raw_calls.append(call(
        "add_histogram_raw", "int histogram raw", min=ints.min().item(), max=ints.max().item(),
        num=num, sum=ints.sum().item(), sum_squares=ints.dot(ints).item(),
        bucket_limits=limits[1:].tolist(), bucket_counts=counts.tolist()))
    ints = torch.tensor(range(100)).float()
    raw_calls.append(call(
        "add_histogram_raw", "int histogram raw", min=ints.min().item(), max=ints.max().item(),
        num=num, sum=ints.sum().item(), sum_squares=ints.dot(ints).item(),
        bucket_limits=torch.tensor(range(100)).tolist(),
        bucket_counts=torch.histc(ints, bins=100, min=0, max=99).tolist()))
    # numpy and torch arrays as arguments, several steps.
    for s in (1, 2, 3):
        edges = np.linspace(-1.0, 1.0, 5 + s)
        raw_calls.append(call(
            "add_histogram_raw", "raw/arrays", -0.9, 0.95, 10 * s, 0.5 * s, 2.5 * s,
            torch.tensor(edges[1:]), np.arange(len(edges) - 1, dtype=np.int64) * s,
            global_step=s, walltime=_wt(s)))
    add(
        "histogram_raw",
        "add_histogram_raw: its docstring example (right edges limits[1:] of np.histogram), "
        "PyTorch's test_pytorch_histogram_raw calls (no step, clock wall time, a tag repeated "
        "at step 0, torch.histc counts), numpy and torch arrays over three steps.",
        [sw()] + raw_calls + [close()],
    )

    # -- add_audio -------------------------------------------------------------------------
    def audio(tag, clip, step=0, **kwargs):
        return call("add_audio", tag, clip, step, walltime=_wt(step), **kwargs)

    t8k = np.arange(4000) / 8000.0
    add(
        "audio",
        "add_audio: PyTorch's test clip (two seconds of silence at the default 44100 Hz), its "
        "summary test clip arange(42) (loud: clipped, with a warning), a 440 Hz tone at "
        "8000 Hz over three steps (float32), float64 noise at 16000 Hz, a torch tensor at "
        "22050 Hz, a (L, 1) column at 48000 Hz and a fractional rate (11025.5: the WAV header "
        "rounds it, Summary.Audio keeps it).",
        [
            sw(),
            audio("myAudio", np.zeros(44100 * 2)),
            audio("dummy", np.arange(42, dtype=float), sample_rate=44100,
                  warns="out of range"),
        ]
        + [audio("tone", (np.sin(2 * np.pi * 440 * t8k) * (0.3 + 0.3 * s)).astype(np.float32),
                 s, sample_rate=8000) for s in range(3)]
        + [
            audio("noise_f64", rng.uniform(-1, 1, 8000), sample_rate=16000),
            audio("torch", torch.rand(2205, generator=gen) * 2 - 1, sample_rate=22050),
            audio("column", rng.uniform(-0.5, 0.5, (4800, 1)).astype(np.float32),
                  sample_rate=48000),
            audio("fractional_rate", rng.uniform(-1, 1, 1000).astype(np.float32),
                  sample_rate=11025.5),
            close(),
        ],
    )

    # -- add_pr_curve ----------------------------------------------------------------------
    def pr(tag, labels, predictions, step=0, **kwargs):
        return call("add_pr_curve", tag, labels, predictions, step, walltime=_wt(step), **kwargs)

    prs = [
        # test_writer and the docstring example
        pr("xoxo", rng.randint(2, size=100), rng.rand(100)),
        pr("pr_curve", rng.randint(2, size=100), rng.rand(100)),
        # the spec's worked example (torch-writer-reference.md 7)
        pr("small/5", np.array([1, 0, 1, 1]), np.array([0.9, 0.2, 0.6, 0.4]),
           num_thresholds=5),
        pr("small/2", np.array([True, False, True]), np.array([0.0, 0.5, 1.0]),
           num_thresholds=2),
        pr("weights/array", rng.randint(2, size=60), rng.rand(60), num_thresholds=10,
           weights=rng.choice([0.25, 0.5, 1.0, 2.0], 60)),
        pr("weights/scalar", rng.randint(2, size=60), rng.rand(60), num_thresholds=10,
           weights=2.0),
        pr("capped/200", rng.randint(2, size=80), rng.rand(80), num_thresholds=200),
        pr("edges/0_and_1", np.array([0, 1, 1, 0, 1]), np.array([0.0, 1.0, 1.0, 0.0, 0.5]),
           num_thresholds=11),
    ]
    prs += [pr("torch/float32", torch.randint(0, 2, (200,), generator=gen),
               (torch.rand(200, generator=gen) + 0.1 * s).clamp(0, 1), s) for s in range(3)]
    add(
        "pr_curves",
        "add_pr_curve: PyTorch's test call and docstring example (np.random labels and "
        "predictions, 127 thresholds), the worked example with 5 thresholds, 2 thresholds "
        "with bool labels, per-element and scalar weights, num_thresholds=200 (capped to 127), "
        "predictions of exactly 0 and 1, float32 torch tensors over three steps.",
        [sw()] + prs + [close()],
    )
    add(
        "pr_curve_raw",
        "add_pr_curve_raw: PyTorch's test call (5-column rows with the default "
        "num_thresholds=127: tinytb warns that TensorBoard places thresholds by the rows' "
        "width), the same with num_thresholds=5, torch and numpy rows.",
        [
            sw(),
            call("add_pr_curve_raw", "prcurve with raw data", *PR_RAW_ROWS, 0,
                 walltime=_wt(0), warns="num_thresholds"),
            call("add_pr_curve_raw", "raw/5", *PR_RAW_ROWS, 1, num_thresholds=5,
                 walltime=_wt(1)),
            call("add_pr_curve_raw", "raw/arrays", *[torch.tensor(r, dtype=torch.float64)
                                                     for r in PR_RAW_ROWS[:4]],
                 *[np.array(r, dtype=np.float32) for r in PR_RAW_ROWS[4:]], 2,
                 num_thresholds=5, walltime=_wt(2)),
            close(),
        ],
    )

    # -- add_mesh --------------------------------------------------------------------------
    v, c, f = _tetrahedron()
    cube = np.array([[[x, y, z] for x in (0, 1) for y in (0, 1) for z in (0, 1)]], float)
    points = rng.normal(size=(2, 50, 3))
    add(
        "mesh",
        "add_mesh: PyTorch's tetrahedron with colors and faces (numpy, its test; torch "
        "float/int tensors, its docstring; no step and no wall time), vertices only with a "
        "config_dict over two steps, a batch of two point clouds with colors, vertices and "
        "faces without colors.",
        [
            sw(),
            call("add_mesh", "my_mesh", vertices=v, colors=c, faces=f),
            call("add_mesh", "docstring_mesh",
                 vertices=torch.as_tensor(v[0], dtype=torch.float).unsqueeze(0),
                 colors=torch.as_tensor(c[0], dtype=torch.int).unsqueeze(0),
                 faces=torch.as_tensor(f[0], dtype=torch.int).unsqueeze(0),
                 global_step=0, walltime=_wt(0)),
            call("add_mesh", "points", vertices=cube, config_dict=MESH_CONFIG,
                 global_step=1, walltime=_wt(1)),
            call("add_mesh", "points", vertices=cube * 2, config_dict=MESH_CONFIG,
                 global_step=2, walltime=_wt(2)),
            call("add_mesh", "clouds", vertices=points,
                 colors=rng.randint(0, 256, (2, 50, 3)).astype(np.uint8),
                 global_step=0, walltime=_wt(0)),
            call("add_mesh", "faces_only", torch.tensor(v, dtype=torch.float64),
                 faces=torch.tensor(f), global_step=3, walltime=_wt(3)),
            close(),
        ],
    )

    # -- add_hparams -----------------------------------------------------------------------
    def hp(run_name, hparam_dict, metric_dict, **kwargs):
        return call("add_hparams", hparam_dict, metric_dict, run_name=run_name, **kwargs)

    accuracy, loss = HPARAM_METRICS
    many = {"k%02d" % i: (i * 0.5 if i % 3 else "v%d" % i) for i in range(10)}
    hparam_calls = [
        # test_writer
        hp("test_writer", {"lr": 0.1, "bsize": 1}, {accuracy: 10, loss: 10}),
    ]
    # the add_hparams docstring example (run_name given: PyTorch's default is time.time())
    hparam_calls += [hp("docstring_%d" % i, {"lr": 0.1 * i, "bsize": i},
                        {accuracy: 10 * i, loss: 10 * i}) for i in range(3)]
    hparam_calls += [
        hp("types", {"opt": "adam", "layers": 3, "dropout": 0.25, "name": "ünï cödé",
                     "tensor_lr": torch.tensor([0.001]), "skipped": None},
           {accuracy: torch.tensor(0.75), loss: np.float64(0.125)}, global_step=7),
        hp("bools", {"use_bn": True, "shuffle": False, "lr": 0.01}, {accuracy: 0.5, loss: 0.5},
           global_step=2, divergence="hparams_bool"),
        hp("domains", {"lr": 0.01, "opt": "sgd", "use_bn": True},
           {accuracy: 0.5, loss: 1.5},
           hparam_domain_discrete={"lr": [0.1, 0.01], "opt": ["adam", "sgd"],
                                   "use_bn": [True, False]},
           global_step=3, divergence="hparams_bool"),
        hp("many", many, {accuracy: 0.25, loss: -1.0}),
        hp("numpy_int", {"bsize": np.int64(32), "lr": np.float64(0.5)},
           {accuracy: 2.0, loss: 2.0},
           torch=(({"bsize": 32, "lr": np.float64(0.5)}, {accuracy: 2.0, loss: 2.0}),
                  {"run_name": "numpy_int"}),
           divergence="extra_inputs"),
        hp("empty", {}, {accuracy: 1.0, loss: 0.0}, global_step=1),
    ]
    add(
        "hparams",
        "add_hparams: PyTorch's test call and docstring example (numbers, metrics "
        "hparam/accuracy and hparam/loss), strings, ints, a 1-element tensor, a None value "
        "(left out), tensor and numpy metric values, global_step; booleans (tinytb writes "
        "bool_value/DATA_TYPE_BOOL, PyTorch 1.0/FLOAT64), discrete domains, ten hparams "
        "(session_start_info's map order), a numpy int (tinytb only), no hparams. Each call "
        "writes the sub-run <case>/<run_name>; every session reports both metrics (the "
        "dashboard takes its metric columns from one session's experiment).",
        [sw()] + hparam_calls + [close()],
    )


def same_run_cases():
    """tinytb's same-run hparams mode (``add_hparams(..., run_name=".")``), which PyTorch has
    no counterpart of: the session is the writer's own run, so the scalars already logged
    there are its metrics.  Written by the target alone into a logdir of its own (not part of
    the lock-step table): 'declared' names its metrics with value None (declare only),
    'valued' gives values, logged at global_step 3 after steps 0-2."""
    _import_libs()
    accuracy, loss = HPARAM_METRICS

    def curves(scale):
        return [call("add_scalar", tag, scale * (s + 1) * k, s, walltime=_wt(s))
                for s in range(3) for tag, k in ((accuracy, 0.25), (loss, -0.5))]

    return [
        Case("declared", "metrics declared (None): the run's own curves", [
            [sw()] + curves(1.0)
            + [call("add_hparams", {"lr": 0.1, "opt": "adam", "use_bn": True},
                    {accuracy: None, loss: None}, run_name="."), close()]]),
        Case("valued", "metric values given at global_step 3, after the run's curves", [
            [sw()] + curves(2.0)
            + [call("add_hparams", {"lr": 0.2, "opt": "sgd", "use_bn": False},
                    {accuracy: 0.875, loss: 0.0625}, run_name=".", global_step=3), close()]]),
    ]


# ---------------------------------------------------------------------------
# Executor


@dataclass
class SlotResult:
    """What writing the case table into one slot produced."""

    name: str
    root: str
    module_name: str
    window: tuple = (0.0, 0.0)  # (start, end) of the writing, for "now" wall times
    errors: dict = field(default_factory=dict)  # case name -> traceback text
    warnings: dict = field(default_factory=dict)  # (case, call index) -> [(category, message)]


def _sleep_to_next_second():
    now = time.time()
    time.sleep(math.floor(now) + 1.0 - now + 0.01)


def write_cases(cases, slots):
    """Write every case into every slot, calls in lock step.

    ``slots`` maps a slot name to ``(module, root)``; the module provides
    ``SummaryWriter`` and ``FileWriter``.  A module from ``torch.`` gets the
    inputs PyTorch accepts (``Call.torch``).  Returns ``{name: SlotResult}``.
    A call that raises is recorded (the case then fails in the checks), and the
    rest of that case is skipped for that slot.
    """
    results = {name: SlotResult(name, root, module.__name__) for name, (module, root) in slots.items()}
    writers = {(name, case.name): None for name in slots for case in cases}
    start = time.time()
    n_phases = max(len(case.phases) for case in cases)
    for p in range(n_phases):
        if p:
            _sleep_to_next_second()
        for case in cases:
            if p >= len(case.phases):
                continue
            base = sum(len(ph) for ph in case.phases[:p])
            for i, c in enumerate(case.phases[p]):
                for name, (module, root) in slots.items():
                    result = results[name]
                    if case.name in result.errors:
                        continue
                    key = (name, case.name)
                    try:
                        with warnings.catch_warnings(record=True) as caught:
                            warnings.simplefilter("always")
                            writers[key] = _apply(module, root, case, c, writers[key], name)
                        own = [
                            (w.category.__name__, str(w.message))
                            for w in caught
                            if not issubclass(w.category, (DeprecationWarning, PendingDeprecationWarning))
                        ]
                        if own:
                            result.warnings[(case.name, base + i)] = own
                    except Exception:
                        result.errors[case.name] = "call #%d %s%r raised:\n%s" % (
                            base + i, c.method, _short(c.reference()[0]), traceback.format_exc())
    # Close anything a failed case left open.
    for key, writer in writers.items():
        if writer is not None:
            try:
                writer.close()
            except Exception:
                results[key[0]].errors.setdefault(key[1], "close() raised:\n" + traceback.format_exc())
    end = time.time()
    for result in results.values():
        result.window = (start - 1.0, end + 1.0)
    return results


def _short(args, limit=300):
    text = repr(args)
    return text if len(text) <= limit else text[:limit] + "..."


def _apply(module, root, case, c, writer, slot):
    if c.method in (OPEN_SUMMARY_WRITER, OPEN_FILE_WRITER):
        log_dir = os.path.join(root, case.name, c.run) if c.run else os.path.join(root, case.name)
        cls = getattr(module, c.method)
        return cls(log_dir, **copy.deepcopy(c.kwargs))
    if c.method == CLOSE:
        writer.close()
        return writer
    args, kwargs = c.for_slot("torch" if module.__name__.startswith("torch.") else slot, owner=slot)
    getattr(writer, c.method)(*args, **kwargs)
    return writer


# ---------------------------------------------------------------------------
# The expected reader view


@dataclass
class Point:
    """One value a reader should show.

    ``plugin`` is "scalars", "text", "tensor", "custom_scalars", "images" (an
    ImageModel: images, figures and videos), or "START" (a SessionLog.START at
    ``step``: no value, acts on the Python loader only).
    ``wall_time`` None means "now" (inside the writing window).  ``double``
    marks a DT_DOUBLE scalar (rustboard drops it).
    """

    run: str
    plugin: str
    tag: str
    step: int
    wall_time: Optional[float]
    value: Any
    double: bool = False


@dataclass
class FigureModel:
    """What the model knows of a matplotlib figure argument (``count`` figures in a list)."""

    width: int
    height: int
    count: Optional[int] = None  # None: one figure, not a list


@dataclass
class ImageModel:
    """What a reader should show for one image or video: the ``Summary.Image`` header
    (``width``, ``height``, ``colorspace``) and what the blob decodes to (Pillow's
    ``format``, ``size`` = (width, height), ``mode`` (PNG only), ``frames``)."""

    width: int
    height: int
    colorspace: int
    format: str  # "PNG" or "GIF"
    size: tuple
    mode: Optional[str] = None
    frames: int = 1

    @property
    def video(self):
        return self.format == "GIF"


_MODES = {2: "LA", 3: "RGB", 4: "RGBA"}


def _shape(value):
    return tuple(value.shape) if hasattr(value, "shape") else np.shape(value)


def _grid(n, h, w, ncols=8):
    """make_grid's (height, width) for n images of h x w."""
    ncols = min(n, ncols)
    return h * -(-n // ncols), w * ncols


def image_model(method, bound):
    """The ImageModel of one image call, from the input's shape and the arguments alone."""
    if method == "add_video":
        n, t, c, h, w = _shape(bound["vid_tensor"])
        padded = n if n & (n - 1) == 0 else 2 ** n.bit_length()
        rows = 2 ** ((n.bit_length() - 1) // 2)
        cols = padded // rows
        return ImageModel(cols * w, rows * h, c, "GIF", (cols * w, rows * h), None, t)
    if method == "add_figure":
        fig = bound["figure"]
        h, w = (fig.height, fig.width) if fig.count is None else _grid(fig.count, fig.height,
                                                                       fig.width)
        return ImageModel(w, h, 3, "PNG", (w, h), "RGB")
    default = "NCHW" if method == "add_images" else "CHW"
    fmt = bound.get("dataformats", default).upper()
    sizes = dict(zip(fmt, _shape(bound["img_tensor"])))
    c = 3 if sizes.get("C", 1) == 1 else sizes["C"]
    if "N" in fmt:
        h, w = _grid(sizes["N"], sizes["H"], sizes["W"])
    else:
        h, w = sizes["H"], sizes["W"]
    rescale = bound.get("rescale", 1)
    size = (int(w * rescale), int(h * rescale))
    return ImageModel(w, h, c, "PNG", size, _MODES[c])


def _drawn_labels(labels, box_tensor):
    """The labels PyTorch's add_image_with_boxes draws (a str is one label; a count that
    differs from the number of boxes drops them all), or None."""
    if labels is None:
        return None
    if isinstance(labels, str):
        labels = [labels]
    if len(labels) != _shape(box_tensor)[0] or not any(labels):
        return None
    return list(labels)


def f32(x):
    """x rounded to float32 the way protobuf stores a float field (overflow -> inf)."""
    x = float(x)
    try:
        return struct.unpack("<f", struct.pack("<f", x))[0]
    except OverflowError:
        return math.copysign(math.inf, x)


def _number(x):
    """The Python number PyTorch's make_np(x) ends up with (scalar_value)."""
    if isinstance(x, torch.Tensor):
        if x.dtype == torch.bfloat16:  # _prepare_pytorch: bfloat16 goes through float16
            x = x.to(torch.float16)
        return float(x.detach().numpy().reshape(()).item()) if x.dtype.is_floating_point else x.item()
    if isinstance(x, (np.ndarray, np.generic)):
        return x.reshape(()).item() if isinstance(x, np.ndarray) else x
    return x


def _expected_array(value):
    """A numpy array of what a reader should decode (bfloat16 as float32)."""
    if isinstance(value, torch.Tensor):
        if value.dtype == torch.bfloat16:
            return value.float().numpy()
        if value.dtype == torch.complex32:
            return value.to(torch.complex64).numpy()
        return value.numpy()
    return np.asarray(value)


def expected_layout(layout):
    """A layout_pb2.Layout built from PyTorch's dict form, independently of both writers."""
    from tensorboard.plugins.custom_scalar import layout_pb2

    categories = []
    for category_title, charts in layout.items():
        chart_protos = []
        for title, (kind, tags) in charts.items():
            if kind == "Margin":
                content = layout_pb2.MarginChartContent(
                    series=[layout_pb2.MarginChartContent.Series(value=tags[0], lower=tags[1], upper=tags[2])]
                )
                chart_protos.append(layout_pb2.Chart(title=title, margin=content))
            else:
                content = layout_pb2.MultilineChartContent(tag=tags)
                chart_protos.append(layout_pb2.Chart(title=title, multiline=content))
        categories.append(layout_pb2.Category(title=category_title, chart=chart_protos))
    return layout_pb2.Layout(category=categories)


def _run_path(case, run):
    return "/".join(p for p in (case.name, run) if p)


def model_points(case):
    """The points of ``case`` in the order a reader meets them."""
    _import_libs()
    points = []
    run = None
    for c in case.calls():
        args, kwargs = c.reference()
        if c.method in (OPEN_SUMMARY_WRITER, OPEN_FILE_WRITER):
            run = _run_path(case, c.run)
            if c.kwargs.get("purge_step") is not None:
                points.append(Point(run, "START", "", c.kwargs["purge_step"], None, None))
            continue
        if c.method == CLOSE:
            continue
        bound = _bind(c.method, args, kwargs)
        step = bound.get("global_step", bound.get("step"))
        if step is None and c.method == "add_event":
            step = args[0].step  # FileWriter.add_event keeps the Event's own step
        step = 0 if step is None else int(step)
        wall = bound.get("walltime")
        if c.method == "add_scalar":
            v = _number(bound["scalar_value"])
            double = bool(bound.get("new_style") and bound.get("double_precision"))
            points.append(Point(run, "scalars", bound["tag"], step, wall,
                                float(v) if double else f32(v), double))
        elif c.method == "add_scalars":
            for key, v in bound["tag_scalar_dict"].items():
                sub = run + "/" + bound["main_tag"].replace("/", "_") + "_" + key
                points.append(Point(sub, "scalars", bound["main_tag"], step, wall, f32(_number(v))))
        elif c.method == "add_text":
            points.append(Point(run, "text", bound["tag"] + "/text_summary", step, wall,
                                bound["text_string"]))
        elif c.method == "add_tensor":
            points.append(Point(run, "tensor", bound["tag"], step, wall, _expected_array(bound["tensor"])))
        elif c.method == "add_custom_scalars":
            points.append(Point(run, "custom_scalars", "custom_scalars__config__", 0, None,
                                expected_layout(bound["layout"])))
        elif c.method == "add_custom_scalars_multilinechart":
            layout = {bound.get("category", "default"): {
                bound.get("title", "untitled"): ["Multiline", bound["tags"]]}}
            points.append(Point(run, "custom_scalars", "custom_scalars__config__", 0, None,
                                expected_layout(layout)))
        elif c.method == "add_custom_scalars_marginchart":
            layout = {bound.get("category", "default"): {
                bound.get("title", "untitled"): ["Margin", bound["tags"]]}}
            points.append(Point(run, "custom_scalars", "custom_scalars__config__", 0, None,
                                expected_layout(layout)))
        elif c.method in _IMAGE_METHODS:
            points.append(Point(run, "images", bound["tag"], step, wall,
                                image_model(c.method, bound)))
        elif c.method == "add_histogram":
            points.append(Point(run, "histograms", bound["tag"], step, wall, reference_histogram(
                bound["values"], bound.get("bins", "tensorflow"), bound.get("max_bins"))))
        elif c.method == "add_histogram_raw":
            points.append(Point(run, "histograms", bound["tag"], step, wall,
                                _raw_histogram(bound)))
        elif c.method == "add_audio":
            points.append(Point(run, "audio", bound["tag"], step, wall, reference_audio(
                bound["snd_tensor"], bound.get("sample_rate", 44100))))
        elif c.method == "add_pr_curve":
            points.append(Point(run, "pr_curves", bound["tag"], step, wall, reference_pr_curve(
                bound["labels"], bound["predictions"], bound.get("num_thresholds", 127),
                bound.get("weights"))))
        elif c.method == "add_pr_curve_raw":
            rows = [_float64(bound[k]) for k in _SIGNATURES["add_pr_curve_raw"][1:7]]
            points.append(Point(run, "pr_curves", bound["tag"], step, wall, PrCurveModel(
                np.stack(rows).astype(np.float32), min(bound.get("num_thresholds", 127), 127))))
        elif c.method == "add_mesh":
            points += [Point(run, "mesh", tag, step, wall, model)
                       for tag, model in reference_mesh(bound)]
        elif c.method == "add_hparams":
            sub = hparams_run(run, bound)
            points += [Point(sub, "hparams", m.tag, step, None, m)
                       for m in reference_hparams(bound)]
            points += [Point(sub, "scalars", k, step, None, f32(_number(v)))
                       for k, v in bound["metric_dict"].items() if v is not None]
        elif c.method in ("add_event", "add_summary"):
            event_or_summary = args[0]  # the protobuf object (reference form)
            summary = event_or_summary if c.method == "add_summary" else (
                event_or_summary.summary if event_or_summary.HasField("summary") else None)
            if summary is None:
                continue
            for v in summary.value:
                if v.HasField("simple_value"):
                    points.append(Point(run, "scalars", v.tag, step, wall, f32(v.simple_value)))
                else:  # pragma: no cover - the table has none
                    raise NotImplementedError("model for raw %s" % v)
        else:  # pragma: no cover
            raise NotImplementedError("no model for %s" % c.method)
    return points


# ---------------------------------------------------------------------------
# The expected reader view of histograms, audio, PR curves, meshes and hparams, computed
# from the inputs with numpy (and TensorBoard's own message classes for hparams), never
# with either writer.


def _float64(values):
    """A flat float64 numpy array of ``values`` (torch bfloat16 read exactly)."""
    if isinstance(values, torch.Tensor):
        values = values.detach()
        if values.dtype in (torch.bfloat16, torch.float16):
            values = values.float()
        values = values.numpy()
    return np.asarray(values, dtype=np.float64).reshape(-1)


def default_bins():
    """PyTorch's 'tensorflow' edges: a running product (torch-writer-reference.md 6.1)."""
    v, pos, neg = 1e-12, [], []
    while v < 1e20:
        pos.append(v)
        neg.append(-v)
        v *= 1.1
    return neg[::-1] + [0.0] + pos


@dataclass
class HistogramModel:
    """A ``HistogramProto``: ``limits[k]`` is the right edge of bucket k."""

    min: float
    max: float
    num: float
    sum: float
    sum_squares: float
    limits: list
    counts: list

    def python_buckets(self):
        """The Python loader's (left, right, count) float32 triples (data_compat.py
        _migrate_histogram_value: empty outer buckets dropped, outer edges min and max)."""
        nz = [i for i, c in enumerate(self.counts) if c > 0]
        if not nz:
            return np.zeros((0, 3), np.float32)
        start, end = nz[0], nz[-1]
        inner = list(self.limits[start:end])
        return np.array([[self.min] + inner, inner + [self.max], self.counts[start:end + 1]],
                        dtype=np.float32).transpose()

    def rust_buckets(self):
        """Rustboard's (left, right, count) float64 triples: every bucket kept, left edges
        [min] + limits[:-1], right edges limits[:-1] + [max]."""
        inner = list(self.limits[:-1])
        return np.array([[self.min] + inner, inner + [self.max], self.counts],
                        dtype=np.float64).transpose()


def reference_histogram(values, bins="tensorflow", max_bins=None):
    """PyTorch's make_histogram (torch-writer-reference.md 6.2) on numpy's np.histogram, with
    correctly rounded sums (math.fsum, what tinytb writes; see histogram_sums)."""
    a = _float64(values)
    counts, limits = np.histogram(a, bins=default_bins() if bins == "tensorflow" else bins)
    if max_bins is not None and len(counts) > max_bins:
        sub = len(counts) // max_bins
        rem = len(counts) % sub  # sic (PyTorch)
        if rem:
            counts = np.pad(counts, (0, sub - rem))
        counts = counts.reshape(-1, sub).sum(axis=-1)
        limits = np.concatenate([limits[:-1:sub], limits[-1:]])
    nz = np.nonzero(counts)[0]
    start, end = int(nz[0]), int(nz[-1]) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    return HistogramModel(float(a.min()), float(a.max()), float(a.size), math.fsum(a),
                          math.fsum(a * a), [float(x) for x in limits[start:end + 1]],
                          [float(c) for c in counts])


def _raw_histogram(bound):
    return HistogramModel(*(float(_number(bound[k])) for k in (
        "min", "max", "num", "sum", "sum_squares")),
        [float(x) for x in _float64(bound["bucket_limits"])],
        [float(x) for x in _float64(bound["bucket_counts"])])


@dataclass
class AudioModel:
    """``Summary.Audio`` (``sample_rate`` float32) and its WAV: 16-bit mono ``samples`` at the
    header rate ``wav_rate`` (the wave module rounds the rate)."""

    sample_rate: float
    wav_rate: int
    samples: Any

    @property
    def frames(self):
        return len(self.samples)


def reference_audio(tensor, sample_rate=44100):
    """PyTorch's formula: squeeze, clip to [-1, 1] when louder, ``x * 32767`` in the input's
    float type, truncated toward zero."""
    a = tensor.detach().numpy() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)
    a = a.squeeze()
    if np.abs(a).max() > 1:
        a = np.clip(a, -1, 1)
    product = a * (np.float32(32767) if a.dtype == np.float32 else 32767.0)
    return AudioModel(f32(sample_rate), int(round(sample_rate)),
                      np.trunc(product).astype(np.int16))


@dataclass
class PrCurveModel:
    """The (6, T) float32 tensor (tp, fp, tn, fn, precision, recall) and the plugin data's
    ``num_thresholds``."""

    data: Any
    num_thresholds: int


def reference_pr_curve(labels, predictions, num_thresholds=127, weights=None):
    """Column i counts the predictions p with i <= floor(p * (T - 1)) <= T - 1 (computed in
    the predictions' float type); TensorBoard's pr_curve summary definition, written as sums
    rather than reversed cumulative histograms."""
    t = min(int(num_thresholds), 127)
    p = predictions.numpy() if isinstance(predictions, torch.Tensor) else np.asarray(predictions)
    lab = (labels.numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels))
    lab = lab.astype(np.float64).reshape(-1)
    k = np.floor(p * (t - 1)).reshape(-1)
    w = np.broadcast_to(np.asarray(1.0 if weights is None else weights, np.float64), lab.shape)
    ok = (k >= 0) & (k <= t - 1)
    tp = np.array([np.sum((w * lab)[ok & (k >= i)]) for i in range(t)])
    fp = np.array([np.sum((w * (1 - lab))[ok & (k >= i)]) for i in range(t)])
    tn, fn = fp[0] - fp, tp[0] - tp
    precision = tp / np.maximum(1e-7, tp + fp)
    recall = tp / np.maximum(1e-7, tp + fn)
    return PrCurveModel(np.stack([tp, fp, tn, fn, precision, recall]).astype(np.float32), t)


_MESH_PARTS = (("vertices", 1, "VERTEX"), ("faces", 2, "FACE"), ("colors", 3, "COLOR"))


@dataclass
class MeshModel:
    """One tensor of a mesh summary: ``data`` (float32, (B, N, 3)) and its MeshPluginData."""

    name: str
    content_type: int  # 1 VERTEX, 2 FACE, 3 COLOR
    json_config: str
    components: int
    data: Any

    @property
    def shape(self):
        return list(self.data.shape)

    def plugin_data(self):
        from tensorboard.plugins.mesh import plugin_data_pb2

        return plugin_data_pb2.MeshPluginData(
            name=self.name, content_type=self.content_type, json_config=self.json_config,
            shape=self.shape, components=self.components)


def reference_mesh(bound):
    """[(tag, MeshModel)] in the order PyTorch writes them (vertices, faces, colors)."""
    import json

    config = bound.get("config_dict")
    json_config = "{}" if config is None else json.dumps(config, sort_keys=True)
    parts = [(suffix, ct, bound[name]) for name, ct, suffix in _MESH_PARTS
             if bound.get(name) is not None]
    components = 0
    for _, ct, _ in parts:
        components |= 1 << ct
    return [("%s_%s" % (bound["tag"], suffix),
             MeshModel(bound["tag"], ct, json_config, components,
                       _float64(value).astype(np.float32).reshape(_shape(value))))
            for suffix, ct, value in parts]


HPARAMS_TAGS = ("_hparams_/experiment", "_hparams_/session_start_info",
                "_hparams_/session_end_info")


def _hparam(value):
    """An hparam value as the model keeps it: bool, float or str."""
    if isinstance(value, (bool, str)):
        return value
    if isinstance(value, torch.Tensor):
        return float(value.detach().reshape(-1)[0].item())
    return float(value)


@dataclass
class HparamsModel:
    """One of the three hparams summaries of a session (``tag``), from the call's dicts:
    ``hparams`` [(name, value)] in hparam_dict order (None left out), ``domains`` {name:
    [values]}, ``metrics`` [tag]."""

    tag: str
    hparams: list
    domains: dict
    metrics: list

    @property
    def bools(self):
        return {k for k, v in self.hparams if isinstance(v, bool)}

    def content(self, bools=True):
        """The ``HParamsPluginData`` a reader should find.  ``bools=False``: as PyTorch writes
        booleans (number_value 1.0/0.0, DATA_TYPE_FLOAT64)."""
        from google.protobuf import struct_pb2
        from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

        def value(v):
            if isinstance(v, str):
                return struct_pb2.Value(string_value=v)
            if isinstance(v, bool) and bools:
                return struct_pb2.Value(bool_value=v)
            return struct_pb2.Value(number_value=float(v))

        def kind(v):
            if isinstance(v, str):
                return api_pb2.DATA_TYPE_STRING
            return api_pb2.DATA_TYPE_BOOL if isinstance(v, bool) and bools else \
                api_pb2.DATA_TYPE_FLOAT64

        data = plugin_data_pb2.HParamsPluginData(version=0)
        if self.tag == HPARAMS_TAGS[0]:
            data.experiment.SetInParent()
            for k, v in self.hparams:
                info = api_pb2.HParamInfo(name=k, type=kind(v))
                if k in self.domains:
                    info.domain_discrete.values.extend(value(d) for d in self.domains[k])
                data.experiment.hparam_infos.append(info)
            data.experiment.metric_infos.extend(
                api_pb2.MetricInfo(name=api_pb2.MetricName(tag=t)) for t in self.metrics)
        elif self.tag == HPARAMS_TAGS[1]:
            data.session_start_info.SetInParent()
            for k, v in self.hparams:
                data.session_start_info.hparams[k].CopyFrom(value(v))
        else:
            data.session_end_info.status = api_pb2.STATUS_SUCCESS
        return data


def reference_hparams(bound):
    """The three HparamsModel of an add_hparams call."""
    hparams = [(k, _hparam(v)) for k, v in bound["hparam_dict"].items() if v is not None]
    domains = {k: [_hparam(d) for d in ds]
               for k, ds in (bound.get("hparam_domain_discrete") or {}).items()}
    metrics = list(bound["metric_dict"])
    return [HparamsModel(tag, hparams, domains, metrics) for tag in HPARAMS_TAGS]


def hparams_run(run, bound):
    """The run an add_hparams call writes its session into (run_name '.': tinytb's same-run
    mode, the writer's own run)."""
    if os.path.normpath(bound["run_name"]) == os.curdir:
        return run
    return run + "/" + bound["run_name"]


_SIGNATURES = {
    "add_scalar": ("tag", "scalar_value", "global_step", "walltime", "new_style", "double_precision"),
    "add_scalars": ("main_tag", "tag_scalar_dict", "global_step", "walltime"),
    "add_text": ("tag", "text_string", "global_step", "walltime"),
    "add_tensor": ("tag", "tensor", "global_step", "walltime"),
    "add_custom_scalars": ("layout",),
    "add_custom_scalars_multilinechart": ("tags", "category", "title"),
    "add_custom_scalars_marginchart": ("tags", "category", "title"),
    "add_event": ("event", "step", "walltime"),
    "add_summary": ("summary", "global_step", "walltime"),
    "add_image": ("tag", "img_tensor", "global_step", "walltime", "dataformats"),
    "add_images": ("tag", "img_tensor", "global_step", "walltime", "dataformats"),
    "add_image_with_boxes": ("tag", "img_tensor", "box_tensor", "global_step", "walltime",
                             "rescale", "dataformats", "labels"),
    "add_figure": ("tag", "figure", "global_step", "close", "walltime"),
    "add_video": ("tag", "vid_tensor", "global_step", "fps", "walltime"),
    "add_histogram": ("tag", "values", "global_step", "bins", "walltime", "max_bins"),
    "add_histogram_raw": ("tag", "min", "max", "num", "sum", "sum_squares", "bucket_limits",
                          "bucket_counts", "global_step", "walltime"),
    "add_audio": ("tag", "snd_tensor", "global_step", "sample_rate", "walltime"),
    "add_pr_curve": ("tag", "labels", "predictions", "global_step", "num_thresholds", "weights",
                     "walltime"),
    "add_pr_curve_raw": ("tag", "true_positive_counts", "false_positive_counts",
                         "true_negative_counts", "false_negative_counts", "precision", "recall",
                         "global_step", "num_thresholds", "weights", "walltime"),
    "add_mesh": ("tag", "vertices", "colors", "faces", "config_dict", "global_step", "walltime"),
    "add_hparams": ("hparam_dict", "metric_dict", "hparam_domain_discrete", "run_name",
                    "global_step"),
}
_IMAGE_METHODS = ("add_image", "add_images", "add_image_with_boxes", "add_figure", "add_video")


def bind(call_):
    """The reference arguments of an image call by name."""
    return _bind(call_.method, *call_.reference())


@dataclass
class MediaExpectation:
    """What parity needs beyond PyTorch's record for one image or video (see media.py).

    ``model``: the ImageModel.  ``glyphs``: the label text boxes PyTorch draws, in pixels
    of the un-rescaled image ((x0, y0, x1, y1), ends exclusive), where tinytb's glyphs may
    differ.  Video: ``tensor`` (the reference input) and ``fps``."""

    model: ImageModel
    glyphs: list = field(default_factory=list)
    tensor: Any = None
    fps: float = 4


def media_expectations(cases):
    """{(run, tag, step): MediaExpectation} for every image call of ``cases``."""
    from . import media

    out = {}
    for case in cases:
        run = None
        for c in case.calls():
            if c.method in (OPEN_SUMMARY_WRITER, OPEN_FILE_WRITER):
                run = _run_path(case, c.run)
            if c.method not in _IMAGE_METHODS:
                continue
            bound = bind(c)
            step = int(bound.get("global_step") or 0)
            exp = MediaExpectation(image_model(c.method, bound))
            if c.method == "add_video":
                exp.tensor, exp.fps = bound["vid_tensor"], bound.get("fps", 4)
            if c.method == "add_image_with_boxes":
                labels = _drawn_labels(bound.get("labels"), bound["box_tensor"])
                if labels:
                    exp.glyphs = media.label_text_boxes(_float_boxes(bound["box_tensor"]), labels)
            out[(run, bound["tag"], step)] = exp
    return out


def summary_expectations(cases):
    """{(run, tag, step): model} of the add_histogram and add_hparams calls of ``cases``: what
    the histogram_sums, hparams_bool and hparams_map_order divergences need from the call
    (a HistogramModel, an HparamsModel)."""
    out = {}
    for case in cases:
        run = None
        for c in case.calls():
            if c.method in (OPEN_SUMMARY_WRITER, OPEN_FILE_WRITER):
                run = _run_path(case, c.run)
            if c.method not in ("add_histogram", "add_hparams"):
                continue
            bound = bind(c)
            step = int(bound.get("global_step") or 0)
            if c.method == "add_histogram":
                key = (run, bound["tag"], step)
                assert key not in out, key
                out[key] = reference_histogram(bound["values"], bound.get("bins", "tensorflow"),
                                               bound.get("max_bins"))
            else:
                for model in reference_hparams(bound):
                    key = (hparams_run(run, bound), model.tag, step)
                    assert key not in out, key
                    out[key] = model
    return out


def _float_boxes(box_tensor):
    if hasattr(box_tensor, "detach"):
        box_tensor = box_tensor.detach().numpy()
    return [[float(v) for v in row] for row in np.asarray(box_tensor).reshape(-1, 4)]


def pytorch_writes(point):
    """Whether PyTorch's writer (without moviepy) shows ``point`` at all: its add_video
    writes a value-less Summary.Value that no reader shows."""
    return not (point.plugin == "images" and point.value.video)


def _bind(method, args, kwargs):
    names = _SIGNATURES[method]
    bound = dict(zip(names, args))
    bound.update(kwargs)
    return bound


def run_dirs(case):
    """Every run directory (relative to the slot root) the case writes event files into."""
    runs = []
    for c in case.calls():
        if c.method in (OPEN_SUMMARY_WRITER, OPEN_FILE_WRITER):
            r = _run_path(case, c.run)
            if r not in runs:
                runs.append(r)
    for p in model_points(case):
        if p.run not in runs:
            runs.append(p.run)
    return runs
