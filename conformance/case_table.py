"""The case table: every conformance case, as writer calls with fixed arguments and wall times.

``build_cases()`` returns the lock-step table (``CASE_NAMES`` order), written into both slots
by ``case_language.write_cases``; ``same_run_cases()`` is tinytb's same-run hparams mode,
written by the target alone.  The calls are written in the case language
(case_language.py); what a reader should show for them is computed independently of both
writers by expected_view.py.  conformance/README.md (*Cases*) describes each case.
"""

import decimal
import fractions
import warnings

from .case_language import Case, Fresh, call, close, fw, sw, wt
from .expected_view import FigureModel, drawn_labels

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
            walltime=wt(1),
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
        call("add_summary", plain, global_step=7, walltime=wt(2)),
        call("add_summary", plain, global_step=-2, walltime=wt(3)),
        call(
            "add_event",
            Event(log_message=event_pb2.LogMessage(level=event_pb2.LogMessage.WARN, message="hi")),
            step=8,
            walltime=wt(4),
        ),
        call(
            "add_event",
            Event(
                session_log=event_pb2.SessionLog(
                    status=event_pb2.SessionLog.CHECKPOINT, checkpoint_path="/tmp/ck", msg="ok"
                )
            ),
            walltime=wt(5),
        ),
        # tinytb also takes serialized bytes (PyTorch: only protobuf objects).
        call(
            "add_event",
            Event(
                summary=Summary(value=[Summary.Value(tag="raw/bytes", simple_value=3.5)])
            ).SerializeToString(),
            step=10,
            walltime=wt(7),
            torch=(
                (Event(summary=Summary(value=[Summary.Value(tag="raw/bytes", simple_value=3.5)])),),
                {"step": 10, "walltime": wt(7)},
            ),
            divergence="extra_inputs",
        ),
        call(
            "add_summary",
            Summary(value=[Summary.Value(tag="raw/bytes", simple_value=4.5)]).SerializeToString(),
            global_step=11,
            walltime=wt(8),
            torch=(
                (Summary(value=[Summary.Value(tag="raw/bytes", simple_value=4.5)]),),
                {"global_step": 11, "walltime": wt(8)},
            ),
            divergence="extra_inputs",
        ),
        call(
            "add_summary",
            Summary(
                value=[
                    Summary.Value(tag="raw/multi_a", simple_value=1.0),
                    Summary.Value(tag="raw/multi_b", simple_value=-1.0),
                ]
            ),
            global_step=9,
            walltime=wt(6),
        ),
    ]


# The case names, known without numpy/torch (pytest parametrizes with them at collection).
CASE_NAMES = (
    "scalar_values",
    "scalar_double",
    "scalar_steps",
    "scalar_inputs",
    "scalar_edges",
    "scalar_longdouble",
    "scalar_bfloat16",
    "scalar_now",
    "tags",
    "add_scalars",
    "text",
    "tensor_dtypes",
    "custom_scalars",
    "custom_scalars_multiline",
    "custom_scalars_margin",
    "purge",
    "purge_once",
    "filename_suffix",
    "multi",
    "filewriter",
    "close_then_add",
    "image_formats",
    "image_dtypes",
    "image_lists",
    "images_grid",
    "image_boxes",
    "image_boxes_grey_alpha",
    "figure",
    "video",
    "histograms",
    "histogram_raw",
    "audio",
    "pr_curves",
    "pr_curve_raw",
    "mesh",
    "hparams",
)

