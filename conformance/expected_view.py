"""The expected reader view: what TensorBoard should show for each case, from the inputs alone.

``model_points`` turns every call of a case into the points a TensorBoard reader should show
(tag, plugin, step, wall time, value), computed from the call's reference arguments
(``Call.reference``) independently of both writers: for images an ``ImageModel`` (header and
decoded size from the input's shape and arguments); for histograms, audio, PR curves, meshes
and hparams a ``HistogramModel``, ``AudioModel``, ``PrCurveModel``, ``MeshModel`` or
``HparamsModel`` computed with numpy (and TensorBoard's message classes) from the call's input.
``media_expectations`` adds what the parity check needs for images and videos (label text
boxes, the video input and fps; see media.py), ``summary_expectations`` what the histogram and
hparams divergences need from the call.  ``run_dirs`` lists the run directories a case writes.

The reference formulas are PyTorch's (docs/pytorch-writer.md describes them); numpy and
torch are imported on first use (``_import_libs``).
"""

import math
import os
import struct
from dataclasses import dataclass, field
from typing import Any, Optional

from .case_language import CLOSE, OPEN_FILE_WRITER, OPEN_SUMMARY_WRITER

# numpy and torch are imported on first use (_import_libs), so that this module - and every
# test module - imports without them: the tests then skip with an install hint instead of
# failing to collect.
np = torch = None


