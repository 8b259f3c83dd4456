# SPDX-License-Identifier: MIT
"""The values a reader shows for each kind of summary, on the standard library alone.

Each function turns one decoded payload into the value tbparse 0.0.9 puts in its DataFrame cell,
computed the way TensorFlow computes it, so that ``to_numpy()`` of the result equals tbparse's
cell bit for bit:

- :func:`tensor_value`: ``tensor_util.make_ndarray(tensor)`` (tbparse's ``tensorflow_stub``
  copy), then ``.item()`` for shape ``()``;
- :func:`histogram_from_proto` / :func:`histogram_from_tensor`: tbparse's ``_get_histogram_cols``
  and ``tensor_to_histogram``;
- :func:`decode_image`: ``tf.image.decode_image(encoded).numpy()`` (TensorFlow 2.21: libpng and
  giflib behind it) for PNG, GIF and BMP; :func:`image_from_tensor` / :func:`audio_from_tensor`:
  tbparse's ``tensor_to_image`` / ``tensor_to_audio`` for TF2 image and audio tensors;
- :func:`decode_audio`: ``tf.audio.decode_wav(encoded)[0].numpy()`` (TensorFlow's ``wav_io.cc``);
- :func:`text_value`, :func:`hparams_values`: tbparse's ``_get_text_cols`` and
  ``_parse_hparams``.

Arrays are :class:`Array`: a flat ``array.array`` (or list) with a shape and a numpy dtype name.
Malformed bytes raise :class:`~tinytb.errors.DecodeError` and nothing else; images are refused
from their headers, before anything is inflated or allocated, above ``max_pixels``.

Where TensorFlow would give nondeterministic output (giflib leaves the pixels of a truncated
first GIF frame uninitialised), the notes at each decoder say what is done instead.

Checked against TensorFlow 2.21 on thousands of generated and damaged files (every PNG colour
type and bit depth, interlaced or not, with random filters; GIFs from Pillow, tinytb and by hand
with partial frames, transparency, disposal methods, local tables, interlacing; BMPs from
Pillow; WAVs with odd chunks): same pixels and samples, same accept/refuse decision.
tests/test_values.py keeps a selection as byte vectors.

The PNG row filters and low-bit-depth unpacking are tinytb._png's (``_unfilter``,
``_unpack``), GIF deinterlacing tinytb._gif's (``_deinterlace``), tensor shapes
tinytb._tensor's (``_shape``, ``decode``); the chunk and block walks here are separate from
``decode_png``/``decode_gif`` because TensorFlow's libraries accept and refuse other things
than those strict decoders do.
"""

from __future__ import annotations

import struct
import sys
from array import array
from collections import namedtuple

from . import _gif, _png, _tensor
from ._messages import HPARAMS_PLUGIN_DATA, Message
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, List, Sequence, Tuple, Union

__all__ = [
    "Array",
    "Histogram",
    "Image",
    "Audio",
    "tensor_value",
    "tensor_array",
    "histogram_from_proto",
    "histogram_from_tensor",
    "decode_image",
    "decode_audio",
    "image_from_tensor",
    "audio_from_tensor",
    "text_value",
    "hparams_values",
    "MAX_PIXELS",
    "MAX_ELEMENTS",
]

Histogram = namedtuple("Histogram", "min max num sum sum_squares limits counts")
Image = namedtuple("Image", "width height colorspace encoded")
Audio = namedtuple("Audio", "sample_rate num_channels length_frames content_type encoded")

_LITTLE = sys.byteorder == "little"

# numpy dtype name -> array.array typecode holding it exactly. float16/bfloat16 values are held
# as float32 (every half and bfloat16 is a float32); bool, complex and object as lists.
_TYPECODES = {
    "float32": "f",
    "float64": "d",
    "float16": "f",
    "bfloat16": "f",
    "int8": "b",
    "uint8": "B",
    "int16": "h",
    "uint16": "H",
    "int32": "i" if array("i").itemsize == 4 else "l",  # C int: 4 bytes on every CPython target
    "uint32": "I" if array("I").itemsize == 4 else "L",
    "int64": "q",
    "uint64": "Q",
}
_SAME_LAYOUT = {
    "float32",
    "float64",
    "int8",
    "uint8",
    "int16",
    "uint16",
    "int32",
    "uint32",
    "int64",
    "uint64",
}  # array's items are numpy's (native byte order)

# A tensor whose values field holds fewer values than its shape is padded with the last one
# (make_ndarray's "edge" padding); a few bytes can declare a huge shape, so the padded array is
# refused beyond this many elements (TensorFlow would try to allocate it).
MAX_ELEMENTS = 1 << 27
# Images: width * height * frames beyond this are refused before decoding (2**28 pixels as
# tinytb's PNG and GIF decoders).
MAX_PIXELS = 1 << 28


class Array:
    """An n-dimensional array on the standard library: what numpy would hold, flat.

    Attributes:
        dtype: numpy's name of the element type ('float32', 'uint8', 'bool', 'object', ...).
        shape: a tuple of ints.
        data: the elements in C order: an ``array.array`` for numeric types, a list for
            bool, complex and object (bytes/str) elements.
    """

    __slots__ = ("dtype", "shape", "data")

    def __init__(self, dtype: str, shape: Sequence[int], data: Any) -> None:
        self.dtype = dtype
        self.shape = tuple(shape)
        self.data = data
        size = 1
        for dim in self.shape:
            size *= dim
        if size != len(data):
            raise ValueError("shape %r needs %d elements, data has %d" % (shape, size, len(data)))

    @property
    def size(self) -> int:
        return len(self.data)

    def tolist(self) -> Any:
        """Nested lists of Python scalars, as numpy's ``tolist()`` (a scalar for shape ())."""
        flat = self.data.tolist() if isinstance(self.data, array) else list(self.data)
        if self.dtype == "bool":
            flat = [bool(x) for x in flat]
        if not self.shape:
            return flat[0]
        return _nest(flat, self.shape)

    def to_numpy(self) -> Any:
        """A ``numpy.ndarray`` of the same dtype, shape and values (numpy imported here)."""
        import numpy

        dtype = self.dtype
        if dtype == "bfloat16":
            # numpy has no bfloat16 (tbparse's stub cannot read these tensors at all): the
            # values widened to float32, which holds every bfloat16 exactly
            dtype = "float32"
        if dtype in _SAME_LAYOUT and isinstance(self.data, array):
            out = numpy.frombuffer(self.data, dtype=dtype).copy()
        elif dtype == "object":
            out = numpy.empty(len(self.data), dtype=object)
            out[:] = list(self.data)
        else:
            out = numpy.array(list(self.data), dtype=dtype)
        return out.reshape(self.shape)

    def __len__(self) -> int:
        if not self.shape:  # numpy's message for a 0-d array
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Array):
            return NotImplemented
        if self.dtype != other.dtype or self.shape != other.shape:
            return False
        if isinstance(self.data, array) and isinstance(other.data, array):
            return self.data == other.data  # compared in C, element by element
        return list(self.data) == list(other.data)

    __hash__ = None  # type: ignore[assignment]  # mutable, compared by value

    def __repr__(self) -> str:
        values = self.data[:8].tolist() if isinstance(self.data, array) else list(self.data[:8])
        more = ", ..." if len(self.data) > 8 else ""
        return "Array(%r, %r, %r%s)" % (self.dtype, self.shape, values, more)