# Labels measured pixel for pixel against PyTorch's (Pillow's font) by test_media.py, on a
# white 120x40 uint8 HWC image with the box (5, 5, 110, 35): label -> tag.
GLYPH_LABELS = {
    "cat": "glyphs/cat",
    "person": "glyphs/person",
    "traffic light": "glyphs/traffic light",
}
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
        + [
            call("add_scalar", "scalar/old", v, i, walltime=wt(i))
            for i, v in enumerate(SCALAR_VALUES)
        ]
        + [
            call("add_scalar", "scalar/new", v, i, walltime=wt(i), new_style=True)
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
            call(
                "add_scalar",
                "scalar/double",
                v,
                i,
                walltime=wt(i),
                new_style=True,
                double_precision=True,
            )
            for i, v in enumerate([0.1, -0.0, 1e39, float("nan"), 1 / 3])
        ]
        # double_precision has no effect without new_style.
        + [
            call(
                "add_scalar",
                "scalar/double_old_style",
                0.1,
                0,
                walltime=wt(0),
                double_precision=True,
            )
        ]
        + [close()],
    )
    add(
        "scalar_steps",
        "global_step: 0, 1, 127/128 (varint boundary), 2**31-1 .. 2**33, negative (-1: a "
        "10-byte varint), omitted (step 0), int-likes (numpy, 0-d tensor).",
        [sw()]
        + [
            call("add_scalar", "steps/int", float(i), s, walltime=wt(i))
            for i, s in enumerate(STEPS)
        ]
        + [
            call("add_scalar", "steps/negative", -1.0, -1, walltime=wt(0)),
            call("add_scalar", "steps/very_negative", -2.0, -(2**40), walltime=wt(0)),
            call("add_scalar", "steps/omitted", 7.0, walltime=wt(0)),
            call("add_scalar", "steps/intlike", 1.0, np.int64(3), walltime=wt(1)),
            call("add_scalar", "steps/intlike", 2.0, torch.tensor(4), walltime=wt(2)),
            call("add_scalar", "steps/intlike", 3.0, np.int32(5), walltime=wt(3)),
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
            call("add_scalar", "in/int", 3, 0, walltime=wt(0)),
            call("add_scalar", "in/float", 2.5, 0, walltime=wt(0)),
            call("add_scalar", "in/bool", True, 0, walltime=wt(0)),
            call("add_scalar", "in/np_float32", np.float32(0.1), 0, walltime=wt(0)),
            call("add_scalar", "in/np_float64", np.float64(0.1), 0, walltime=wt(0)),
            call("add_scalar", "in/np_int64", np.int64(-5), 0, walltime=wt(0)),
            call("add_scalar", "in/np_0d", np.array(1.25), 0, walltime=wt(0)),
            call("add_scalar", "in/torch_0d", torch.tensor(0.1), 0, walltime=wt(0)),
            call(
                "add_scalar",
                "in/torch_1elem",
                torch.tensor([0.75], dtype=torch.float64),
                0,
                walltime=wt(0),
            ),
            call("add_scalar", "in/torch_int", torch.tensor(9), 0, walltime=wt(0)),
            call(
                "add_scalar",
                "in/decimal",
                decimal.Decimal("0.1"),
                0,
                walltime=wt(0),
                torch=(("in/decimal", 0.1, 0), {"walltime": wt(0)}),
                divergence="extra_inputs",
            ),
            call(
                "add_scalar",
                "in/fraction",
                fractions.Fraction(1, 3),
                0,
                walltime=wt(0),
                torch=(("in/fraction", 1 / 3, 0), {"walltime": wt(0)}),
                divergence="extra_inputs",
            ),
            call(
                "add_scalar",
                "in/new_decimal",
                decimal.Decimal("2.5"),
                0,
                walltime=wt(0),
                new_style=True,
                torch=(("in/new_decimal", 2.5, 0), {"walltime": wt(0), "new_style": True}),
                divergence="extra_inputs",
            ),
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
        + [
            call("add_scalar", t, float(i), s, walltime=wt(i))
            for t in long_tags
            for i, s in enumerate([0, 5, 300, 2**40, -1])
        ]
        + [
            call("add_scalar", "wall/zero", 1.0, 0, walltime=0.0),
            call("add_scalar", "wall/zero", 2.0, 1, walltime=0.0, new_style=True),
            call("add_scalar", "wall/int", 3.0, 0, walltime=7),
            call("add_scalar", "wall/far", 4.0, 0, walltime=1e10),
            call("add_scalar", "", 5.0, 3, walltime=wt(3)),
            call("add_text", "wall/zero_text", "t", 0, walltime=0.0),
            close(),
        ],
    )
    add(
        "scalar_longdouble",
        "numpy long double scalar values (np.longdouble.item() returns a np.longdouble).",
        [
            sw(),
            call("add_scalar", "ld/old", np.longdouble("0.1"), 0, walltime=wt(0)),
            call("add_scalar", "ld/new", np.longdouble("-2.5"), 0, walltime=wt(0), new_style=True),
            close(),
        ],
    )

    def bf16(method, tag, value, **kwargs):
        # tinytb keeps the exact bfloat16 value; PyTorch's make_np goes through float16, so
        # 1e5 becomes inf and 1e-10 becomes 0. PyTorch gets the same value as float32.
        exact = (
            value.float() if hasattr(value, "float") else {k: v.float() for k, v in value.items()}
        )
        return call(
            method,
            tag,
            value,
            0,
            torch=((tag, exact, 0), dict(kwargs)),
            divergence="scalar_bfloat16_exact",
            **kwargs,
        )

    add(
        "scalar_bfloat16",
        "bfloat16 tensors as scalar values keep their exact value (PyTorch converts them "
        "through float16 in torch.utils.tensorboard._convert_np, so values beyond float16's "
        "range become inf and tiny ones 0): compared with PyTorch's output for the same "
        "value as float32.",
        [
            sw(),
            call(
                "add_scalar",
                "bf16/in_range",
                torch.tensor(0.5, dtype=torch.bfloat16),
                0,
                walltime=wt(0),
            ),
            bf16("add_scalar", "bf16/big", torch.tensor(1e5, dtype=torch.bfloat16), walltime=wt(0)),
            bf16(
                "add_scalar", "bf16/tiny", torch.tensor(1e-10, dtype=torch.bfloat16), walltime=wt(0)
            ),
            bf16(
                "add_scalar",
                "bf16/new_style",
                torch.tensor([1e5], dtype=torch.bfloat16),
                walltime=wt(0),
                new_style=True,
            ),
            bf16(
                "add_scalars",
                "bf16",
                {"s": torch.tensor(-1e5, dtype=torch.bfloat16)},
                walltime=wt(0),
            ),
            call("add_scalar", "f16/np", np.float16(0.1), 0, walltime=wt(0)),
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
            call("add_scalar", "损失/训练 loss", 0.5, 0, walltime=wt(0)),
            call("add_scalar", "损失/训练 loss", 0.25, 1, walltime=wt(1)),
            call("add_scalar", "a b/c d", 1.0, 0, walltime=wt(0)),
            call("add_scalar", "emoji/🙂", 2.0, 0, walltime=wt(0), new_style=True),
            call("add_text", "ü tag", "x", 0, walltime=wt(0)),
            close(),
        ],
    )
    add(
        "add_scalars",
        "add_scalars: one sub-run per key, <run>/<main_tag with / replaced by _>_<key>, "
        "tag = main_tag.",
        [sw()]
        + [
            call(
                "add_scalars",
                "loss/train",
                {"a": 1.0 + i, "b": -1.0 - i, "c d": 0.5 * i},
                i,
                walltime=wt(i),
            )
            for i in range(3)
        ]
        + [call("add_scalars", "acc", {"x": 0.9}, 0, walltime=wt(0)), close()],
    )
    add(
        "text",
        "add_text: markdown (headers, a table, lists, code), Unicode, empty text; tag gets "
        "/text_summary.",
        [
            sw(),
            call("add_text", "notes", MARKDOWN, 0, walltime=wt(0)),
            call("add_text", "notes", "second *step* — ünïcödé 日本語", 1, walltime=wt(1)),
            call("add_text", "plain", "hello", 5, walltime=wt(2)),
            call("add_text", "long", "line of text\n" * 1700, 0, walltime=wt(2)),
            call("add_text", "empty", "", 0, walltime=wt(3)),
            call("add_text", "html", "<script>alert(1)</script> & <b>bold</b>", 0, walltime=wt(4)),
            close(),
        ],
    )
    tensor_calls = []
    for tag, tensor in _tensor_values():
        tensor_calls.append(
            call(
                "add_tensor", tag, tensor, 1, walltime=wt(1), divergence=_tensor_divergence(tensor)
            )
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
            call(
                "add_tensor",
                tag,
                t32,
                1,
                walltime=wt(1),
                torch=((tag, t32.to(torch.complex64), 1), {"walltime": wt(1)}),
                divergence="tensor_complex32",
            )
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
            call(
                "add_tensor",
                tag,
                arr,
                2,
                walltime=wt(2),
                torch=((tag, equivalent, 2), {"walltime": wt(2)}),
                divergence=_tensor_divergence(equivalent) or "extra_inputs",
            )
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
            call(
                "add_custom_scalars_marginchart",
                ["m/v", "m/lo", "m/hi"],
                category="margins",
                title="band",
            ),
            close(),
        ],
    )
    add(
        "purge",
        "A run written, resumed with purge_step=4, then with purge_step=2: each resumed "
        "session writes file_version + SessionLog(START) at step=purge_step.  The Python "
        "loader ignores the first START and purges at the second; rustboard ignores "
        "SessionLog and preempts by step.",
        [sw()]
        + [call("add_scalar", "loss", float(s), s, walltime=wt(s)) for s in range(6)]
        + [close()],
        [sw(purge_step=4)]
        + [call("add_scalar", "loss", 10.0 + s, s, walltime=wt(10 + s)) for s in (4, 5, 6)]
        + [close()],
        [sw(purge_step=2)]
        + [call("add_scalar", "loss", 20.0 + s, s, walltime=wt(20 + s)) for s in (2, 3)]
        + [close()],
    )
    add(
        "purge_once",
        "A run written without purge_step, resumed once with purge_step=4: the Python "
        "loader treats that START as the first session start and purges nothing (steps "
        "4 and 5 appear twice); rustboard preempts steps >= 4.",
        [sw()]
        + [call("add_scalar", "loss", float(s), s, walltime=wt(s)) for s in range(6)]
        + [close()],
        [sw(purge_step=4)]
        + [call("add_scalar", "loss", 10.0 + s, s, walltime=wt(10 + s)) for s in (4, 5, 6)]
        + [close()],
    )
    add(
        "filename_suffix",
        "filename_suffix on the main file and the add_scalars sub-writers.",
        [
            sw(filename_suffix=".sfx"),
            call("add_scalar", "x", 1.0, 0, walltime=wt(0)),
            call("add_scalars", "m", {"k": 2.0}, 0, walltime=wt(0)),
            close(),
        ],
    )
    add(
        "multi",
        "Several runs (and a nested run) in one logdir.",
        [
            sw("run_a"),
            call("add_scalar", "shared", 1.0, 0, walltime=wt(0)),
            close(),
            sw("run_b"),
            call("add_scalar", "shared", 2.0, 0, walltime=wt(1)),
            close(),
            sw("nested/run_c"),
            call("add_scalar", "shared", 3.0, 0, walltime=wt(2)),
            call("add_text", "about", "run c", 0, walltime=wt(2)),
            close(),
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
        [sw(), call("add_scalar", "x", 1.0, 0, walltime=wt(0)), close()],
        [
            call("add_scalar", "x", 2.0, 1, walltime=wt(1)),
            call("add_text", "t", "after close", 1, walltime=wt(1)),
            close(),
        ],
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
        return call("add_image", tag, value, step, walltime=wt(step), **kwargs)

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
    special = [
        -1.0,
        -0.0,
        0.0,
        1.5,
        float("nan"),
        float("inf"),
        float("-inf"),
        1e30,
        -1e-45,
        1.0000001,
        255.0,
        0.999,
        1e-3,
        2.5e-3,
        0.5,
        0.25,
    ]
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
            img(
                "torch/uint8_HWC",
                torch.randint(0, 256, (6, 8, 3), generator=gen, dtype=torch.uint8),
                dataformats="HWC",
            ),
            img("torch/int64", torch.tensor(ints)),
            img("torch/bool", torch.rand(3, 5, 7, generator=gen) > 0.5),
            img("torch/transposed", torch.rand(3, 8, 6, generator=gen).transpose(1, 2)),
            img("torch/sliced", torch.rand(3, 12, 16, generator=gen)[:, ::2, 1::2]),
            img(
                "torch/uint8_sliced",
                torch.randint(0, 256, (3, 10, 12), generator=gen, dtype=torch.uint8)[:, 1::2, ::3],
            ),
            img(
                "torch/channels_last",
                torch.rand(1, 3, 6, 8, generator=gen).to(memory_format=torch.channels_last)[0],
            ),
            img("torch/requires_grad", torch.rand(3, 6, 8, generator=gen).requires_grad_()),
            close(),
        ],
    )

    # -- add_image / add_images: nested lists (tinytb only) ----------------------------------
    def listed(method, tag, array, dataformats, values=None):
        # Python ints are uint8 values, Python floats float32 values: PyTorch gets that array.
        values = _nested(array) if values is None else values
        return call(
            method,
            tag,
            values,
            0,
            walltime=wt(0),
            dataformats=dataformats,
            torch=((tag, array, 0), {"walltime": wt(0), "dataformats": dataformats}),
            divergence="extra_inputs",
        )

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
            listed(
                "add_image",
                "list/float_out_of_range",
                np.array([[-0.5, 2.0, 0.1, 1 / 3], [0.7, 1e-9, 1.0, 0.0]], np.float32),
                "HW",
            ),
            listed("add_image", "list/int_RGBA", u8(3, 4, 4), "HWC"),
            tupled(listed("add_image", "list/tuples_HW", rand(3, 4), "HW")),
            listed("add_images", "list/images_NCHW", rand(2, 3, 4, 5), "NCHW"),
            # A buffer with a shape (tinytb only, as a list): uint8 HWC.
            call(
                "add_image",
                "buffer/memoryview_HWC",
                Fresh(lambda: memoryview(hwc_bytes.tobytes()).cast("B", hwc_bytes.shape)),
                0,
                walltime=wt(0),
                dataformats="HWC",
                torch=(
                    ("buffer/memoryview_HWC", hwc_bytes, 0),
                    {"walltime": wt(0), "dataformats": "HWC"},
                ),
                divergence="extra_inputs",
            ),
            # Python floats that float32 rounds (k/255 and thirds in float64).
            listed(
                "add_image",
                "list/float64_values",
                np.array(float_values, np.float32),
                "HW",
                values=float_values,
            ),
            close(),
        ],
    )

    # -- add_images: grids -------------------------------------------------------------------
    grid_calls = []
    for n in (1, 3, 8, 9, 17):
        grid_calls.append(
            call("add_images", "grid/NCHW_3ch_N%d" % n, rand(n, 3, 4, 5), 0, walltime=wt(0))
        )
        grid_calls.append(
            call(
                "add_images",
                "grid/NHWC_1ch_N%d" % n,
                u8(n, 4, 5, 1),
                0,
                walltime=wt(0),
                dataformats="NHWC",
            )
        )
    grid_calls += [
        call(
            "add_images",
            "grid/NCHW_1ch_N9",
            rand(9, 1, 4, 5),
            0,
            walltime=wt(0),
            dataformats="NCHW",
        ),
        call(
            "add_images",
            "grid/NHWC_3ch_N17",
            u8(17, 4, 5, 3),
            0,
            walltime=wt(0),
            dataformats="NHWC",
        ),
        call(
            "add_images",
            "grid/nchw_lower_N9",
            rand(9, 3, 3, 2),
            0,
            walltime=wt(0),
            dataformats="nchw",
        ),
        call("add_images", "grid/CNHW_N3", rand(3, 3, 4, 5), 0, walltime=wt(0), dataformats="CNHW"),
        call(
            "add_images",
            "grid/torch_N10",
            torch.rand(10, 3, 4, 5, generator=gen),
            0,
            walltime=wt(0),
        ),
    ]
    grid_calls += [
        call("add_images", "grid/steps", rand(3, 3, 4, 5), s, walltime=wt(s)) for s in (1, 2)
    ]
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
        return call(
            "add_image_with_boxes", tag, image, box_tensor, step, walltime=wt(step), **kwargs
        )

    box_calls = [
        boxes("boxes/no_labels", scene, two),
        boxes("boxes/labels", scene, two, labels=["cat", "person"]),
        boxes("boxes/label_count_mismatch", scene, two, labels=["cat"]),  # dropped
        boxes("boxes/label_str", scene, two[:1], labels="dog 0.93"),
        boxes("boxes/empty_label", scene, two, labels=["", "car: 87%"]),
        boxes(
            "boxes/partly_outside",
            scene,
            np.array([[-10, -5, 20, 25], [45, 30, 80, 50], [-20, -20, 100, 100]], np.float64),
            labels=["a", "Label_12", "0.99"],
        ),
        boxes("boxes/fractional", scene, np.array([[3.5, 4.25, 30.75, 20.5]])),
        boxes("boxes/int64", scene, two.astype(np.int64)),
        boxes("boxes/none", scene, np.zeros((0, 4))),
        boxes("boxes/torch", torch.tensor(scene), torch.tensor(two), labels=["x", "y"]),
        boxes(
            "boxes/HWC_uint8",
            u8(30, 50, 3),
            np.array([[2, 3, 40, 25]]),
            dataformats="HWC",
            labels=["hwc"],
        ),
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
        if drawn_labels(c.kwargs.get("labels"), c.args[2]):
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
            boxes(
                "la/label",
                grey_alpha,
                grey_box,
                dataformats="HWC",
                labels=["la"],
                divergence="label_glyphs",
            ),
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
            call("add_figure", "figure/single", Fresh(_figure(0, size), size), 0, walltime=wt(0)),
            call(
                "add_figure",
                "figure/list",
                Fresh(lambda: [_figure(1, size)(), _figure(2, size)()], pair),
                0,
                walltime=wt(0),
                close=True,
            ),
            call(
                "add_figure",
                "figure/kept_open",
                Fresh(_figure(3, size), size),
                0,
                walltime=wt(0),
                close=False,
            ),
            close(),
        ],
    )

    # -- add_video -----------------------------------------------------------------------------
    def video(tag, value, step=0, **kwargs):
        return call("add_video", tag, value, step, walltime=wt(step), **kwargs)

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
            video(
                "video/uint8_levels",
                np.arange(2 * 3 * 256).reshape(1, 2, 3, 16, 16).astype(np.uint8),
                fps=4,
            ),
            video("video/float64_special", odd, fps=4),
            video("video/torch", torch.rand(3, 2, 3, 6, 6, generator=gen), fps=4),
            video(
                "video/torch_bfloat16",
                torch.rand(2, 2, 3, 4, 4, generator=gen).to(torch.bfloat16),
                fps=4,
            ),
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
    "lights": [
        {"cls": "AmbientLight", "color": "#ffffff", "intensity": 0.75},
        {"cls": "DirectionalLight", "color": "#ffffff", "intensity": 0.75, "position": [0, -1, 2]},
    ],
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
        return call("add_histogram", tag, values, step, walltime=wt(step), **kwargs)

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
            hist(
                "bins/sturges", torch.randn(300, generator=gen, dtype=torch.float64), bins="sturges"
            ),
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
    raw_calls = [
        call(
            "add_histogram_raw",
            tag="histogram_with_raw_data",
            min=values.min(),
            max=values.max(),
            num=len(values),
            sum=values.sum(),
            sum_squares=values.dot(values),
            bucket_limits=limits[1:].tolist(),
            bucket_counts=counts.tolist(),
            global_step=0,
            walltime=wt(0),
        )
    ]
    # PyTorch's test_pytorch_histogram_raw: no step and no wall time (clock); its third call
    # repeats the second one's tag at step 0 (num=50 for 100 values, as in the test).
    num = 50
    floats = torch.rand((num,), generator=gen).numpy()
    counts, limits = np.histogram(floats, [0.0, 0.25, 0.5, 0.75, 1.0])
    raw_calls.append(
        call(
            "add_histogram_raw",
            "float histogram raw",
            min=floats.min().item(),
            max=floats.max().item(),
            num=num,
            sum=floats.sum().item(),
            sum_squares=floats.dot(floats).item(),
            bucket_limits=limits[1:].tolist(),
            bucket_counts=counts.tolist(),
        )
    )
    ints = torch.randint(0, 100, (num,), generator=gen).numpy()
    counts, limits = np.histogram(ints, [0, 25, 50, 75, 100])
    raw_calls.append(
        call(
            "add_histogram_raw",
            "int histogram raw",
            min=ints.min().item(),
            max=ints.max().item(),
            num=num,
            sum=ints.sum().item(),
            sum_squares=ints.dot(ints).item(),
            bucket_limits=limits[1:].tolist(),
            bucket_counts=counts.tolist(),
        )
    )
    ints = torch.tensor(range(100)).float()
    raw_calls.append(
        call(
            "add_histogram_raw",
            "int histogram raw",
            min=ints.min().item(),
            max=ints.max().item(),
            num=num,
            sum=ints.sum().item(),
            sum_squares=ints.dot(ints).item(),
            bucket_limits=torch.tensor(range(100)).tolist(),
            bucket_counts=torch.histc(ints, bins=100, min=0, max=99).tolist(),
        )
    )
    # numpy and torch arrays as arguments, several steps.
    for s in (1, 2, 3):
        edges = np.linspace(-1.0, 1.0, 5 + s)
        raw_calls.append(
            call(
                "add_histogram_raw",
                "raw/arrays",
                -0.9,
                0.95,
                10 * s,
                0.5 * s,
                2.5 * s,
                torch.tensor(edges[1:]),
                np.arange(len(edges) - 1, dtype=np.int64) * s,
                global_step=s,
                walltime=wt(s),
            )
        )
    add(
        "histogram_raw",
        "add_histogram_raw: its docstring example (right edges limits[1:] of np.histogram), "
        "PyTorch's test_pytorch_histogram_raw calls (no step, clock wall time, a tag repeated "
        "at step 0, torch.histc counts), numpy and torch arrays over three steps.",
        [sw()] + raw_calls + [close()],
    )

    # -- add_audio -------------------------------------------------------------------------
    def audio(tag, clip, step=0, **kwargs):
        return call("add_audio", tag, clip, step, walltime=wt(step), **kwargs)

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
            audio("dummy", np.arange(42, dtype=float), sample_rate=44100, warns="out of range"),
        ]
        + [
            audio(
                "tone",
                (np.sin(2 * np.pi * 440 * t8k) * (0.3 + 0.3 * s)).astype(np.float32),
                s,
                sample_rate=8000,
            )
            for s in range(3)
        ]
        + [
            audio("noise_f64", rng.uniform(-1, 1, 8000), sample_rate=16000),
            audio("torch", torch.rand(2205, generator=gen) * 2 - 1, sample_rate=22050),
            audio(
                "column", rng.uniform(-0.5, 0.5, (4800, 1)).astype(np.float32), sample_rate=48000
            ),
            audio(
                "fractional_rate", rng.uniform(-1, 1, 1000).astype(np.float32), sample_rate=11025.5
            ),
            close(),
        ],
    )

    # -- add_pr_curve ----------------------------------------------------------------------
    def pr(tag, labels, predictions, step=0, **kwargs):
        return call("add_pr_curve", tag, labels, predictions, step, walltime=wt(step), **kwargs)

    prs = [
        # test_writer and the docstring example
        pr("xoxo", rng.randint(2, size=100), rng.rand(100)),
        pr("pr_curve", rng.randint(2, size=100), rng.rand(100)),
        # the worked example of docs/pytorch-writer.md, section 7
        pr("small/5", np.array([1, 0, 1, 1]), np.array([0.9, 0.2, 0.6, 0.4]), num_thresholds=5),
        pr("small/2", np.array([True, False, True]), np.array([0.0, 0.5, 1.0]), num_thresholds=2),
        pr(
            "weights/array",
            rng.randint(2, size=60),
            rng.rand(60),
            num_thresholds=10,
            weights=rng.choice([0.25, 0.5, 1.0, 2.0], 60),
        ),
        pr("weights/scalar", rng.randint(2, size=60), rng.rand(60), num_thresholds=10, weights=2.0),
        pr("capped/200", rng.randint(2, size=80), rng.rand(80), num_thresholds=200),
        pr(
            "edges/0_and_1",
            np.array([0, 1, 1, 0, 1]),
            np.array([0.0, 1.0, 1.0, 0.0, 0.5]),
            num_thresholds=11,
        ),
    ]
    prs += [
        pr(
            "torch/float32",
            torch.randint(0, 2, (200,), generator=gen),
            (torch.rand(200, generator=gen) + 0.1 * s).clamp(0, 1),
            s,
        )
        for s in range(3)
    ]
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
            call(
                "add_pr_curve_raw",
                "prcurve with raw data",
                *PR_RAW_ROWS,
                0,
                walltime=wt(0),
                warns="num_thresholds",
            ),
            call("add_pr_curve_raw", "raw/5", *PR_RAW_ROWS, 1, num_thresholds=5, walltime=wt(1)),
            call(
                "add_pr_curve_raw",
                "raw/arrays",
                *[torch.tensor(r, dtype=torch.float64) for r in PR_RAW_ROWS[:4]],
                *[np.array(r, dtype=np.float32) for r in PR_RAW_ROWS[4:]],
                2,
                num_thresholds=5,
                walltime=wt(2),
            ),
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
            call(
                "add_mesh",
                "docstring_mesh",
                vertices=torch.as_tensor(v[0], dtype=torch.float).unsqueeze(0),
                colors=torch.as_tensor(c[0], dtype=torch.int).unsqueeze(0),
                faces=torch.as_tensor(f[0], dtype=torch.int).unsqueeze(0),
                global_step=0,
                walltime=wt(0),
            ),
            call(
                "add_mesh",
                "points",
                vertices=cube,
                config_dict=MESH_CONFIG,
                global_step=1,
                walltime=wt(1),
            ),
            call(
                "add_mesh",
                "points",
                vertices=cube * 2,
                config_dict=MESH_CONFIG,
                global_step=2,
                walltime=wt(2),
            ),
            call(
                "add_mesh",
                "clouds",
                vertices=points,
                colors=rng.randint(0, 256, (2, 50, 3)).astype(np.uint8),
                global_step=0,
                walltime=wt(0),
            ),
            call(
                "add_mesh",
                "faces_only",
                torch.tensor(v, dtype=torch.float64),
                faces=torch.tensor(f),
                global_step=3,
                walltime=wt(3),
            ),
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
    hparam_calls += [
        hp("docstring_%d" % i, {"lr": 0.1 * i, "bsize": i}, {accuracy: 10 * i, loss: 10 * i})
        for i in range(3)
    ]
    hparam_calls += [
        hp(
            "types",
            {
                "opt": "adam",
                "layers": 3,
                "dropout": 0.25,
                "name": "ünï cödé",
                "tensor_lr": torch.tensor([0.001]),
                "skipped": None,
            },
            {accuracy: torch.tensor(0.75), loss: np.float64(0.125)},
            global_step=7,
        ),
        hp(
            "bools",
            {"use_bn": True, "shuffle": False, "lr": 0.01},
            {accuracy: 0.5, loss: 0.5},
            global_step=2,
            divergence="hparams_bool",
        ),
        hp(
            "domains",
            {"lr": 0.01, "opt": "sgd", "use_bn": True},
            {accuracy: 0.5, loss: 1.5},
            hparam_domain_discrete={
                "lr": [0.1, 0.01],
                "opt": ["adam", "sgd"],
                "use_bn": [True, False],
            },
            global_step=3,
            divergence="hparams_bool",
        ),
        hp("many", many, {accuracy: 0.25, loss: -1.0}),
        hp(
            "numpy_int",
            {"bsize": np.int64(32), "lr": np.float64(0.5)},
            {accuracy: 2.0, loss: 2.0},
            torch=(
                ({"bsize": 32, "lr": np.float64(0.5)}, {accuracy: 2.0, loss: 2.0}),
                {"run_name": "numpy_int"},
            ),
            divergence="extra_inputs",
        ),
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
        return [
            call("add_scalar", tag, scale * (s + 1) * k, s, walltime=wt(s))
            for s in range(3)
            for tag, k in ((accuracy, 0.25), (loss, -0.5))
        ]

    return [
        Case(
            "declared",
            "metrics declared (None): the run's own curves",
            [
                [sw()]
                + curves(1.0)
                + [
                    call(
                        "add_hparams",
                        {"lr": 0.1, "opt": "adam", "use_bn": True},
                        {accuracy: None, loss: None},
                        run_name=".",
                    ),
                    close(),
                ]
            ],
        ),
        Case(
            "valued",
            "metric values given at global_step 3, after the run's curves",
            [
                [sw()]
                + curves(2.0)
                + [
                    call(
                        "add_hparams",
                        {"lr": 0.2, "opt": "sgd", "use_bn": False},
                        {accuracy: 0.875, loss: 0.0625},
                        run_name=".",
                        global_step=3,
                    ),
                    close(),
                ]
            ],
        ),
    ]