def _import_libs():
    global np, torch
    if torch is None:
        import numpy
        import torch as torch_module

        np, torch = numpy, torch_module


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
    _import_libs()
    if method == "add_video":
        n, t, c, h, w = _shape(bound["vid_tensor"])
        padded = n if n & (n - 1) == 0 else 2 ** n.bit_length()
        rows = 2 ** ((n.bit_length() - 1) // 2)
        cols = padded // rows
        return ImageModel(cols * w, rows * h, c, "GIF", (cols * w, rows * h), None, t)
    if method == "add_figure":
        fig = bound["figure"]
        h, w = (
            (fig.height, fig.width)
            if fig.count is None
            else _grid(fig.count, fig.height, fig.width)
        )
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


def drawn_labels(labels, box_tensor):
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
        if x.dtype.is_floating_point:
            return float(x.detach().numpy().reshape(()).item())
        return x.item()
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
                    series=[
                        layout_pb2.MarginChartContent.Series(
                            value=tags[0], lower=tags[1], upper=tags[2]
                        )
                    ]
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
            points.append(
                Point(
                    run, "scalars", bound["tag"], step, wall, float(v) if double else f32(v), double
                )
            )
        elif c.method == "add_scalars":
            for key, v in bound["tag_scalar_dict"].items():
                sub = run + "/" + bound["main_tag"].replace("/", "_") + "_" + key
                points.append(Point(sub, "scalars", bound["main_tag"], step, wall, f32(_number(v))))
        elif c.method == "add_text":
            points.append(
                Point(run, "text", bound["tag"] + "/text_summary", step, wall, bound["text_string"])
            )
        elif c.method == "add_tensor":
            points.append(
                Point(run, "tensor", bound["tag"], step, wall, _expected_array(bound["tensor"]))
            )
        elif c.method == "add_custom_scalars":
            points.append(
                Point(
                    run,
                    "custom_scalars",
                    "custom_scalars__config__",
                    0,
                    None,
                    expected_layout(bound["layout"]),
                )
            )
        elif c.method == "add_custom_scalars_multilinechart":
            layout = {
                bound.get("category", "default"): {
                    bound.get("title", "untitled"): ["Multiline", bound["tags"]]
                }
            }
            points.append(
                Point(
                    run,
                    "custom_scalars",
                    "custom_scalars__config__",
                    0,
                    None,
                    expected_layout(layout),
                )
            )
        elif c.method == "add_custom_scalars_marginchart":
            layout = {
                bound.get("category", "default"): {
                    bound.get("title", "untitled"): ["Margin", bound["tags"]]
                }
            }
            points.append(
                Point(
                    run,
                    "custom_scalars",
                    "custom_scalars__config__",
                    0,
                    None,
                    expected_layout(layout),
                )
            )
        elif c.method in _IMAGE_METHODS:
            points.append(
                Point(run, "images", bound["tag"], step, wall, image_model(c.method, bound))
            )
        elif c.method == "add_histogram":
            points.append(
                Point(
                    run,
                    "histograms",
                    bound["tag"],
                    step,
                    wall,
                    reference_histogram(
                        bound["values"], bound.get("bins", "tensorflow"), bound.get("max_bins")
                    ),
                )
            )
        elif c.method == "add_histogram_raw":
            points.append(Point(run, "histograms", bound["tag"], step, wall, _raw_histogram(bound)))
        elif c.method == "add_audio":
            points.append(
                Point(
                    run,
                    "audio",
                    bound["tag"],
                    step,
                    wall,
                    reference_audio(bound["snd_tensor"], bound.get("sample_rate", 44100)),
                )
            )
        elif c.method == "add_pr_curve":
            points.append(
                Point(
                    run,
                    "pr_curves",
                    bound["tag"],
                    step,
                    wall,
                    reference_pr_curve(
                        bound["labels"],
                        bound["predictions"],
                        bound.get("num_thresholds", 127),
                        bound.get("weights"),
                    ),
                )
            )
        elif c.method == "add_pr_curve_raw":
            rows = [_float64(bound[k]) for k in _SIGNATURES["add_pr_curve_raw"][1:7]]
            points.append(
                Point(
                    run,
                    "pr_curves",
                    bound["tag"],
                    step,
                    wall,
                    PrCurveModel(
                        np.stack(rows).astype(np.float32),
                        min(bound.get("num_thresholds", 127), 127),
                    ),
                )
            )
        elif c.method == "add_mesh":
            points += [
                Point(run, "mesh", tag, step, wall, model) for tag, model in reference_mesh(bound)
            ]
        elif c.method == "add_hparams":
            sub = hparams_run(run, bound)
            points += [
                Point(sub, "hparams", m.tag, step, None, m) for m in reference_hparams(bound)
            ]
            points += [
                Point(sub, "scalars", k, step, None, f32(_number(v)))
                for k, v in bound["metric_dict"].items()
                if v is not None
            ]
        elif c.method in ("add_event", "add_summary"):
            event_or_summary = args[0]  # the protobuf object (reference form)
            summary = (
                event_or_summary
                if c.method == "add_summary"
                else (event_or_summary.summary if event_or_summary.HasField("summary") else None)
            )
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
    """PyTorch's 'tensorflow' edges: a running product (docs/pytorch-writer.md, 6.1)."""
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
        return np.array(
            [[self.min] + inner, inner + [self.max], self.counts[start : end + 1]], dtype=np.float32
        ).transpose()

    def rust_buckets(self):
        """Rustboard's (left, right, count) float64 triples: every bucket kept, left edges
        [min] + limits[:-1], right edges limits[:-1] + [max]."""
        inner = list(self.limits[:-1])
        return np.array(
            [[self.min] + inner, inner + [self.max], self.counts], dtype=np.float64
        ).transpose()


def reference_histogram(values, bins="tensorflow", max_bins=None):
    """PyTorch's make_histogram (docs/pytorch-writer.md, 6.2) on numpy's np.histogram, with
    correctly rounded sums (math.fsum, what tinytb writes; see histogram_sums)."""
    _import_libs()
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
    counts = counts[start - 1 : end] if start > 0 else np.concatenate([[0], counts[:end]])
    return HistogramModel(
        float(a.min()),
        float(a.max()),
        float(a.size),
        math.fsum(a),
        math.fsum(a * a),
        [float(x) for x in limits[start : end + 1]],
        [float(c) for c in counts],
    )


def _raw_histogram(bound):
    return HistogramModel(
        *(float(_number(bound[k])) for k in ("min", "max", "num", "sum", "sum_squares")),
        [float(x) for x in _float64(bound["bucket_limits"])],
        [float(x) for x in _float64(bound["bucket_counts"])],
    )


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
    _import_libs()
    a = tensor.detach().numpy() if isinstance(tensor, torch.Tensor) else np.asarray(tensor)
    a = a.squeeze()
    if np.abs(a).max() > 1:
        a = np.clip(a, -1, 1)
    product = a * (np.float32(32767) if a.dtype == np.float32 else 32767.0)
    return AudioModel(f32(sample_rate), int(round(sample_rate)), np.trunc(product).astype(np.int16))


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
    _import_libs()
    t = min(int(num_thresholds), 127)
    p = predictions.numpy() if isinstance(predictions, torch.Tensor) else np.asarray(predictions)
    lab = labels.numpy() if isinstance(labels, torch.Tensor) else np.asarray(labels)
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
            name=self.name,
            content_type=self.content_type,
            json_config=self.json_config,
            shape=self.shape,
            components=self.components,
        )


def reference_mesh(bound):
    """[(tag, MeshModel)] in the order PyTorch writes them (vertices, faces, colors)."""
    _import_libs()
    import json

    config = bound.get("config_dict")
    json_config = "{}" if config is None else json.dumps(config, sort_keys=True)
    parts = [
        (suffix, ct, bound[name]) for name, ct, suffix in _MESH_PARTS if bound.get(name) is not None
    ]
    components = 0
    for _, ct, _ in parts:
        components |= 1 << ct
    return [
        (
            "%s_%s" % (bound["tag"], suffix),
            MeshModel(
                bound["tag"],
                ct,
                json_config,
                components,
                _float64(value).astype(np.float32).reshape(_shape(value)),
            ),
        )
        for suffix, ct, value in parts
    ]


