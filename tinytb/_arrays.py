# SPDX-License-Identifier: MIT
"""Array-likes without numpy: the one conversion layer for every method that takes an array
(images, video, audio, histograms, PR curves, ``add_tensor``).

:func:`as_array` turns what a caller passes into an :class:`Array` (element type name, shape,
flat C-order data) without importing numpy or torch. It reads:

* torch tensors through their own methods (``detach().cpu()``, then ``numpy()`` when numpy is
  there, else ``tolist()``); bfloat16 through ``float()`` and complex32 through ``cfloat()``,
  both exact;
* numpy arrays and scalars, and anything else with ``__array_interface__``, through
  ``tobytes()`` (one C-order copy) and the ``typestr``; half floats with ``struct``'s ``e``
  format; ml_dtypes' bfloat16 (``V2``) from its bits; other array objects with ``shape``,
  ``dtype`` and ``tolist()`` through those;
* the buffer protocol (``bytes`` as a uint8 vector, ``bytearray``, ``memoryview`` with a shape
  and format, ``array.array`` of any numeric typecode), which gives shape and element format;
  integer sizes come from the buffer's item size, not from the C type's name;
* nested lists and tuples, and Python numbers, typed as ``numpy.array`` types them (as
  tensorboardX reads them, and as Python computed them: no silent rounding): floats are
  float64, complex numbers complex128, bools bool, ints int64 (``pixels=False``) or uint8
  pixel values 0-255 (``pixels=True``, images), and an empty list is float64.

Complex values are refused unless the caller passes ``allow_complex=True`` (only ``add_tensor``
can write them). An element type that cannot be used raises ``TypeError``, or the built-in
exception the caller names in ``dtype_error`` (``add_tensor`` raises ``ValueError`` there, as
PyTorch's does).

``data`` is ``bytes`` for uint8 (so images never go through one Python int per pixel), a
:class:`ComplexValues` (interleaved parts) for complex64/complex128, and a sequence of Python
numbers otherwise (an ``array.array`` when the input was a typed array: a C-speed copy, no
Python object per element until someone iterates).

Size limits. An array-like can declare a shape far larger than its memory (numpy's
``broadcast_to``, torch's ``expand``: one element repeated), and reading it would allocate
that much. Every input is therefore measured from its declared shape first, and refused with
``ValueError`` naming the argument before anything is allocated. The limits sit far above
real use; most come from the 2 GiB ceiling of a protobuf message, which is also the largest
record TensorBoard reads:

==========================  ==================  ===============================================
constant                    value               what it bounds
==========================  ==================  ===============================================
``MAX_ARRAY_BYTES``         2**31 - 1 (2 GiB)   any array argument: elements x item size
                                                (add_tensor's whole tensor, images, video,
                                                audio, histogram values, PR-curve and mesh
                                                data, embedding ``mat`` and ``label_img``)
``MAX_IMAGE_PIXELS``        2**28 (16384**2)    one image after the grid and ``rescale``
                                                (height x width; PNG, sprite, video frame)
``MAX_VIDEO_BYTES``         2**31 - 1           all frames of a video, RGB, before GIF coding
``MAX_AUDIO_SAMPLES``       2**30 - 64          samples of a clip (16-bit WAV under 2 GiB)
``MAX_SAMPLE_RATE``         2**30 - 1 Hz        WAV's uint32 byte rate (rate x 2 channels x
                                                2 bytes) must fit
``MAX_HISTOGRAM_BINS``      2**24               buckets of a histogram (an int ``bins`` or
                                                what an estimator such as 'fd' computes)
==========================  ==================  ===============================================
"""

from __future__ import annotations

import struct
import sys
from array import array

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Iterable, Type

__all__ = [
    "Array",
    "ComplexValues",
    "as_array",
    "nested",
    "check_size",
    "MAX_ARRAY_BYTES",
    "MAX_IMAGE_PIXELS",
    "MAX_VIDEO_BYTES",
    "MAX_AUDIO_SAMPLES",
    "MAX_SAMPLE_RATE",
    "MAX_HISTOGRAM_BINS",
]

_LITTLE = sys.byteorder == "little"

# The limits of the module docstring's table. protobuf refuses messages of 2 GiB or more
# (and TensorBoard's record reader with them), so no single input may reach that size.
MAX_ARRAY_BYTES = (1 << 31) - 1
MAX_IMAGE_PIXELS = 1 << 28
MAX_VIDEO_BYTES = (1 << 31) - 1
MAX_AUDIO_SAMPLES = (1 << 30) - 64
MAX_SAMPLE_RATE = (1 << 30) - 1  # wave packs rate * channels * 2 as '<L'
MAX_HISTOGRAM_BINS = 1 << 24


