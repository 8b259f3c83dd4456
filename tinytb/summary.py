# SPDX-License-Identifier: MIT
"""Summary builders, one per summary kind, as in ``torch.utils.tensorboard.summary``.

Each function takes the same arguments as PyTorch's and returns the serialized ``Summary``
message as ``bytes`` (PyTorch returns a protobuf object; ``FileWriter.add_summary`` accepts
either). The layouts are PyTorch's, byte for byte (torch-writer-reference.md sections 3 and 5),
except where PyTorch's output is a bug TensorBoard cannot read (see ``_tensor``).
"""

import sys

from . import _arrays, _convert, _image, _messages, _tensor

__all__ = ["scalar", "tensor_proto", "text", "custom_scalars", "hparams", "histogram_raw",
           "histogram", "make_histogram", "image", "image_boxes", "draw_boxes", "make_image",
           "video", "make_video", "audio", "pr_curve_raw", "pr_curve", "compute_curve", "mesh"]

# plugin names (tensorboard/plugins/*/metadata.py PLUGIN_NAME)
SCALARS = "scalars"
TEXT = "text"
CUSTOM_SCALARS = "custom_scalars"
CUSTOM_SCALARS_TAG = "custom_scalars__config__"  # custom_scalar/metadata.py CONFIG_SUMMARY_TAG
TENSOR = "tensor"  # what PyTorch's add_tensor names; not a TensorBoard plugin

# protobufs cap messages at 2 GiB; PyTorch refuses tensors of that size up front.
_MAX_TENSOR_BYTES = 1 << 31
_ITEMSIZE = {"float32": 4, "float64": 8, "float16": 2, "bfloat16": 2, "int8": 1, "int16": 2,
             "int32": 4, "int64": 8, "uint8": 1, "uint16": 2, "uint32": 4, "uint64": 8,
             "bool": 1, "complex64": 8, "complex128": 16}


def scalar(name, tensor, collections=None, new_style=False, double_precision=False):
    """A scalar summary. Old style (the default) is ``Value{tag, simple_value}``; ``new_style``
    is a rank-0 ``DT_FLOAT`` tensor (``DT_DOUBLE`` with ``double_precision``) with plugin
    ``scalars``. TensorBoard's default data server drops ``DT_DOUBLE`` scalars."""
    name = _convert.check_tag(name, "name")
    value = _convert.to_float(tensor, "tensor")
    return _messages.summary([scalar_value(name, value, new_style, double_precision)])


def scalar_value(tag, value, new_style=False, double_precision=False):
    """The encoded ``Summary.Value`` of one scalar (shared with ``add_scalars``)."""
    if not new_style:
        return _messages.summary_value(tag=tag, simple_value=value)
    if double_precision:
        proto = _messages.tensor_proto(_tensor.DT_DOUBLE, double_val=[value])
    else:
        proto = _messages.tensor_proto(_tensor.DT_FLOAT, float_val=[value])
    return _messages.summary_value(tag=tag, tensor=proto,
                                   metadata=_messages.summary_metadata(SCALARS))


def tensor_proto(tag, tensor):
    """A whole tensor, with plugin name ``tensor`` (as PyTorch's ``add_tensor``). ``tensor``:
    a torch tensor, a numpy array or scalar, a Python number or a nested list."""
    tag = _convert.check_tag(tag)
    dtype_name, shape, flat = _convert.to_tensor(tensor, "tensor")
    if len(flat) * _ITEMSIZE.get(dtype_name, 8) >= _MAX_TENSOR_BYTES:
        raise ValueError("tensor is bigger than protocol buffer's hard limit of 2GB in size")
    code, field = _tensor.DTYPES[dtype_name]
    proto = _messages.tensor_proto(code, shape, **{field: _tensor.field_values(dtype_name, flat)})
    return _messages.summary([_messages.summary_value(
        tag=tag, tensor=proto, metadata=_messages.summary_metadata(TENSOR))])


