"""Every known difference between tinytb's output and PyTorch's, with its reason.

Nothing else may differ: the parity check turns PyTorch's Event into the Event
tinytb must write by applying exactly these transformations, then compares
bytes.  Each transformation is precise (it says what tinytb writes), never a
blanket "ignore this field".
"""

from .errors import ConformanceError

KNOWN_DIVERGENCES = {
    "header_writer": (
        "The first record of every event file names its writer in "
        "source_metadata.writer: 'tinytb', where PyTorch (through tensorboard's "
        "EventFileWriter) writes 'tensorboard.summary.writer.event_file_writer'. "
        "The Python loader stores the name and rustboard ignores it; nothing is "
        "displayed differently."
    ),
    "tensor_float16_bits": (
        "add_tensor with float16: half_val holds the IEEE binary16 bit patterns "
        "(TensorFlow's convention, what tensorboard.util.tensor_util.make_ndarray "
        "decodes).  PyTorch writes float32 bit patterns there (its _tensor_to_half_val "
        "packs with struct 'f'), which TensorBoard cannot decode (make_ndarray raises "
        "OverflowError with numpy 2; older numpy gave garbage)."
    ),
    "tensor_bfloat16_bits": (
        "add_tensor with bfloat16: half_val holds the bfloat16 bit patterns (the "
        "upper 16 bits of the float32), TensorFlow's convention.  PyTorch writes "
        "float32 bit patterns.  (TensorBoard without TensorFlow cannot decode "
        "DT_BFLOAT16 at all - make_ndarray raises TypeError for tinytb's bits, "
        "OverflowError for PyTorch's - so the suite decodes the bits itself.)"
    ),
    "tensor_uint8_int_val": (
        "add_tensor with uint8: the values go to int_val (TensorFlow's convention, "
        "decoded by make_ndarray).  PyTorch's _TENSOR_TYPE_MAP has a duplicate "
        "torch.uint8 key whose later entry sends them to uint32_val, which "
        "make_ndarray ignores (it then fails to reshape the empty int_val)."
    ),
    "tensor_complex32": (
        "add_tensor with torch.complex32: tinytb writes DT_COMPLEX64 (the values "
        "widened exactly); PyTorch raises ValueError (unknown enum label "
        "DT_COMPLEX32).  Compared with PyTorch's output for tensor.to(torch.complex64)."
    ),
    "double_precision_warning": (
        "add_scalar(new_style=True, double_precision=True): the bytes are identical "
        "to PyTorch's, but tinytb also emits a one-time UserWarning, because "
        "rustboard (TensorBoard's default loader) drops DT_DOUBLE scalars - the "
        "server checks show that drop for both writers."
    ),
    "scalar_bfloat16_exact": (
        "A bfloat16 tensor as a scalar value is written with its exact value. PyTorch's "
        "make_np converts bfloat16 through float16 first, so a value beyond float16's range "
        "(1e5) is written as inf and a tiny one (1e-10) as 0. Compared with PyTorch's output "
        "for the same value as a float32 tensor."
    ),
    "extra_inputs": (
        "tinytb accepts inputs PyTorch refuses: numpy arrays in add_tensor, "
        "decimal.Decimal and fractions.Fraction scalar values, serialized bytes in "
        "FileWriter.add_event/add_summary, nested lists and tuples as images (Python ints "
        "are uint8 values, Python floats float32 values), numpy integers as add_hparams "
        "values.  Compared with PyTorch's output for the equivalent accepted input "
        "(torch.from_numpy(a), float(value), the protobuf object, the uint8 or float32 "
        "numpy array, the Python int)."
    ),
    "png_encoder": (
        "Summary.Image.encoded_image_string is a PNG from tinytb's own encoder (stdlib zlib, "
        "its own filter choice), where PyTorch saves with Pillow: the bytes may differ, the "
        "image may not. Parity decodes both with Pillow and requires the same mode, size "
        "and pixel array (and the same height, width and colorspace, tag and everything "
        "else byte for byte); only then is tinytb's PNG put in place of PyTorch's."
    ),
    "label_glyphs": (
        "add_image_with_boxes labels: tinytb draws its own 1-bit bitmap font in solid black, "
        "where PyTorch draws Pillow's antialiased default font (Aileron 10 px). The label "
        "rectangle has the same size and pixels for all printable ASCII and for characters "
        "Pillow's font lacks; it differs only for \u00ab \u00bb \u00a9 \u00b0 \u00b1 "
        "\u00b4 \u00b7. Glyph pixels differ only inside the text box grown by 1 pixel: 61 "
        "for 'cat', 157 for 'person', 242 for 'traffic light' (about 0.5 per text-box "
        "pixel). Box lines, rectangles and the LANCZOS rescale are pixel-identical to "
        "Pillow 13.0.0. Parity allows differing pixels only inside the text boxes PyTorch "
        "draws (grown by 1 pixel; after rescale, by the Lanczos filter's reach); "
        "test_media.py measures the numbers."
    ),
    "video_gif": (
        "add_video: without moviepy < 2 (not installed, and not installable next to a "
        "current imageio without breaking its frame delays), PyTorch prints 'add_video "
        "needs package moviepy' and writes a value-less Summary.Value{tag}, which no "
        "reader shows. tinytb always writes Summary.Image{height, width, colorspace as "
        "PyTorch's video() sets them (grid height, grid width, C), a GIF89a}; the GIF is "
        "checked with Pillow (frame count, round(100/fps) cs per frame, loop forever, each "
        "frame equal to PyTorch's own _prepare_video + scaling when it has at most 256 "
        "colours)."
    ),
    "histogram_sums": (
        "add_histogram: HistogramProto.sum and sum_squares are correctly rounded "
        "(math.fsum of the values and of their float64 squares), where PyTorch takes numpy's "
        "pairwise sum and BLAS dot product; the two differ in the last bits for most inputs "
        "of more than a few values (about half the histograms of the case table, by 1 "
        "ulp). Parity recomputes both sums from the call's input with math.fsum, requires "
        "PyTorch's to agree with them to a relative 1e-12, and puts them in place of "
        "PyTorch's; every other field (buckets, limits, min, max, num) must be identical. "
        "No reader shows sum or sum_squares."
    ),
    "hparams_map_order": (
        "add_hparams: the entries of SessionStartInfo.hparams (a protobuf map) are written "
        "in hparam_dict's order. PyTorch's protobuf runtime (upb) writes them in its hash "
        "table's order, which changes from one process to the next, so PyTorch's own bytes "
        "are not reproducible. Parity re-encodes PyTorch's entries, each unchanged, in the "
        "order of the call's hparam_dict and then compares bytes; readers parse the map "
        "and never see the order."
    ),
    "hparams_bool": (
        "add_hparams with a bool value: tinytb writes it as a boolean (Value.bool_value, "
        "HParamInfo type DATA_TYPE_BOOL, bool discrete domains), as TensorBoard's own "
        "hparams API does. PyTorch tests isinstance(v, (int, float)) first, which bool "
        "passes, so its bool branch is dead code: it writes number_value 1.0/0.0 and "
        "DATA_TYPE_FLOAT64, and the dashboard shows a numeric column with an interval "
        "filter. Parity turns exactly those hparams (the call's bools) of PyTorch's "
        "experiment and session_start_info into booleans and compares bytes."
    ),
}

