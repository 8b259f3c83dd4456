# SPDX-License-Identifier: MIT
"""TensorProto contents: which ``DataType`` and which ``*_val`` field each element type uses,
half-precision bit patterns, and the way back (for the reader).

The conventions are TensorFlow's (``tensor.proto``, ``tensor_util.make_ndarray``, which is what
TensorBoard decodes with):

    float32 -> DT_FLOAT   float_val         float64 -> DT_DOUBLE   double_val
    float16 -> DT_HALF    half_val (the 16 IEEE bits in an int32)
    bfloat16-> DT_BFLOAT16 half_val (the 16 bfloat16 bits)
    int8/int16/int32/uint8/uint16 -> int_val   int64 -> int64_val
    uint32  -> uint32_val  uint64 -> uint64_val  bool -> bool_val
    complex64 -> scomplex_val, complex128 -> dcomplex_val (real, imag interleaved)
    string  -> string_val

PyTorch's writer departs from this twice, and TensorBoard then shows wrong or no values: it puts
float32 bit patterns in ``half_val`` and writes uint8 to ``uint32_val``
(docs/event-file-format.md section 4.1). tinytb follows TensorFlow.
"""

from __future__ import annotations

import math
import operator
import struct
import sys
from array import array
from collections.abc import Sequence

from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, List, Tuple, Union

# enum DataType (types.proto), the values writers use
DT_FLOAT = 1
DT_DOUBLE = 2
DT_INT32 = 3
DT_UINT8 = 4
DT_INT16 = 5
DT_INT8 = 6
DT_STRING = 7
DT_COMPLEX64 = 8
DT_INT64 = 9
DT_BOOL = 10
DT_BFLOAT16 = 14
DT_UINT16 = 17
DT_COMPLEX128 = 18
DT_HALF = 19
DT_UINT32 = 22
DT_UINT64 = 23

# element type name -> (DataType, TensorProto field that holds the values)
DTYPES = {
    "float32": (DT_FLOAT, "float_val"),
    "float64": (DT_DOUBLE, "double_val"),
    "float16": (DT_HALF, "half_val"),
    "bfloat16": (DT_BFLOAT16, "half_val"),
    "int8": (DT_INT8, "int_val"),
    "int16": (DT_INT16, "int_val"),
    "int32": (DT_INT32, "int_val"),
    "uint8": (DT_UINT8, "int_val"),
    "uint16": (DT_UINT16, "int_val"),
    "int64": (DT_INT64, "int64_val"),
    "uint32": (DT_UINT32, "uint32_val"),
    "uint64": (DT_UINT64, "uint64_val"),
    "bool": (DT_BOOL, "bool_val"),
    "complex64": (DT_COMPLEX64, "scomplex_val"),
    "complex128": (DT_COMPLEX128, "dcomplex_val"),
    "string": (DT_STRING, "string_val"),
}
DTYPE_NAMES = {code: name for name, (code, _) in DTYPES.items()}

_HALF = struct.Struct("<e")
_U16 = struct.Struct("<H")
_F32 = struct.Struct("<f")
_U32 = struct.Struct("<I")


def half_bits(value):
    """IEEE binary16 bits of a float, rounded to nearest even; +-inf beyond the range."""
    try:
        return _U16.unpack(_HALF.pack(value))[0]
    except OverflowError:
        return 0x7C00 if value > 0 else 0xFC00


def half_from_bits(bits):
    return _HALF.unpack(_U16.pack(bits & 0xFFFF))[0]


