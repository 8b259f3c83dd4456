# SPDX-License-Identifier: MIT
"""Turning what callers pass (Python numbers, numpy arrays and scalars, torch tensors, decimal
and fractions numbers, nested lists) into plain Python values, without importing numpy or torch.

numpy and torch objects are recognised by what they offer, never by importing their modules:
``shape`` and ``dtype`` attributes, ``tolist()``/``item()``, and torch's ``detach()``/``cpu()``.
Every check names the argument it is about, and raises the built-in ``TypeError`` (wrong kind
of thing) or ``ValueError`` (right kind, wrong value or shape), as PyTorch's writer does.
"""

import math
import operator

from ._arrays import nested

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


def check_tag(tag, name="tag"):
    if type(tag) is not str:
        if not isinstance(tag, str):
            raise TypeError("%s must be a str, not %s" % (name, type(tag).__name__))
        tag = str(tag)
    return tag


def to_step(step, name="global_step"):
    """An int64 step from an int-like: int, numpy/torch integers, or a float with no fraction."""
    if type(step) is int:
        value = step
    elif isinstance(step, (str, bytes, bytearray)):
        raise TypeError("%s must be an integer, not %s" % (name, type(step).__name__))
    else:
        try:
            value = operator.index(step)  # int subclasses, numpy ints, integer torch tensors
        except TypeError:
            value = _to_number(step, name)
            if isinstance(value, complex) or not math.isfinite(value) or value != int(value):
                raise ValueError("%s must be a whole number, got %r" % (name, step)) from None
            value = int(value)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("%s=%d does not fit in int64" % (name, value))
    return value


def to_walltime(walltime, name="walltime"):
    if type(walltime) is not float:
        if isinstance(walltime, (str, bytes, bytearray)):
            raise TypeError("%s must be a number (seconds since the epoch), not %s"
                            % (name, type(walltime).__name__))
        walltime = _to_number(walltime, name)
        if isinstance(walltime, complex):
            raise TypeError("%s must be a real number, not complex" % name)
        walltime = float(walltime)
    if not math.isfinite(walltime):
        # TensorBoard's data server refuses the whole file at a NaN wall time.
        raise ValueError("%s must be finite, got %r" % (name, walltime))
    return walltime


def to_float(value, name="scalar_value"):
    """One real number as a Python float, from anything that holds exactly one."""
    t = type(value)
    if t is float:
        return value
    if t is int or t is bool:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError("%s must be a number, not %s" % (name, t.__name__))
    number = _to_number(value, name)
    if isinstance(number, complex):
        raise TypeError("%s must be a real number, not complex" % name)
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _to_number(value, name):
    """A Python number from a scalar-like holding exactly one element."""
    if isinstance(value, (int, float, complex)):
        return value
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):  # numpy array or scalar, torch tensor
        size = 1
        for n in tuple(shape):
            size *= n
        if size != 1:
            raise ValueError("%s must hold exactly one value, got shape %s"
                             % (name, tuple(shape)))
        if hasattr(value, "detach"):  # torch: item() also handles bfloat16 and requires_grad
            value = value.detach()
        if not hasattr(value, "item"):
            return float(value)
        item = value.item()
        if type(item) is type(value):  # numpy's longdouble/clongdouble item() is itself
            return complex(item) if getattr(value.dtype, "kind", "") == "c" else float(item)
        return _to_number(item, name)
    if isinstance(value, (list, tuple)):
        if len(value) != 1:
            raise ValueError("%s must hold exactly one value, got a %s of %d"
                             % (name, type(value).__name__, len(value)))
        return _to_number(value[0], name)
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))
    for method in ("__float__", "__index__"):  # decimal.Decimal, fractions.Fraction, ...
        if hasattr(type(value), method):
            try:
                return float(value)
            except OverflowError:
                return math.inf if value > 0 else -math.inf
            except (TypeError, ValueError) as err:
                raise TypeError("%s: cannot convert %s to float (%s)"
                                % (name, type(value).__name__, err)) from None
    if hasattr(type(value), "__complex__"):
        return complex(value)
    raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))


# -- arrays for add_tensor ---------------------------------------------------------------------

_NUMPY_NAMES = {"float32", "float64", "float16", "int8", "int16", "int32", "int64", "uint8",
                "uint16", "uint32", "uint64", "bool", "complex64", "complex128",
                "bfloat16"}  # bfloat16: ml_dtypes' numpy dtype


def to_tensor(value, name="tensor"):
    """``(dtype_name, shape, flat_values)`` of a torch tensor, numpy array/scalar, Python
    number or (nested) list. Element types follow the object's dtype; for Python values they
    follow ``torch.tensor``: float -> float32, int -> int64, bool -> bool, complex -> complex64.
    """
    dtype = getattr(value, "dtype", None)
    shape = getattr(value, "shape", None)
    if dtype is not None and shape is not None:
        dtype_name = str(dtype)
        if dtype_name.startswith("torch."):
            return _torch_tensor(value, dtype_name[6:], name)
        dtype_name = getattr(dtype, "name", dtype_name)
        if dtype_name not in _NUMPY_NAMES:
            raise ValueError("%s has unsupported dtype %s" % (name, dtype_name))
        shape = tuple(int(n) for n in shape)
        flat = value.reshape(-1).tolist() if shape else [value.item() if hasattr(value, "item")
                                                          else value.tolist()]
        return dtype_name, shape, flat
    if isinstance(value, (str, bytes, bytearray)):
        raise TypeError("%s must be an array or a number, not %s" % (name, type(value).__name__))
    shape, flat = nested(value, name, complex_ok=True)
    kinds = {type(x) for x in flat}
    if kinds <= {bool}:
        dtype_name = "bool"
    elif kinds <= {bool, int}:
        dtype_name = "int64"
    elif kinds <= {bool, int, float}:
        dtype_name = "float32"
        flat = [float(x) for x in flat]
    elif kinds <= {bool, int, float, complex}:
        dtype_name = "complex64"
        flat = [complex(x) for x in flat]
    else:
        bad = next(k for k in kinds if k not in (bool, int, float, complex))
        raise TypeError("%s: elements must be numbers, found %s" % (name, bad.__name__))
    if dtype_name == "int64" and flat and not all(INT64_MIN <= x <= INT64_MAX for x in flat):
        raise ValueError("%s: an integer does not fit in int64" % name)
    return dtype_name, shape, flat


_COMPLEX_UPCAST = {"complex32": "complex64"}  # torch.chalf: TensorBoard knows no DT_COMPLEX32
_TORCH_NAMES = _NUMPY_NAMES | {"complex32"}


def _torch_tensor(t, dtype_name, name):
    aliases = {"half": "float16", "float": "float32", "double": "float64", "short": "int16",
               "int": "int32", "long": "int64", "cfloat": "complex64", "cdouble": "complex128",
               "chalf": "complex32"}
    dtype_name = aliases.get(dtype_name, dtype_name)
    if dtype_name not in _TORCH_NAMES:
        raise ValueError("%s has unsupported tensor dtype torch.%s" % (name, dtype_name))
    t = t.detach().cpu()
    shape = tuple(int(n) for n in t.shape)
    if dtype_name == "complex32":
        t = t.cfloat()  # every complex32 value is exact in complex64
        dtype_name = "complex64"
    flat = t.reshape(-1).tolist()  # bfloat16 and float16 values come out as exact floats
    return dtype_name, shape, flat