def text(tag, text):
    """Markdown text: a ``DT_STRING`` tensor of shape [1] under ``<tag>/text_summary``, plugin
    ``text`` (whose ``TextPluginData(version=0)`` content serializes to nothing)."""
    tag = _convert.check_tag(tag)
    if not isinstance(text, str):
        raise TypeError("text_string must be a str, not %s" % type(text).__name__)
    proto = _messages.tensor_proto(_tensor.DT_STRING, [1], string_val=[text.encode("utf-8")])
    return _messages.summary([_messages.summary_value(
        tag=tag + "/text_summary", tensor=proto, metadata=_messages.summary_metadata(TEXT))])


def custom_scalars(layout):
    """The custom-scalars dashboard layout: ``{category: {chart_title: [kind, tags]}}`` where
    kind ``"Margin"`` takes exactly three tags (value, lower, upper) and any other kind makes a
    multiline chart of the given tag regexes. Order is kept."""
    if not hasattr(layout, "items"):
        raise TypeError("layout must be a dict {category: {title: [kind, tags]}}, not %s"
                        % type(layout).__name__)
    categories = []
    for category_title, charts in layout.items():
        category_title = _convert.check_tag(category_title, "layout category")
        if not hasattr(charts, "items"):
            raise TypeError("layout[%r] must be a dict {title: [kind, tags]}" % category_title)
        encoded = []
        for chart_title, spec in charts.items():
            chart_title = _convert.check_tag(chart_title, "layout chart title")
            if not isinstance(spec, (list, tuple)) or len(spec) != 2:
                raise ValueError("layout[%r][%r] must be [kind, tags]"
                                 % (category_title, chart_title))
            kind, tags = spec
            if isinstance(tags, str) or not all(isinstance(t, str) for t in tags):
                raise TypeError("layout[%r][%r]: tags must be a list of str"
                                % (category_title, chart_title))
            tags = list(tags)
            if kind == "Margin":
                if len(tags) != 3:
                    raise ValueError("layout[%r][%r]: a Margin chart takes 3 tags (value, "
                                     "lower, upper), got %d" % (category_title, chart_title,
                                                                len(tags)))
                encoded.append(_messages.chart(
                    chart_title, margin=_messages.margin_chart_content([tags])))
            else:
                encoded.append(_messages.chart(
                    chart_title, multiline=_messages.multiline_chart_content(tags)))
        categories.append(_messages.category(category_title, encoded))
    proto = _messages.tensor_proto(_tensor.DT_STRING, (),
                                   string_val=[_messages.layout(categories)])
    return _messages.summary([_messages.summary_value(
        tag=CUSTOM_SCALARS_TAG, tensor=proto,
        metadata=_messages.summary_metadata(CUSTOM_SCALARS))])


# hparams/metadata.py: PLUGIN_NAME and the three summary tags
HPARAMS = "hparams"
EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_INFO_TAG = "_hparams_/session_start_info"
SESSION_END_INFO_TAG = "_hparams_/session_end_info"