class _DtypeError(TypeError):
    """An element type that cannot be used; :func:`as_array` re-raises it as the built-in
    exception its caller asked for."""


class Array:
    """``dtype``: an element type name (``"uint8"``, ``"float32"``, ``"complex64"``...);
    ``shape``: a tuple; ``data``: ``bytes`` for uint8, else a flat sequence of numbers in C
    order (a :class:`ComplexValues` of Python ``complex`` for the complex types).

    ``host``: the caller's numpy array (a torch tensor's ``numpy()`` view included) when the
    input was one, holding these elements in this ``dtype``; None otherwise. A method with a
    fast path drives it through its own methods and operators (``ravel``, ``astype``,
    ``sort``, ``*``...) and never touches ``data``, which is then made only on first use
    (one ``tobytes()`` copy)."""

    __slots__ = ("dtype", "shape", "_data", "host")

    def __init__(self, dtype: str, shape: Iterable[int], data: Any, host: Any = None) -> None:
        self.dtype = dtype
        self.shape = tuple(shape)
        self._data = data
        self.host = host

    @property
    def data(self) -> Any:
        if self._data is None:
            host = self.host
            typestr = host.__array_interface__["typestr"]
            big = typestr[0] == ">" or (typestr[0] == "=" and not _LITTLE)
            self._data = _values(host.tobytes(), self.dtype, big)  # tobytes: C order
        return self._data

    @property
    def size(self) -> int:
        n = 1
        for s in self.shape:
            n *= s
        return n

    def __repr__(self):
        return "Array(%s, shape=%s)" % (self.dtype, self.shape)


class ComplexValues:
    """A flat sequence of complex numbers kept as interleaved (real, imag) parts in ``parts``,
    an ``array.array`` ("f" for complex64, "d" for complex128): the memory layout of numpy and
    torch, and the layout of tensor.proto's ``scomplex_val``/``dcomplex_val``, so neither
    reading nor writing makes one Python object per element."""

    __slots__ = ("parts",)

    def __init__(self, parts):
        self.parts = parts

    @classmethod
    def of(cls, numbers, dtype):
        """From Python numbers; complex64 parts are rounded to float32 (beyond its range:
        infinities, as a C cast)."""
        code = "f" if dtype == "complex64" else "d"
        parts = array(code, [0.0]) * (2 * len(numbers))
        parts[0::2] = array(code, [z.real for z in numbers])
        parts[1::2] = array(code, [z.imag for z in numbers])
        return cls(parts)

    def __len__(self):
        return len(self.parts) // 2

    def __iter__(self):
        return map(complex, self.parts[0::2], self.parts[1::2])

    def __getitem__(self, index):
        index = range(len(self))[index]
        return complex(self.parts[2 * index], self.parts[2 * index + 1])

    def __repr__(self):
        return "ComplexValues(%r)" % (list(self),)


COMPLEX = ("complex64", "complex128")
# every element type an Array can hold
DTYPES = frozenset(
    (
        "uint8",
        "int8",
        "uint16",
        "int16",
        "uint32",
        "int32",
        "uint64",
        "int64",
        "float16",
        "bfloat16",
        "float32",
        "float64",
        "bool",
    )
    + COMPLEX
)

# numpy typestr kind+size -> dtype name
_TYPESTR = {
    "u1": "uint8",
    "i1": "int8",
    "u2": "uint16",
    "i2": "int16",
    "u4": "uint32",
    "i4": "int32",
    "u8": "uint64",
    "i8": "int64",
    "f2": "float16",
    "f4": "float32",
    "f8": "float64",
    "b1": "bool",
    "c8": "complex64",
    "c16": "complex128",
}
# torch dtype names (str(dtype) without "torch.") that are aliases
_TORCH_ALIASES = {
    "half": "float16",
    "float": "float32",
    "double": "float64",
    "short": "int16",
    "int": "int32",
    "long": "int64",
    "cfloat": "complex64",
    "cdouble": "complex128",
    "chalf": "complex32",
}
# array typecode of each fixed-size element type (C int sizes vary by platform: look them up);
# complex numbers are read as interleaved (real, imag) floats
_TYPECODES = {}
for _dtype, _size, _codes in (
    ("int8", 1, "b"),
    ("int16", 2, "h"),
    ("uint16", 2, "H"),
    ("int32", 4, "il"),
    ("uint32", 4, "IL"),
    ("int64", 8, "ql"),
    ("uint64", 8, "QL"),
    ("float32", 4, "f"),
    ("float64", 8, "d"),
    ("complex64", 4, "f"),
    ("complex128", 8, "d"),
):
    _TYPECODES[_dtype] = next(c for c in _codes if array(c).itemsize == _size)