# Divergences that change bytes (applied by expected_target_event); the others
# are about inputs (the case table gives PyTorch an equivalent call) or
# behaviour (warnings).
BYTE_DIVERGENCES = (
    "header_writer",
    "tensor_float16_bits",
    "tensor_bfloat16_bits",
    "tensor_uint8_int_val",
    "label_glyphs",
    "hparams_bool",
)

# Divergences every call of a method implies (the case table need not name them).
METHOD_DIVERGENCES = {
    "add_image": ("png_encoder",),
    "add_images": ("png_encoder",),
    "add_image_with_boxes": ("png_encoder",),
    "add_figure": ("png_encoder",),
    "add_video": ("video_gif",),
    "add_histogram": ("histogram_sums",),
    "add_hparams": ("hparams_map_order",),
}

TINYTB_WRITER_NAME = "tinytb"

DT_UINT8, DT_BFLOAT16, DT_HALF = 4, 14, 19


def _float32_bits_to_values(bits):
    import numpy as np

    return np.array([b & 0xFFFFFFFF for b in bits], dtype=np.uint32).view(np.float32)


def expected_target_event(
    torch_event, header, target_event=None, media=None, where="", summaries=None
):
    """The Event tinytb must write where PyTorch wrote ``torch_event``.

    Returns ``(event, names)``: a modified copy and the divergences applied.
    ``header`` says whether this is the first record of a file.  Images and
    videos need tinytb's record (``target_event``): its PNG replaces PyTorch's
    once the pixels are equal, its GIF fills PyTorch's value-less video once it
    passes the GIF checks (``media``: ``{(tag, step): MediaExpectation}`` of the
    run, from the case table).  Histograms and hparams need the call's input
    (``summaries``: ``{(tag, step): model}`` of the run, from
    ``expected_view.summary_expectations``).
    """
    import numpy as np
    from tensorboard.compat.proto import event_pb2

    event = event_pb2.Event()
    event.CopyFrom(torch_event)
    names = []
    if target_event is not None and event.HasField("summary"):
        names += _media(event, target_event, media or {}, where)
    if header and event.HasField("source_metadata"):
        event.source_metadata.writer = TINYTB_WRITER_NAME
        names.append("header_writer")
    if event.HasField("summary"):
        for value in event.summary.value:
            if not value.HasField("tensor"):
                continue
            t = value.tensor
            if t.dtype == DT_HALF and len(t.half_val):
                halves = _float32_bits_to_values(t.half_val).astype(np.float16).view(np.uint16)
                t.ClearField("half_val")
                t.half_val.extend(int(h) for h in halves)
                names.append("tensor_float16_bits")
            elif t.dtype == DT_BFLOAT16 and len(t.half_val):
                # Exact: every value came from a bfloat16, so its low 16 bits are 0.
                f32 = [b & 0xFFFFFFFF for b in t.half_val]
                assert all(b & 0xFFFF == 0 or (b >> 23) & 0xFF == 0xFF for b in f32), f32
                t.ClearField("half_val")
                t.half_val.extend(b >> 16 for b in f32)
                names.append("tensor_bfloat16_bits")
            elif t.dtype == DT_UINT8 and len(t.uint32_val):
                vals = list(t.uint32_val)
                t.ClearField("uint32_val")
                t.int_val.extend(vals)
                names.append("tensor_uint8_int_val")
        for value in event.summary.value:
            model = (summaries or {}).get((value.tag, event.step))
            if model is None:
                continue
            w = "%s tag %r step %d" % (where, value.tag, event.step)
            if value.HasField("histo"):
                names += _histogram_sums(value.histo, model, w)
            elif value.metadata.plugin_data.plugin_name == "hparams":
                names += _hparams(value.metadata.plugin_data, model, w)
    return event, names