def hparams(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None):
    """The three summaries of one hyperparameter session, ``(experiment, session_start_info,
    session_end_info)``, as PyTorch builds them (value-less ``Summary.Value`` s carrying
    ``HParamsPluginData``), except that:

    * ``hparam_dict`` and ``metric_dict`` may be any mapping (PyTorch: ``dict`` only);
    * values may be bool, int, float, str, ``None`` (skipped) or a numpy/torch scalar or
      one-element array; booleans are written as ``bool_value`` of type ``DATA_TYPE_BOOL``
      (PyTorch writes them as the number 1.0);
    * ``hparam_domain_discrete`` maps a name to the list of values it can take.

    The experiment lists ``metric_dict``'s keys as the session's metric tags."""
    hparam_dict = _mapping(hparam_dict, "hparam_dict")
    metric_dict = _mapping(metric_dict, "metric_dict")
    domains = _mapping(hparam_domain_discrete, "hparam_domain_discrete")
    session, infos = [], []
    values = {}
    for key, value in hparam_dict.items():
        key = _convert.check_tag(key, "hparam_dict key")
        value = _hparam_value(value, "hparam_dict[%r]" % key)
        values[key] = value
    for key, domain in domains.items():
        if key not in values:
            raise TypeError("parameter: hparam_domain_discrete[%r] names no entry of "
                            "hparam_dict" % (key,))
        if isinstance(domain, (str, bytes)) or not hasattr(domain, "__iter__"):
            raise TypeError("parameter: hparam_domain_discrete[%r] should be a list of values"
                            % (key,))
    for key, value in values.items():
        if value is None:
            continue  # as PyTorch: a None hyperparameter is left out
        kind = _hparam_kind(value)
        domain = None
        if key in domains:
            domain = [_hparam_value(d, "hparam_domain_discrete[%r]" % key)
                      for d in domains[key]]
            if any(d is None or _hparam_kind(d) != kind for d in domain):
                raise TypeError("parameter: hparam_domain_discrete[%r] should be a list of "
                                "the same type as hparam_dict[%r]" % (key, key))
        session.append((key, value))
        infos.append(_messages.hparam_info(key, kind, domain))
    metrics = [_messages.metric_info(_convert.check_tag(k, "metric_dict key"))
               for k in metric_dict]
    return tuple(_hparams_summary(tag, _messages.hparams_plugin_data(**{field: content}))
                 for tag, field, content in (
                     (EXPERIMENT_TAG, "experiment", _messages.experiment(infos, metrics)),
                     (SESSION_START_INFO_TAG, "session_start_info",
                      _messages.session_start_info(session)),
                     (SESSION_END_INFO_TAG, "session_end_info",
                      _messages.session_end_info(_messages.STATUS_SUCCESS))))


def _mapping(value, name):
    if value is None:
        return {}
    if not hasattr(value, "items"):
        raise TypeError("parameter: %s should be a dictionary, not %s"
                        % (name, type(value).__name__))
    return value


def _hparam_value(value, name):
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
    raise ValueError("%s must be a bool, number, str or None, not %s (pass str(value) to log "
                     "it as text)" % (name, type(value).__name__))


def _hparam_kind(value):
    if isinstance(value, bool):
        return _messages.DATA_TYPE_BOOL
    if isinstance(value, str):
        return _messages.DATA_TYPE_STRING
    return _messages.DATA_TYPE_FLOAT64


def _hparams_summary(tag, content):
    return _messages.summary([_messages.summary_value(
        tag=tag, metadata=_messages.summary_metadata(HPARAMS, content))])


def histogram_raw(name, min, max, num, sum, sum_squares, bucket_limits, bucket_counts):
    """A histogram from its statistics: ``bucket_limits[k]`` is the right edge of bucket k
    (increasing), ``bucket_counts[k]`` its count (not negative); equal lengths."""
    name = _convert.check_tag(name, "name")
    stats = [_convert.to_float(v, n) for v, n in ((min, "min"), (max, "max"), (num, "num"),
                                                  (sum, "sum"), (sum_squares, "sum_squares"))]
    limits = [_convert.to_float(v, "bucket_limits") for v in _flat(bucket_limits,
                                                                  "bucket_limits")]
    counts = [_convert.to_float(v, "bucket_counts") for v in _flat(bucket_counts,
                                                                  "bucket_counts")]
    if len(limits) != len(counts):
        raise ValueError("len(bucket_limits) != len(bucket_counts): %d and %d"
                         % (len(limits), len(counts)))
    if any(b < a for a, b in zip(limits, limits[1:])):
        raise ValueError("bucket_limits must be increasing")
    if any(not c >= 0 for c in counts):
        raise ValueError("bucket_counts must not be negative")
    proto = _messages.histogram_proto(*stats, bucket_limit=limits, bucket=counts)
    return _messages.summary([_messages.summary_value(tag=name, histo=proto)])