def _nest(flat, shape):
    """``flat`` cut into nested lists of ``shape`` (C order)."""
    if len(shape) == 1:
        return flat
    step = 1
    for dim in shape[1:]:
        step *= dim
    inner = shape[1:]
    return [_nest(flat[i * step : (i + 1) * step], inner) for i in range(shape[0])]


# --- tensors ----------------------------------------------------------------------------------

# tensor_content: the item size of each dtype numpy reads it with
_CONTENT_SIZES = {name: array(code).itemsize for name, code in _TYPECODES.items()}
_CONTENT_SIZES.update({"float16": 2, "bfloat16": 2, "bool": 1, "complex64": 8, "complex128": 16})


def _from_content(name, raw, count):
    """The flat values of ``tensor_content`` (numpy's ``frombuffer``: native little-endian as
    TensorFlow writes it); its size must be exactly the shape's (``reshape`` fails otherwise)."""
    size = _CONTENT_SIZES.get(name)
    if size is None:
        raise DecodeError("tensor_content for dtype %s" % name, None, "TensorProto.tensor_content")
    if len(raw) != count * size:
        raise DecodeError(
            "tensor_content of %d bytes for %d elements of %s" % (len(raw), count, name),
            None,
            "TensorProto.tensor_content",
        )
    if name in _SAME_LAYOUT:
        out = array(_TYPECODES[name])
        out.frombytes(raw)
        if not _LITTLE:  # pragma: no cover - big-endian hosts
            out.byteswap()
        return out
    if name == "bool":
        return [x != 0 for x in bytes(raw)]
    if name == "float16":
        return array("f", struct.unpack("<%de" % count, raw))
    if name == "bfloat16":
        bits = struct.unpack("<%dH" % count, raw)
        return array("f", map(_tensor.bfloat16_from_bits, bits))
    parts = struct.unpack("<%d%s" % (2 * count, "f" if name == "complex64" else "d"), raw)
    return [complex(parts[i], parts[i + 1]) for i in range(0, 2 * count, 2)]


def _flat(name, values, count):
    """The tensor's flat values as make_ndarray has them after padding: an array.array for
    numeric types, a list otherwise."""
    if name == "string":
        if not values:
            _check_elements(count)
            return [""] * count  # make_ndarray pads an empty string_val with "" (a str)
        values = [bytes(v) for v in values]
    elif not values:
        return _zeros(name, count)
    if len(values) > count:
        raise DecodeError(
            "%d values for a shape of %d elements" % (len(values), count),
            None,
            "TensorProto",
        )
    if len(values) < count:
        _check_elements(count)
        values = list(values)
        values += [values[-1]] * (count - len(values))
    code = _TYPECODES.get(name)
    if code is None:
        return [bool(v) for v in values] if name == "bool" else list(values)
    try:
        return array(code, values)
    except (OverflowError, TypeError) as err:
        raise DecodeError("%s values out of range: %s" % (name, err), None, "TensorProto") from None


def _check_elements(count):
    """Refuse to make more than MAX_ELEMENTS elements that are not in the bytes."""
    if count > MAX_ELEMENTS:
        raise DecodeError(
            "tensor of %d elements is over the reader's limit of %d" % (count, MAX_ELEMENTS),
            None,
            "TensorProto.tensor_shape",
        )


def _zeros(name, count):
    _check_elements(count)
    code = _TYPECODES.get(name)
    if code is not None:
        return array(code, bytes(count * array(code).itemsize))
    if name == "bool":
        return [False] * count
    return [0j] * count


def tensor_array(tensor: Message) -> Array:
    """``make_ndarray(tensor)`` as an :class:`Array` (any shape, also ``()``)."""
    name = _tensor.DTYPE_NAMES.get(tensor.dtype)
    if name is None:
        raise DecodeError("unsupported tensor dtype %d" % tensor.dtype, None, "TensorProto.dtype")
    shape, count = _tensor._shape(tensor)
    if tensor.tensor_content:
        return Array(
            name if name != "string" else "object",
            shape,
            _from_content(name, tensor.tensor_content, count),
        )
    if name == "string":
        values = tensor.string_val
    else:
        _, _, values = _tensor.decode(tensor)
        if isinstance(values, _tensor.FilledValues):
            values = values.values
    flat = _flat(name, values, count)
    return Array("object" if name == "string" else name, shape, flat)


def tensor_value(tensor: Message) -> Union[bool, int, float, complex, bytes, str, Array]:
    """The value tbparse shows for a tensor event: ``make_ndarray(tensor)``, and its
    ``.item()`` (a Python scalar: float for float32, bytes for strings) when the shape is ``()``.

    Args:
        tensor: a decoded ``TensorProto`` (:data:`tinytb._messages.TENSOR`).
    """
    value = tensor_array(tensor)
    if value.shape == ():
        item = value.data[0]
        return bool(item) if value.dtype == "bool" else item
    return value


def text_value(tensor: Message) -> str:
    """``make_ndarray(tensor).item().decode('utf-8')``: the text of a text summary.

    Args:
        tensor: a decoded ``TensorProto`` holding one string.
    """
    value = tensor_array(tensor)
    if len(value.data) != 1:
        raise DecodeError(
            "a text tensor of %d elements (one expected)" % len(value.data), None, "TensorProto"
        )
    item = value.data[0]
    if not isinstance(item, bytes):
        raise DecodeError("a text tensor of dtype %s" % value.dtype, None, "TensorProto")
    try:
        return item.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DecodeError("text is not UTF-8 (%s)" % err.reason, None, "TensorProto") from None


# --- histograms -------------------------------------------------------------------------------


def histogram_from_proto(histo: Message) -> Histogram:
    """A ``HistogramProto`` as tbparse's histogram row: the five numbers, and ``limits`` and
    ``counts`` as float64 arrays (``bucket_limit`` and ``bucket``).

    Args:
        histo: a decoded ``HistogramProto`` (:data:`tinytb._messages.HISTOGRAM`).
    """
    limits = array("d", histo.bucket_limit)
    counts = array("d", histo.bucket)
    return Histogram(
        histo.min,
        histo.max,
        histo.num,
        histo.sum,
        histo.sum_squares,
        Array("float64", (len(limits),), limits),
        Array("float64", (len(counts),), counts),
    )


