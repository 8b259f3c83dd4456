# SPDX-License-Identifier: MIT
"""Reading event files back: every record's two CRCs checked, every Event decoded.

    >>> from tinytb import reader
    >>> for event in reader.read_events("runs/demo/events.out.tfevents..."):
    ...     for value in event.summary.value if event.summary else ():
    ...         print(event.step, value.tag, value.simple_value)

Decoded messages are :class:`~tinytb._messages.Message` objects whose attributes are the
``.proto`` field names (``event.wall_time``, ``value.tensor.float_val``...). A record cut short
at the end of a file (a file still being written) ends iteration quietly; anything malformed
raises :class:`~tinytb.errors.DecodeError`, and nothing else: it says the file (when reading
one), the byte offset and the part that failed. Memory follows the bytes actually present: a
length field or a tensor shape that claims more is refused or kept compact, never allocated.
"""

from __future__ import annotations

import os

from ._messages import LAYOUT, Message, decode_event
from ._record import HEADER_SIZE, iter_records
from ._tensor import decode as _decode_tensor
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO, Any, Dict, Iterator, List, Optional, Tuple, Union

    #: What the reading functions accept: a path, a binary file object, or the bytes.
    Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]

__all__ = [
    "iter_records",
    "iter_events",
    "read_events",
    "event_files",
    "scalars",
    "tensor_values",
    "decode_layout",
    "DecodeError",
    "Message",
]


def _name_of(source: object) -> Optional[str]:
    """The file name to put in errors: the path given, or a file object's ``name``."""
    if isinstance(source, (str, os.PathLike)):
        return os.fspath(source)
    name = getattr(source, "name", None)
    return name if isinstance(name, str) else None


def iter_events(source: Source, strict: bool = False) -> Iterator[Tuple[int, Message]]:
    """Yield ``(offset, event)`` for every record of an event file.

    Args:
        source: a path, a binary file object (read from its current position; offsets count
            from there), or the file's bytes.
        strict: also raise DecodeError for a truncated last record (by default it ends the
            iteration quietly, as for a file still being written).

    Raises:
        DecodeError: a record or an Event is malformed; ``err.path`` is set when ``source``
            is a path or a named file.
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        for offset, data in iter_records(source, strict):
            yield offset, decode_event(data, offset + HEADER_SIZE)
        return
    path = _name_of(source)
    f: IO[bytes]
    if isinstance(source, (str, os.PathLike)):
        f, owned = open(os.fspath(source), "rb"), True
    else:
        f, owned = source, False
    try:
        for offset, data in iter_records(f, strict):
            yield offset, decode_event(data, offset + HEADER_SIZE)
    except DecodeError as err:
        err.with_path(path)
        raise
    finally:
        if owned:
            f.close()


def read_events(source: Source, strict: bool = False) -> List[Message]:
    """The list of decoded Events of one event file.

    Args:
        source: a path, a binary file object, or the file's bytes (as for
            :func:`iter_events`).
        strict: also raise DecodeError for a truncated last record.
    """
    return [event for _, event in iter_events(source, strict)]


def event_files(logdir: Union[str, os.PathLike[str]]) -> Dict[str, List[str]]:
    """Event files below ``logdir``, grouped by run (the directory relative to ``logdir``, "."
    for the top), each run's files in the order TensorBoard reads them (sorted by name).

    Args:
        logdir: the directory to walk (``os.walk``; no files at all give ``{}``).
    """
    runs = {}
    for dirpath, _, filenames in os.walk(os.fspath(logdir)):
        names = sorted(n for n in filenames if "tfevents" in n)
        if names:
            run = os.path.relpath(dirpath, logdir)
            runs[run] = [os.path.join(dirpath, n) for n in names]
    return dict(sorted(runs.items()))


def scalars(source: Source) -> List[Tuple[int, str, Any]]:
    """``[(step, tag, value)]`` for every scalar in an event file: legacy ``simple_value``s
    and tensors with plugin ``scalars`` (their first element; ``None`` when empty).

    Args:
        source: a path, a binary file object, or the file's bytes.

    Raises:
        DecodeError: as :func:`iter_events`, and for a scalars tensor whose shape is invalid.
    """
    out = []
    for offset, event in iter_events(source):
        if event.summary is None:
            continue
        for index, value in enumerate(event.summary.value):
            if "simple_value" in value._present:
                out.append((event.step, value.tag, value.simple_value))
            elif (
                value.tensor is not None
                and value.metadata is not None
                and value.metadata.plugin_data is not None
                and value.metadata.plugin_data.plugin_name == "scalars"
            ):
                try:
                    _, _, values = _decode_tensor(value.tensor)
                except DecodeError as err:
                    where = "Event.summary.value[%d].tensor" % index
                    raise DecodeError(err.msg, offset, where, _name_of(source)) from None
                out.append((event.step, value.tag, values[0] if len(values) else None))
    return out


def tensor_values(tensor: Message) -> Tuple[str, List[int], Union[Sequence[Any], bytes]]:
    """``(dtype_name, shape, flat_values)`` of a decoded ``TensorProto``, read the way
    TensorFlow's ``make_ndarray`` reads it (half floats from their bits, and so on).

    ``flat_values`` is a list, or a :class:`~tinytb._tensor.FilledValues` sequence when the
    last value fills a shape larger than the values given (kept compact, never expanded), or
    ``bytes`` for ``tensor_content`` of a dtype without a fixed layout.

    Args:
        tensor: a decoded ``TensorProto`` (``value.tensor`` of a Summary value).

    Raises:
        DecodeError: a negative dim, or dims whose product overflows int64.
    """
    return _decode_tensor(tensor)


def decode_layout(data: bytes) -> Message:
    """Decode a custom-scalars ``Layout`` (the string in ``custom_scalars__config__``).

    Args:
        data: the serialized ``Layout`` message.
    """
    return LAYOUT.decode(data)