def _flat(value, name):
    return list(_arrays.as_array(value, name, pixels=False).data)


def histogram(name, values, bins, max_bins=None):
    """A histogram of ``values`` (any array-like; flattened), binned as PyTorch does:
    ``bins`` is 'tensorflow' (PyTorch's default edges), an int, a numpy estimator name or an
    edge list. NaN and infinite values are left out of the buckets and the statistics (with a
    warning); PyTorch lets them turn min, max and sum into NaN."""
    return _histogram_summary(name, values, bins, max_bins, "values")


def _histogram_summary(tag, values, bins, max_bins, name):
    tag = _convert.check_tag(tag)
    return _messages.summary([_messages.summary_value(
        tag=tag, histo=_histogram_proto(values, bins, max_bins, name))])


def make_histogram(values, bins, max_bins=None):
    """The serialized ``HistogramProto`` of ``values`` (see :func:`histogram`)."""
    return _histogram_proto(values, bins, max_bins, "values")


def _histogram_proto(values, bins, max_bins, name):
    from . import _histogram
    arr = _arrays.as_array(values, name, pixels=False)
    data = arr.data
    if max_bins is not None:
        max_bins = _convert.to_step(max_bins, "max_bins")
    if not isinstance(bins, (str, int)):
        bins = [_convert.to_float(v, "bins") for v in _flat(bins, "bins")]
    # floats of a float array come out of tolist() at C speed; other types through float()
    values = data.tolist() if getattr(data, "typecode", "") in ("f", "d") \
        else list(map(float, data))
    h = _histogram.make_histogram(values, bins, max_bins)
    if h.get("nonfinite"):
        import warnings
        warnings.warn("%s: %d NaN or infinite values were left out of the histogram"
                      % (name, h["nonfinite"]), UserWarning, stacklevel=4)
    return _messages.histogram_proto(
        min=h["min"], max=h["max"], num=h["num"], sum=h["sum"], sum_squares=h["sum_squares"],
        bucket_limit=h["bucket_limit"], bucket=[float(c) for c in h["bucket"]])


def image(tag, tensor, rescale=1, dataformats="NCHW"):
    """An image summary: ``tensor`` in ``dataformats`` (HW, CHW, HWC, NCHW, NHWC or any order;
    4 letters make PyTorch's 8-column grid), uint8 as is, every other dtype scaled by 255 in
    float32, clipped and truncated, as PyTorch does; encoded as PNG."""
    return _image_summary(tag, tensor, rescale, dataformats, "tensor")


def _image_summary(tag, tensor, rescale, dataformats, name):
    tag = _convert.check_tag(tag)
    h, w, c, pixels = _image.image_hwc(tensor, dataformats, name)
    return _messages.summary([_messages.summary_value(
        tag=tag, image=_make_image(pixels, h, w, c, rescale))])


def image_boxes(tag, tensor_image, tensor_boxes, rescale=1, dataformats="CHW", labels=None):
    """An image with boxes ``(xmin, ymin, xmax, ymax)`` drawn on it in red, 2 pixels wide, each
    with an optional label (tinytb's built-in bitmap font), as PyTorch draws them."""
    return _image_boxes_summary(tag, tensor_image, tensor_boxes, rescale, dataformats, labels,
                                ("tensor_image", "tensor_boxes"))


def _image_boxes_summary(tag, tensor_image, tensor_boxes, rescale, dataformats, labels, names):
    tag = _convert.check_tag(tag)
    h, w, c, pixels = _image.image_hwc(tensor_image, dataformats, names[0])
    boxes = _boxes(tensor_boxes, names[1])
    if labels is not None:
        if isinstance(labels, str):
            labels = [labels]
        labels = [str(label) for label in labels]
    return _messages.summary([_messages.summary_value(
        tag=tag, image=_make_image(pixels, h, w, c, rescale, boxes, labels))])


