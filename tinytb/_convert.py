# SPDX-License-Identifier: MIT
"""Turning what callers pass (Python numbers, numpy and torch scalars, decimal and fractions
numbers) into plain Python values (tags, steps, wall times, scalars), without importing numpy or
torch. Whole arrays are read by ``_arrays``; :func:`to_tensor` is ``add_tensor``'s view of it.

numpy and torch objects are recognised by what they offer, never by importing their modules:
``shape`` and ``dtype`` attributes, ``tolist()``/``item()``, and torch's ``detach()``/``cpu()``.
Every check names the argument it is about, and raises the built-in ``TypeError`` (wrong kind
of thing) or ``ValueError`` (right kind, wrong value or shape), as PyTorch's writer does.
"""

from __future__ import annotations

import math
import operator
from types import FrameType

from ._arrays import as_array

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Optional, Tuple

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


def warn_caller(message: str, category: type = UserWarning) -> None:
    """``warnings.warn`` pointing at the first frame outside tinytb: the line of the user's
    call, whether it went through ``SummaryWriter`` or a ``summary`` function directly."""
    import os
    import sys
    import warnings

    package = os.path.dirname(os.path.abspath(__file__))
    level = 2
    frame: Optional[FrameType] = sys._getframe(1)
    while (
        frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == package
    ):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)


def to_real(value: Any, name: str) -> float:
    """A float option (``fps``, ``sample_rate``, ``rescale``): a number or a one-element
    array, not a list or a string (``TypeError``)."""
    if isinstance(value, (str, bytes, bytearray, list, tuple)) or value is None:
        raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))
    return to_float(value, name)


def check_path(path: Any, name: str) -> Any:
    """``os.fspath(path)`` of a path (or a tag that becomes part of one) a caller gave:
    ``TypeError`` naming ``name`` for something that is no path, ``ValueError`` for a NUL
    character (the ``os`` functions refuse it with "embedded null byte", naming nothing)."""
    import os

    try:
        value = os.fspath(path)
    except TypeError:
        raise TypeError(
            "%s must be a path (str, bytes or os.PathLike), not %s" % (name, type(path).__name__)
        ) from None
    if ("\0" if isinstance(value, str) else b"\0") in value:
        raise ValueError("%s must not contain a NUL character: %r" % (name, path))
    return value


def check_tag(tag: Any, name: str = "tag") -> str:
    """``tag`` as a plain ``str`` (a subclass is converted); anything else ``TypeError``."""
    if type(tag) is not str:
        if not isinstance(tag, str):
            raise TypeError("%s must be a str, not %s" % (name, type(tag).__name__))
        tag = str(tag)
    return tag


def to_step(step: Any, name: str = "global_step") -> int:
    """An int64 step from an int-like: int, numpy/torch integers, or a float with no fraction.
    Strings, sequences and complex numbers raise ``TypeError`` (as protobuf does when
    PyTorch's writer puts them into ``Event.step``); a fraction or a value beyond int64
    raises ``ValueError``."""
    if type(step) is int:
        value = step
    elif isinstance(step, (str, bytes, bytearray, list, tuple, complex)) or step is None:
        raise TypeError("%s must be an integer, not %s" % (name, type(step).__name__))
    else:
        try:
            value = operator.index(step)  # int subclasses, numpy ints, integer torch tensors
        except TypeError:
            value = _to_number(step, name)
            if isinstance(value, complex):
                raise TypeError("%s must be an integer, not complex" % name) from None
            if not math.isfinite(value) or value != int(value):
                raise ValueError("%s must be a whole number, got %r" % (name, step)) from None
            value = int(value)
    if not INT64_MIN <= value <= INT64_MAX:
        raise ValueError("%s=%d does not fit in int64" % (name, value))
    return value


def to_walltime(walltime: Any, name: str = "walltime") -> float:
    """Seconds since the epoch as a finite float. Strings and sequences raise ``TypeError`` (as
    protobuf does for ``Event.wall_time``)."""
    if type(walltime) is not float:
        if isinstance(walltime, (str, bytes, bytearray, list, tuple)):
            raise TypeError(
                "%s must be a number (seconds since the epoch), not %s"
                % (name, type(walltime).__name__)
            )
        walltime = _to_number(walltime, name)
        if isinstance(walltime, complex):
            raise TypeError("%s must be a real number, not complex" % name)
        walltime = float(walltime)
    if not math.isfinite(walltime):
        # TensorBoard's data server refuses the whole file at a NaN wall time.
        raise ValueError("%s must be finite, got %r" % (name, walltime))
    return walltime


def to_float(value: Any, name: str = "scalar_value") -> float:
    """One real number as a Python float, from anything that holds exactly one (a one-element
    list too). A string raises ``ValueError``, as PyTorch's ``float(make_np(value))`` does;
    ``None`` and other non-numbers ``TypeError``."""
    t = type(value)
    if t is float:
        return value
    if t is int or t is bool:
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, (str, bytes, bytearray)):
        raise ValueError("%s must be a number, not %s %r" % (name, t.__name__, value[:20]))
    number = _to_number(value, name)
    if isinstance(number, complex):
        raise TypeError("%s must be a real number, not complex" % name)
    try:
        return float(number)
    except OverflowError:
        return math.inf if number > 0 else -math.inf


def _to_number(value: Any, name: str) -> Any:
    """A Python number from a scalar-like holding exactly one element."""
    if isinstance(value, (int, float, complex)):
        return value
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):  # numpy array or scalar, torch tensor
        size = 1
        for n in tuple(shape):
            size *= n
        if size != 1:
            raise ValueError("%s must hold exactly one value, got shape %s" % (name, tuple(shape)))
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
            raise ValueError(
                "%s must hold exactly one value, got a %s of %d"
                % (name, type(value).__name__, len(value))
            )
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
                raise TypeError(
                    "%s: cannot convert %s to float (%s)" % (name, type(value).__name__, err)
                ) from None
    if hasattr(type(value), "__complex__"):
        return complex(value)
    raise TypeError("%s must be a number, not %s" % (name, type(value).__name__))


# -- arrays for add_tensor ---------------------------------------------------------------------


def to_tensor(value: Any, name: str = "tensor") -> Tuple[str, Tuple[int, ...], Any]:
    """``(dtype_name, shape, flat_values)`` of anything :func:`~tinytb._arrays.as_array` reads
    (torch tensors, numpy arrays and scalars, buffers, ``array.array``, Python numbers, nested
    lists), complex types included; Python ints are int64. An element type TensorBoard has no
    ``DataType`` for raises ``ValueError``, as PyTorch's ``add_tensor`` does."""
    arr = as_array(value, name, pixels=False, allow_complex=True, dtype_error=ValueError)
    flat = arr.data
    if arr.dtype == "int64" and type(flat) is list and flat:  # Python ints: any size
        if min(flat) < INT64_MIN or max(flat) > INT64_MAX:
            raise ValueError("%s: an integer does not fit in int64" % name)
    return arr.dtype, arr.shape, flat