def _histogram_sums(histo, model, where):
    """histogram_sums: PyTorch's sum and sum_squares -> the correctly rounded ones."""
    import math

    names = []
    for field in ("sum", "sum_squares"):
        theirs, exact = getattr(histo, field), getattr(model, field)
        if theirs == exact:
            continue
        if not (math.isfinite(theirs) and abs(theirs - exact) <= 1e-12 * abs(exact)):
            raise ConformanceError(
                "%s: PyTorch's %s %r is not math.fsum's %r to a relative "
                "1e-12" % (where, field, theirs, exact)
            )
        setattr(histo, field, exact)
        names.append("histogram_sums")
    return names


def _hparams(plugin_data, model, where):
    """hparams_bool and hparams_map_order on one hparams summary (``model``: the call's
    expected_view.HparamsModel)."""
    from google.protobuf import struct_pb2
    from tensorboard.plugins.hparams import api_pb2, plugin_data_pb2

    names = []
    data = plugin_data_pb2.HParamsPluginData.FromString(plugin_data.content)
    bools = model.bools

    def to_bool(value, name):
        if value.WhichOneof("kind") != "number_value" or value.number_value not in (0.0, 1.0):
            raise ConformanceError(
                "%s: PyTorch's value of bool hparam %r is %s, expected "
                "number_value 1.0 or 0.0" % (where, name, value)
            )
        return struct_pb2.Value(bool_value=bool(value.number_value))

    kind = data.WhichOneof("data")
    if bools and kind == "experiment":
        for info in data.experiment.hparam_infos:
            if info.name not in bools:
                continue
            if info.type != api_pb2.DATA_TYPE_FLOAT64:
                raise ConformanceError(
                    "%s: PyTorch's type of bool hparam %r is %s" % (where, info.name, info.type)
                )
            info.type = api_pb2.DATA_TYPE_BOOL
            if info.HasField("domain_discrete"):
                values = [to_bool(v, info.name) for v in info.domain_discrete.values]
                del info.domain_discrete.values[:]
                info.domain_discrete.values.extend(values)
        names.append("hparams_bool")
    if bools and kind == "session_start_info":
        for name in bools:
            data.session_start_info.hparams[name].CopyFrom(
                to_bool(data.session_start_info.hparams[name], name)
            )
        names.append("hparams_bool")
    content = data.SerializeToString()
    if kind == "session_start_info":
        start = data.session_start_info
        order = [k for k, _ in model.hparams]
        if sorted(order) != sorted(start.hparams):
            raise ConformanceError(
                "%s: PyTorch's session_start_info has the hparams %s, the "
                "call %s" % (where, sorted(start.hparams), order)
            )
        rest = plugin_data_pb2.SessionStartInfo()
        rest.CopyFrom(start)
        rest.ClearField("hparams")
        if data.version or rest.ListFields():
            raise ConformanceError(
                "%s: unexpected fields in PyTorch's hparams data %s" % (where, data)
            )
        # each entry encoded on its own (a one-entry map), concatenated in the call's order
        entries = b"".join(
            plugin_data_pb2.SessionStartInfo(hparams={k: start.hparams[k]}).SerializeToString()
            for k in order
        )
        content = b"\x1a" + _varint(len(entries)) + entries  # field 3, length-delimited
        if len(order) > 1:
            names.append("hparams_map_order")
    plugin_data.content = content
    return names