def _boxes(tensor_boxes, name="boxes"):
    arr = _arrays.as_array(tensor_boxes, name)
    if len(arr.shape) != 2 or arr.shape[1] != 4:
        raise ValueError("%s must have shape (N, 4) of (xmin, ymin, xmax, ymax), got shape %s"
                         % (name, arr.shape))
    values = list(arr.data)
    return [tuple(values[i * 4:i * 4 + 4]) for i in range(arr.shape[0])]


def draw_boxes(disp_image, boxes, labels=None):
    """``disp_image`` (HWC uint8, 3 or 4 channels) with ``boxes`` drawn, as a ``memoryview``
    of shape (H, W, C) (``numpy.asarray`` takes it without a copy)."""
    arr = _arrays.as_array(disp_image, "disp_image")
    if len(arr.shape) != 3 or arr.dtype != "uint8" or arr.shape[2] not in (3, 4):
        raise ValueError("disp_image must be uint8 of shape (H, W, 3 or 4), got %s %s"
                         % (arr.dtype, arr.shape))
    h, w, c = arr.shape
    pixels = bytearray(arr.data)
    from . import _draw
    _draw.draw_boxes(pixels, w, h, c, _boxes(boxes), labels)
    return memoryview(pixels).cast("B", (h, w, c))


def make_image(tensor, rescale=1, rois=None, labels=None):
    """The serialized ``Summary.Image`` of an HWC uint8 image (optionally with boxes ``rois``),
    resized by ``rescale`` (Lanczos, as Pillow's); height and width stay the original ones,
    as in PyTorch."""
    arr = _arrays.as_array(tensor, "tensor")
    if len(arr.shape) != 3 or arr.shape[2] not in (1, 2, 3, 4) or 0 in arr.shape:
        raise ValueError("tensor must have shape (H, W, C) with C in 1..4, got %s"
                         % (arr.shape,))
    h, w, c = arr.shape
    pixels = _image.to_uint8(arr)
    return _make_image(pixels, h, w, c, rescale, None if rois is None else _boxes(rois, "rois"),
                       labels)