def histogram_from_tensor(tensor: Message) -> Histogram:
    """A TF2 histogram tensor (shape ``[k, 3]``: left edge, right edge, count per bucket) as
    tbparse's ``tensor_to_histogram`` makes it: ``limits = [left_0] + rights``, ``counts = [0]
    + counts``, ``min = limits[0]``, ``max = limits[-1]``, ``num = sum(counts)``, ``sum`` and
    ``sum_squares`` NaN. ``limits`` keeps the tensor's float type; ``counts`` is float64 (numpy
    promotes the leading int 0 with float scalars to float64).

    A tensor of another shape, or with no buckets (tbparse fails on it), raises DecodeError.

    Args:
        tensor: a decoded ``TensorProto`` of shape ``[k, 3]`` with k >= 1.
    """
    value = tensor_array(tensor)
    if len(value.shape) != 2 or value.shape[1] != 3 or value.shape[0] < 1:
        raise DecodeError(
            "a histogram tensor of shape %r (want [k, 3], k >= 1)" % (list(value.shape),),
            None,
            "TensorProto.tensor_shape",
        )
    if value.dtype not in ("float16", "float32", "float64"):
        raise DecodeError("a histogram tensor of dtype %s" % value.dtype, None, "TensorProto")
    data = value.data
    limits = array(_TYPECODES[value.dtype], data[0:1])
    limits.extend(data[1::3])
    counts = array("d", [0.0])
    counts.fromlist(data[2::3].tolist())
    nan = float("nan")
    k = len(limits)
    return Histogram(
        limits[0],
        limits[-1],
        _pairwise_sum(counts),  # np.sum(counts), as tbparse computes num
        nan,
        nan,
        Array(value.dtype, (k,), limits),
        Array("float64", (k,), counts),
    )


def _pairwise_sum(values):
    """The float64 sum numpy's ``add.reduce`` computes for a contiguous vector
    (``pairwise_sum`` in numpy's ``loops_utils.h.src``): in order below 8 items, eight
    interleaved partial sums up to 128, halves (multiples of 8) above."""
    n = len(values)
    if n < 8:
        total = 0.0
        for x in values:
            total += x
        return total
    if n <= 128:
        r = list(values[:8])
        end = n - n % 8
        for i in range(8, end, 8):
            for j in range(8):
                r[j] += values[i + j]
        total = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        for i in range(end, n):
            total += values[i]
        return total
    half = n // 2
    half -= half % 8
    return _pairwise_sum(values[:half]) + _pairwise_sum(values[half:])


# --- hparams ----------------------------------------------------------------------------------


def _struct_value(value):
    """The one set field of a ``google.protobuf.Value`` as protobuf's ``ListFields`` gives it
    (null_value is the enum's 0); lists and structs converted to Python lists and dicts; None
    for a Value with no field set."""
    fields = Message.fields(value)
    if not fields:
        return None
    name, item = fields[-1]
    if name == "list_value":
        return [_struct_value(v) for v in item.values]
    if name == "struct_value":  # Struct's field "fields" hides Message.fields on the instance
        return {
            entry.key: None if entry.value is None else _struct_value(entry.value)
            for entry in item.__dict__["fields"]
        }
    return item


def hparams_values(content: bytes) -> List[Tuple[str, Any]]:
    """``(name, value)`` of each hparam of ``HParamsPluginData.session_start_info``: the one
    set field of each ``google.protobuf.Value`` (float for number_value, str, bool), in the
    order the map entries are on the wire; a name written twice keeps its place and takes
    the last value, as a protobuf map does. Content of another kind (experiment, session end)
    gives ``[]``.

    (protobuf's Python map iterates in its own hash order, which tbparse's column order
    follows; callers that need that order sort themselves.)

    Args:
        content: ``SummaryMetadata.plugin_data.content`` of an ``_hparams_/session_start_info``
            summary.
    """
    data = HPARAMS_PLUGIN_DATA.decode(bytes(content))
    info = data.session_start_info
    if info is None:
        return []
    values = {}
    for entry in info.hparams:
        values[entry.key] = None if entry.value is None else _struct_value(entry.value)
    return list(values.items())


# --- audio ------------------------------------------------------------------------------------

# WAV as TensorFlow's wav_io.cc (DecodeLin16WaveAsFloatVector) reads it: "RIFF", a size it
# ignores, "WAVE", then a "fmt " chunk first (16 or 18 bytes: format 1 = PCM, channels >= 1,
# sample rate, bytes per second = block align * rate, block align = channels * 2, 16 bits),
# then chunks up to the end of the bytes: exactly one "data" chunk, others skipped (no pad
# byte). A data chunk is read as whole frames of int16; the bytes of a partial frame at its end
# are NOT skipped (TensorFlow reads the next chunk header from there). Samples are x / 32768.
_RIFF_HEAD = struct.Struct("<4sI4s")  # "RIFF", size, "WAVE"
_CHUNK = struct.Struct("<4sI")  # chunk id, chunk size
_WAV_FORMAT = struct.Struct("<HHIIHH")  # format, channels, rate, bytes/s, block align, bits
_PCM = 1
_WAV_BITS = 16
_MAX_CHUNK = 2**31 - 1  # wav_io.cc: chunk sizes above int32's max are refused
_INT16_SCALE = 1.0 / 32768.0  # wav_io.cc Int16SampleToFloat: value / 32768


def _wav_error(msg, offset):
    return DecodeError(msg, offset, "WAV")


def _wav_format(data):
    """Check the RIFF header and the fmt chunk: (channels, block align, sample rate, offset
    after fmt)."""
    if len(data) < _RIFF_HEAD.size + _CHUNK.size:
        raise _wav_error("%d bytes: too short for a WAV header" % len(data), 0)
    riff, _, wave = _RIFF_HEAD.unpack_from(data, 0)
    if riff != b"RIFF" or wave != b"WAVE":
        raise _wav_error("header is %r ... %r, not RIFF ... WAVE" % (riff, wave), 0)
    pos = _RIFF_HEAD.size
    chunk_id, size = _CHUNK.unpack_from(data, pos)
    if chunk_id != b"fmt ":
        raise _wav_error("first chunk is %r, not 'fmt '" % chunk_id, pos)
    if size not in (16, 18):
        raise _wav_error("fmt chunk of %d bytes (16 or 18)" % size, pos)
    pos += _CHUNK.size
    if len(data) < pos + size:
        raise _wav_error("truncated fmt chunk", pos)
    fmt, channels, rate, per_second, block, bits = _WAV_FORMAT.unpack_from(data, pos)
    if fmt != _PCM:
        raise _wav_error("audio format %d (only PCM, 1, is read)" % fmt, pos)
    if channels < 1:
        raise _wav_error("%d channels" % channels, pos)
    if bits != _WAV_BITS:
        raise _wav_error("%d bits per sample (only 16-bit WAV is read)" % bits, pos)
    if block != channels * 2:
        raise _wav_error(
            "block align %d for %d channels (want %d)" % (block, channels, channels * 2), pos
        )
    if per_second != block * rate:
        raise _wav_error(
            "%d bytes per second for rate %d (want %d)" % (per_second, rate, block * rate), pos
        )
    return channels, block, rate, pos + size