def _varint(n):
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _media(event, target_event, media, where):
    """Apply png_encoder, label_glyphs and video_gif to ``event`` (in place)."""
    from . import media as media_mod

    names = []
    theirs = list(target_event.summary.value) if target_event.HasField("summary") else []
    for i, value in enumerate(event.summary.value):
        exp = media.get((value.tag, event.step))
        got = theirs[i] if i < len(theirs) and theirs[i].tag == value.tag else None
        w = "%s tag %r step %d" % (where, value.tag, event.step)
        if exp is not None and exp.model.video:
            if value.HasField("image"):
                raise ConformanceError(
                    "%s: PyTorch wrote a video payload, so moviepy is installed; the suite "
                    "expects PyTorch's writer without it (pip uninstall moviepy)" % w
                )
            if value.WhichOneof("value") is not None or value.HasField("metadata"):
                raise ConformanceError("%s: PyTorch's video is not value-less: %s" % (w, value))
            if got is None or not got.HasField("image"):
                continue  # the byte comparison reports what tinytb wrote instead
            media_mod.check_gif(got.image.encoded_image_string, exp, w)
            value.image.height = exp.model.height
            value.image.width = exp.model.width
            value.image.colorspace = exp.model.colorspace
            value.image.encoded_image_string = got.image.encoded_image_string
            names.append("video_gif")
        elif value.HasField("image"):
            if got is None or not got.HasField("image"):
                continue
            mine = got.image.encoded_image_string
            differing = media_mod.compare_png(value.image.encoded_image_string, mine, exp, w)
            if differing:
                names.append("label_glyphs")
            if mine != value.image.encoded_image_string:
                value.image.encoded_image_string = mine
                names.append("png_encoder")
    return names