del _dtype, _size, _codes
ITEMSIZES = {  # bytes per element of each dtype name (also summary's tensor limit)
    "uint8": 1,
    "int8": 1,
    "bool": 1,
    "uint16": 2,
    "int16": 2,
    "float16": 2,
    "bfloat16": 2,
    "uint32": 4,
    "int32": 4,
    "float32": 4,
    "uint64": 8,
    "int64": 8,
    "float64": 8,
    "complex64": 8,
    "complex128": 16,
}


def as_array(
    value: Any,
    name: str,
    pixels: bool = True,
    allow_complex: bool = False,
    dtype_error: Type[Exception] = TypeError,
) -> Array:
    """The :class:`Array` for ``value``; ``TypeError``/``ValueError`` naming ``name``.
    ``pixels``: Python ints in nested lists are uint8 pixel values (0..255); otherwise they
    are int64 numbers (histogram values, edges, audio samples, tensors). ``allow_complex``:
    accept complex element types. ``dtype_error``: the exception class for an element type
    that cannot be used (complex ones included when refused)."""
    try:
        return _as_array(value, name, pixels, allow_complex)
    except _DtypeError as err:
        raise dtype_error(str(err)) from None


def check_size(
    shape: Iterable[int], itemsize: int, name: str, limit: int = MAX_ARRAY_BYTES
) -> None:
    """``ValueError`` naming ``name`` if ``shape`` (a declared shape, nothing read yet) of
    ``itemsize``-byte elements holds more than ``limit`` bytes."""
    size = itemsize
    for n in shape:
        size *= n
    if size > limit:
        raise ValueError(
            "%s is too large: shape %s of %d-byte elements needs %d bytes, more "
            "than tinytb's limit of %d (a protobuf message, and so a TensorBoard "
            "record, stays under 2 GiB)" % (name, tuple(shape), itemsize, size, limit)
        )


def _as_array(value, name, pixels, allow_complex):
    dtype = getattr(value, "dtype", None)
    if dtype is not None and str(dtype).startswith("torch."):
        return _from_torch(value, name, allow_complex)
    if hasattr(value, "__array_interface__"):
        return _from_array_interface(value, name, allow_complex)
    if dtype is not None and hasattr(value, "shape") and hasattr(value, "tolist"):
        return _from_tolist(value, name, allow_complex)  # other libraries: shape, dtype, tolist
    if isinstance(value, (bytes, bytearray, memoryview, array)):
        return _from_buffer(memoryview(value), name, allow_complex)
    if isinstance(value, (list, tuple, int, float, complex)) or _is_number(value):
        return _from_nested(value, name, pixels, allow_complex)
    try:
        view = memoryview(value)
    except TypeError:
        raise TypeError(
            "%s must be an array (numpy, torch, array.array, buffer) or a nested "
            "list of numbers, not %s" % (name, type(value).__name__)
        ) from None
    return _from_buffer(view, name, allow_complex)


def _is_number(value):
    return hasattr(type(value), "__float__") and not isinstance(value, (str, bytes))


def _check(dtype, name, allow_complex, described=None):
    """``dtype`` if an Array may hold it here, else ``_DtypeError``."""
    if dtype in DTYPES and (allow_complex or dtype not in COMPLEX):
        return dtype
    why = ": complex values cannot be used here" if dtype in COMPLEX else ""
    raise _DtypeError("%s has an unsupported element type %s%s" % (name, described or dtype, why))


def _from_torch(t, name, allow_complex):
    kind = str(t.dtype)[6:]
    kind = _TORCH_ALIASES.get(kind, kind)
    check_size([int(n) for n in t.shape], ITEMSIZES.get(kind, 8), name)  # before a copy
    t = t.detach().cpu()
    if kind == "complex32":  # numpy has no complex32; every value is exact in complex64
        _check("complex64", name, allow_complex, "torch.complex32")
        t = t.cfloat()
        kind = "complex64"
    if kind == "bfloat16":
        # every bfloat16 is exact in float32; the values stay those of the bfloat16 tensor
        arr = _from_torch(t.float(), name, allow_complex)
        return Array("bfloat16", arr.shape, arr.data)
    _check(kind, name, allow_complex, "torch." + kind)
    for method in ("resolve_conj", "resolve_neg"):  # numpy() refuses lazily conjugated views
        if hasattr(t, method):
            t = getattr(t, method)()
    try:
        host = t.numpy()
    except (RuntimeError, TypeError, AttributeError):  # no numpy, or a dtype numpy lacks
        shape = tuple(int(s) for s in t.shape)
        flat = t.reshape(-1).tolist()
        if kind in COMPLEX:
            flat = ComplexValues.of(flat, kind)
        return Array(kind, shape, bytes(flat) if kind == "uint8" else flat)
    return _from_array_interface(host, name, allow_complex)


