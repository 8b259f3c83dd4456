# SPDX-License-Identifier: MIT
"""Array-likes without numpy: one conversion layer for every media method.

:func:`as_array` turns what a caller passes into an :class:`Array` (element type name, shape,
flat C-order data) without importing numpy or torch. It reads:

* torch tensors through their own methods (``detach().cpu()``, then ``numpy()`` when numpy is
  there, else ``tolist()``); bfloat16 through ``float()``, which is exact;
* numpy arrays and anything else with ``__array_interface__`` through ``tobytes()`` (one C-order
  copy) and the ``typestr``; half floats with ``struct``'s ``e`` format; other array objects
  with ``shape``, ``dtype`` and ``tolist()`` through those;
* the buffer protocol (``bytes``, ``bytearray``, ``memoryview`` with a shape and format,
  ``array.array``), which gives shape and element format;
* nested lists and tuples, and Python numbers. Python ints are uint8 values (0-255, as in an
  image), Python floats are float32 values (as ``torch.tensor`` would make them), bools are
  bools.

``data`` is ``bytes`` for uint8 (so images never go through one Python int per pixel) and a
sequence of Python numbers otherwise.
"""

import struct
import sys
from array import array

__all__ = ["Array", "as_array"]


class Array:
    """``dtype``: an element type name (``"uint8"``, ``"float32"``...); ``shape``: a tuple;
    ``data``: ``bytes`` for uint8, else a flat sequence of numbers in C order."""

    __slots__ = ("dtype", "shape", "data")

    def __init__(self, dtype, shape, data):
        self.dtype = dtype
        self.shape = tuple(shape)
        self.data = data

    @property
    def size(self):
        n = 1
        for s in self.shape:
            n *= s
        return n

    def __repr__(self):
        return "Array(%s, shape=%s)" % (self.dtype, self.shape)


# numpy typestr kind+size -> (dtype name, struct format character)
_TYPESTR = {
    "u1": ("uint8", "B"), "i1": ("int8", "b"), "u2": ("uint16", "H"), "i2": ("int16", "h"),
    "u4": ("uint32", "I"), "i4": ("int32", "i"), "u8": ("uint64", "Q"), "i8": ("int64", "q"),
    "f2": ("float16", "e"), "f4": ("float32", "f"), "f8": ("float64", "d"), "b1": ("bool", "?"),
}
# buffer-protocol format character -> dtype name
_FORMATS = {"B": "uint8", "b": "int8", "H": "uint16", "h": "int16", "I": "uint32", "i": "int32",
            "L": "uint64", "l": "int64", "Q": "uint64", "q": "int64", "e": "float16",
            "f": "float32", "d": "float64", "?": "bool", "c": "uint8"}


def as_array(value, name, pixels=True):
    """The :class:`Array` for ``value``; ``TypeError``/``ValueError`` naming ``name``.
    ``pixels``: Python ints in nested lists are uint8 pixel values (0..255); otherwise they
    are int64 numbers (histogram values, edges, audio samples)."""
    dtype = getattr(value, "dtype", None)
    if dtype is not None and str(dtype).startswith("torch."):
        return _from_torch(value, name)
    if hasattr(value, "__array_interface__"):
        return _from_array_interface(value, name)
    if dtype is not None and hasattr(value, "shape") and hasattr(value, "tolist"):
        return _from_tolist(value, name)  # other array libraries: shape, dtype, tolist()
    if isinstance(value, (bytes, bytearray, memoryview, array)):
        return _from_buffer(memoryview(value), name)
    if isinstance(value, (list, tuple, int, float)) or _is_number(value):
        return _from_nested(value, name, pixels)
    try:
        view = memoryview(value)
    except TypeError:
        raise TypeError("%s must be an array (numpy, torch, array.array, buffer) or a nested "
                        "list of numbers, not %s" % (name, type(value).__name__)) from None
    return _from_buffer(view, name)


def _is_number(value):
    return hasattr(type(value), "__float__") and not isinstance(value, (str, bytes))


def _from_torch(t, name):
    t = t.detach().cpu()
    kind = str(t.dtype)[6:]
    if kind == "bfloat16":
        # every bfloat16 is exact in float32; the values stay those of the bfloat16 tensor
        arr = _from_torch(t.float(), name)
        return Array("bfloat16", arr.shape, arr.data)
    if kind.startswith("complex") or kind in ("cfloat", "cdouble", "chalf"):
        raise TypeError("%s has complex dtype torch.%s" % (name, kind))
    try:
        return _from_array_interface(t.numpy(), name)
    except (RuntimeError, TypeError, AttributeError):  # no numpy, or a dtype numpy lacks
        shape = tuple(int(s) for s in t.shape)
        flat = t.reshape(-1).tolist()
        aliases = {"float": "float32", "double": "float64", "half": "float16", "long": "int64",
                   "int": "int32", "short": "int16"}
        kind = aliases.get(kind, kind)
        if kind == "uint8":
            return Array("uint8", shape, bytes(flat))
        return Array(kind, shape, flat)