def bfloat16_bits(value):
    """bfloat16 bits (the top half of the float32), rounded to nearest even."""
    try:
        bits = _U32.unpack(_F32.pack(value))[0]
    except OverflowError:
        return 0x7F80 if value > 0 else 0xFF80
    if value != value:
        return (bits >> 16) | 0x40  # keep NaN a (quiet) NaN after truncation
    return (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16


def bfloat16_from_bits(bits):
    return _F32.unpack(_U32.pack((bits & 0xFFFF) << 16))[0]


def field_values(dtype_name: str, flat: Sequence[Any]) -> Sequence[Any]:
    """The sequence to put in the dtype's ``*_val`` field for the flat element sequence
    ``flat``. Large inputs are converted in bulk (``struct``/``array`` at C speed) whenever
    that gives the same numbers as the per-element functions above."""
    if dtype_name == "float16":
        return _bulk_bits(flat, "e", half_bits)
    if dtype_name == "bfloat16":
        return _bfloat16_field(flat)
    if dtype_name in ("complex64", "complex128"):
        parts = getattr(flat, "parts", None)  # _arrays.ComplexValues: interleaved already
        if parts is not None:
            return parts
        out = [0.0] * (2 * len(flat))
        out[0::2] = [z.real for z in flat]  # interleaved (real, imag), as tensor.proto says
        out[1::2] = [z.imag for z in flat]
        return out
    if dtype_name == "bool":
        return [1 if x else 0 for x in flat]
    return flat


def _bulk_bits(flat, code, one):
    """The 16-bit patterns of ``flat`` packed with ``struct`` format ``code`` ("e", or "f"
    for the top halves), one call for all; ``one(x)`` per element when some value does not
    fit (``struct`` refuses what the per-element functions turn into infinities)."""
    try:
        raw = struct.pack("=%d%s" % (len(flat), code), *flat)
    except (OverflowError, struct.error):
        return [one(x) for x in flat]
    bits = array("H")
    bits.frombytes(raw)
    return bits


def _bfloat16_field(flat):
    """bfloat16 bits: when every value is finite and already a bfloat16 (the low 16 bits of its
    float32 are zero, as for every torch bfloat16 tensor), the top halves taken in bulk; else
    :func:`bfloat16_bits` per element (rounding, NaN)."""
    n = len(flat)
    if n and all(map(math.isfinite, flat)):
        try:
            raw = struct.pack("=%df" % n, *flat)
        except (OverflowError, struct.error):
            raw = None
        if raw is not None:
            low = 0 if sys.byteorder == "little" else 2  # where the low half sits
            if raw[low::4].count(0) == n and raw[low + 1 :: 4].count(0) == n:
                top = bytearray(2 * n)
                top[0::2] = raw[2 - low :: 4]
                top[1::2] = raw[3 - low :: 4]
                bits = array("H")
                bits.frombytes(top)
                return bits
    return [bfloat16_bits(x) for x in flat]


# tensor_content layouts, little-endian, as TensorFlow writes them
_CONTENT_CODES = {
    "float32": "f",
    "float64": "d",
    "float16": "e",
    "int8": "b",
    "int16": "h",
    "int32": "i",
    "int64": "q",
    "uint8": "B",
    "uint16": "H",
    "uint32": "I",
    "uint64": "Q",
    "bool": "?",
    "complex64": "f",
    "complex128": "d",
    "bfloat16": "H",
}


# The element count of a shape must fit an int64 (TensorShape's num_elements is an int64).
_MAX_ELEMENTS = min((1 << 63) - 1, sys.maxsize)  # and len() must hold it


class FilledValues(Sequence):
    """The flat values of a tensor whose typed field holds fewer values than its shape has
    elements: ``make_ndarray`` repeats the last value to fill the rest. The fill is kept as a
    fill, not expanded: ``len()`` is the shape's element count, indexing works as on the
    expanded list, and slices and iteration make values on demand. So a few bytes declaring
    shape ``[1 << 40]`` cost a few bytes. Compares equal to the expanded list.

    Attributes:
        values: the values the field holds (a list of at least one).
        size: the element count of the shape (more than ``len(values)``).
    """

    __slots__ = ("values", "size")

    def __init__(self, values, size):
        self.values = values
        self.size = size

    def __len__(self):
        return self.size

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(self.size))]
        index = operator.index(index)
        if index < 0:
            index += self.size
        if not 0 <= index < self.size:
            raise IndexError("index out of range")
        return self._at(index)

    def _at(self, i):
        values = self.values
        return values[i] if i < len(values) else values[-1]

    def __iter__(self):
        yield from self.values
        last = self.values[-1]
        for _ in range(self.size - len(self.values)):
            yield last

    # The Sequence mixins would walk all ``size`` elements; the fill answers at once.
    def __contains__(self, value):
        return value in self.values

    def index(self, value, start=0, stop=None):
        stop = self.size if stop is None else stop
        for i in range(*slice(start, stop).indices(self.size)):
            if i >= len(self.values):
                if self.values[-1] == value:
                    return i
                break
            if self.values[i] == value:
                return i
        raise ValueError("%r is not in FilledValues" % (value,))

    def count(self, value):
        extra = self.size - len(self.values) if self.values[-1] == value else 0
        return self.values.count(value) + extra

    def __eq__(self, other):
        if isinstance(other, FilledValues):
            return self.size == other.size and self.values == other.values
        if isinstance(other, (list, tuple)):
            return len(other) == self.size and all(a == b for a, b in zip(self, other))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self):
        return "FilledValues(%r, size=%d)" % (self.values, self.size)