def _from_array_interface(arr, name, allow_complex):
    info = arr.__array_interface__
    typestr = info["typestr"]
    shape = tuple(int(s) for s in info["shape"])
    check_size(shape, _typestr_size(typestr), name)  # before tobytes() copies it
    dtype = _TYPESTR.get(typestr[1:])
    if dtype is None and typestr[1:] == "V2" and _dtype_name(arr) == "bfloat16":
        dtype = "bfloat16"  # ml_dtypes' bfloat16: numpy sees 2 opaque bytes
    if dtype is None:
        raise _DtypeError(
            "%s has an unsupported element type %r (dtype %s)"
            % (name, typestr, _dtype_name(arr) or "?")
        )
    _check(dtype, name, allow_complex)
    if dtype != "bfloat16" and _has_methods(arr):
        return Array(dtype, shape, None, host=arr)  # data made from it on first use
    big = typestr[0] == ">" or (typestr[0] == "=" and not _LITTLE)
    return Array(dtype, shape, _values(arr.tobytes(), dtype, big))  # tobytes: C order


# numpy's own array types, whose methods the fast paths rely on: a subclass may change what
# they mean (np.matrix stays 2-D through ravel(), a masked array's tolist() gives None), and a
# numpy scalar is one value, so those take the pure path
_HOST_TYPES = frozenset((("numpy", "ndarray"), ("numpy", "memmap")))


def _has_methods(arr):
    """Whether ``arr`` is a numpy ndarray (or memmap) proper, whose methods a fast path may
    drive; checked by its type's name, numpy is not imported."""
    kind = type(arr)
    return (getattr(kind, "__module__", None), kind.__name__) in _HOST_TYPES


def _typestr_size(typestr):
    digits = typestr[2:]
    return int(digits) if digits.isdigit() else 1


def _dtype_name(arr):
    dtype = getattr(arr, "dtype", None)
    return None if dtype is None else getattr(dtype, "name", str(dtype))