HPARAMS_TAGS = (
    "_hparams_/experiment",
    "_hparams_/session_start_info",
    "_hparams_/session_end_info",
)


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
            return (
                api_pb2.DATA_TYPE_BOOL
                if isinstance(v, bool) and bools
                else api_pb2.DATA_TYPE_FLOAT64
            )

        data = plugin_data_pb2.HParamsPluginData(version=0)
        if self.tag == HPARAMS_TAGS[0]:
            data.experiment.SetInParent()
            for k, v in self.hparams:
                info = api_pb2.HParamInfo(name=k, type=kind(v))
                if k in self.domains:
                    info.domain_discrete.values.extend(value(d) for d in self.domains[k])
                data.experiment.hparam_infos.append(info)
            data.experiment.metric_infos.extend(
                api_pb2.MetricInfo(name=api_pb2.MetricName(tag=t)) for t in self.metrics
            )
        elif self.tag == HPARAMS_TAGS[1]:
            data.session_start_info.SetInParent()
            for k, v in self.hparams:
                data.session_start_info.hparams[k].CopyFrom(value(v))
        else:
            data.session_end_info.status = api_pb2.STATUS_SUCCESS
        return data


def reference_hparams(bound):
    """The three HparamsModel of an add_hparams call."""
    _import_libs()
    hparams = [(k, _hparam(v)) for k, v in bound["hparam_dict"].items() if v is not None]
    domains = {
        k: [_hparam(d) for d in ds] for k, ds in (bound.get("hparam_domain_discrete") or {}).items()
    }
    metrics = list(bound["metric_dict"])
    return [HparamsModel(tag, hparams, domains, metrics) for tag in HPARAMS_TAGS]


def hparams_run(run, bound):
    """The run an add_hparams call writes its session into (run_name '.': tinytb's same-run
    mode, the writer's own run)."""
    if os.path.normpath(bound["run_name"]) == os.curdir:
        return run
    return run + "/" + bound["run_name"]


_SIGNATURES = {
    "add_scalar": (
        "tag",
        "scalar_value",
        "global_step",
        "walltime",
        "new_style",
        "double_precision",
    ),
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
    "add_image_with_boxes": (
        "tag",
        "img_tensor",
        "box_tensor",
        "global_step",
        "walltime",
        "rescale",
        "dataformats",
        "labels",
    ),
    "add_figure": ("tag", "figure", "global_step", "close", "walltime"),
    "add_video": ("tag", "vid_tensor", "global_step", "fps", "walltime"),
    "add_histogram": ("tag", "values", "global_step", "bins", "walltime", "max_bins"),
    "add_histogram_raw": (
        "tag",
        "min",
        "max",
        "num",
        "sum",
        "sum_squares",
        "bucket_limits",
        "bucket_counts",
        "global_step",
        "walltime",
    ),
    "add_audio": ("tag", "snd_tensor", "global_step", "sample_rate", "walltime"),
    "add_pr_curve": (
        "tag",
        "labels",
        "predictions",
        "global_step",
        "num_thresholds",
        "weights",
        "walltime",
    ),
    "add_pr_curve_raw": (
        "tag",
        "true_positive_counts",
        "false_positive_counts",
        "true_negative_counts",
        "false_negative_counts",
        "precision",
        "recall",
        "global_step",
        "num_thresholds",
        "weights",
        "walltime",
    ),
    "add_mesh": ("tag", "vertices", "colors", "faces", "config_dict", "global_step", "walltime"),
    "add_hparams": (
        "hparam_dict",
        "metric_dict",
        "hparam_domain_discrete",
        "run_name",
        "global_step",
    ),
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
    _import_libs()
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
                labels = drawn_labels(bound.get("labels"), bound["box_tensor"])
                if labels:
                    exp.glyphs = media.label_text_boxes(_float_boxes(bound["box_tensor"]), labels)
            out[(run, bound["tag"], step)] = exp
    return out


def summary_expectations(cases):
    """{(run, tag, step): model} of the add_histogram and add_hparams calls of ``cases``: what
    the histogram_sums, hparams_bool and hparams_map_order divergences need from the call
    (a HistogramModel, an HparamsModel)."""
    _import_libs()
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
                out[key] = reference_histogram(
                    bound["values"], bound.get("bins", "tensorflow"), bound.get("max_bins")
                )
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