def _shape(tensor):
    """The dims of the tensor's shape and their product; DecodeError for a negative dim or a
    product beyond int64."""
    shape = [d.size for d in tensor.tensor_shape.dim] if tensor.tensor_shape else []
    count = 1
    for size in shape:
        if size < 0:
            raise DecodeError(
                "tensor shape %r has a negative dim" % (shape[:16],),
                None,
                "TensorProto.tensor_shape",
            )
        count *= size
        if count > _MAX_ELEMENTS:
            raise DecodeError(
                "tensor shape %r has more than 2**63-1 elements" % (shape[:16],),
                None,
                "TensorProto.tensor_shape",
            )
    return shape, count


def decode(tensor: Any) -> Tuple[str, List[int], Union[Sequence[Any], bytes]]:
    """``(dtype_name, shape, flat_values)`` of a decoded TensorProto Message, as
    ``tensor_util.make_ndarray`` reads it: ``tensor_content`` if present, else the typed field.

    When the values hold fewer elements than the shape has, the last value fills the rest
    (TensorFlow's rule); ``flat_values`` is then a :class:`FilledValues` sequence that keeps the
    fill as one value instead of a list of the shape's size. Otherwise it is a list of exactly
    the values in the bytes (``bytes`` for ``tensor_content`` of a dtype with no fixed layout).
    No values at all give ``[]`` whatever the shape. A negative dim, or dims whose product
    overflows int64, raise :class:`~tinytb.errors.DecodeError`.
    """
    name = DTYPE_NAMES.get(tensor.dtype, "DT_%d" % tensor.dtype)
    shape, count = _shape(tensor)
    if tensor.tensor_content:
        code = _CONTENT_CODES.get(name)
        if code is None:
            return name, shape, tensor.tensor_content
        raw = tensor.tensor_content
        size = struct.calcsize(code)
        count_in = len(raw) // size
        values = list(struct.unpack("<%d%s" % (count_in, code), raw[: count_in * size]))
        if name == "bfloat16":
            values = [bfloat16_from_bits(v) for v in values]
    else:
        field = DTYPES[name][1] if name in DTYPES else None
        values = list(getattr(tensor, field)) if field else []
        if name == "float16":
            values = [half_from_bits(v) for v in values]
        elif name == "bfloat16":
            values = [bfloat16_from_bits(v) for v in values]
    if name in ("complex64", "complex128"):
        values = [complex(values[i], values[i + 1]) for i in range(0, len(values) - 1, 2)]
    if values and len(values) < count:
        return name, shape, FilledValues(values, count)
    return name, shape, values
