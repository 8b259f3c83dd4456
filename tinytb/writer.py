# SPDX-License-Identifier: MIT
"""``SummaryWriter`` and ``FileWriter``, with the signatures and defaults of
``torch.utils.tensorboard``.

``SummaryWriter`` turns ``add_*`` calls into ``Summary`` messages (``summary``), wraps them in
``Event`` messages and hands them to a ``FileWriter``, which owns one event file
(``_event_file``). ``add_scalars`` keeps one more ``FileWriter`` per sub-run, as PyTorch does.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import weakref

from . import _convert, _event_file, _files, _messages, _ranks, _remote, summary as _summary
from ._fast import ScalarRecords
from ._record import frame
from .summary import scalar_value as _scalar_value

__all__ = ["FileWriter", "SummaryWriter", "SummaryToEventTransformer"]

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import (
        Any,
        Dict,
        List,
        Mapping,
        Optional,
        Protocol,
        Sequence,
        SupportsFloat,
        SupportsIndex,
        Tuple,
        Union,
    )
    from weakref import WeakSet

    PathLike = Union[str, "os.PathLike[str]"]
    # numbers: int, float, bool, Decimal, Fraction, numpy and torch scalars
    Number = Union[SupportsFloat, SupportsIndex]
    Step = Optional[Union[SupportsIndex, float]]  # a whole number; 2.0 is fine, 2.5 is not
    # numpy arrays, torch tensors, array.array, memoryviews, nested lists: read without numpy
    ArrayLike = Any
    # serialized protobuf bytes, or a protobuf message object (anything with SerializeToString)
    Message = Any

    class EventSink(Protocol):
        def add_event(self, event: bytes) -> None: ...


_INT64_MIN = _convert.INT64_MIN
_INT64_MAX = _convert.INT64_MAX
_scalar_records = ScalarRecords()  # shared by all writers: templates depend on the tag only
_warned = set()
# for the fork handler at the end of this module
_summary_writers: WeakSet[SummaryWriter] = weakref.WeakSet()


def _warn_once(key_: str, message: str) -> None:
    if key_ not in _warned:
        _warned.add(key_)
        import warnings

        warnings.warn(message, UserWarning, stacklevel=3)


def _serialized(message: Message, what: str) -> bytes:
    """bytes of a serialized message: tinytb's bytes, or a protobuf object's serialization."""
    if isinstance(message, (bytes, bytearray, memoryview)):
        return bytes(message)
    serialize = getattr(message, "SerializeToString", None)
    if serialize is None:
        raise TypeError(
            "%s must be serialized bytes or a protobuf message, not %s"
            % (what, type(message).__name__)
        )
    return bytes(serialize())


class SummaryToEventTransformer:
    """Wraps summaries, graphs and session logs in ``Event`` messages and passes them to an
    event writer: any object with ``add_event(event_bytes)``."""

    def __init__(self, event_writer: EventSink) -> None:
        self.event_writer = event_writer

    def add_event(
        self, event: Message, step: Step = None, walltime: Optional[float] = None
    ) -> None:
        """Add an ``Event`` (serialized bytes, or a protobuf ``Event`` object). Its wall time is
        set to ``walltime`` (default: now) and, if given, its step to ``step``, as PyTorch's
        ``FileWriter.add_event`` does (without modifying a protobuf object passed in).

        Args:
            event: a serialized ``Event`` (bytes) or a protobuf ``Event``.
            step (int): replaces the event's step, if given.
            walltime (float): replaces the event's wall time; default
                ``time.time()``.
        """
        data = _serialized(event, "event")
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        step = None if step is None else _convert.to_step(step, "step")
        try:
            record = _messages.rebuild_event(data, wall, step)
        except ValueError as err:  # tinytb.errors.DecodeError: bytes that are no Event
            raise ValueError("event is not a serialized Event: %s" % err) from None
        self.event_writer.add_event(record)

    def add_summary(
        self, summary: Message, global_step: Step = None, walltime: Optional[float] = None
    ) -> None:
        """Add a ``Summary`` (bytes from ``tinytb.summary``, or a protobuf object).

        Args:
            summary: a serialized ``Summary`` (bytes) or a protobuf ``Summary``.
            global_step (int): global step value to record (default 0).
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        data = _serialized(summary, "summary")
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        step = 0 if global_step is None else _convert.to_step(global_step)
        self.event_writer.add_event(_messages.event(wall_time=wall, step=step, summary=data))

    def add_graph(
        self,
        graph_profile: Union[Message, Tuple[Message, Message]],
        walltime: Optional[float] = None,
    ) -> None:
        """Add ``(GraphDef, RunMetadata)`` as PyTorch does: two events, the graph and its run
        metadata tagged ``step1``; or a ``GraphDef`` alone (one event). Each may be serialized
        bytes or a protobuf object.

        Args:
            graph_profile: ``(GraphDef, RunMetadata)``, or a ``GraphDef``.
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        if isinstance(graph_profile, (tuple, list)):
            graph, stepstats = graph_profile
        else:
            graph, stepstats = graph_profile, None
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        graph_event = _messages.event(wall_time=wall, graph_def=_serialized(graph, "graph"))
        if stepstats is None:
            self.event_writer.add_event(graph_event)
            return
        meta_event = _messages.event(
            wall_time=wall,
            tagged_run_metadata=(
                _messages.tagged_run_metadata("step1", _serialized(stepstats, "run metadata"))
            ),
        )
        self.event_writer.add_event(graph_event)
        self.event_writer.add_event(meta_event)

    def add_onnx_graph(self, graph: Message, walltime: Optional[float] = None) -> None:
        """Add a ``GraphDef`` (bytes or protobuf object) as a graph event.

        Args:
            graph: a ``GraphDef``, bytes or a protobuf object.
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        self.event_writer.add_event(
            _messages.event(wall_time=wall, graph_def=_serialized(graph, "graph"))
        )

    def add_session_log(
        self, session_log: Message, global_step: Step = None, walltime: Optional[float] = None
    ) -> None:
        """Add a ``SessionLog`` (bytes from ``_messages.session_log`` or a protobuf object).

        Args:
            session_log: a serialized ``SessionLog`` or a protobuf ``SessionLog``.
            global_step (int): global step value to record (default 0).
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        step = 0 if global_step is None else _convert.to_step(global_step)
        self.event_writer.add_event(
            _messages.event(
                wall_time=wall, step=step, session_log=_serialized(session_log, "session_log")
            )
        )


def _check_options(max_queue: Any, flush_secs: Any, filename_suffix: Any) -> Tuple[int, float, str]:
    if type(max_queue) is bool or not isinstance(max_queue, int):
        try:
            max_queue = _convert.to_step(max_queue, "max_queue")
        except ValueError:
            raise ValueError("max_queue must be a whole number, got %r" % (max_queue,)) from None
    if max_queue < 0:
        raise ValueError("max_queue must be >= 0, got %d" % max_queue)
    if isinstance(flush_secs, (str, bytes)):
        raise TypeError(
            "flush_secs must be a number of seconds, not %s" % type(flush_secs).__name__
        )
    flush_secs = _convert.to_float(flush_secs, "flush_secs")
    if not flush_secs >= 0:
        raise ValueError("flush_secs must be >= 0, got %r" % flush_secs)
    if not isinstance(filename_suffix, str):
        raise TypeError("filename_suffix must be a str, not %s" % type(filename_suffix).__name__)
    if os.sep in filename_suffix or (os.altsep and os.altsep in filename_suffix):
        raise ValueError("filename_suffix must not contain a path separator: %r" % filename_suffix)
    return int(max_queue), flush_secs, filename_suffix


class FileWriter(SummaryToEventTransformer):
    """Writes ``Event`` messages to a new event file in ``log_dir``.

    Args:
        log_dir: directory for the event file (str or path-like; created if missing).
        max_queue: how many events may wait in memory before an ``add`` call writes them
            itself. Fewer are written by a background thread within ~20 ms.
        flush_secs: how often, in seconds, the file is also ``fsync``-ed while data arrives.
        filename_suffix: appended to the event file's name.
        storage_options: for a URL ``log_dir`` (``s3://bucket/run``), options for its fsspec
            filesystem (keyword only; tinytb's own); ignored for a local directory.

    Unlike PyTorch's, ``reopen()`` works: after ``close()`` it starts a new event file in the
    same directory. Adding to a closed ``FileWriter`` raises ``OSError("Writer is closed")``,
    as PyTorch's does.
    """

    event_writer: _event_file.EventFileWriter

    def __init__(
        self,
        log_dir: PathLike,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        *,
        storage_options: Optional[Dict[str, Any]] = None,
    ) -> None:
        log_dir = str(os.fspath(log_dir))
        max_queue, flush_secs, filename_suffix = _check_options(
            max_queue, flush_secs, filename_suffix
        )
        storage_options = _remote.check_storage_options(storage_options)
        super().__init__(
            _event_file.EventFileWriter(
                log_dir, max_queue, flush_secs, filename_suffix, storage_options=storage_options
            )
        )

    def get_logdir(self) -> str:
        """Return the directory where the event file is written."""
        return self.event_writer.get_logdir()

    def _add_record(self, record: bytes) -> None:
        self.event_writer.add_record(record)

    def flush(self) -> None:
        """Return once every event added so far is in the file (written and fsynced; for a URL
        log dir, uploaded: nothing new, no request)."""
        self.event_writer.flush()

    def close(self) -> None:
        """Flush and close the event file. Idempotent. If the last records cannot be written
        (disk full), the error is raised and the file stays open with them queued:
        ``close()`` again tries once more (so does the exit hook)."""
        self.event_writer.close()

    def reopen(self) -> None:
        """After ``close()``: continue in a new event file in the same directory."""
        self.event_writer.reopen()


def _check_writer_args(
    log_dir: Any,
    comment: Any,
    purge_step: Any,
    max_queue: Any,
    flush_secs: Any,
    filename_suffix: Any,
    storage_options: Any = None,
) -> Tuple[PathLike, Optional[int]]:
    """SummaryWriter's checks of its arguments; the log dir (the default one made) and the
    purge step (an int or None)."""
    if not isinstance(comment, str):
        raise TypeError("comment must be a str, not %s" % type(comment).__name__)
    _check_options(max_queue, flush_secs, filename_suffix)
    _remote.check_storage_options(storage_options)
    if not log_dir:
        log_dir = _default_log_dir(comment)
    if purge_step is not None:
        purge_step = _convert.to_step(purge_step, "purge_step")
    return log_dir, purge_step


def _default_log_dir(comment: str) -> str:
    # PyTorch: os.path.join("runs", datetime.now().strftime("%b%d_%H-%M-%S") + "_" + host + comment)
    return os.path.join(
        "runs", time.strftime("%b%d_%H-%M-%S") + "_" + _event_file.hostname() + comment
    )


class SummaryWriter:
    """Writes entries directly to event files in ``log_dir`` for TensorBoard to read.

    Args:
        log_dir: save directory. Default: ``runs/CURRENT_DATETIME_HOSTNAME`` (plus ``comment``).
        comment: suffix of the default ``log_dir``; ignored when ``log_dir`` is given.
        purge_step: when resuming a crashed run at step T+X, events with step >= T are hidden
            by TensorBoard's Python loader (two events at ``purge_step``, as PyTorch writes).
        max_queue: events that may wait in memory before an ``add`` call writes them itself.
        flush_secs: how often the event file is also fsync-ed while data arrives.
        filename_suffix: suffix added to every event file name in the directory.
        ranks: in a distributed job, which processes write (keyword only; tinytb's own).
            ``"all"`` (default, PyTorch's behaviour): every process writes to ``log_dir``.
            ``"zero"``: only the global rank 0 writes; on every other rank the writer is an
            idle one whose calls do nothing: no file, directory or thread. ``"each"``: every
            rank writes to ``<log_dir>/rank_<N>``, so TensorBoard shows each rank as a run.
            The rank comes from an initialized ``torch.distributed``, else the ``RANK``,
            ``SLURM_PROCID``, ``OMPI_COMM_WORLD_RANK`` or ``PMI_RANK`` environment variable
            (none set: rank 0). Pass the same ``log_dir`` on every rank: a default one is
            made from each process's own clock.
        storage_options: for a URL ``log_dir`` (``s3://bucket/run``, ``gs://``, any URL
            fsspec knows, fsspec and the filesystem's package installed), the options of its
            fsspec filesystem, e.g. ``{"client_kwargs": {"endpoint_url": ...}}`` (keyword only;
            tinytb's own; ignored for a local directory). Credentials otherwise come from
            fsspec's own configuration. A URL's event file is uploaded in segments, each a new
            object stored once: when 16 MiB wait, every ``flush_secs``, at ``flush()`` and at
            ``close()``/exit (docs/remote.md).

    Examples::

        from tinytb import SummaryWriter
        with SummaryWriter() as writer:
            for step in range(100):
                writer.add_scalar("loss", 1.0 / (step + 1), step)

    After ``close()`` the writer is still usable: the next ``add_*`` starts a new event file in
    the same directory, as PyTorch's does.
    """

    _idle = False  # the writer of a rank that does not write (_IdleWriter)

    def __new__(cls, *args: Any, ranks: str = "all", **kwargs: Any) -> SummaryWriter:
        if _ranks.check_ranks(ranks) == "zero" and _ranks.global_rank() != 0:
            return object.__new__(_IdleWriter)  # its __init__ runs next, with these arguments
        return object.__new__(cls)

    def __init__(
        self,
        log_dir: Optional[PathLike] = None,
        comment: str = "",
        purge_step: Step = None,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        *,
        ranks: str = "all",
        storage_options: Optional[Dict[str, Any]] = None,
    ) -> None:
        path, purge_step = _check_writer_args(
            log_dir, comment, purge_step, max_queue, flush_secs, filename_suffix, storage_options
        )
        self.storage_options = _remote.check_storage_options(storage_options)
        if ranks == "each":
            path = _join(str(os.fspath(path)), "rank_%d" % _ranks.global_rank())
        self.ranks = ranks
        self.log_dir = path
        self.purge_step = purge_step
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.filename_suffix = filename_suffix
        self.file_writer: Optional[FileWriter] = None
        self.all_writers: Optional[Dict[str, FileWriter]] = None
        if self._idle:  # ranks="zero" on another rank: checked, and nothing more
            return
        self._unclosed: List[FileWriter] = []  # close() raised for these: close() tries again
        self._lock = threading.Lock()
        self._events = SummaryToEventTransformer(_Records(self))
        _summary_writers.add(self)
        self._get_file_writer()

    def _get_file_writer(self, sub_run: Optional[str] = None) -> FileWriter:
        """The FileWriter of the run (``sub_run`` None) or of an ``add_scalars`` sub-run (its
        directory), created if missing, also after ``close()``: the one accessor, under the
        lock, that ``close()`` cannot race into a half-made state."""
        with self._lock:
            main, writers = self.file_writer, self.all_writers
            if writers is None or main is None:
                main = FileWriter(
                    self.log_dir,
                    self.max_queue,
                    self.flush_secs,
                    self.filename_suffix,
                    storage_options=self.storage_options,
                )
                if self.purge_step is not None:
                    step = self.purge_step
                    main.add_event(_messages.event(step=step, file_version="brain.Event:2"))
                    main.add_event(
                        _messages.event(
                            step=step, session_log=_messages.session_log(_messages.START)
                        )
                    )
                    self.purge_step = None
                writers = self.all_writers = {main.get_logdir(): main}
                self.file_writer = main
            if sub_run is None:
                return main
            fw = writers.get(sub_run)
            if fw is None:
                fw = writers[sub_run] = FileWriter(
                    sub_run,
                    self.max_queue,
                    self.flush_secs,
                    self.filename_suffix,
                    storage_options=self.storage_options,
                )
            return fw

    def _add_record(self, record: bytes, sub_run: Optional[str] = None) -> None:
        """The one way from this writer into an event file. A ``close()`` in another thread
        may close the file writer between our lookup and our add: the add then raises
        WriterClosedError having queued nothing, and the record goes to the new file."""
        fw = self.file_writer if sub_run is None else None
        while True:
            if fw is None:
                fw = self._get_file_writer(sub_run)
            try:
                fw.event_writer.add_record(record)
                return
            except _event_file.WriterClosedError:
                fw = None

    def get_logdir(self) -> PathLike:
        """Return the directory where event files are written."""
        return self.log_dir

    def _add_summary(self, summary: bytes, global_step: Step, walltime: Optional[float]) -> None:
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        step = 0 if global_step is None else _convert.to_step(global_step)
        self._add_record(frame(_messages.event(wall_time=wall, step=step, summary=summary)))

    def add_event(
        self, event: Message, step: Step = None, walltime: Optional[float] = None
    ) -> None:
        """Write any ``Event`` (serialized bytes or a protobuf object) to the event file.

        Args:
            event: a serialized ``Event`` (bytes) or a protobuf ``Event`` object.
            step (int): replaces the event's step, if given.
            walltime (float): replaces the event's wall time (default: now).
        """
        self._events.add_event(event, step, walltime)

    def add_scalar(
        self,
        tag: str,
        scalar_value: Number,
        global_step: Step = None,
        walltime: Optional[float] = None,
        new_style: bool = False,
        double_precision: bool = False,
    ) -> None:
        """Add scalar data to summary.

        Args:
            tag (str): data identifier.
            scalar_value (float, int, numpy or torch scalar, decimal, fraction): value to save.
            global_step (int): global step value to record.
            walltime (float): seconds after epoch of the event; default ``time.time()``.
            new_style (bool): write a rank-0 tensor with plugin ``scalars`` instead of the
                legacy ``simple_value`` (both are float32).
            double_precision (bool): with ``new_style``, write float64. TensorBoard's default
                data server (``--load_fast=true``) drops such scalars; tinytb warns once.
        """
        value = scalar_value if type(scalar_value) is float else _convert.to_float(scalar_value)
        if type(tag) is not str:
            tag = _convert.check_tag(tag)
        if global_step is None:
            step = 0
        elif type(global_step) is int and _INT64_MIN <= global_step <= _INT64_MAX:
            step = global_step
        else:
            step = _convert.to_step(global_step)
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        if new_style:
            if double_precision:
                _warn_once(
                    "double",
                    "add_scalar(double_precision=True) writes DT_DOUBLE "
                    "scalars, which TensorBoard's default data server "
                    "(--load_fast=true) drops: the tag will not show up there. Use "
                    "--load_fast=false, or leave double_precision off.",
                )
            record = frame(
                _messages.event(
                    wall_time=wall,
                    step=step,
                    summary=_messages.summary([_scalar_value(tag, value, True, double_precision)]),
                )
            )
        else:
            record = _scalar_records.record(tag, value, step, wall)
        fw = self.file_writer
        if fw is not None:  # the common case, inlined: one call less per scalar
            try:
                fw.event_writer.add_record(record)
                return
            except _event_file.WriterClosedError:
                pass  # close() ran in another thread: _add_record finds the new file
        self._add_record(record)

    def add_scalars(
        self,
        main_tag: str,
        tag_scalar_dict: Mapping[str, Number],
        global_step: Step = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Add many scalars to one chart: each ``tag`` goes to the sub-run
        ``<log_dir>/<main_tag with / replaced by _>_<tag>`` under the tag ``main_tag``, as
        PyTorch does.

        Examples::

            writer.add_scalars("run_14h", {"xsinx": i * np.sin(i / r),
                                           "xcosx": i * np.cos(i / r)}, i)

        Args:
            main_tag (str): the chart's tag; its ``/`` become ``_`` in the sub-run
                names.
            tag_scalar_dict (dict): line name -> value; each line is a sub-run. A
                name whose sub-run would leave ``log_dir`` (``..``) raises
                ``ValueError``.
            global_step (int): global step value to record (default 0).
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        main_tag = _convert.check_path(_convert.check_tag(main_tag, "main_tag"), "main_tag")
        if not hasattr(tag_scalar_dict, "items"):
            raise TypeError(
                "tag_scalar_dict must be a dict {tag: value}, not %s"
                % type(tag_scalar_dict).__name__
            )
        wall = time.time() if walltime is None else _convert.to_walltime(walltime)
        step = 0 if global_step is None else _convert.to_step(global_step)
        # Check everything before writing anything: a bad value must not leave half the lines.
        items = [
            (
                _sub_run_name(main_tag.replace("/", "_") + "_", tag),
                _convert.to_float(value, "tag_scalar_dict[%r]" % (tag,)),
            )
            for tag, value in tag_scalar_dict.items()
        ]
        fw_logdir = self._get_file_writer().get_logdir()
        for tag, value in items:
            fw_tag = fw_logdir + "/" + main_tag.replace("/", "_") + "_" + tag
            self._add_record(_scalar_records.record(main_tag, value, step, wall), fw_tag)

    def add_tensor(
        self,
        tag: str,
        tensor: ArrayLike,
        global_step: Step = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Add a tensor (torch tensor, numpy array, number or nested list), with plugin name
        ``tensor``. Half floats and bfloat16 are written as their real 16-bit patterns and
        uint8 in ``int_val``, as TensorFlow's ``make_ndarray`` expects.

        Examples::

            writer.add_tensor("my_tensor", torch.tensor([[1, 2], [3, 4]]), global_step=0)

        Args:
            tag (str): data identifier.
            tensor: any array-like (torch tensor, numpy array, nested list, buffer)
                of any dtype.
            global_step (int): global step value to record (default 0).
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        self._add_summary(_summary.tensor_proto(tag, tensor), global_step, walltime)

    def add_text(
        self, tag: str, text_string: str, global_step: Step = None, walltime: Optional[float] = None
    ) -> None:
        """Add text (rendered as Markdown by TensorBoard) under ``<tag>/text_summary``.

        Examples::

            writer.add_text("lstm", "This is an lstm", 0)
            writer.add_text("rnn", "This is an rnn", 10)

        Args:
            tag (str): data identifier.
            text_string (str): the text, Markdown.
            global_step (int): global step value to record (default 0).
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        self._add_summary(_summary.text(tag, text_string), global_step, walltime)

    def add_custom_scalars(self, layout: Mapping[str, Mapping[str, Sequence[Any]]]) -> None:
        """Create the custom-scalars dashboard layout: ``{category: {chart: [kind, tags]}}``,
        kind ``"Multiline"`` (tags are regexes) or ``"Margin"`` (3 tags: value, lower, upper).
        Call it once per writer.

        Examples::

            layout = {"Taiwan": {"twse": ["Multiline", ["twse/0050", "twse/2330"]]},
                      "USA": {"dow": ["Margin", ["dow/aaa", "dow/bbb", "dow/ccc"]],
                              "nasdaq": ["Margin", ["nasdaq/aaa", "nasdaq/bbb", "nasdaq/ccc"]]}}
            writer.add_custom_scalars(layout)

        Args:
            layout (dict): ``{category: {chart title: [kind, tags]}}``.
        """
        self._add_summary(_summary.custom_scalars(layout), None, None)

    def add_custom_scalars_multilinechart(
        self, tags: Sequence[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """Shorthand for a layout with one multiline chart of ``tags``.

        Args:
            tags (list of str): tag regexes, one line each.
            category (str): the category the chart is in.
            title (str): the chart's title.
        """
        self.add_custom_scalars({category: {title: ["Multiline", tags]}})

    def add_custom_scalars_marginchart(
        self, tags: Sequence[str], category: str = "default", title: str = "untitled"
    ) -> None:
        """Shorthand for a layout with one margin chart; ``tags`` is [value, lower, upper].

        Args:
            tags (list of str): [value, lower, upper].
            category (str): the category the chart is in.
            title (str): the chart's title.
        """
        if not isinstance(tags, (list, tuple)):
            raise TypeError(
                "tags must be a list of 3 tags (value, lower, upper), not %s" % type(tags).__name__
            )
        if len(tags) != 3:
            raise ValueError("tags must be 3 tags (value, lower, upper), got %r" % (tags,))
        self.add_custom_scalars({category: {title: ["Margin", tags]}})

    # -- the rest of PyTorch's surface, arriving with later issues ------------------------------

    def add_histogram(
        self,
        tag: str,
        values: ArrayLike,
        global_step: Step = None,
        bins: Union[str, int, Sequence[float]] = "tensorflow",
        walltime: Optional[float] = None,
        max_bins: Optional[int] = None,
    ) -> None:
        """Add a histogram of ``values`` (any array-like, flattened). NaN and infinite values
        are left out (with a warning); an empty input raises ``ValueError``.

        Args:
            tag (str): data identifier.
            values: the values (torch tensor, numpy array, nested list, buffer).
            global_step (int): global step value to record (default 0).
            walltime (float): seconds after the epoch of the event; default ``time.time()``.
            bins: 'tensorflow' (PyTorch's default: 1549 exponential edges), an int, one of
                numpy's estimators ('auto', 'fd', 'doane', 'scott', 'stone', 'rice',
                'sturges', 'sqrt') or an increasing list of edges.
            max_bins (int): merge neighbouring bins as PyTorch does when there are more.

        Examples::

            writer.add_histogram("weights", [random.gauss(0, 1) for _ in range(1000)], step)

        Shape:
            values: any shape; flattened.
        """
        self._add_summary(
            _summary._histogram_summary(tag, values, bins, max_bins, "values"),
            global_step,
            walltime,
        )

    def add_histogram_raw(
        self,
        tag: str,
        min: Number,
        max: Number,
        num: Number,
        sum: Number,
        sum_squares: Number,
        bucket_limits: ArrayLike,
        bucket_counts: ArrayLike,
        global_step: Step = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Add a histogram from its statistics (see ``summary.histogram_raw``): equal-length
        ``bucket_limits`` (right edges, increasing) and ``bucket_counts`` (not negative).

        Args:
            tag (str): data identifier.
            min, max (float): smallest and largest value.
            num (int): number of values.
            sum, sum_squares (float): sum of the values and of their squares.
            bucket_limits (list of float): right edge of each bucket, increasing.
            bucket_counts (list of float): count of each bucket, not negative.
            global_step (int): global step value to record (default 0).
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.

        Shape:
            bucket_limits, bucket_counts: (k,), the same k.
        """
        self._add_summary(
            _summary._histogram_raw_summary(
                tag, min, max, num, sum, sum_squares, bucket_limits, bucket_counts, "tag"
            ),
            global_step,
            walltime,
        )

    def add_image(
        self,
        tag: str,
        img_tensor: ArrayLike,
        global_step: Step = None,
        walltime: Optional[float] = None,
        dataformats: str = "CHW",
    ) -> None:
        """Add image data to summary.

        Args:
            tag (str): data identifier.
            img_tensor (torch.Tensor, numpy.ndarray, array.array, memoryview, nested list):
                the image, in ``dataformats`` order. uint8 data is taken as 0-255; every
                other type is scaled by 255 (as float32, then clipped and truncated, exactly
                as PyTorch does). In plain lists, Python ints are uint8 values and Python
                floats are [0, 1] values.
            global_step (int): global step value to record.
            walltime (float): seconds after epoch of the event; default ``time.time()``.
            dataformats (str): ``CHW`` (default), ``HWC``, ``HW``, ``WH``... any order of the
                letters, upper or lower case. 1 channel is repeated to RGB; 4 is RGBA.

        Examples::

            img = [[[i / 100, j / 100, 0.5] for j in range(100)] for i in range(100)]
            writer.add_image("gradient", img, 0, dataformats="HWC")

        Shape:
            img_tensor: (3, H, W) by default; ``dataformats`` gives the order: (1,
                H, W), (H, W), (H, W, 3), (H, W, 4)... 1 channel is repeated to RGB,
                2 is grey with alpha, 4 is RGBA.
        """
        self._add_summary(
            _summary._image_summary(tag, img_tensor, 1, dataformats, "img_tensor"),
            global_step,
            walltime,
        )

    def add_images(
        self,
        tag: str,
        img_tensor: ArrayLike,
        global_step: Step = None,
        walltime: Optional[float] = None,
        dataformats: str = "NCHW",
    ) -> None:
        """Add a batch of images as one grid image, 8 per row (PyTorch's ``make_grid``).

        Args:
            img_tensor: the batch, in ``dataformats`` order (``NCHW`` by default, ``NHWC``...).
            Other arguments as in :meth:`add_image`.

        Shape:
            img_tensor: (N, 3, H, W) by default; ``dataformats`` gives the order,
                e.g. NHWC.
        """
        self._add_summary(
            _summary._image_summary(tag, img_tensor, 1, dataformats, "img_tensor"),
            global_step,
            walltime,
        )

    def add_image_with_boxes(
        self,
        tag: str,
        img_tensor: ArrayLike,
        box_tensor: ArrayLike,
        global_step: Step = None,
        walltime: Optional[float] = None,
        rescale: float = 1,
        dataformats: str = "CHW",
        labels: Optional[Union[str, Sequence[str]]] = None,
    ) -> None:
        """Add an image and draw boxes on it.

        Args:
            box_tensor: (N, 4) boxes ``(xmin, ymin, xmax, ymax)`` in pixels.
            rescale (float): resize the image (Lanczos, as Pillow) after drawing; the summary
                keeps the original height and width, as PyTorch's does.
            labels (list of str, or str): one label per box, drawn at the box's bottom left
                with tinytb's built-in bitmap font; ignored if their number differs from the
                number of boxes (as in PyTorch).
            Other arguments as in :meth:`add_image`.

        Shape:
            img_tensor: as in :meth:`add_image`; box_tensor: (N, 4).
        """
        self._add_summary(
            _summary._image_boxes_summary(
                tag,
                img_tensor,
                box_tensor,
                rescale,
                dataformats,
                labels,
                ("img_tensor", "box_tensor"),
            ),
            global_step,
            walltime,
        )

    def add_figure(
        self,
        tag: str,
        figure: Any,
        global_step: Step = None,
        close: bool = True,
        walltime: Optional[float] = None,
    ) -> None:
        """Render a matplotlib figure (or a list of them, as a grid) into an image.

        The figure is drawn with matplotlib's Agg canvas into RGBA, as PyTorch does; tinytb
        itself never imports matplotlib (only this method does, because it is handed a figure).

        Args:
            figure (matplotlib.figure.Figure or list of them): figure(s) to render.
            close (bool): close the figure(s) afterwards (``plt.close``).
            Other arguments as in :meth:`add_image`.
        """
        if isinstance(figure, list):
            images = [_render_figure(f, close) for f in figure]
            if not images:
                raise ValueError("figure is an empty list")
            h, w = images[0][0], images[0][1]
            if any((img[0], img[1]) != (h, w) for img in images):
                raise ValueError("the figures in the list must all have the same size in pixels")
            batch = memoryview(b"".join(img[2] for img in images)).cast("B", (len(images), h, w, 3))
            self.add_images(tag, batch, global_step, walltime, dataformats="NHWC")
        else:
            h, w, pixels = _render_figure(figure, close)
            self.add_image(
                tag,
                memoryview(pixels).cast("B", (h, w, 3)),
                global_step,
                walltime,
                dataformats="HWC",
            )

    def add_video(
        self,
        tag: str,
        vid_tensor: ArrayLike,
        global_step: Step = None,
        fps: Union[int, float] = 4,
        walltime: Optional[float] = None,
    ) -> None:
        """Add a video: ``vid_tensor`` of shape (N, T, C, H, W), uint8 or [0, 1] floats. The
        batch is tiled into PyTorch's grid and written as an animated GIF (frame delay
        ``round(100 / fps)`` centiseconds, looping forever). PyTorch needs moviepy < 2 for this
        and otherwise silently writes nothing; tinytb always writes the video.

        Args:
            tag (str): data identifier.
            vid_tensor: uint8 (0-255) or float ([0, 1]) values.
            global_step (int): global step value to record (default 0).
            fps (float): frames per second.
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.

        Shape:
            vid_tensor: (N, T, C, H, W), C 1, 3 or 4.
        """
        self._add_summary(
            _summary._video_summary(tag, vid_tensor, fps, "vid_tensor"), global_step, walltime
        )

    def add_audio(
        self,
        tag: str,
        snd_tensor: ArrayLike,
        global_step: Step = None,
        sample_rate: int = 44100,
        walltime: Optional[float] = None,
    ) -> None:
        """Add audio data to summary.

        Args:
            tag (str): data identifier.
            snd_tensor: the clip, shape (L,) (size-1 dimensions are squeezed) or (L, 2) for
                stereo; values in [-1, 1] (louder samples are clipped, with a warning).
            global_step (int): global step value to record.
            sample_rate (int): sample rate in Hz.
            walltime (float): seconds after epoch of the event; default ``time.time()``.

        Shape:
            snd_tensor: (L,) or (1, L); (L, 2) for stereo.
        """
        self._add_summary(
            _summary._audio_summary(tag, snd_tensor, sample_rate, "snd_tensor"),
            global_step,
            walltime,
        )

    def add_onnx_graph(self, prototxt: Any) -> None:
        """Add the graph of an ONNX model, as PyTorch does: ``prototxt`` is the path of a binary
        ``.onnx`` file (or a binary file object), read with tinytb's own protobuf decoder into
        the GraphDef of ``torch.utils.tensorboard._onnx_graph`` (graph inputs and outputs as
        ``Variable`` nodes; each ONNX node named by its first output, its attributes in a
        ``parameters`` string); one graph event at step 0. Prints nothing (PyTorch prints
        every node name). Text formats (``.prototxt``, ``.json``, ...) raise ``ValueError``;
        malformed bytes ``tinytb.errors.DecodeError``.

        Args:
            prototxt: path of a binary ``.onnx`` file, or a binary file object.
        """
        from . import _onnx

        if callable(getattr(prototxt, "read", None)):
            data, name = prototxt.read(), getattr(prototxt, "name", None)
        else:
            _onnx.check_path(_convert.check_path(prototxt, "prototxt"))
            data, name = _files.read_file(prototxt, what="ONNX model"), os.fsdecode(prototxt)
        self._events.add_onnx_graph(
            _onnx.load_onnx_graph(data, name if isinstance(name, str) else None)
        )

    def add_graph(
        self,
        model: Any,
        input_to_model: Any = None,
        verbose: bool = False,
        use_strict_trace: bool = True,
    ) -> None:
        """Add a model graph to TensorBoard's graphs dashboard, three ways:

        * a torch ``nn.Module`` and its input (a tensor or a tuple of them), traced with
          ``torch.jit.trace`` as PyTorch's ``add_graph`` does: the same graph and ``step1``
          run metadata (``verbose`` prints the traced graph; ``use_strict_trace`` is passed
          to the tracer);
        * a plain description, no torch needed: a list of node dicts ``{"name", "op",
          "inputs", "attrs", "shape"}`` or a dict ``{name: {"op", ...}}``; names with ``/``
          make scopes (see ``tinytb._graph``)::

              writer.add_graph([
                  {"name": "input", "op": "Placeholder", "shape": [None, 784]},
                  {"name": "mlp/fc", "op": "Linear", "inputs": ["input"],
                   "attrs": {"out_features": 10}, "shape": [None, 10]},
              ])

        * a ``GraphDef``: serialized bytes or a protobuf object.

        Args:
            model: a torch ``nn.Module``, a plain description or a ``GraphDef``.
            input_to_model: the model's input (torch models only): a tensor or a
                tuple of them.
            verbose (bool): print the traced graph (torch models).
            use_strict_trace (bool): passed to ``torch.jit.trace``.
        """
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(model, torch.nn.Module):
            from . import _torch_graph

            profile = _torch_graph.graph(model, input_to_model, verbose, use_strict_trace)
            self._events.add_graph(profile)
            return
        if input_to_model is not None:
            raise TypeError(
                "input_to_model is for torch models; model is a %s" % type(model).__name__
            )
        if isinstance(model, (bytes, bytearray, memoryview)):
            from . import _graph

            graph = _graph.check_graph_def(model, "model")  # ValueError if it is no GraphDef
        elif hasattr(model, "SerializeToString"):
            graph = model  # a GraphDef: FileWriter.add_graph serializes it
        else:
            from . import _graph

            graph = _graph.graph_def(model)
        self._events.add_graph(graph)

    def add_embedding(
        self,
        mat: ArrayLike,
        metadata: Optional[Sequence[Any]] = None,
        label_img: Optional[ArrayLike] = None,
        global_step: Step = None,
        tag: str = "default",
        metadata_header: Optional[Sequence[str]] = None,
    ) -> None:
        """Add embedding projector data (no event: files for TensorBoard's projector).

        Writes ``<log_dir>/<global_step:05d>/<tag, '/' '\\' '%' encoded>/`` ``tensors.tsv``,
        ``metadata.tsv``, ``sprite.png``, and an entry into ``<log_dir>/projector_config.pbtxt``,
        which keeps the entries of earlier calls and of other writers (PyTorch's drops them).

        Args:
            mat: array-like (N, D), one row per point.
            metadata (list): N labels, or with metadata_header N rows of len(header) cells.
                Tabs, line breaks, blank labels and one-column headers raise ValueError.
            label_img: array-like (N, C, H, W), C 1 or 3; uint8 as 0-255, floats as [0, 1].
            global_step (int): global step value to record (default 0).
            tag (str): name for the embedding.
            metadata_header (list): column names for multi-column metadata.

        Examples::

            writer.add_embedding(features, metadata=labels, label_img=images, global_step=0)

        Shape:
            mat: (N, D); metadata: N labels, or N rows of len(metadata_header);
                label_img: (N, C, H, W).
        """
        from . import _projector  # sprites need the PNG encoder: loaded on first use

        step = 0 if global_step is None else _convert.to_step(global_step)
        subdir, files, entry = _projector.embedding_files(
            mat, metadata, label_img, step, _convert.check_tag(tag), metadata_header
        )
        _files.write_embedding(
            self._get_file_writer().get_logdir(),
            subdir,
            files,
            lambda existing: _projector.update_config(existing, entry),
            storage_options=self.storage_options,
        )

    def add_pr_curve(
        self,
        tag: str,
        labels: ArrayLike,
        predictions: ArrayLike,
        global_step: Step = None,
        num_thresholds: int = 127,
        weights: Optional[ArrayLike] = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Add a precision-recall curve.

        Args:
            tag (str): data identifier.
            labels: ground truth, true/false or 1/0 (any array-like; flattened).
            predictions: the probability that each element is true, in [0, 1].
            global_step (int): global step value to record.
            num_thresholds (int): thresholds the curve is computed at (at most 127, as
                PyTorch caps it).
            weights: an optional weight per element (or one number for all).
            walltime (float): seconds after epoch of the event; default ``time.time()``.

        Examples::

            writer.add_pr_curve("pr_curve", labels, predictions, 0)
        """
        self._add_summary(
            _summary.pr_curve(tag, labels, predictions, num_thresholds, weights),
            global_step,
            walltime,
        )

    def add_pr_curve_raw(
        self,
        tag: str,
        true_positive_counts: ArrayLike,
        false_positive_counts: ArrayLike,
        true_negative_counts: ArrayLike,
        false_negative_counts: ArrayLike,
        precision: ArrayLike,
        recall: ArrayLike,
        global_step: Step = None,
        num_thresholds: int = 127,
        weights: Any = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Add a precision-recall curve from its six rows of equal length (one value per
        threshold). ``weights`` is not used (as in PyTorch); ``num_thresholds`` is written to
        the plugin data, capped at 127, and should equal the rows' length.

        Args:
            tag (str): data identifier.
            true_positive_counts, false_positive_counts, true_negative_counts,
                false_negative_counts, precision, recall: one row each, one value
                per threshold.
            global_step (int): global step value to record (default 0).
            num_thresholds (int): written to the plugin data (at most 127).
            weights: not used (as in PyTorch).
            walltime (float): seconds after the epoch of the event; default
                ``time.time()``.
        """
        self._add_summary(
            _summary.pr_curve_raw(
                tag,
                true_positive_counts,
                false_positive_counts,
                true_negative_counts,
                false_negative_counts,
                precision,
                recall,
                num_thresholds,
                weights,
            ),
            global_step,
            walltime,
        )

    def add_mesh(
        self,
        tag: str,
        vertices: ArrayLike,
        colors: Optional[ArrayLike] = None,
        faces: Optional[ArrayLike] = None,
        config_dict: Optional[Mapping[str, Any]] = None,
        global_step: Step = None,
        walltime: Optional[float] = None,
    ) -> None:
        """Add a 3D mesh or point cloud (TensorBoard's mesh dashboard).

        Args:
            tag (str): data identifier.
            vertices: (B, N, 3) vertex coordinates.
            colors: (B, N, 3) RGB values 0-255 per vertex, or ``None``.
            faces: (B, F, 3) indices of the vertices of each triangle, or ``None``.
            config_dict (dict): three.js settings (camera, lights, material), or ``None``.
            global_step (int): global step value to record.
            walltime (float): seconds after epoch of the event; default ``time.time()``.

        Examples::

            writer.add_mesh("my_mesh", vertices=v, colors=c, faces=f)

        Shape:
            vertices: (B, N, 3); colors: (B, N, 3); faces: (B, F, 3).
        """
        self._add_summary(
            _summary.mesh(tag, vertices, colors, faces, config_dict), global_step, walltime
        )

    def add_hparams(
        self,
        hparam_dict: Mapping[str, Any],
        metric_dict: Mapping[str, Optional[Number]],
        hparam_domain_discrete: Optional[Mapping[str, Sequence[Any]]] = None,
        run_name: Optional[str] = None,
        global_step: Step = None,
    ) -> None:
        """Add a set of hyperparameters to be compared in TensorBoard's HPARAMS dashboard.

        Args:
            hparam_dict (dict): name -> bool, number, str or ``None`` (left out); numpy and
                torch scalars are read as numbers (or bools). Booleans are written as
                booleans (PyTorch writes 1.0).
            metric_dict (dict): metric tag -> value. Each value is also logged with
                ``add_scalar(tag, value, global_step)``, as PyTorch does; a value of ``None``
                only names the metric, for tags that are already logged as scalars.
            hparam_domain_discrete (dict): name -> the list of values it can take.
            run_name (str): the run of this session, a sub-directory of ``log_dir``
                (PyTorch's default: ``str(time.time())``). ``run_name="."`` writes the
                session into this writer's own run and file instead, so the curves already
                logged here with ``add_scalar`` become the session's metrics::

                    writer.add_scalar("loss", loss, step)  # during training
                    ...
                    writer.add_hparams({"lr": 0.1, "bsize": 32}, {"loss": None},
                                       run_name=".")

                (The hparams plugin takes metric values from scalars in the session's run
                or below it; a sub-run cannot see the curves of its parent.)
            global_step (int): step of the three hparams events and of the metric scalars.
        """
        summaries = _summary.hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        metrics = [
            (
                _convert.check_tag(k, "metric_dict key"),
                None if v is None else _convert.to_float(v, "metric_dict[%r]" % (k,)),
            )
            for k, v in _summary._mapping(metric_dict, "metric_dict").items()
        ]
        if global_step is not None:
            global_step = _convert.to_step(global_step)
        if run_name is not None:
            _check_run_name(run_name)
        if run_name and os.path.normpath(run_name) == os.curdir:
            self._write_session(self, summaries, metrics, global_step)
            return
        logdir = _join(self._get_file_writer().get_logdir(), run_name or str(time.time()))
        with SummaryWriter(
            logdir,
            max_queue=self.max_queue,
            flush_secs=self.flush_secs,
            filename_suffix=self.filename_suffix,
            storage_options=self.storage_options,
        ) as w_hp:
            self._write_session(w_hp, summaries, metrics, global_step)

    @staticmethod
    def _write_session(
        writer: SummaryWriter,
        summaries: Sequence[bytes],
        metrics: List[Tuple[str, Optional[float]]],
        global_step: Step,
    ) -> None:
        for summary in summaries:
            writer._add_summary(summary, global_step, None)
        for tag, value in metrics:
            if value is not None:
                writer.add_scalar(tag, value, global_step)

    # -- lifetime ----------------------------------------------------------------------------

    def flush(self) -> None:
        """Return once every event added so far is in its file (written and fsynced; for a URL
        log dir, uploaded: nothing new, no request)."""
        with self._lock:
            writers = list(self.all_writers.values()) if self.all_writers else []
        for writer in writers:
            writer.flush()

    def close(self) -> None:
        """Flush and close every event file of this writer. Idempotent; a later ``add_*``
        starts a new event file. If a file cannot take its last records (disk full), the
        error is raised and that file stays open with them queued: ``close()`` again tries
        once more (so does the exit hook)."""
        with self._lock:
            writers = list(self.all_writers.values()) if self.all_writers else []
            writers += self._unclosed  # those whose close failed last time: try again
            self.file_writer = self.all_writers = None
            self._unclosed = []
        first_error = None
        for writer in writers:
            try:
                writer.close()
            except OSError as err:
                first_error = first_error or err
                if not writer.event_writer.closed:  # its records are still queued
                    with self._lock:
                        self._unclosed.append(writer)
        if first_error is not None:
            raise first_error

    def __enter__(self) -> SummaryWriter:
        return self

    def __exit__(self, exc_type: Any, exc_val: Any, exc_tb: Any) -> None:
        self.close()


def _idle(*args: Any, **kwargs: Any) -> None:
    """What every call does on a rank that does not write (``ranks="zero"``)."""


class _IdleWriter(SummaryWriter):
    """``SummaryWriter(ranks="zero")`` on a rank other than 0: the arguments are checked as on
    rank 0 (so a mistake shows on every rank), then nothing happens: no file, no directory, no
    thread, and each ``add_*``, ``flush()`` and ``close()`` returns None at once."""

    _idle = True

    def get_logdir(self) -> PathLike:
        return self.log_dir


for _name in dir(SummaryWriter):
    if _name.startswith("add_") or _name in ("flush", "close", "_get_file_writer"):
        setattr(_IdleWriter, _name, _idle)
del _name


class _Records:
    """The event writer a SummaryWriter hands its SummaryToEventTransformer: every event goes
    through ``SummaryWriter._add_record``, the one path into the event file."""

    def __init__(self, writer: SummaryWriter) -> None:
        self._writer = weakref.ref(writer)  # no cycle: the writer owns this

    def add_event(self, event: bytes) -> None:
        writer = self._writer()
        if writer is not None:
            writer._add_record(frame(event))


def _sub_run_name(prefix: str, key: object) -> str:
    """``key`` of ``add_scalars``, checked: its sub-run ``<log_dir>/<prefix><key>`` must stay
    inside the log dir (PyTorch writes ``{"/../../x": 1}`` outside it)."""
    tag = _convert.check_tag(key, "tag_scalar_dict key")
    _convert.check_path(tag, "tag_scalar_dict key")  # no NUL
    if ".." in _path_parts(prefix + tag):
        raise ValueError("tag_scalar_dict key %r would put its sub-run outside log_dir" % (tag,))
    return tag


def _check_run_name(run_name: Any) -> None:
    if not isinstance(run_name, str):
        raise TypeError("run_name must be a str, not %s" % type(run_name).__name__)
    _convert.check_path(run_name, "run_name")
    parts = _path_parts(run_name)
    if os.path.isabs(run_name) or os.path.splitdrive(run_name)[0] or ".." in parts:
        raise ValueError(
            "run_name %r would put the hparams session outside log_dir: give a "
            "relative name without '..'" % (run_name,)
        )


def _join(log_dir: str, name: str) -> str:
    """A sub-run of ``log_dir``: ``os.path.join``, or ``/`` for a URL."""
    if _remote.is_url(log_dir):
        return _remote.join(log_dir, *[p for p in _path_parts(name) if p])
    return os.path.join(log_dir, name)


def _path_parts(name: str) -> List[str]:
    for sep in (os.sep, os.altsep or os.sep, "/"):
        name = name.replace(sep, "/")
    return name.split("/")


def _render_figure(figure: Any, close: bool) -> Tuple[int, int, bytes]:
    """``(height, width, rgb_bytes)`` of a matplotlib figure, drawn as PyTorch draws it
    (``figure_to_image``: a ``FigureCanvasAgg`` on the figure, ``buffer_rgba()``, alpha
    dropped)."""
    if not hasattr(figure, "get_size_inches"):
        raise TypeError(
            "figure must be a matplotlib Figure (or a list of them), not %s" % type(figure).__name__
        )
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    rgba = memoryview(canvas.buffer_rgba()).cast("B")
    w, h = figure.canvas.get_width_height()
    rgb = bytearray(w * h * 3)
    rgb[0::3], rgb[1::3], rgb[2::3] = rgba[0::4], rgba[1::4], rgba[2::4]
    if close:
        import matplotlib.pyplot as plt

        plt.close(figure)
    return h, w, bytes(rgb)


def _after_fork_in_child() -> None:
    # Another thread of the parent may have held a writer's lock at the fork; in the child that
    # thread does not exist, so the lock would never be released.
    for w in list(_summary_writers):
        w._lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