def decode_audio(encoded: bytes) -> Array:
    """``tf.audio.decode_wav(encoded)[0].numpy()``: float32 samples of shape
    ``(frames, channels)``, each int16 sample divided by 32768. Only what TensorFlow reads is
    read (16-bit PCM WAV, the ``fmt `` chunk first; the RIFF size is ignored); anything else
    raises DecodeError.

    Args:
        encoded: the WAV file's bytes.
    """
    return _decode_wav(encoded)[0]


def _decode_wav(encoded):
    """(samples Array, sample rate) as ``tf.audio.decode_wav`` returns them."""
    data = memoryview(encoded).cast("B")
    channels, block, rate, pos = _wav_format(data)
    end = len(data)
    samples = None
    while pos < end:
        if end - pos < _CHUNK.size:
            raise _wav_error("truncated chunk header", pos)
        chunk_id, size = _CHUNK.unpack_from(data, pos)
        if size > _MAX_CHUNK:
            raise _wav_error("chunk %r of %d bytes is too large" % (chunk_id, size), pos)
        pos += _CHUNK.size
        if chunk_id != b"data":
            pos += size
            continue
        if samples is not None:
            raise _wav_error("a second data chunk", pos - _CHUNK.size)
        count = size // block * channels
        if end - pos < 2 * count:
            raise _wav_error("data chunk of %d bytes has %d" % (size, end - pos), pos)
        samples = array("h")
        samples.frombytes(data[pos : pos + 2 * count])
        pos += 2 * count
    if samples is None:
        raise _wav_error("no data chunk", end)
    if not _LITTLE:  # pragma: no cover - big-endian hosts
        samples.byteswap()
    values = array("f", map(_INT16_SCALE.__mul__, samples))
    return Array("float32", (len(values) // channels, channels), values), rate


def audio_from_tensor(tensor: Message) -> Tuple[Array, Array, int]:
    """tbparse's ``tensor_to_audio`` for a TF2 audio tensor (strings of shape ``[k, 2]``:
    encoded WAV, empty label): ``(audio, sample_rate, length_frames)``. ``audio`` is the k
    decoded clips stacked, ``(k, frames, channels)``, or one clip's ``(frames, channels)``
    when k is 1; ``sample_rate`` the int32 rates, shape ``(k,)`` or ``()`` likewise;
    ``length_frames`` the frames of a clip. Clips of different shapes (numpy cannot stack
    them), a label that is not empty, or no clip raise DecodeError.

    Args:
        tensor: a decoded ``TensorProto`` of an audio summary.
    """
    value = tensor_array(tensor)
    if value.dtype != "object" or len(value.shape) != 2 or value.shape[1] != 2:
        raise DecodeError("an audio tensor of shape %r" % (list(value.shape),), None, "TensorProto")
    if any(label != b"" for label in value.data[1::2]):
        raise DecodeError("an audio tensor with labels", None, "TensorProto")
    clips = [_decode_wav(encoded) for encoded in value.data[0::2]]
    audio = _stack([clip for clip, _ in clips], "audio clips")
    rates = Array("int32", (len(clips),), array("i", [rate for _, rate in clips]))
    length = audio.shape[1]
    if len(clips) == 1:
        audio = Array(audio.dtype, audio.shape[1:], audio.data)
        rates = Array("int32", (), rates.data)
    return audio, rates, length


def _stack(arrays, what):
    """numpy.stack(arrays): one more leading axis; arrays of one shape only."""
    if not arrays:
        raise DecodeError("no %s to stack" % what, None, "TensorProto")
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):
        raise DecodeError("%s of different shapes" % what, None, "TensorProto")
    if len(arrays) == 1:
        data = arrays[0].data
    else:
        data = array(arrays[0].data.typecode)
        for a in arrays:
            data.extend(a.data)
    return Array(arrays[0].dtype, (len(arrays),) + shape, data)


# --- images -----------------------------------------------------------------------------------

# tf.image.decode_image tells formats by their first bytes (decode_image_op.cc).
_JPEG_MAGIC = b"\xff\xd8\xff"
_JXL_MAGICS = (b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")  # codestream, container
_GIF_MAGIC = b"GIF8"
_BMP_MAGIC = b"BM"
_RIFF_MAGIC, _WEBP_MAGIC = b"RIFF", b"WEBP"  # RIFF, size, WEBP


def decode_image(encoded: bytes, *, max_pixels: int = MAX_PIXELS) -> Array:
    """``tf.image.decode_image(encoded).numpy()`` for PNG and GIF: uint8, ``(H, W, C)`` for
    PNG (C as TensorFlow picks it: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA; indexed colour 4 with
    a tRNS chunk, else 3; 16-bit samples keep their high byte; grey/RGB tRNS ignored) and
    ``(frames, H, W, 3)`` for GIF (frames composed as TensorFlow does, see
    :func:`_decode_gif`); BMP as TensorFlow's decode_bmp_op.cc reads it (8, 24 or 32 bits
    per pixel, uncompressed: 1 channel of raw palette indices, RGB, RGBA). JPEG, JPEG XL and
    WebP, which TensorFlow also reads, are not decoded here: DecodeError says so.

    Args:
        encoded: the image file's bytes.
        max_pixels: refuse images of more pixels (width * height * frames) before decoding.
    """
    data = memoryview(encoded).cast("B")
    head = bytes(data[:12])
    if head.startswith(_png.SIGNATURE):
        return _decode_png(data, max_pixels)
    if head.startswith(_GIF_MAGIC):
        return _decode_gif(bytes(data), max_pixels)
    if head.startswith(_BMP_MAGIC):
        return _decode_bmp(data, max_pixels)
    for name, known in (
        ("JPEG", head.startswith(_JPEG_MAGIC)),
        ("JPEG XL", head.startswith(_JXL_MAGICS)),
        ("WebP", head[:4] == _RIFF_MAGIC and head[8:12] == _WEBP_MAGIC),
    ):
        if known:
            raise DecodeError(
                "%s images are not decoded by tinytb (PNG and GIF are)" % name, 0, "image"
            )
    raise DecodeError("unknown image format (first bytes %r)" % head[:8], 0, "image")


def image_from_tensor(tensor: Message, *, max_pixels: int = MAX_PIXELS) -> Tuple[Array, int, int]:
    """tbparse's ``tensor_to_image`` for a TF2 image tensor (strings: width, height, then k
    encoded images): ``(image, width, height)``, ``image`` the k decoded images stacked, or
    the one image when k is 1 (numpy's squeeze). Images of different shapes, no image, or a
    width/height that is not a decimal number raise DecodeError.

    Args:
        tensor: a decoded ``TensorProto`` of an image summary.
        max_pixels: the limit of :func:`decode_image`, for all images together.
    """
    value = tensor_array(tensor)
    if value.dtype != "object" or len(value.shape) != 1 or value.shape[0] < 2:
        raise DecodeError("an image tensor of shape %r" % (list(value.shape),), None, "TensorProto")
    try:
        width, height = (int(bytes(v).decode("ascii")) for v in value.data[:2])
    except (ValueError, TypeError):
        raise DecodeError(
            "image tensor width/height %r" % (value.data[:2],), None, "TensorProto"
        ) from None
    images = []
    budget = max_pixels
    for encoded in value.data[2:]:
        if not isinstance(encoded, bytes):
            raise DecodeError("an image tensor without image bytes", None, "TensorProto")
        image = decode_image(encoded, max_pixels=budget)
        budget -= len(image.data) // image.shape[-1]
        images.append(image)
    stacked = _stack(images, "images")
    if len(images) == 1:
        stacked = images[0]
    return stacked, width, height


# --- BMP, as TensorFlow's decode_bmp_op.cc reads it ------------------------------------------
#
# Only four header fields are read: pixel data offset (at byte 10), width (18), height (22,
# negative: rows top-down) and bits per pixel (28), little-endian; compression and palette are
# ignored (8-bit images give their palette indices as one channel). Rows are padded to 4
# bytes and the file must end exactly after them.

_BMP_FIELDS = struct.Struct("<10xi4xii2xh")  # offset, width, height, bits per pixel
_BMP_LIMIT = 1 << 30  # decode_bmp_op.cc: "ridiculously large" from here


def _decode_bmp(data, max_pixels):
    if len(data) < 32:
        raise DecodeError("incomplete BMP: %d bytes (32 needed)" % len(data), 0, "BMP")
    offset, width, height, bits = _BMP_FIELDS.unpack_from(data, 0)
    channels = bits // 8
    if channels not in (1, 3, 4) or width <= 0 or height == 0 or offset < 0:
        raise DecodeError(
            "BMP of %d x %d pixels, %d bits per pixel, data at %d" % (width, height, bits, offset),
            0,
            "BMP",
        )
    rows = abs(height)
    if width >= _BMP_LIMIT or rows >= _BMP_LIMIT or width * rows > max_pixels:
        raise DecodeError("BMP of %d x %d pixels is over the limit" % (width, rows), 0, "BMP")
    row_size = (8 * channels * width + 31) // 32 * 4
    if len(data) - offset != row_size * rows:
        raise DecodeError(
            "BMP of %d bytes, not %d + %d rows of %d" % (len(data), offset, rows, row_size),
            0,
            "BMP",
        )
    line = width * channels
    order = range(rows) if height < 0 else range(rows - 1, -1, -1)
    pixels = b"".join(
        bytes(data[offset + r * row_size : offset + r * row_size + line]) for r in order
    )
    if channels > 1:  # BGR(A) -> RGB(A)
        swapped = bytearray(pixels)
        swapped[0::channels] = pixels[2::channels]
        swapped[2::channels] = pixels[0::channels]
        pixels = bytes(swapped)
    out = array("B")
    out.frombytes(pixels)
    return Array("uint8", (rows, width, channels), out)


# --- PNG, as libpng reads it for TensorFlow ---------------------------------------------------
#
# TensorFlow's png_io.cc (CommonInitDecode with channels 0 and 8-bit output) asks libpng for:
# the file's own channel count (png_get_channels; indexed colour: 4 with tRNS, else 3), 16-bit
# samples stripped to their high byte (png_set_strip_16), 1/2/4-bit grey scaled to 8 bits,
# palette expanded (tRNS to alpha), alpha stripped where the channel count has none (so a
# grey or RGB tRNS colour key is ignored), interlacing undone. libpng's leniencies that matter:
# ancillary chunks with a bad CRC, or invalid (a tRNS longer than the palette), are ignored;
# bytes after IEND, and zlib data beyond the image, are ignored; palette indices past the
# palette are black (alpha 255). Critical-chunk CRCs, a missing IEND, too little image data
# and bad filter types are errors.

_PNG_USER_MAX = 1000000  # libpng's default user limit on width and height (PNG_USER_WIDTH_MAX)
_ADAM7 = (  # Adam7 passes (PNG spec §8.2): x start, y start, x step, y step
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
_PNG_CHANNELS = _png.CHANNELS_OF_COLOUR_TYPE  # samples per pixel in the file
_PNG_DEPTHS = {0: (1, 2, 4, 8, 16), 2: (8, 16), 3: (1, 2, 4, 8), 4: (8, 16), 6: (8, 16)}
_PNG_HEAD = struct.Struct(">I4s")
_PNG_CRC = struct.Struct(">I")
_PNG_IHDR = struct.Struct(">IIBBBBB")


class _PngState:
    __slots__ = ("header", "palette", "alpha", "idat", "idat_done", "idat_offset")

    def __init__(self):
        self.header = None  # (width, height, depth, colour type, interlace)
        self.palette = None
        self.alpha = None
        self.idat = []
        self.idat_done = False  # a chunk other than IDAT came after the IDATs
        self.idat_offset = None


def _png_chunks(zlib, data, max_pixels):
    """Walk the chunks as libpng does for TensorFlow, up to IEND: the decoder's state."""
    state = _PngState()
    pos = len(_png.SIGNATURE)
    end = len(data)
    while True:
        if end - pos < _PNG_HEAD.size + _PNG_CRC.size:
            raise DecodeError("truncated PNG: no IEND chunk", pos, "chunk")
        length, kind = _PNG_HEAD.unpack_from(data, pos)
        if not all(65 <= c <= 90 or 97 <= c <= 122 for c in kind):
            raise DecodeError("invalid chunk type %r" % kind, pos, "chunk")
        name = kind.decode("ascii")
        if length > _png.MAX_DIMENSION or end - pos - 12 < length:
            raise DecodeError(
                "truncated or oversized %s chunk (%d bytes)" % (name, length), pos, name
            )
        body = data[pos + 8 : pos + 8 + length]
        critical = not kind[0] & 0x20
        (stored,) = _PNG_CRC.unpack_from(data, pos + 8 + length)
        good = stored == zlib.crc32(body, zlib.crc32(kind))
        if state.header is None and kind != b"IHDR":
            raise DecodeError("the first chunk is %s, not IHDR" % name, pos, name)
        if not good and critical:
            raise DecodeError("%s chunk CRC mismatch" % name, pos, name)
        if kind == b"IEND":
            break
        if good:
            _png_chunk(state, kind, body, pos, max_pixels)
        if kind != b"IDAT" and state.idat:
            state.idat_done = True
        pos += 12 + length
    if not state.idat:
        raise DecodeError("no IDAT chunk", pos, "IEND")
    return state


def _png_chunk(state, kind, body, pos, max_pixels):
    name = kind.decode("ascii")
    if kind == b"IHDR":
        if state.header is not None:
            raise DecodeError("a second IHDR chunk", pos, name)
        state.header = _png_ihdr(body, pos, max_pixels)
        return
    colour = state.header[3]
    if kind == b"PLTE":
        if colour != _png.INDEXED:
            return  # a suggested palette (colour) or an invalid one (grey): ignored
        if state.palette is not None or state.idat:
            raise DecodeError("PLTE chunk out of place", pos, name)
        if not body or len(body) % 3 or len(body) > 768:
            raise DecodeError("PLTE chunk of %d bytes" % len(body), pos, name)
        state.palette = bytes(body[: 3 << state.header[2]])  # libpng keeps 2**depth entries
    elif kind == b"tRNS":
        if (
            colour == _png.INDEXED
            and state.palette is not None
            and state.alpha is None
            and not state.idat
            and 0 < len(body) <= len(state.palette) // 3
        ):
            state.alpha = bytes(body)
    elif kind == b"IDAT":
        if colour == _png.INDEXED and state.palette is None:
            raise DecodeError("indexed-colour image without PLTE before IDAT", pos, name)
        if not state.idat_done:  # IDATs after other chunks: libpng ignores them
            if state.idat_offset is None:
                state.idat_offset = pos
            state.idat.append(body)
    elif not kind[0] & 0x20:
        raise DecodeError("unknown critical chunk %s" % name, pos, name)


def _png_ihdr(body, pos, max_pixels):
    if len(body) != _PNG_IHDR.size:
        raise DecodeError("IHDR chunk of %d bytes (13)" % len(body), pos, "IHDR")
    width, height, depth, colour, compression, filters, interlace = _PNG_IHDR.unpack(body)
    if not (1 <= width <= _PNG_USER_MAX and 1 <= height <= _PNG_USER_MAX):
        raise DecodeError(
            "image of %d x %d pixels (1 to 1000000 each, libpng's limit)" % (width, height),
            pos,
            "IHDR",
        )
    if depth not in _PNG_DEPTHS.get(colour, ()):
        raise DecodeError("bit depth %d with colour type %d" % (depth, colour), pos, "IHDR")
    if compression or filters or interlace > 1:
        raise DecodeError("invalid compression, filter or interlace method", pos, "IHDR")
    if width * height > max_pixels:
        raise DecodeError(
            "image of %d x %d pixels is over the limit of %d (max_pixels)"
            % (width, height, max_pixels),
            pos,
            "IHDR",
        )
    return width, height, depth, colour, interlace


def _png_passes(width, height, interlace):
    """(x0, y0, dx, dy, pass width, pass height) of each non-empty pass."""
    passes = _ADAM7 if interlace else ((0, 0, 1, 1),)
    out = []
    for x0, y0, dx, dy in passes:
        w, h = (width - x0 + dx - 1) // dx, (height - y0 + dy - 1) // dy
        if w > 0 and h > 0:
            out.append((x0, y0, dx, dy, w, h))
    return out


def _png_samples(raw, at, w, h, depth, colour, offset):
    """One pass's rows from ``raw[at:]``: unfiltered, one byte per sample (16-bit: the high
    byte; below 8 bits: unpacked, grey scaled to 0-255). Returns (samples, bytes used)."""
    spp = _PNG_CHANNELS[colour]
    stride = (w * spp * depth + 7) // 8
    used = h * (stride + 1)
    pixels = _png._unfilter(raw[at : at + used], h, stride, max(1, spp * depth // 8), offset)
    if depth == 16:
        pixels = pixels[0::2]
    elif depth < 8:
        scale = 255 // ((1 << depth) - 1) if colour == _png.GREYSCALE else 1
        pixels = _png._unpack(pixels, h, stride, w, depth, scale)
    return pixels, used


def _decode_png(data, max_pixels):
    zlib = _png._zlib()
    state = _png_chunks(zlib, data, max_pixels)
    width, height, depth, colour, interlace = state.header
    spp = _PNG_CHANNELS[colour]
    passes = _png_passes(width, height, interlace)
    expected = sum(h * ((w * spp * depth + 7) // 8 + 1) for _, _, _, _, w, h in passes)
    raw = _png_inflate(zlib, b"".join(state.idat), expected, state.idat_offset)
    if not interlace:
        pixels, _ = _png_samples(raw, 0, width, height, depth, colour, state.idat_offset)
    else:
        pixels = _png_deinterlace(raw, passes, width, height, depth, colour, state.idat_offset)
    if colour == _png.INDEXED:
        spp, pixels = _png_palette(pixels, state.palette, state.alpha)
    out = array("B")
    out.frombytes(pixels)
    return Array("uint8", (height, width, spp), out)


def _png_inflate(zlib, stream, expected, offset):
    """The first ``expected`` bytes of the IDAT zlib stream. As libpng: the stream must END
    within the IDAT chunks (else "Not enough image data"), but data past the image, and errors
    after it (an Adler-32 mismatch), are only warnings."""
    decompressor = zlib.decompressobj()
    try:
        raw = decompressor.decompress(stream, expected)
    except zlib.error as err:
        raise DecodeError("corrupt zlib data in IDAT: %s" % err, offset, "IDAT") from None
    if len(raw) < expected:
        raise DecodeError(
            "not enough image data (%d of %d bytes)" % (len(raw), expected), offset, "IDAT"
        )
    try:
        while not decompressor.eof:  # the rest only to find the end of the stream
            tail = decompressor.unconsumed_tail
            if not tail and not decompressor.decompress(b"", _ZLIB_PIECE):
                raise DecodeError("the zlib stream does not end in IDAT", offset, "IDAT")
            decompressor.decompress(tail, _ZLIB_PIECE)
    except zlib.error:
        pass  # libpng: a benign error once the image is complete
    return raw


_ZLIB_PIECE = 1 << 16


def _png_deinterlace(raw, passes, width, height, depth, colour, offset):
    spp = _PNG_CHANNELS[colour]
    line = width * spp
    out = bytearray(height * line)
    at = 0
    for x0, y0, dx, dy, w, h in passes:
        pixels, used = _png_samples(raw, at, w, h, depth, colour, offset)
        at += used
        row_bytes = w * spp
        for r in range(h):
            row = pixels[r * row_bytes : (r + 1) * row_bytes]
            start = (y0 + r * dy) * line + x0 * spp
            if dx == 1:
                out[start : start + row_bytes] = row
                continue
            stop = (y0 + r * dy + 1) * line
            for c in range(spp):
                out[start + c : stop : dx * spp] = row[c::spp]
    return bytes(out)


def _png_palette(indices, palette, alpha):
    """(channels, pixels): palette indices -> RGB, or RGBA with a tRNS chunk; indices past the
    palette are black and opaque (libpng's zero-filled 256-entry palette)."""
    table = palette + bytes(768 - len(palette))
    planes = [indices.translate(table[c::3]) for c in range(3)]
    if alpha is not None:
        planes.append(indices.translate(alpha + b"\xff" * (256 - len(alpha))))
    out = bytearray(len(indices) * len(planes))
    for c, plane in enumerate(planes):
        out[c :: len(planes)] = plane
    return len(planes), bytes(out)


# --- GIF, as giflib's DGifSlurp and TensorFlow's gif_io.cc read it -----------------------------
#
# giflib reads records until the Trailer; an unknown record type, a truncated block or bad
# image data ends the reading, and TensorFlow keeps the images read before it (an error only
# when there are none). TensorFlow then composes frames on a canvas as wide as the widest image
# and as high as the highest (not the logical screen's size): frame 0 starts black, frame k
# starts as a copy of frame k-1 (disposal methods are ignored), and each image is drawn at its
# (left, top), clipped to the canvas, skipping pixels of the transparent index of the first
# Graphic Control Extension before it (frame 0: they stay black). A frame without a colour
# table, or a drawn pixel whose index is past its table, is an error. Damaged LZW data gives
# giflib's pixels (see _giflib_lzw).

_GIF_SCREEN = struct.Struct("<HHBBB")  # width, height, packed, background, aspect (s18)
_GIF_DESCRIPTOR = struct.Struct("<HHHHB")  # left, top, width, height, packed (s20)


class _GifStop(Exception):
    """giflib stops reading here (truncation, bad record): keep the images so far."""


def _gif_sub_blocks(data, pos):
    """(joined sub-block data, first sub-block or None, position after the terminator)."""
    chunks = []
    end = len(data)
    while True:
        if pos >= end:
            raise _GifStop("truncated data sub-blocks")
        n = data[pos]
        if n == 0:
            return b"".join(chunks), (chunks[0] if chunks else None), pos + 1
        if pos + 1 + n > end:
            raise _GifStop("truncated data sub-block")
        chunks.append(data[pos + 1 : pos + 1 + n])
        pos += 1 + n


def _gif_lzw(data, min_code_size, npixels):
    """giflib's LZW decoding of one image: exactly ``npixels`` indices; codes after them are
    ignored, End of Information or the end of the data before them is an error. Valid streams
    take this fast path (a table of byte strings); the first code giflib would treat in its
    own way (a code not yet in the table, a minimum code size below 2) hands the image to
    :func:`_giflib_lzw`, a literal port of giflib's decoder, so that damaged data gives
    giflib's pixels."""
    if not 2 <= min_code_size <= 8:
        return _giflib_lzw(data, min_code_size, npixels)
    clear = 1 << min_code_size
    roots = [bytes((i,)) for i in range(clear)] + [b"", b""]
    table = list(roots)
    size = min_code_size + 1
    total_bits = len(data) << 3
    from_bytes = int.from_bytes
    out = bytearray()
    prev = None
    pos = 0
    while len(out) < npixels:
        if pos + size > total_bits:
            raise _GifStop("image data ends after %d of %d pixels" % (len(out), npixels))
        start = pos >> 3
        code = (from_bytes(data[start : start + 3], "little") >> (pos & 7)) & ((1 << size) - 1)
        pos += size
        if code == clear:
            table[:] = roots
            size = min_code_size + 1
            prev = None
            continue
        if code == clear + 1:
            raise _GifStop("End of Information after %d of %d pixels" % (len(out), npixels))
        next_code = len(table)
        if code < next_code:
            entry = table[code]
            if prev is not None and next_code < _gif.TABLE_SIZE:
                table.append(prev + entry[:1])
        elif code == next_code and prev is not None and next_code < _gif.TABLE_SIZE:
            entry = prev + prev[:1]
            table.append(entry)
        else:
            return _giflib_lzw(data, min_code_size, npixels)
        if len(table) == 1 << size and size < _gif.MAX_CODE_BITS:
            size += 1
        out += entry
        prev = entry
    return bytes(out[:npixels])


_LZ_MAX_CODE = 4095  # giflib's gif_lib_private.h
_NO_SUCH_CODE = 4098


def _giflib_prefix_char(prefix, code, clear):
    """giflib's DGifGetPrefixChar."""
    i = 0
    while code > clear and i <= _LZ_MAX_CODE:
        i += 1
        if code > _LZ_MAX_CODE:
            return _NO_SUCH_CODE
        code = prefix[code]
    return code


def _giflib_lzw(data, min_code_size, npixels):
    """A literal port of giflib 5.2's DGifDecompressInput/DGifDecompressLine, for the streams
    the fast path leaves to it. Pixel values are taken modulo 256 (GifPixelType is a byte)."""
    if min_code_size > 8:
        raise _GifStop("LZW minimum code size %d" % min_code_size)
    clear = 1 << min_code_size
    eof = clear + 1
    running_code, running_bits = eof + 1, min_code_size + 1
    max_code = 1 << running_bits
    prefix = [_NO_SUCH_CODE] * (_LZ_MAX_CODE + 1)
    suffix = [0] * (_LZ_MAX_CODE + 1)
    stack = []
    last = _NO_SUCH_CODE
    out = bytearray()
    pos, total_bits = 0, len(data) << 3
    while len(out) < npixels:
        if pos + running_bits > total_bits:
            raise _GifStop("image data ends after %d of %d pixels" % (len(out), npixels))
        start = pos >> 3
        code = (int.from_bytes(data[start : start + 3], "little") >> (pos & 7)) & (
            (1 << running_bits) - 1
        )
        pos += running_bits
        if running_code < _LZ_MAX_CODE + 2:
            running_code += 1
            if running_code > max_code and running_bits < _gif.MAX_CODE_BITS:
                max_code <<= 1
                running_bits += 1
        if code == eof:
            raise _GifStop("End of Information after %d of %d pixels" % (len(out), npixels))
        if code == clear:
            prefix = [_NO_SUCH_CODE] * (_LZ_MAX_CODE + 1)
            running_code, running_bits = eof + 1, min_code_size + 1
            max_code = 1 << running_bits
            last = _NO_SUCH_CODE
            continue
        if code < clear:
            out.append(code)
        else:
            _giflib_trace(prefix, suffix, stack, code, last, running_code, clear)
            while stack and len(out) < npixels:
                out.append(stack.pop() & 0xFF)
        slot = running_code - 2
        if last != _NO_SUCH_CODE and slot <= _LZ_MAX_CODE and prefix[slot] == _NO_SUCH_CODE:
            prefix[slot] = last
            source = last if code == slot else code
            suffix[slot] = _giflib_prefix_char(prefix, source, clear)
        last = code
    return bytes(out)


def _giflib_trace(prefix, suffix, stack, code, last, running_code, clear):
    """Push the string of ``code`` on ``stack`` (last character first), as giflib does."""
    if prefix[code] == _NO_SUCH_CODE:
        current = last
        source = last if code == running_code - 2 else code
        char = _giflib_prefix_char(prefix, source, clear)
        suffix[running_code - 2] = char
        stack.append(char)
    else:
        current = code
    while len(stack) < _LZ_MAX_CODE and clear < current <= _LZ_MAX_CODE:
        stack.append(suffix[current])
        current = prefix[current]
    if len(stack) >= _LZ_MAX_CODE or current > _LZ_MAX_CODE:
        raise _GifStop("image is defective (LZW)")
    stack.append(current)


def _gif_image(data, pos, global_table, max_pixels):
    """An image (s20-s22) at ``pos``: ((left, top, w, h), indices, table, next position).
    An image over ``max_pixels`` is refused before its data is inflated."""
    if pos + 1 + _GIF_DESCRIPTOR.size > len(data):
        raise _GifStop("truncated image descriptor")
    left, top, w, h, flags = _GIF_DESCRIPTOR.unpack_from(data, pos + 1)
    if w == 0 or h == 0:
        raise _GifStop("image of %d x %d pixels" % (w, h))
    if w * h > max_pixels:
        raise DecodeError(
            "image of %d x %d pixels is over the limit of %d (max_pixels)" % (w, h, max_pixels),
            pos,
            "image descriptor",
        )
    pos += 1 + _GIF_DESCRIPTOR.size
    table = global_table
    if flags & _gif.LOCAL_COLOR_TABLE_FLAG:
        n = 3 << ((flags & 7) + 1)
        if pos + n > len(data):
            raise _GifStop("truncated local color table")
        table = data[pos : pos + n]
        pos += n
    if pos >= len(data):
        raise _GifStop("truncated image data")
    compressed, _, after = _gif_sub_blocks(data, pos + 1)
    indices = _gif_lzw(compressed, data[pos], w * h)
    if flags & _gif.INTERLACE_FLAG:
        indices = _gif._deinterlace(indices, w, h)
    return (left, top, w, h), indices, table, after


def _gif_records(data, max_pixels):
    """giflib's DGifSlurp: [(box, indices, table, transparent index or None)], until the
    Trailer or the first thing it cannot read."""
    if len(data) < 6 + _GIF_SCREEN.size:
        raise DecodeError("truncated GIF header", 0, "header")
    _, _, packed, _, _ = _GIF_SCREEN.unpack_from(data, 6)
    pos = 6 + _GIF_SCREEN.size
    global_table = None
    if packed & _gif.GLOBAL_COLOR_TABLE_FLAG:
        n = 3 << ((packed & 7) + 1)
        if pos + n > len(data):
            raise DecodeError("truncated global color table", pos, "global color table")
        global_table, pos = data[pos : pos + n], pos + n
    images = []
    control = None  # the first Graphic Control Extension since the last image
    largest = 0
    try:
        while pos < len(data) and data[pos] != _gif.TRAILER:
            if data[pos] == _gif.EXTENSION_INTRODUCER and pos + 1 < len(data):
                label = data[pos + 1]
                _, block, pos = _gif_sub_blocks(data, pos + 2)
                if label == _gif.GRAPHIC_CONTROL_LABEL and control is None:
                    control = block if block is not None else b""
            elif data[pos] == _gif.IMAGE_SEPARATOR:
                if (len(images) + 1) * largest > max_pixels:
                    raise DecodeError(
                        "over %d pixels in all frames (max_pixels)" % max_pixels,
                        pos,
                        "image descriptor",
                    )
                box, indices, table, pos = _gif_image(data, pos, global_table, max_pixels)
                largest = max(largest, box[2] * box[3])  # the canvas is at least this big
                transparent = None
                if control is not None and len(control) == 4 and control[0] & 1:
                    transparent = control[3]  # giflib: a GCE block of 4 bytes, else ignored
                images.append((box, indices, table, transparent))
                control = None
            else:
                break  # D_GIF_ERR_WRONG_RECORD: reading stops
    except _GifStop as stop:
        if not images:
            raise DecodeError("GIF image data: %s" % stop, pos, "image") from None
    if not images:
        raise DecodeError("no image in the GIF", pos, "image")
    return images


def _decode_gif(data, max_pixels):
    images = _gif_records(data, max_pixels)
    width = max(box[2] for box, _, _, _ in images)  # gif_io.cc: the largest image's width
    height = max(box[3] for box, _, _, _ in images)  # and height, each on its own
    if width * height * len(images) > max_pixels:
        raise DecodeError(
            "%d frames of %d x %d pixels are over the limit of %d (max_pixels)"
            % (len(images), width, height, max_pixels),
            None,
            "image",
        )
    frame_bytes = width * height * 3
    out = bytearray(frame_bytes * len(images))
    for k, (box, indices, table, transparent) in enumerate(images):
        if table is None:
            raise DecodeError("missing color map for frame %d" % k, None, "image")
        at = k * frame_bytes
        if k:
            out[at : at + frame_bytes] = out[at - frame_bytes : at]
        _gif_draw(out, at, width, height, box, indices, table, transparent, k)
    pixels = array("B")
    pixels.frombytes(out)
    return Array("uint8", (len(images), height, width, 3), pixels)


def _gif_draw(out, at, width, height, box, indices, table, transparent, k):
    """Draw one image into the frame at ``out[at:]``, clipped, as gif_io.cc does."""
    left, top, w, h = box
    x0, x1 = left, min(left + w, width)
    y0, y1 = top, min(top + h, height)
    if x0 >= x1 or y0 >= y1:
        return
    colours = len(table) // 3
    luts = [bytes(table[c::3]) + bytes(256 - colours) for c in range(3)]
    hole = bytes((transparent,)) if transparent is not None else b""
    for y in range(y0, y1):
        seg = indices[(y - top) * w + x0 - left : (y - top) * w + x1 - left]
        drawn = seg.translate(None, hole) if hole else seg
        if drawn and max(drawn) >= colours:
            raise DecodeError(
                "frame %d: color index %d outside of a color map of %d" % (k, max(drawn), colours),
                None,
                "image",
            )
        rgb = bytearray(3 * len(seg))
        for c in range(3):
            rgb[c::3] = seg.translate(luts[c])
        row = at + (y * width + x0) * 3
        if not hole or hole not in seg:
            out[row : row + len(rgb)] = rgb
            continue
        x = 0
        while x < len(seg):  # runs of drawn pixels between transparent ones
            stop = seg.find(hole, x)
            stop = len(seg) if stop < 0 else stop
            out[row + 3 * x : row + 3 * stop] = rgb[3 * x : 3 * stop]
            x = stop + 1
            while x < len(seg) and seg[x] == transparent:
                x += 1
