# SPDX-License-Identifier: MIT
"""Summary builders, one per summary kind, as in ``torch.utils.tensorboard.summary``.

Each function takes the same arguments as PyTorch's and returns the serialized ``Summary``
message as ``bytes`` (PyTorch returns a protobuf object; ``FileWriter.add_summary`` accepts
either). The layouts are PyTorch's, byte for byte (docs/pytorch-writer.md sections 2-5),
except where PyTorch's output is a bug TensorBoard cannot read (see ``_tensor``).

This module builds messages only: arguments are converted by ``_convert`` and ``_arrays``
(whose docstring lists the size limits, ``MAX_ARRAY_BYTES`` and the rest), pixels are laid
out by ``_image``, samples by ``_audio``, histograms by ``_histogram``, PR curves by
``_pr_curve``. Bad arguments raise ``TypeError``/``ValueError`` naming the argument, with
PyTorch's exception type where PyTorch raises one.
"""

from __future__ import annotations

import math
import operator
import struct

from . import _arrays, _convert, _image, _messages, _tensor

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

__all__ = [
    "scalar",
    "tensor_proto",
    "text",
    "custom_scalars",
    "hparams",
    "histogram_raw",
    "histogram",
    "make_histogram",
    "image",
    "image_boxes",
    "draw_boxes",
    "make_image",
    "video",
    "make_video",
    "audio",
    "pr_curve_raw",
    "pr_curve",
    "compute_curve",
    "mesh",
    "half_to_int",
    "int_to_half",
]

# plugin names (tensorboard/plugins/*/metadata.py PLUGIN_NAME)
SCALARS = "scalars"
TEXT = "text"
CUSTOM_SCALARS = "custom_scalars"
CUSTOM_SCALARS_TAG = "custom_scalars__config__"  # custom_scalar/metadata.py CONFIG_SUMMARY_TAG
TENSOR = "tensor"  # what PyTorch's add_tensor names; not a TensorBoard plugin

# protobufs cap messages at 2 GiB; PyTorch refuses tensors of that size up front.
_MAX_TENSOR_BYTES = _arrays.MAX_ARRAY_BYTES + 1


def scalar(
    name: str,
    tensor: Any,
    collections: Any = None,
    new_style: bool = False,
    double_precision: bool = False,
) -> bytes:
    """A scalar summary. Old style (the default) is ``Value{tag, simple_value}``; ``new_style``
    is a rank-0 ``DT_FLOAT`` tensor (``DT_DOUBLE`` with ``double_precision``) with plugin
    ``scalars``. TensorBoard's default data server drops ``DT_DOUBLE`` scalars.

    Args:
        name: the tag.
        tensor: one real number (Python, numpy or torch scalar, one-element array).
        collections: not used (PyTorch's, for TensorFlow compatibility).
        new_style: write a rank-0 tensor with plugin ``scalars``.
        double_precision: with ``new_style``, write float64.
    """
    name = _convert.check_tag(name, "name")
    value = _convert.to_float(tensor, "tensor")
    return _messages.summary([scalar_value(name, value, new_style, double_precision)])


def scalar_value(
    tag: str, value: float, new_style: bool = False, double_precision: bool = False
) -> bytes:
    """The encoded ``Summary.Value`` of one scalar (shared with ``SummaryWriter``).

    Args:
        tag: the tag, already checked.
        value: the value, already a float.
        new_style, double_precision: as in :func:`scalar`.
    """
    if not new_style:
        return _messages.summary_value(tag=tag, simple_value=value)
    if double_precision:
        proto = _messages.tensor_proto(_tensor.DT_DOUBLE, double_val=[value])
    else:
        proto = _messages.tensor_proto(_tensor.DT_FLOAT, float_val=[value])
    return _messages.summary_value(
        tag=tag, tensor=proto, metadata=_messages.summary_metadata(SCALARS)
    )


def tensor_proto(tag: str, tensor: Any) -> bytes:
    """A whole tensor, with plugin name ``tensor`` (as PyTorch's ``add_tensor``).

    Args:
        tag: data identifier.
        tensor: a torch tensor, a numpy array or scalar, a Python number or a nested list;
            under 2 GiB of data (``MAX_ARRAY_BYTES``), as protobuf requires.
    """
    tag = _convert.check_tag(tag)
    dtype_name, shape, flat = _convert.to_tensor(tensor, "tensor")
    if len(flat) * _arrays.ITEMSIZES.get(dtype_name, 8) >= _MAX_TENSOR_BYTES:
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    code, field = _tensor.DTYPES[dtype_name]
    values = _tensor.field_values(dtype_name, flat)
    # field is the dtype's *_val keyword, chosen at run time: mypy cannot tell which one
    proto = _messages.tensor_proto(code, shape, **{field: values})  # type: ignore[arg-type]
    return _messages.summary(
        [
            _messages.summary_value(
                tag=tag, tensor=proto, metadata=_messages.summary_metadata(TENSOR)
            )
        ]
    )


