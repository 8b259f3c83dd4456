# SPDX-License-Identifier: MIT
"""Reading event files back: every record's two CRCs checked, every Event decoded.

    >>> from tinytb import reader
    >>> for event in reader.read_events("runs/demo/events.out.tfevents..."):
    ...     for value in event.summary.value if event.summary else ():
    ...         print(event.step, value.tag, value.simple_value)

Decoded messages are :class:`~tinytb._messages.Message` objects whose attributes are the
``.proto`` field names (``event.wall_time``, ``value.tensor.float_val``...). A record cut short
at the end of a file (a file still being written) ends iteration quietly; anything malformed
raises :class:`~tinytb.errors.DecodeError`, which says the byte offset and the part that failed.
"""

import os

from ._messages import LAYOUT, Message, decode_event
from ._record import HEADER_SIZE, iter_records
from ._tensor import decode as _decode_tensor
from .errors import DecodeError

__all__ = ["iter_records", "iter_events", "read_events", "event_files", "scalars",
           "tensor_values", "decode_layout", "DecodeError", "Message"]


def _open(source):
    if hasattr(source, "read"):
        return source, False
    return open(os.fspath(source), "rb"), True


def iter_events(source, strict=False):
    """Yield ``(offset, event)`` for every record of an event file (a path, a binary file
    object, or bytes). ``strict=True`` also raises for a truncated last record."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        for offset, data in iter_records(source, strict):
            yield offset, decode_event(data, offset + HEADER_SIZE)
        return
    f, owned = _open(source)
    try:
        for offset, data in iter_records(f, strict):
            yield offset, decode_event(data, offset + HEADER_SIZE)
    finally:
        if owned:
            f.close()


def read_events(source, strict=False):
    """The list of decoded Events of one event file."""
    return [event for _, event in iter_events(source, strict)]


def event_files(logdir):
    """Event files below ``logdir``, grouped by run (the directory relative to ``logdir``, "."
    for the top), each run's files in the order TensorBoard reads them (sorted by name)."""
    runs = {}
    for dirpath, _, filenames in os.walk(os.fspath(logdir)):
        names = sorted(n for n in filenames if "tfevents" in n)
        if names:
            run = os.path.relpath(dirpath, logdir)
            runs[run] = [os.path.join(dirpath, n) for n in names]
    return dict(sorted(runs.items()))


def scalars(source):
    """``[(step, tag, value)]`` for every scalar in an event file: legacy ``simple_value``s
    and rank-0 float tensors with plugin ``scalars``."""
    out = []
    for _, event in iter_events(source):
        if event.summary is None:
            continue
        for value in event.summary.value:
            if "simple_value" in value._present:
                out.append((event.step, value.tag, value.simple_value))
            elif value.tensor is not None and value.metadata is not None \
                    and value.metadata.plugin_data is not None \
                    and value.metadata.plugin_data.plugin_name == "scalars":
                _, _, values = _decode_tensor(value.tensor)
                out.append((event.step, value.tag, values[0] if values else None))
    return out


def tensor_values(tensor):
    """``(dtype_name, shape, flat_values)`` of a decoded ``TensorProto``, read the way
    TensorFlow's ``make_ndarray`` reads it (half floats from their bits, and so on)."""
    return _decode_tensor(tensor)


def decode_layout(data):
    """Decode a custom-scalars ``Layout`` (the string in ``custom_scalars__config__``)."""
    return LAYOUT.decode(data)