def _make_image(pixels, h, w, c, rescale=1, boxes=None, labels=None):
    rescale = _convert.to_float(rescale, "rescale")
    new_w, new_h = int(w * rescale), int(h * rescale)
    if new_w < 1 or new_h < 1:
        raise ValueError("rescale=%r makes the %dx%d image empty" % (rescale, w, h))
    if boxes or new_w != w or new_h != h:
        from . import _draw
        # A grey+alpha ("LA") image: Pillow draws on it in the luma of the colour (red is
        # 76) and resamples it as it would the RGBA image (L, L, L, A). So draw on that RGBA
        # image and take the luma with Pillow's formula; resample it as (L, L, L, A) too.
        grey_alpha = c == 2
        if boxes:
            if labels is not None and len(labels) != len(boxes):
                labels = None  # PyTorch drops labels whose count does not match the boxes
            if grey_alpha:
                work = _grey_alpha_to_rgba(pixels)
                _draw.draw_boxes(work, w, h, 4, boxes, labels)
                pixels = _rgba_to_grey_alpha(work)
            else:
                pixels = bytearray(pixels)
                _draw.draw_boxes(pixels, w, h, c, boxes, labels)
        if new_w != w or new_h != h:
            if grey_alpha:
                work = _draw.resize(_grey_alpha_to_rgba(pixels), w, h, 4, new_w, new_h)
                pixels = bytearray(len(work) // 2)
                pixels[0::2], pixels[1::2] = work[0::4], work[3::4]
            else:
                pixels = _draw.resize(pixels, w, h, c, new_w, new_h)
    from . import _png
    return _messages.image(h, w, c, _png.encode_png(pixels, new_w, new_h, c))


def _grey_alpha_to_rgba(pixels):
    out = bytearray(len(pixels) * 2)
    grey = pixels[0::2]
    out[0::4] = out[1::4] = out[2::4] = grey
    out[3::4] = pixels[1::2]
    return out


def _rgba_to_grey_alpha(pixels):
    # Pillow's rgb2l: L = (R * 19595 + G * 38470 + B * 7471 + 0x8000) >> 16 (ITU-R 601 luma)
    out = bytearray(len(pixels) // 2)
    out[0::2] = bytes([(r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16 for r, g, b in
                       zip(pixels[0::4], pixels[1::4], pixels[2::4])])
    out[1::2] = pixels[3::4]
    return out


def video(tag, tensor, fps=4):
    """A video summary: ``tensor`` of shape (N, T, C, H, W), the batch tiled into PyTorch's
    grid, encoded as an animated GIF (frame delay ``round(100 / fps)`` centiseconds, looping
    forever). Unlike PyTorch's, it needs no moviepy and always writes the video."""
    return _video_summary(tag, tensor, fps, "tensor")


def _video_summary(tag, tensor, fps, name):
    tag = _convert.check_tag(tag)
    h, w, c, frames = _image.video_frames(tensor, name)
    return _messages.summary([_messages.summary_value(
        tag=tag, image=_make_video(frames, h, w, c, fps))])


def make_video(tensor, fps):
    """The serialized ``Summary.Image`` holding a GIF of ``tensor``: (T, H, W, C) uint8."""
    arr = _arrays.as_array(tensor, "tensor")
    if len(arr.shape) != 4 or arr.shape[3] not in (1, 2, 3, 4) or 0 in arr.shape:
        raise ValueError("tensor must have shape (T, H, W, C) with C in 1..4, got %s"
                         % (arr.shape,))
    t, h, w, c = arr.shape
    data = _image.to_uint8(arr)
    size = h * w * c
    return _make_video([data[i * size:(i + 1) * size] for i in range(t)], h, w, c, fps)


def _make_video(frames, h, w, c, fps):
    fps = _convert.to_float(fps, "fps")
    if not fps > 0 or fps == float("inf"):
        raise ValueError("fps must be a positive number, got %r" % fps)
    from . import _gif
    gif = _gif.encode_gif([_image.to_rgb(f, c) for f in frames], w, h, fps)
    return _messages.image(h, w, c, gif)


def audio(tag, tensor, sample_rate=44100):
    """An audio clip: ``tensor`` of shape (L,) (any size-1 dimensions are squeezed, as PyTorch
    does) or (L, 2) for stereo (as tensorboardX accepts; PyTorch refuses it), values in
    [-1, 1]. Louder input is clipped, with a warning. Samples become 16-bit PCM as PyTorch
    computes them (``x * 32767`` in the input's float type, truncated), in a WAV file written
    by the standard ``wave`` module."""
    return _audio_summary(tag, tensor, sample_rate, "tensor")


def _audio_summary(tag, tensor, sample_rate, name):
    tag = _convert.check_tag(tag)
    rate = _convert.to_float(sample_rate, "sample_rate")
    if not rate > 0 or rate == float("inf"):
        raise ValueError("sample_rate must be a positive number, got %r" % (sample_rate,))
    arr = _arrays.as_array(tensor, name, pixels=False)
    shape = [n for n in arr.shape if n != 1]
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 2):
        channels = 1 if len(shape) == 1 else 2
    elif not shape and arr.size == 1:
        channels = 1  # one sample
    else:
        raise ValueError("%s must be mono (L,) or stereo (L, 2) audio; got shape %s"
                         % (name, arr.shape))
    values = arr.data
    if arr.dtype == "uint8":
        values = list(values)
    if values and (max(values) > 1 or min(values) < -1):
        # (PyTorch skips clipping altogether when the clip holds a NaN, since abs(x).max() is
        # then NaN; tinytb clips the loud samples anyway: NaN stays NaN and is written as 0.)
        import warnings
        warnings.warn("%s: audio amplitude out of range [-1, 1], clipped" % name, UserWarning,
                      stacklevel=3)
        values = [v if -1 <= v <= 1 else (1 if v > 1 else (-1 if v < -1 else v))
                  for v in values]
    samples = _pcm16(values, arr.dtype)
    frames = len(samples) // channels
    import io
    import wave
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(channels)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.tobytes() if sys.byteorder == "little"
                        else _swapped(samples))
    return _messages.summary([_messages.summary_value(tag=tag, audio=_messages.audio(
        rate, channels, frames, buf.getvalue(), "audio/wav"))])


def _pcm16(values, dtype):
    """``(x * 32767).astype('<i2')`` as numpy computes it: the product in float32 for float32
    (and narrower) input, in float64 otherwise, then truncated toward zero; NaN gives 0."""
    from array import array
    from itertools import repeat
    from operator import mul
    if dtype in ("float32", "float16", "bfloat16"):
        products = array("f", map(mul, values, repeat(32767.0)))  # float32 rounding, exact
    else:
        products = map(mul, values, repeat(32767.0))
    try:
        return array("h", map(int, products))
    except ValueError:  # NaN
        return array("h", [int(p) if p == p else 0 for p in
                           (array("f", map(mul, values, repeat(32767.0)))
                            if dtype in ("float32", "float16", "bfloat16")
                            else map(mul, values, repeat(32767.0)))])


def _swapped(samples):
    samples = samples.__copy__()
    samples.byteswap()
    return samples.tobytes()


PR_CURVES = "pr_curves"
_MAX_THRESHOLDS = 127  # PyTorch's cap ("value > 127 breaks protobuf", which it does not)


def pr_curve_raw(tag, tp, fp, tn, fn, precision, recall, num_thresholds=127, weights=None):
    """A PR curve from its six rows (equal lengths): true/false positive/negative counts,
    precision and recall, one column per threshold. ``num_thresholds`` goes to the plugin
    data, capped at 127 as PyTorch caps it; ``weights`` is ignored, as in PyTorch."""
    tag = _convert.check_tag(tag)
    names = ("true_positive_counts", "false_positive_counts", "true_negative_counts",
             "false_negative_counts", "precision", "recall")
    rows = [[float(x) for x in _flat(v, n)]
            for v, n in zip((tp, fp, tn, fn, precision, recall), names)]
    width = len(rows[0])
    for row, n in zip(rows, names):
        if len(row) != width:
            raise ValueError("%s has %d values where %s has %d: the six rows must have "
                             "equal lengths" % (n, len(row), names[0], width))
    num_thresholds = _thresholds(num_thresholds)
    if width != num_thresholds:
        import warnings
        warnings.warn("add_pr_curve_raw: the rows have %d values but num_thresholds is %d; "
                      "TensorBoard places the thresholds by num_thresholds"
                      % (width, num_thresholds), UserWarning, stacklevel=3)
    return _pr_curve_value(tag, rows, num_thresholds)


def pr_curve(tag, labels, predictions, num_thresholds=127, weights=None):
    """A PR curve of ``predictions`` (probabilities in [0, 1]) against ``labels`` (true/false,
    or 1/0), optionally weighted, at ``num_thresholds`` evenly spaced thresholds (capped at
    127, as PyTorch does); the data are PyTorch's ``compute_curve`` exactly."""
    tag = _convert.check_tag(tag)
    num_thresholds = _thresholds(num_thresholds)
    return _pr_curve_value(tag, compute_curve(labels, predictions, num_thresholds, weights),
                           num_thresholds)


def compute_curve(labels, predictions, num_thresholds=None, weights=None):
    """The six rows (tp, fp, tn, fn, precision, recall) of a PR curve, as lists of floats
    (PyTorch returns them as one (6, num_thresholds) float64 array); column i counts the
    predictions >= i / (num_thresholds - 1). ``num_thresholds=None`` means 127."""
    from . import _pr_curve
    if num_thresholds is None:
        num_thresholds = _MAX_THRESHOLDS
    num_thresholds = _convert.to_step(num_thresholds, "num_thresholds")
    labels = _arrays.as_array(labels, "labels", pixels=False)
    predictions = _arrays.as_array(predictions, "predictions", pixels=False)
    if isinstance(weights, (int, float)):
        weights = float(weights)
    elif weights is not None:  # one weight per item, or one for all (numpy broadcasts it)
        weights = _numbers(_arrays.as_array(weights, "weights", pixels=False))
    # numpy computes predictions * (T - 1) in the predictions' own float type
    return _pr_curve.compute_curve(_numbers(labels), _numbers(predictions), num_thresholds,
                                   weights, float32=predictions.dtype in ("float32", "bfloat16"),
                                   float16=predictions.dtype == "float16")


def _numbers(arr):
    return list(arr.data) if arr.dtype == "uint8" else arr.data


def _thresholds(num_thresholds):
    num_thresholds = _convert.to_step(num_thresholds, "num_thresholds")
    if num_thresholds < 2:
        raise ValueError("num_thresholds must be at least 2, not %d" % num_thresholds)
    return min(num_thresholds, _MAX_THRESHOLDS)


def _pr_curve_value(tag, rows, num_thresholds):
    flat = [v for row in rows for v in row]
    proto = _messages.tensor_proto(_tensor.DT_FLOAT, [len(rows), len(rows[0])], float_val=flat)
    return _messages.summary([_messages.summary_value(
        tag=tag, tensor=proto, metadata=_messages.summary_metadata(
            PR_CURVES, _messages.pr_curve_plugin_data(num_thresholds)))])


MESH = "mesh"
_MESH_PARTS = (("vertices", _messages.MESH_VERTEX, "VERTEX"), ("faces", _messages.MESH_FACE, "FACE"),
               ("colors", _messages.MESH_COLOR, "COLOR"))


def mesh(tag, vertices, colors, faces, config_dict, display_name=None, description=None):
    """A 3D mesh: one ``Summary`` holding up to three ``DT_FLOAT`` tensors, in the order
    vertices, faces, colors (those given), tagged ``<tag>_VERTEX``, ``<tag>_FACE`` and
    ``<tag>_COLOR`` with plugin ``mesh``, as PyTorch writes them.

    ``vertices``: (B, N, 3) coordinates; ``colors``: (B, N, 3) RGB 0-255 or ``None``;
    ``faces``: (B, F, 3) vertex indices or ``None``; ``config_dict``: the three.js scene
    settings (JSON-serialisable dict, or ``None``)."""
    import json
    tag = _convert.check_tag(tag)
    if vertices is None:
        raise ValueError("vertices is required")
    try:
        json_config = "{}" if config_dict is None else json.dumps(config_dict, sort_keys=True)
    except (TypeError, ValueError) as err:
        raise TypeError("config_dict must be JSON-serialisable: %s" % err) from None
    given = {"vertices": vertices, "faces": faces, "colors": colors}
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
            raise ValueError("%s has shape %s, which does not fit vertices of shape %s"
                             % (name, arr.shape, shape))
        if name == "faces" and arr.size and not 0 <= min(_numbers(arr)) <= max(
                _numbers(arr)) < shape[1]:
            raise ValueError("faces must hold vertex indices in [0, %d)" % shape[1])
    components = 0
    for _, content_type, _, _ in parts:
        components |= 1 << content_type
    values = []
    for _, content_type, suffix, arr in parts:
        proto = _messages.tensor_proto(_tensor.DT_FLOAT, arr.shape,
                                       float_val=[float(v) for v in _numbers(arr)])
        metadata = _messages.summary_metadata(
            MESH, _messages.mesh_plugin_data(tag, content_type, json_config, arr.shape,
                                             components),
            display_name=display_name or "", summary_description=description or "")
        values.append(_messages.summary_value(tag="%s_%s" % (tag, suffix), tensor=proto,
                                              metadata=metadata))
    return _messages.summary(values)