def _from_array_interface(arr, name):
    info = arr.__array_interface__
    typestr = info["typestr"]
    shape = tuple(int(s) for s in info["shape"])
    entry = _TYPESTR.get(typestr[1:])
    if entry is None:
        raise TypeError("%s has an unsupported element type %r (numpy dtype %s)"
                        % (name, typestr, getattr(arr, "dtype", "?")))
    dtype, code = entry
    raw = arr.tobytes()  # C order, whatever the strides
    if dtype == "uint8":
        return Array(dtype, shape, raw)
    return Array(dtype, shape, _unpack(raw, code, typestr[0] == ">"))


def _unpack(raw, code, big_endian):
    """The numbers in ``raw``: an ``array.array`` (a C-speed copy) where one has this element
    type, else a tuple from ``struct``."""
    typecode = _ARRAY_CODES.get(code)
    if typecode is not None:
        values = array(typecode)
        values.frombytes(raw)
        if big_endian != (sys.byteorder == "big"):
            values.byteswap()
        return values
    n = len(raw) // struct.calcsize(code)
    return struct.unpack("%s%d%s" % (">" if big_endian else "<", n, code), raw)


# struct format -> array typecode of the same size (the C int types vary by platform)
_ARRAY_CODES = {code: tc for code, tc in (
    ("b", "b"), ("h", "h"), ("H", "H"), ("f", "f"), ("d", "d"),
    ("i", "i" if array("i").itemsize == 4 else "l"), ("I", "I" if array("I").itemsize == 4 else "L"),
    ("q", "q"), ("Q", "Q"))}


def _from_tolist(value, name):
    dtype = getattr(value.dtype, "name", str(value.dtype))
    if dtype not in _TYPESTR_NAMES:
        raise TypeError("%s has an unsupported element type %s" % (name, dtype))
    shape = tuple(int(s) for s in value.shape)
    flat = value.reshape(-1).tolist() if shape else [value.tolist()]
    return Array(dtype, shape, bytes(flat) if dtype == "uint8" else flat)


_TYPESTR_NAMES = {dtype for dtype, _ in _TYPESTR.values()} | {"bfloat16"}


def _from_buffer(view, name):
    fmt = view.format.lstrip("@=<>!")
    dtype = _FORMATS.get(fmt)
    if dtype is None or len(fmt) != 1:
        raise TypeError("%s: unsupported buffer format %r" % (name, view.format))
    shape = tuple(view.shape) if view.shape is not None else (view.nbytes,)
    if dtype == "uint8":
        return Array(dtype, shape, view.tobytes())
    raw = view.tobytes()
    if view.format[:1] not in ("<", ">", "!"):  # native: array.array's own element sizes
        values = array(view.format[-1]) if fmt not in ("e", "?", "c") else None
        if values is not None and values.itemsize == view.itemsize:
            values.frombytes(raw)
            return Array(dtype, shape, values)
        big = sys.byteorder == "big"
    else:
        big = view.format[0] in (">", "!")
    return Array(dtype, shape, _unpack(raw, fmt, big))


def _from_nested(value, name, pixels=True):
    shape, flat = nested(value, name)
    kinds = {type(x) for x in flat}
    if kinds <= {bool}:
        return Array("bool", shape, flat)
    if kinds <= {int, bool} and not pixels:
        return Array("int64", shape, flat)
    if kinds <= {int, bool}:
        if flat and (min(flat) < 0 or max(flat) > 255):
            raise ValueError("%s: Python ints are uint8 values and must be in 0..255, found "
                             "%d..%d (use floats in [0, 1], or a typed array)"
                             % (name, min(flat), max(flat)))
        return Array("uint8", shape, bytes(flat))
    # floats (with ints or bools among them): float32 values, as torch.tensor would make
    return Array("float32", shape, array("f", flat).tolist())


def nested(value, name, complex_ok=False):
    """Shape and flat element list of a number or a rectangular nest of lists/tuples."""
    if isinstance(value, (list, tuple)):
        if not value:
            return (0,), []
        parts = [nested(v, name, complex_ok) for v in value]
        inner = parts[0][0]
        for shape, _ in parts:
            if shape != inner:
                raise ValueError("%s is ragged: it holds rows of shapes %s and %s"
                                 % (name, inner, shape))
        return (len(value),) + inner, [x for _, flat in parts for x in flat]
    if isinstance(value, (bool, int, float)) or (complex_ok and isinstance(value, complex)):
        return (), [value]
    if hasattr(value, "item") and hasattr(value, "dtype"):  # a numpy scalar inside a list
        return (), [value.item()]
    if isinstance(value, complex):
        raise TypeError("%s: complex values cannot be used here" % name)
    if _is_number(value):  # Decimal, Fraction
        return (), [float(value)]
    raise TypeError("%s: elements must be numbers, found %s" % (name, type(value).__name__))
