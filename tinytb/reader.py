# SPDX-License-Identifier: MIT
"""Reading event files back: every record's two CRCs checked, every Event decoded.

tbparse's tables on the standard library, and rows streamed in constant memory::

    >>> from tinytb.reader import SummaryReader, iter_rows
    >>> r = SummaryReader("runs", extra_columns={"dir_name", "wall_time"})
    >>> len(r.scalars), r.scalars.columns       # also .tensors .histograms .images .audio
    >>> df = r.scalars.to_pandas()              # tbparse's DataFrame, when pandas is installed
    >>> for row in iter_rows("runs", kinds={"scalars"}, tags="loss"):
    ...     print(row.run, row.tag, row.step, row.value)

Single files, record by record:

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

import bisect
import os

from . import _remote
from ._messages import LAYOUT, Message, decode_event
from ._record import HEADER_SIZE, iter_records
from ._scan import scan as _scan
from ._stream import KINDS, Row, follow, iter_rows
from ._stream import event_files as _walk_files
from ._tables import EXTRA_COLUMNS, Table, build
from ._tensor import decode as _decode_tensor
from ._values import Array
from .errors import DecodeError

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import IO, Any, Dict, Iterator, List, Optional, Set, Tuple, Union

    #: What the reading functions accept: a path, a binary file object, or the bytes.
    Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, IO[bytes]]

__all__ = [
    "SummaryReader",
    "Table",
    "iter_rows",
    "follow",
    "Row",
    "Array",
    "check_file",
    "check_records",
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
        name = os.fspath(source)
        f, owned = (_remote.open_read(name) if _remote.is_url(name) else open(name, "rb")), True
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
        logdir: the directory to walk (``os.walk``; no files at all give ``{}``), or a URL
            fsspec knows (``s3://bucket/run``, fsspec installed).
    """
    runs: Dict[str, List[str]] = {}
    if _remote.is_url(os.fspath(logdir)):  # s3://bucket/run...: listed through fsspec
        try:
            files = _remote.list_files(os.fspath(logdir))
        except ValueError:
            return {}  # nothing there: no files at all
        for url, folder in files:
            if "tfevents" in url.rsplit("/", 1)[-1]:
                runs.setdefault(folder or ".", []).append(url)
        return {run: sorted(urls) for run, urls in sorted(runs.items())}
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


def check_records(
    path: Union[str, os.PathLike[str]],
) -> Tuple[int, Optional[Union[DecodeError, OSError]]]:
    """``(records, error)``: how many records of an event file are sound (both CRCs match and
    the Event decodes) before the first that is not, and that one's DecodeError, or the
    OSError that stopped the reading (None when every record is sound). A record cut short at
    the end counts as bad (``tinytb check`` is strict: the file is damaged or still being
    written). Plain scalars go through ``_scan`` (CRC-checked and parsed a column at a time,
    property-tested equal to the record-by-record reader).

    Args:
        path: the event file.
    """
    name = os.fspath(path)
    records = 0
    try:
        for block in _scan(name, strict=True):
            for i, (offset, data) in enumerate(block.others):
                try:
                    decode_event(data, offset + HEADER_SIZE)
                except DecodeError:  # the sound records before it: scalars and others
                    records += bisect.bisect_left(block.offsets, offset) + i
                    raise
            records += len(block)
    except DecodeError as err:
        return records, err.with_path(name)
    except OSError as err:
        return records, err
    return records, None


def check_file(path: Union[str, os.PathLike[str]]) -> Optional[DecodeError]:
    """The first problem of an event file, or None (see :func:`check_records`).

    Args:
        path: the event file.

    Raises:
        OSError: the file cannot be read.
    """
    err = check_records(path)[1]
    if isinstance(err, OSError):
        raise err
    return err