def text(tag: str, text: str) -> bytes:
    """Markdown text: a ``DT_STRING`` tensor of shape [1] under ``<tag>/text_summary``, plugin
    ``text`` (whose ``TextPluginData(version=0)`` content serializes to nothing).

    Args:
        tag: data identifier.
        text: the Markdown text.
    """
    tag = _convert.check_tag(tag)
    if not isinstance(text, str):
        raise TypeError("text_string must be a str, not %s" % type(text).__name__)
    proto = _messages.tensor_proto(_tensor.DT_STRING, [1], string_val=[text.encode("utf-8")])
    return _messages.summary(
        [
            _messages.summary_value(
                tag=tag + "/text_summary", tensor=proto, metadata=_messages.summary_metadata(TEXT)
            )
        ]
    )


def custom_scalars(layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> bytes:
    """The custom-scalars dashboard layout. Order is kept.

    Args:
        layout: ``{category: {chart_title: [kind, tags]}}``; kind ``"Margin"`` takes exactly
            three tags (value, lower, upper), any other kind makes a multiline chart of the
            given tag regexes.
    """
    if not hasattr(layout, "items"):
        raise TypeError(
            "layout must be a dict {category: {title: [kind, tags]}}, not %s"
            % type(layout).__name__
        )
    categories = []
    for category_title, charts in layout.items():
        category_title = _convert.check_tag(category_title, "layout category")
        if not hasattr(charts, "items"):
            raise TypeError("layout[%r] must be a dict {title: [kind, tags]}" % category_title)
        encoded = [
            _chart(category_title, _convert.check_tag(title, "layout chart title"), spec)
            for title, spec in charts.items()
        ]
        categories.append(_messages.category(category_title, encoded))
    proto = _messages.tensor_proto(_tensor.DT_STRING, (), string_val=[_messages.layout(categories)])
    return _messages.summary(
        [
            _messages.summary_value(
                tag=CUSTOM_SCALARS_TAG,
                tensor=proto,
                metadata=_messages.summary_metadata(CUSTOM_SCALARS),
            )
        ]
    )


def _chart(category_title: str, chart_title: str, spec: Any) -> bytes:
    where = "layout[%r][%r]" % (category_title, chart_title)
    if not isinstance(spec, (list, tuple)) or len(spec) != 2:
        raise ValueError("%s must be [kind, tags]" % where)
    kind, tags = spec
    if not isinstance(tags, (list, tuple)) or not all(isinstance(t, str) for t in tags):
        raise TypeError("%s: tags must be a list of str, not %r" % (where, tags))
    tags = list(tags)
    if kind == "Margin":
        if len(tags) != 3:
            raise ValueError(
                "%s: a Margin chart takes 3 tags (value, lower, upper), got %d" % (where, len(tags))
            )
        return _messages.chart(chart_title, margin=_messages.margin_chart_content([tags]))
    return _messages.chart(chart_title, multiline=_messages.multiline_chart_content(tags))


# hparams/metadata.py: PLUGIN_NAME and the three summary tags
HPARAMS = "hparams"
EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_INFO_TAG = "_hparams_/session_start_info"
SESSION_END_INFO_TAG = "_hparams_/session_end_info"


def hparams(
    hparam_dict: Optional[Mapping[str, Any]] = None,
    metric_dict: Optional[Mapping[str, Any]] = None,
    hparam_domain_discrete: Optional[Mapping[str, Sequence[Any]]] = None,
) -> Tuple[bytes, bytes, bytes]:
    """The three summaries of one hyperparameter session, ``(experiment, session_start_info,
    session_end_info)``, as PyTorch builds them (value-less ``Summary.Value`` s carrying
    ``HParamsPluginData``), except that:

    * ``hparam_dict`` and ``metric_dict`` may be any mapping (PyTorch: ``dict`` only);
    * values may be bool, int, float, str, ``None`` (skipped) or a numpy/torch scalar or
      one-element array; booleans are written as ``bool_value`` of type ``DATA_TYPE_BOOL``
      (PyTorch writes them as the number 1.0);
    * ``hparam_domain_discrete`` maps a name to the list of values it can take.

    The experiment lists ``metric_dict``'s keys as the session's metric tags.

    Args:
        hparam_dict: hyperparameter name -> value. ``None`` raises ``TypeError``, as in
            PyTorch (the defaults are PyTorch's signature, not usable values).
        metric_dict: metric tag -> value (only the keys are used here).
        hparam_domain_discrete: name -> the list of values it can take, or None.
    """
    hparam_dict = _mapping(hparam_dict, "hparam_dict", none_ok=False)
    metric_dict = _mapping(metric_dict, "metric_dict", none_ok=False)
    domains = _mapping(hparam_domain_discrete, "hparam_domain_discrete")
    session, infos = [], []
    values = {}
    for key, value in hparam_dict.items():
        key = _convert.check_tag(key, "hparam_dict key")
        value = _hparam_value(value, "hparam_dict[%r]" % key)
        values[key] = value
    for key, domain in domains.items():
        if key not in values:
            raise TypeError(
                "parameter: hparam_domain_discrete[%r] names no entry of hparam_dict" % (key,)
            )
        if isinstance(domain, (str, bytes)) or not hasattr(domain, "__iter__"):
            raise TypeError(
                "parameter: hparam_domain_discrete[%r] should be a list of values" % (key,)
            )
    for key, value in values.items():
        if value is None:
            continue  # as PyTorch: a None hyperparameter is left out
        kind = _hparam_kind(value)
        domain = None
        if key in domains:
            domain = [_hparam_value(d, "hparam_domain_discrete[%r]" % key) for d in domains[key]]
            if any(d is None or _hparam_kind(d) != kind for d in domain):
                raise TypeError(
                    "parameter: hparam_domain_discrete[%r] should be a list of "
                    "the same type as hparam_dict[%r]" % (key, key)
                )
        session.append((key, value))
        infos.append(_messages.hparam_info(key, kind, domain))
    metrics = [_messages.metric_info(_convert.check_tag(k, "metric_dict key")) for k in metric_dict]
    return (
        _hparams_summary(
            EXPERIMENT_TAG,
            _messages.hparams_plugin_data(experiment=_messages.experiment(infos, metrics)),
        ),
        _hparams_summary(
            SESSION_START_INFO_TAG,
            _messages.hparams_plugin_data(session_start_info=_messages.session_start_info(session)),
        ),
        _hparams_summary(
            SESSION_END_INFO_TAG,
            _messages.hparams_plugin_data(
                session_end_info=_messages.session_end_info(_messages.STATUS_SUCCESS)
            ),
        ),
    )


def _mapping(value: Any, name: str, none_ok: bool = True) -> Mapping[Any, Any]:
    if value is None and none_ok:
        return {}
    if not hasattr(value, "items"):
        raise TypeError(
            "parameter: %s should be a dictionary, not %s" % (name, type(value).__name__)
        )
    mapping: Mapping[Any, Any] = value
    return mapping


def _hparam_value(value: Any, name: str) -> Any:
    """A hyperparameter as a Python bool, float, str or None."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)  # a str subclass (numpy.str_) as a plain str
    if isinstance(value, (int, float)):
        return float(value)
    if hasattr(value, "item") and hasattr(value, "dtype"):  # numpy/torch scalar or 1-element
        shape = tuple(getattr(value, "shape", ()))
        size = 1
        for n in shape:
            size *= int(n)
        if size != 1:
            raise ValueError("%s must hold one value, not an array of shape %s" % (name, shape))
        item = value.item()
        if isinstance(item, (bool, int, float, str)):
            return _hparam_value(item, name)
    if hasattr(type(value), "__float__") and not isinstance(value, complex):
        return float(value)  # Decimal, Fraction
    raise ValueError(
        "%s must be a bool, number, str or None, not %s (pass str(value) to log "
        "it as text)" % (name, type(value).__name__)
    )


def _hparam_kind(value: Any) -> int:
    if isinstance(value, bool):
        return _messages.DATA_TYPE_BOOL
    if isinstance(value, str):
        return _messages.DATA_TYPE_STRING
    return _messages.DATA_TYPE_FLOAT64


def _hparams_summary(tag: str, content: bytes) -> bytes:
    return _messages.summary(
        [_messages.summary_value(tag=tag, metadata=_messages.summary_metadata(HPARAMS, content))]
    )


def histogram_raw(
    name: str,
    min: Any,
    max: Any,
    num: Any,
    sum: Any,
    sum_squares: Any,
    bucket_limits: Any,
    bucket_counts: Any,
) -> bytes:
    """A histogram from its statistics.

    Args:
        name: the tag.
        min, max, num, sum, sum_squares: the statistics, real numbers.
        bucket_limits: ``bucket_limits[k]`` is the right edge of bucket k (increasing).
        bucket_counts: ``bucket_counts[k]`` is bucket k's count (not negative).

    Shape:
        ``bucket_limits`` and ``bucket_counts``: (K,) each, the same K.
    """
    return _histogram_raw_summary(
        name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, "name"
    )


def _histogram_raw_summary(
    tag: Any,
    min: Any,
    max: Any,
    num: Any,
    sum: Any,
    sum_squares: Any,
    bucket_limits: Any,
    bucket_counts: Any,
    tag_name: str,
) -> bytes:
    tag = _convert.check_tag(tag, tag_name)
    stats = [
        _convert.to_float(v, n)
        for v, n in (
            (min, "min"),
            (max, "max"),
            (num, "num"),
            (sum, "sum"),
            (sum_squares, "sum_squares"),
        )
    ]
    limits = [_convert.to_float(v, "bucket_limits") for v in _flat(bucket_limits, "bucket_limits")]
    counts = [_convert.to_float(v, "bucket_counts") for v in _flat(bucket_counts, "bucket_counts")]
    if len(limits) != len(counts):
        raise ValueError(
            "len(bucket_limits) != len(bucket_counts): %d and %d" % (len(limits), len(counts))
        )
    if any(x != x for x in limits) or any(b < a for a, b in zip(limits, limits[1:])):
        raise ValueError("bucket_limits must be increasing (and not NaN)")
    if any(not c >= 0 for c in counts):
        raise ValueError("bucket_counts must not be negative (or NaN)")
    proto = _messages.histogram_proto(*stats, bucket_limit=limits, bucket=counts)
    return _messages.summary([_messages.summary_value(tag=tag, histo=proto)])


def _flat(value: Any, name: str) -> List[Any]:
    return list(_arrays.as_array(value, name, pixels=False).data)


def histogram(name: str, values: Any, bins: Any, max_bins: Optional[int] = None) -> bytes:
    """A histogram of ``values``, binned as PyTorch does. NaN and infinite values are left out
    of the buckets and the statistics (with a warning); PyTorch lets them turn min, max and
    sum into NaN.

    Args:
        name: the tag.
        values: any array-like (flattened); not empty.
        bins: 'tensorflow' (PyTorch's default edges), an int (at most
            ``MAX_HISTOGRAM_BINS``), a numpy estimator name ('auto', 'fd', 'doane', 'scott',
            'stone', 'rice', 'sturges', 'sqrt') or an increasing list of edges.
        max_bins: merge neighbouring bins as PyTorch does when there are more.

    Shape:
        values: any shape, flattened (at least one element).
    """
    return _histogram_summary(name, values, bins, max_bins, "values")


def _histogram_summary(tag: Any, values: Any, bins: Any, max_bins: Any, name: str) -> bytes:
    tag = _convert.check_tag(tag)
    return _messages.summary(
        [_messages.summary_value(tag=tag, histo=_histogram_proto(values, bins, max_bins, name))]
    )


def make_histogram(values: Any, bins: Any, max_bins: Optional[int] = None) -> bytes:
    """The serialized ``HistogramProto`` of ``values``.

    Args:
        values: any array-like (flattened); not empty.
        bins: as in :func:`histogram`.
        max_bins: as in :func:`histogram`.

    Shape:
        values: any shape, flattened (at least one element).
    """
    return _histogram_proto(values, bins, max_bins, "values")


def _histogram_proto(values: Any, bins: Any, max_bins: Any, name: str) -> bytes:
    from . import _histogram

    arr = _arrays.as_array(values, name, pixels=False)
    if arr.size == 0:
        raise ValueError("%s has no element: a histogram needs at least one value" % name)
    if max_bins is not None:
        max_bins = _convert.to_step(max_bins, "max_bins")
    if bins is None or isinstance(bins, (float, complex)):  # numpy's TypeError
        raise TypeError(
            "bins must be an int, a str or a list of edges, not %s" % type(bins).__name__
        )
    if not isinstance(bins, (str, int)):
        bins = [_convert.to_float(v, "bins") for v in _flat(bins, "bins")]
    h = None
    if arr.host is not None:  # a numpy array: sorted and counted by its own methods
        h = _histogram.make_histogram_array(arr.host, arr.dtype, bins, max_bins)
    if h is None:
        data = arr.data
        if type(data) is not list or arr.dtype != "float64":  # a list of floats as it is
            # floats of a float array come out of tolist() at C speed; others through float()
            f = getattr(data, "typecode", "") in ("f", "d")
            data = data.tolist() if f else list(map(float, data))
        h = _histogram.make_histogram(data, bins, max_bins)
    if h.get("nonfinite"):
        _convert.warn_caller(
            "%s: %d NaN or infinite values were left out of the histogram" % (name, h["nonfinite"])
        )
    return _messages.histogram_proto(
        min=h["min"],
        max=h["max"],
        num=h["num"],
        sum=h["sum"],
        sum_squares=h["sum_squares"],
        bucket_limit=h["bucket_limit"],
        bucket=list(map(float, h["bucket"])),
    )


def image(tag: str, tensor: Any, rescale: Any = 1, dataformats: str = "NCHW") -> bytes:
    """An image summary, encoded as PNG.

    Args:
        tag: data identifier.
        tensor: the image (any array-like); uint8 is taken as is, every other type scaled by
            255 in float32, clipped and truncated, as PyTorch does.
        rescale: resize factor (Lanczos, as Pillow's); the summary keeps the original size.
        dataformats: any order of HW, CHW or NCHW (upper or lower case); 4 letters make
            PyTorch's 8-column grid.

    Shape:
        ``tensor``: as ``dataformats`` says, e.g. (3, H, W) for ``CHW``; C is 1 (grey), 2
        (grey, alpha), 3 (RGB) or 4 (RGBA). At most ``MAX_IMAGE_PIXELS`` pixels.
    """
    return _image_summary(tag, tensor, rescale, dataformats, "tensor")


def _image_summary(tag: Any, tensor: Any, rescale: Any, dataformats: Any, name: str) -> bytes:
    tag = _convert.check_tag(tag)
    h, w, c, pixels = _image.image_hwc(tensor, dataformats, name)
    return _messages.summary(
        [_messages.summary_value(tag=tag, image=_make_image(pixels, h, w, c, rescale))]
    )


def image_boxes(
    tag: str,
    tensor_image: Any,
    tensor_boxes: Any,
    rescale: Any = 1,
    dataformats: str = "CHW",
    labels: Optional[Sequence[str]] = None,
) -> bytes:
    """An image with boxes drawn on it in red, 2 pixels wide, each with an optional label
    (tinytb's built-in bitmap font), as PyTorch draws them.

    Args:
        tag: data identifier.
        tensor_image: the image, as in :func:`image`.
        tensor_boxes: the boxes ``(xmin, ymin, xmax, ymax)`` in pixels.
        rescale: resize factor, applied after drawing.
        dataformats: the image's layout (``HW``, ``CHW``, ``HWC``...).
        labels: one str per box (dropped if their number differs, as in PyTorch).

    Shape:
        ``tensor_image``: as ``dataformats`` says; ``tensor_boxes``: (N, 4).
    """
    return _image_boxes_summary(
        tag,
        tensor_image,
        tensor_boxes,
        rescale,
        dataformats,
        labels,
        ("tensor_image", "tensor_boxes"),
    )


def _image_boxes_summary(
    tag: Any,
    tensor_image: Any,
    tensor_boxes: Any,
    rescale: Any,
    dataformats: Any,
    labels: Any,
    names: Tuple[str, str],
) -> bytes:
    tag = _convert.check_tag(tag)
    h, w, c, pixels = _image.image_hwc(tensor_image, dataformats, names[0])
    boxes = _image.boxes(tensor_boxes, names[1])
    return _messages.summary(
        [
            _messages.summary_value(
                tag=tag, image=_make_image(pixels, h, w, c, rescale, boxes, _labels(labels))
            )
        ]
    )


def _labels(labels: Any) -> Optional[List[str]]:
    if labels is None:
        return None
    if isinstance(labels, str):
        return [labels]
    if not isinstance(labels, (list, tuple)):
        raise TypeError("labels must be a list of str, not %s" % type(labels).__name__)
    for i, label in enumerate(labels):
        if isinstance(label, (bytes, bytearray)) or not hasattr(type(label), "__str__"):
            raise TypeError("labels[%d] must be a str, not %s" % (i, type(label).__name__))
    return [str(label) for label in labels]


def draw_boxes(disp_image: Any, boxes: Any, labels: Optional[Sequence[str]] = None) -> memoryview:
    """``disp_image`` with ``boxes`` drawn, as a ``memoryview`` of shape (H, W, C)
    (``numpy.asarray`` takes it without a copy).

    Args:
        disp_image: uint8 image, 3 or 4 channels.
        boxes: ``(xmin, ymin, xmax, ymax)`` per box, in pixels.
        labels: one str per box, or None.

    Shape:
        ``disp_image``: (H, W, C); ``boxes``: (N, 4).
    """
    arr = _arrays.as_array(disp_image, "disp_image")
    if len(arr.shape) != 3 or arr.dtype != "uint8" or arr.shape[2] not in (3, 4):
        raise ValueError(
            "disp_image must be uint8 of shape (H, W, 3 or 4), got %s %s" % (arr.dtype, arr.shape)
        )
    h, w, c = arr.shape
    pixels = bytearray(arr.data)
    from . import _draw

    _draw.draw_boxes(pixels, w, h, c, _image.boxes(boxes), labels)
    return memoryview(pixels).cast("B", (h, w, c))


def make_image(
    tensor: Any, rescale: Any = 1, rois: Any = None, labels: Optional[Sequence[str]] = None
) -> bytes:
    """The serialized ``Summary.Image`` of an image, optionally with boxes ``rois``, resized by
    ``rescale`` (Lanczos, as Pillow's); height and width stay the original ones, as in
    PyTorch.

    Args:
        tensor: the image; uint8 as is, other types scaled by 255.
        rescale: resize factor.
        rois: boxes ``(xmin, ymin, xmax, ymax)`` to draw, or None.
        labels: one str per box, or None.

    Shape:
        ``tensor``: (H, W, C), C in 1..4; ``rois``: (N, 4).
    """
    arr = _arrays.as_array(tensor, "tensor")
    if len(arr.shape) != 3 or arr.shape[2] not in (1, 2, 3, 4) or 0 in arr.shape:
        raise ValueError("tensor must have shape (H, W, C) with C in 1..4, got %s" % (arr.shape,))
    h, w, c = arr.shape
    _image.check_pixels(h, w, "tensor")
    pixels = _image.to_uint8(arr)
    return _make_image(
        pixels,
        h,
        w,
        c,
        rescale,
        None if rois is None else _image.boxes(rois, "rois"),
        _labels(labels),
    )


def _make_image(
    pixels: bytes,
    h: int,
    w: int,
    c: int,
    rescale: Any = 1,
    boxes: Optional[List[Any]] = None,
    labels: Optional[List[str]] = None,
) -> bytes:
    new_w, new_h = _image.scaled_size(w, h, _convert.to_real(rescale, "rescale"))
    return _messages.image(h, w, c, _image.render_png(pixels, h, w, c, new_w, new_h, boxes, labels))


def video(tag: str, tensor: Any, fps: Any = 4) -> bytes:
    """A video summary: the batch tiled into PyTorch's grid, encoded as an animated GIF
    (frame delay ``round(100 / fps)`` centiseconds, looping forever). Unlike PyTorch's, it
    needs no moviepy and always writes the video.

    Args:
        tag: data identifier.
        tensor: the videos; uint8 as 0-255, other types as [0, 1].
        fps: frames per second, a positive number.

    Shape:
        ``tensor``: (N, T, C, H, W), C in 1..4.
    """
    return _video_summary(tag, tensor, fps, "tensor")


def _video_summary(tag: Any, tensor: Any, fps: Any, name: str) -> bytes:
    tag = _convert.check_tag(tag)
    fps = _fps(fps)
    h, w, c, frames = _image.video_frames(tensor, name)
    return _messages.summary(
        [
            _messages.summary_value(
                tag=tag, image=_messages.image(h, w, c, _image.encode_gif(frames, h, w, c, fps))
            )
        ]
    )


def make_video(tensor: Any, fps: Any) -> bytes:
    """The serialized ``Summary.Image`` holding a GIF of ``tensor``.

    Args:
        tensor: the frames, uint8 (other types are scaled by 255).
        fps: frames per second, a positive number.

    Shape:
        ``tensor``: (T, H, W, C), C in 1..4.
    """
    fps = _fps(fps)
    arr = _arrays.as_array(tensor, "tensor")
    if len(arr.shape) != 4 or arr.shape[3] not in (1, 2, 3, 4) or 0 in arr.shape:
        raise ValueError(
            "tensor must have shape (T, H, W, C) with C in 1..4, got %s" % (arr.shape,)
        )
    t, h, w, c = arr.shape
    _image.check_pixels(h, w, "tensor")
    data = _image.to_uint8(arr)
    size = h * w * c
    frames = [data[i * size : (i + 1) * size] for i in range(t)]
    return _messages.image(h, w, c, _image.encode_gif(frames, h, w, c, fps))


def _fps(fps: Any) -> float:
    value = _convert.to_real(fps, "fps")
    if not value > 0 or value == math.inf:
        raise ValueError("fps must be a positive number, got %r" % (fps,))
    return value


def audio(tag: str, tensor: Any, sample_rate: Any = 44100) -> bytes:
    """An audio clip: ``tensor`` of shape (L,) (any size-1 dimensions are squeezed, as PyTorch
    does) or (L, 2) for stereo (as tensorboardX accepts; PyTorch refuses it), values in
    [-1, 1]. Louder input is clipped, with a warning. Samples become 16-bit PCM as PyTorch
    computes them (``x * 32767`` in the input's float type, truncated), in a WAV file written
    by the standard ``wave`` module.

    Args:
        tag: data identifier.
        tensor: the clip, values in [-1, 1]; at most ``MAX_AUDIO_SAMPLES`` samples.
        sample_rate: in Hz, positive, at most ``MAX_SAMPLE_RATE``.

    Shape:
        ``tensor``: (L,) mono or (L, 2) stereo.
    """
    return _audio_summary(tag, tensor, sample_rate, "tensor")


def _audio_summary(tag: Any, tensor: Any, sample_rate: Any, name: str) -> bytes:
    from . import _audio

    tag = _convert.check_tag(tag)
    rate = _audio.sample_rate(sample_rate)
    arr = _arrays.as_array(tensor, name, pixels=False)
    channels = _audio.channels(arr.shape, arr.size, name)
    # no name holds the samples or the WAV: each full-size buffer is freed as soon as the
    # next one is made (peak: the three copies the nested messages' joins make)
    return _messages.summary(
        [
            _messages.summary_value(
                tag=tag,
                audio=_messages.audio(
                    rate,
                    channels,
                    arr.size // channels,
                    _audio.wav(_audio.samples(arr, name), channels, rate),
                    "audio/wav",
                ),
            )
        ]
    )


PR_CURVES = "pr_curves"
_MAX_THRESHOLDS = 127  # PyTorch's cap ("value > 127 breaks protobuf", which it does not)


def pr_curve_raw(
    tag: str,
    tp: Any,
    fp: Any,
    tn: Any,
    fn: Any,
    precision: Any,
    recall: Any,
    num_thresholds: int = 127,
    weights: Any = None,
) -> bytes:
    """A PR curve from its six rows, one column per threshold.

    Args:
        tag: data identifier.
        tp, fp, tn, fn: true/false positive/negative counts.
        precision, recall: precision and recall.
        num_thresholds: written to the plugin data, capped at 127 as PyTorch caps it; should
            equal the rows' length (a warning says when it does not). At least 1.
        weights: not used, as in PyTorch.

    Shape:
        the six rows: (T,) each, the same T.
    """
    tag = _convert.check_tag(tag)
    names = (
        "true_positive_counts",
        "false_positive_counts",
        "true_negative_counts",
        "false_negative_counts",
        "precision",
        "recall",
    )
    rows = [
        [_convert.to_float(x, n) for x in _flat(v, n)]
        for v, n in zip((tp, fp, tn, fn, precision, recall), names)
    ]
    width = len(rows[0])
    for row, n in zip(rows, names):
        if len(row) != width:
            raise ValueError(
                "%s has %d values where %s has %d: the six rows must have "
                "equal lengths" % (n, len(row), names[0], width)
            )
    num_thresholds = _thresholds(num_thresholds)
    if width != num_thresholds:
        _convert.warn_caller(
            "add_pr_curve_raw: the rows have %d values but num_thresholds "
            "is %d; TensorBoard places the thresholds by num_thresholds" % (width, num_thresholds)
        )
    return _pr_curve_value(tag, rows, num_thresholds)


def pr_curve(
    tag: str, labels: Any, predictions: Any, num_thresholds: int = 127, weights: Any = None
) -> bytes:
    """A PR curve of ``predictions`` against ``labels``; the data are PyTorch's
    ``compute_curve`` exactly.

    Args:
        tag: data identifier.
        labels: true/false, or 1/0 (any array-like; flattened).
        predictions: probabilities in [0, 1], one per label.
        num_thresholds: evenly spaced thresholds, at least 1, capped at 127 as in PyTorch.
        weights: None, one number, or one weight per label.

    Shape:
        ``labels`` and ``predictions``: the same number of elements (N).
    """
    tag = _convert.check_tag(tag)
    num_thresholds = _thresholds(num_thresholds)
    return _pr_curve_value(
        tag, compute_curve(labels, predictions, num_thresholds, weights), num_thresholds
    )


def compute_curve(
    labels: Any, predictions: Any, num_thresholds: Optional[int] = None, weights: Any = None
) -> List[List[float]]:
    """The six rows (tp, fp, tn, fn, precision, recall) of a PR curve, as lists of floats
    (PyTorch returns them as one (6, num_thresholds) float64 array); column i counts the
    predictions >= i / (num_thresholds - 1).

    Args:
        labels, predictions, weights: as in :func:`pr_curve`.
        num_thresholds: at least 1; ``None`` means 127.
    """
    from . import _pr_curve

    if num_thresholds is None:
        num_thresholds = _MAX_THRESHOLDS
    num_thresholds = _convert.to_step(num_thresholds, "num_thresholds")
    labels = _arrays.as_array(labels, "labels", pixels=False)
    predictions = _arrays.as_array(predictions, "predictions", pixels=False)
    per_item = None
    if isinstance(weights, (int, float)):
        weights = float(weights)
    elif weights is not None:  # one weight per item, or one for all (numpy broadcasts it)
        per_item = _arrays.as_array(weights, "weights", pixels=False)
        weights = per_item.host
    if (
        labels.host is not None
        and predictions.host is not None
        and (per_item is None or per_item.host is not None)
    ):  # the callers' numpy arrays, through their own methods
        rows = _pr_curve.compute_curve_host(
            labels.host, labels.dtype, predictions.host, predictions.dtype, num_thresholds, weights
        )
        if rows is not None:
            return rows
    if per_item is not None:
        weights = _numbers(per_item)
    # the reference path, one Python number per item; numpy computes predictions * (T - 1)
    # in the predictions' own float type
    return _pr_curve.compute_curve(
        _numbers(labels),
        _numbers(predictions),
        num_thresholds,
        weights,
        float32=predictions.dtype in ("float32", "bfloat16"),
        float16=predictions.dtype == "float16",
    )


def _numbers(arr: Any) -> Any:
    return list(arr.data) if arr.dtype == "uint8" else arr.data


def _thresholds(num_thresholds: Any) -> int:
    count = _convert.to_step(num_thresholds, "num_thresholds")
    if count < 1:
        raise ValueError("num_thresholds must be at least 1, not %d" % count)
    return min(count, _MAX_THRESHOLDS)


def _pr_curve_value(tag: str, rows: List[List[float]], num_thresholds: int) -> bytes:
    flat = [v for row in rows for v in row]
    proto = _messages.tensor_proto(_tensor.DT_FLOAT, [len(rows), len(rows[0])], float_val=flat)
    return _messages.summary(
        [
            _messages.summary_value(
                tag=tag,
                tensor=proto,
                metadata=_messages.summary_metadata(
                    PR_CURVES, _messages.pr_curve_plugin_data(num_thresholds)
                ),
            )
        ]
    )


# PyTorch's summary module has these two: the 32-bit pattern of a float32, and back. (Despite
# the names they are float32 bits; PyTorch wrote half tensors' half_val with them.)
_FLOAT32 = struct.Struct("<f")
_INT32 = struct.Struct("<i")


def half_to_int(f: float) -> int:
    """The bits of ``f`` as a float32, read as a signed 32-bit int, exactly as PyTorch's
    ``half_to_int`` (``struct.unpack("i", struct.pack("f", f))[0]``).

    Args:
        f: a real number within float32's range (it is rounded to float32).
    """
    if isinstance(f, (str, bytes, bytearray)) or not hasattr(type(f), "__float__"):
        raise TypeError("f must be a number, not %s" % type(f).__name__)
    try:
        return int(_INT32.unpack(_FLOAT32.pack(float(f)))[0])
    except (OverflowError, struct.error):
        raise ValueError("f=%r is outside float32's range" % (f,)) from None


def int_to_half(i: int) -> float:
    """The float32 whose bits are the signed 32-bit int ``i``: the inverse of
    :func:`half_to_int`, as PyTorch's ``int_to_half``.

    Args:
        i: an int in [-2**31, 2**31).
    """
    try:
        value = operator.index(i)
    except TypeError:
        raise TypeError("i must be an int, not %s" % type(i).__name__) from None
    if not -(1 << 31) <= value < (1 << 31):
        raise ValueError("i=%d does not fit in 32 bits" % value)
    return float(_FLOAT32.unpack(_INT32.pack(value))[0])


MESH = "mesh"
_MESH_PARTS = (
    ("vertices", _messages.MESH_VERTEX, "VERTEX"),
    ("faces", _messages.MESH_FACE, "FACE"),
    ("colors", _messages.MESH_COLOR, "COLOR"),
)


def mesh(
    tag: str,
    vertices: Any,
    colors: Any,
    faces: Any,
    config_dict: Optional[Mapping[str, Any]],
    display_name: Optional[str] = None,
    description: Optional[str] = None,
) -> bytes:
    """A 3D mesh: one ``Summary`` holding up to three ``DT_FLOAT`` tensors, in the order
    vertices, faces, colors (those given), tagged ``<tag>_VERTEX``, ``<tag>_FACE`` and
    ``<tag>_COLOR`` with plugin ``mesh``, as PyTorch writes them.

    Args:
        tag: data identifier.
        vertices: vertex coordinates (required).
        colors: RGB 0-255 per vertex, or None.
        faces: vertex indices of each triangle, or None.
        config_dict: the three.js scene settings (JSON-serialisable, no NaN), or None.
        display_name, description: written to the summary metadata.

    Shape:
        ``vertices``: (B, N, 3); ``colors``: (B, N, 3); ``faces``: (B, F, 3).
    """
    tag = _convert.check_tag(tag)
    if vertices is None:
        raise ValueError("vertices is required")
    json_config = _json_config(config_dict)
    parts = _mesh_parts({"vertices": vertices, "faces": faces, "colors": colors})
    components = 0
    for _, content_type, _, _ in parts:
        components |= 1 << content_type
    values = []
    for _, content_type, suffix, arr in parts:
        proto = _messages.tensor_proto(
            _tensor.DT_FLOAT, arr.shape, float_val=[float(v) for v in _numbers(arr)]
        )
        metadata = _messages.summary_metadata(
            MESH,
            _messages.mesh_plugin_data(tag, content_type, json_config, arr.shape, components),
            display_name=display_name or "",
            summary_description=description or "",
        )
        values.append(
            _messages.summary_value(tag="%s_%s" % (tag, suffix), tensor=proto, metadata=metadata)
        )
    return _messages.summary(values)


def _json_config(config_dict: Any) -> str:
    import json

    if config_dict is None:
        return "{}"
    try:  # NaN would make JSON that the dashboard's JSON.parse refuses
        return json.dumps(config_dict, sort_keys=True, allow_nan=False)
    except TypeError as err:
        raise TypeError("config_dict must be JSON-serialisable: %s" % err) from None
    except ValueError as err:
        raise ValueError("config_dict must be JSON-serialisable: %s" % err) from None


def _mesh_parts(given: Dict[str, Any]) -> List[Tuple[str, int, str, Any]]:
    parts = []
    for name, content_type, suffix in _MESH_PARTS:
        if given[name] is None:
            continue
        arr = _arrays.as_array(given[name], name, pixels=False)
        if len(arr.shape) != 3 or arr.shape[2] != 3:
            raise ValueError("%s must have shape (B, N, 3), not %s" % (name, arr.shape))
        parts.append((name, content_type, suffix, arr))
    shape = parts[0][3].shape
    for name, _, _, arr in parts[1:]:
        if arr.shape[0] != shape[0] or (name == "colors" and arr.shape != shape):
            raise ValueError(
                "%s has shape %s, which does not fit vertices of shape %s"
                % (name, arr.shape, shape)
            )
        if (
            name == "faces"
            and arr.size
            and not 0 <= min(_numbers(arr)) <= max(_numbers(arr)) < shape[1]
        ):
            raise ValueError("faces must hold vertex indices in [0, %d)" % shape[1])
    return parts