def _values(raw, dtype, big_endian):
    """The elements of ``dtype`` packed in ``raw`` (``big_endian`` or little-endian), at C
    speed: ``bytes`` for uint8, an ``array.array`` where one has this element type."""
    if dtype == "uint8":
        return bytes(raw)
    if dtype == "bool":
        return list(map(bool, raw))
    if dtype == "float16":
        return struct.unpack("%s%de" % (">" if big_endian else "<", len(raw) // 2), raw)
    if dtype == "bfloat16":
        # the top half of a float32: put the 16 bits above two zero bytes
        wide = bytearray(2 * len(raw))
        high = 2 if _LITTLE else 0  # where a native float32 keeps its top two bytes
        native = big_endian != _LITTLE  # raw is in the host's byte order
        wide[high::4] = raw[0::2] if native else raw[1::2]
        wide[high + 1 :: 4] = raw[1::2] if native else raw[0::2]
        values = array("f")
        values.frombytes(wide)
        return values
    values = array(_TYPECODES[dtype])
    values.frombytes(raw)
    if big_endian == _LITTLE:
        values.byteswap()
    return ComplexValues(values) if dtype in COMPLEX else values


# buffer-protocol format characters (struct module syntax)
_SIGNED = "bhilqn"
_UNSIGNED = "BHILQN"
_FORMATS = {
    "e": "float16",
    "f": "float32",
    "d": "float64",
    "?": "bool",
    "c": "uint8",
    "Zf": "complex64",
    "Zd": "complex128",
}


def _from_buffer(view, name, allow_complex):
    prefix = view.format[:1] if view.format[:1] in "@=<>!" else ""
    fmt = view.format[len(prefix) :]
    if len(fmt) == 1 and fmt in _SIGNED:
        dtype = "int%d" % (8 * view.itemsize)
    elif len(fmt) == 1 and fmt in _UNSIGNED:
        dtype = "uint%d" % (8 * view.itemsize)
    else:
        dtype = _FORMATS.get(fmt)
    if dtype not in ITEMSIZES or ITEMSIZES[dtype] != view.itemsize:
        raise _DtypeError(
            "%s has an unsupported element type: buffer format %r" % (name, view.format)
        )
    _check(dtype, name, allow_complex)
    shape = tuple(view.shape) if view.shape is not None else (view.nbytes,)
    check_size(shape, view.itemsize, name)
    big = prefix in (">", "!") or (prefix in ("", "@", "=") and not _LITTLE)
    return Array(dtype, shape, _values(view.tobytes(), dtype, big))


def _from_tolist(value, name, allow_complex):
    dtype = _check(_dtype_name(value), name, allow_complex)
    shape = tuple(int(s) for s in value.shape)
    check_size(shape, ITEMSIZES[dtype], name)
    flat = value.reshape(-1).tolist() if shape else [value.tolist()]
    if dtype in COMPLEX:
        return Array(dtype, shape, ComplexValues.of(flat, dtype))
    return Array(dtype, shape, bytes(flat) if dtype == "uint8" else flat)


def _from_nested(value, name, pixels, allow_complex):
    if type(value) is list and value and set(map(type, value)) == _FLOAT_ONLY:
        # a row of floats (the usual list): one pass, and no copy (the call only reads it)
        check_size((len(value),), 8, name)
        return Array("float64", (len(value),), value)
    shape, flat = nested(value, name, allow_complex)
    kinds = set(map(type, flat))
    check_size(shape, 16 if complex in kinds else 8, name)
    if not flat:
        return Array("float64", shape, [])  # numpy.array([]) is float64
    if kinds == {bool}:
        return Array("bool", shape, flat)
    if kinds <= {int, bool} and not pixels:
        return Array("int64", shape, flat)
    if kinds <= {int, bool}:
        if min(flat) < 0 or max(flat) > 255:
            raise ValueError(
                "%s: Python ints are uint8 values and must be in 0..255, found "
                "%d..%d (use floats in [0, 1], or a typed array)" % (name, min(flat), max(flat))
            )
        return Array("uint8", shape, bytes(flat))
    if complex in kinds:
        return Array("complex128", shape, ComplexValues.of(flat, "complex128"))
    # floats (with ints or bools among them): float64, the values Python computed
    if kinds != {float}:
        try:
            flat = list(map(float, flat))
        except OverflowError:
            raise ValueError("%s holds an int too large for a float64" % name) from None
    return Array("float64", shape, flat)


_PLAIN_NUMBERS = frozenset((float, int, bool))
_FLOAT_ONLY = {float}


def nested(value, name, complex_ok=False):
    """Shape and flat element list of a number or a rectangular nest of lists/tuples; the
    elements become Python bool, int, float (also Decimal, Fraction) or complex (only when
    ``complex_ok``). Arrays inside the nest are read as their ``tolist()``."""
    if isinstance(value, (list, tuple)):
        if not value:
            return (0,), []
        if set(map(type, value)) <= _PLAIN_NUMBERS:  # a row of numbers: C speed, no recursion
            return (len(value),), list(value)
        parts = [nested(v, name, complex_ok) for v in value]
        inner = parts[0][0]
        for shape, _ in parts:
            if shape != inner:
                raise ValueError(
                    "%s is ragged: it holds rows of shapes %s and %s" % (name, inner, shape)
                )
        return (len(value),) + inner, [x for _, flat in parts for x in flat]
    kind = type(value)
    if kind is float or kind is int or kind is bool:
        return (), [value]
    if hasattr(value, "dtype") and hasattr(value, "tolist"):  # numpy/torch inside a list
        if getattr(value, "shape", ()):
            return nested(value.tolist(), name, complex_ok)
        item = value.tolist()
        if type(item) is kind:  # numpy's longdouble and clongdouble stay themselves
            is_complex = getattr(value.dtype, "kind", "") == "c"
            item = complex(item) if is_complex else float(item)
        value = item
    if isinstance(value, bool):
        return (), [bool(value)]
    if isinstance(value, int):
        return (), [int(value)]
    if isinstance(value, float):
        return (), [float(value)]
    if isinstance(value, complex):
        if not complex_ok:
            raise _DtypeError("%s: complex values cannot be used here" % name)
        return (), [complex(value)]
    if _is_number(value):  # Decimal, Fraction
        return (), [float(value)]
    raise TypeError("%s: elements must be numbers, found %s" % (name, type(value).__name__))