class SummaryReader:
    """tbparse 0.0.9's ``SummaryReader`` on the standard library.

    ``r.scalars``, ``r.tensors``, ``r.histograms``, ``r.images``, ``r.audio``, ``r.text``,
    ``r.hparams`` and ``r.get_events(kind)`` are :class:`Table` objects (``len()``, iteration
    over namedtuples, ``.columns``, ``.to_pandas()`` giving tbparse's DataFrame). Files are
    read once, at the first access, for all the kinds in ``event_types``.

    Args:
        log_path: a directory (every event file below it) or one event file; or a URL
            fsspec knows (``s3://bucket/exp``; fsspec and the filesystem installed).
        pivot: wide tables, as tbparse's ``pivot=True``.
        extra_columns: a set of tbparse's extra column names ({"dir_name", "file_name",
            "wall_time", "min", "max", "num", "sum", "sum_squares", "width", "height",
            "content_type", "length_frames", "sample_rate"}).
        event_types: a set of kinds to read (default all seven).
        convert_tensors: put TensorFlow 2's plugin tensors (scalars, histograms, images,
            audio) in the tables of those kinds rather than in ``tensors``.
        errors: "raise" (a bad record raises DecodeError) or "skip" (the rest of that file
            is skipped, listed in :attr:`skipped`, and reading goes on).
        storage_options: for a URL ``log_path``, its fsspec filesystem's options
            (credentials, ``{"client_kwargs": {"endpoint_url": ...}}``), used for every path
            below it in this process (tinytb's own; without it fsspec's own configuration).

    Raises:
        ValueError: ``log_path`` does not exist, ``extra_columns``/``event_types`` is not a
            set, or ``errors`` is neither "raise" nor "skip".
        KeyError: an unknown extra column or event type (as tbparse).
    """

    def __init__(
        self,
        log_path: Union[str, os.PathLike[str]],
        *,
        pivot: bool = False,
        extra_columns: Optional[Set[str]] = None,
        event_types: Optional[Set[str]] = None,
        convert_tensors: bool = False,
        errors: str = "raise",
        storage_options: Optional[Dict[str, Any]] = None,
    ) -> None:
        path = os.fspath(log_path)
        if _remote.is_url(path):  # before anything is listed: the options of its filesystem
            _remote.remember_options(path, storage_options)
        extras = extra_columns or set()
        if not isinstance(extras, set):
            raise ValueError("extra_columns should be a set, not %s" % type(extras).__name__)
        if extras - EXTRA_COLUMNS:
            raise KeyError("Invalid columns entries: %s" % (extras - EXTRA_COLUMNS,))
        kinds = event_types or set(KINDS)
        if not isinstance(kinds, set):
            raise ValueError("event_types should be a set, not %s" % type(kinds).__name__)
        if kinds - set(KINDS):
            raise KeyError("Invalid event types: %s" % (kinds - set(KINDS),))
        if errors not in ("raise", "skip"):
            raise ValueError("errors should be 'raise' or 'skip', not %r" % (errors,))
        self._log_path = log_path
        self._pivot = bool(pivot)
        self._extras = frozenset(extras)
        self._kinds = frozenset(kinds)
        self._convert = bool(convert_tensors)
        self._errors = errors
        self._files = _walk_files(log_path)  # ValueError when it does not exist
        if _remote.is_url(path):
            self._root_is_file = [f.path for f in self._files] == [path]
        else:
            self._root_is_file = os.path.isfile(path)
        self._tables: Optional[Dict[str, Table]] = None
        self._tags: Dict[str, List[str]] = {}
        #: ``(path, offset, message)`` of each bad record met with errors="skip".
        self.skipped: List[Tuple[str, Optional[int], str]] = []

    @property
    def log_path(self) -> Union[str, os.PathLike[str]]:
        """The directory or file given."""
        return self._log_path

    def __repr__(self) -> str:
        return "SummaryReader(log_path=%r)" % (os.fspath(self._log_path),)

    def _read(self) -> Dict[str, Table]:
        if self._tables is None:
            self._tables, self._tags = build(
                self._files,
                self._kinds,
                self._extras,
                self._pivot,
                self._convert,
                self._errors,
                self.skipped,
                self._root_is_file,
            )
        return self._tables

    def get_events(self, event_type: str) -> Table:
        """The table of one kind.

        Args:
            event_type: one of "scalars", "tensors", "histograms", "images", "audio",
                "hparams", "text".

        Raises:
            ValueError: an unknown kind, or one left out of ``event_types``.
        """
        if event_type not in KINDS:
            raise ValueError("Unknown event_type: %s" % (event_type,))
        if event_type not in self._kinds:
            raise ValueError("event_type is ignored by user: %s" % (event_type,))
        return self._read()[event_type]

    @property
    def scalars(self) -> Table:
        return self.get_events("scalars")

    @property
    def tensors(self) -> Table:
        return self.get_events("tensors")

    @property
    def histograms(self) -> Table:
        return self.get_events("histograms")

    @property
    def images(self) -> Table:
        return self.get_events("images")

    @property
    def audio(self) -> Table:
        return self.get_events("audio")

    @property
    def hparams(self) -> Table:
        return self.get_events("hparams")

    @property
    def text(self) -> Table:
        return self.get_events("text")

    @property
    def tags(self) -> Dict[str, List[str]]:
        """``{kind: [tags]}`` for every kind (tags of kinds not read are empty lists)."""
        return self.get_tags()  # type: ignore[return-value]

    def get_tags(self, event_type: Optional[str] = None) -> Union[List[str], Dict[str, List[str]]]:
        """The tags of one kind (first seen first, over files in walk order), or all.

        Args:
            event_type: a kind, or None for a dict of all seven.

        Raises:
            ValueError: an unknown kind.
        """
        if event_type is not None and event_type not in KINDS:
            raise ValueError("Unknown event_type: %s" % (event_type,))
        self._read()
        if event_type is not None:
            return list(self._tags[event_type])
        return {kind: list(tags) for kind, tags in self._tags.items()}
