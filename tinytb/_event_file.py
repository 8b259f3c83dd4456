# SPDX-License-Identifier: MIT
"""Event files on disk: naming, opening, and getting records there without losing any.

This is the only tinytb module that writes event files (on a URL log dir through ``_remote``,
the only one that talks to fsspec). What it promises:

* **Naming.** ``events.out.tfevents.<%010d seconds>.<host>.<pid>.<n><suffix>``, TensorBoard's
  scheme (``event_file_writer.py``), ``n`` a counter shared by the whole process. The file is
  created with ``O_EXCL``: an existing file is never truncated or appended to; on a clash the
  counter moves on. The first record is ``Event{wall_time, file_version: "brain.Event:2",
  source_metadata{writer}}``, written before the constructor returns, as PyTorch's writer does.
* **One write per record, in order.** Callers hand over whole framed records; they are queued
  under a lock and leave in ``os.write`` calls that each carry whole records. No user-space file
  buffer exists, so nothing can be flushed twice or by the wrong process.
* **Prompt, yet batched.** ``max_queue`` pending records make the adding call write them itself
  (PyTorch's documented meaning: "size of the queue for pending events ... before one of the
  'add' calls forces a flush"). Fewer pending records are written by one background thread
  (shared by every writer in the process) about ``LINGER`` seconds after the first of them was
  queued, so TensorBoard sees data within milliseconds while a tight loop pays one system call
  per ``max_queue`` events. ``flush_secs`` is how often that thread also calls ``fsync``.
* **``flush()``/``close()``** return once every record added before them is written and fsynced.
  ``close()`` is idempotent.
* **Exit.** An ``atexit`` hook (and, in ``multiprocessing`` children, which leave through
  ``os._exit``, a multiprocessing finalizer) writes and closes every open file. The registry is
  a ``WeakSet``: it does not keep abandoned writers alive; one that is garbage-collected is
  closed by its finalizer.
* **fork.** ``os.register_at_fork`` gives the child fresh locks and empty queues (the parent
  still owns, and writes, what it had queued) and forgets the parent's file: the child's first
  record opens a file of its own (its pid is in the name). The child never writes into the
  parent's file and never waits on a lock the parent held.
* **Errors.** An ``OSError`` met in the background (disk full, file or directory removed) is
  kept and raised by the next ``add``, ``flush`` or ``close`` of that writer. Records that
  failed stay queued and are tried again; a partly written batch is cut back (``ftruncate``) to
  the last whole record so the file stays readable. A file that was deleted under the writer is
  reported as ``FileNotFoundError`` and the following records go to a new file.
* **URL log dirs** (``s3://bucket/run``; ``_RemoteSink``): nothing is appended and nothing
  read back. Records go out in segments, each a new object (header + whole records) stored
  once, when ``SEGMENT_BYTES`` wait, every ``flush_secs``, at ``flush()`` and at
  ``close()``/exit, by a background thread of their own (``_Uploader``) or the calling
  ``flush``/``close``; never under the sink's lock, never by an ``add``. Segment names sort in
  creation order. Failed uploads are retried with backoff as the same object, raised by the
  next ``add`` after ``REPORT_AFTER`` in a row, and by ``flush``/``close`` at once; the exit
  path (run from threading's exit hooks) waits at most ``EXIT_WAIT`` seconds and says on
  stderr what it could not store.
"""

from __future__ import annotations

import atexit
import errno
import itertools
import os
import sys
import threading
import time
import weakref

from . import _messages, _remote
from ._convert import warn_caller
from ._files import write_all
from ._record import frame

FILE_VERSION = "brain.Event:2"
WRITER_NAME = "tinytb"
LINGER = 0.02  # seconds the background thread lets records gather before writing them
RETRY_MIN = 0.25  # seconds before a failed write is tried again; doubled at each failure ...
RETRY_MAX = 2.0  # ... up to this
MAX_BACKLOG = 64 << 20  # bytes of records kept queued while writes fail (the newest kept)
# URL log dirs (_RemoteSink):
SEGMENT_BYTES = 16 << 20  # a segment is uploaded once this many bytes wait (s3fs: one PUT)
REMOTE_RETRY_MIN = 1.0  # seconds before a failed upload is tried again; doubled at each failure
REMOTE_RETRY_MAX = 30.0  # ... up to this
REPORT_AFTER = 3  # failed background uploads in a row before the writer's next call raises
EXIT_WAIT = 30.0  # seconds the exit path spends, in all, uploading what is left
# The counter in a segment's name, zero-padded so that names of one second sort by it
# (TensorBoard's loaders order a run's files by name, as strings).
SEGMENT_NAME = "events.out.tfevents.%010d.%s.%s.%010d%s"

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Set, Tuple
    from weakref import WeakSet

_uid = itertools.count()  # TensorBoard's _global_uid: one counter for the whole process
_sinks: WeakSet[_Sink] = weakref.WeakSet()  # every open event file of this process
_remote_sinks: WeakSet[_RemoteSink] = weakref.WeakSet()  # every open URL event file
_orphans: Set[_RemoteSink] = set()  # URL event files whose writer is gone, not yet all uploaded
# Read-write: a file deleted while in use is read back through its descriptor (_carry_if_deleted).
_OPEN_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)


def hostname() -> str:
    try:
        return os.uname().nodename  # what socket.gethostname() returns, without importing socket
    except AttributeError:  # Windows
        import socket

        return socket.gethostname()


class WriterClosedError(OSError):
    """An add to a closed ``FileWriter`` (PyTorch's ``OSError("Writer is closed")``). Its own
    class so that ``SummaryWriter``, which continues in a new file after ``close()``, can tell a
    close that raced its add from an I/O error."""

    def __init__(self) -> None:
        super().__init__("Writer is closed")


class _Sink:
    """One event file and the records waiting for it. Shared by the writer that owns it, the
    background thread and the exit hook; it holds no reference back to the writer."""

    def __init__(self, logdir: str, max_queue: int, flush_secs: float, suffix: str) -> None:
        self.logdir = logdir
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.suffix = suffix
        self.lock = threading.Lock()
        self.pending: List[bytes] = []
        self.error: Optional[BaseException] = None
        self.fd: Optional[int] = None
        self.path: Optional[str] = None
        self.offset = 0  # bytes of whole records in the file
        self.checked = 0  # ... of which were in a file that still had a name at the last look
        self.last_sync = time.monotonic()
        self.unsynced = False
        self.failing = False  # the last write failed: writes wait for retry_at
        self.retry_at = 0.0
        self.backoff = self.retry_range()[0]
        self.counted = 0  # pending[:counted] is in backlog (counted only while failing)
        self.backlog = 0
        self.dropped = [0, 0]  # records, bytes dropped while failing, not yet reported
        self.closed = False
        self.orphaned = False  # its writer was garbage-collected while the lock was taken
        self.open_file()

    # Everything below runs with self.lock held, except open_file from __init__.

    def open_file(self) -> None:
        os.makedirs(self.logdir, exist_ok=True)
        host = hostname()
        while True:
            name = "events.out.tfevents.%010d.%s.%s.%s%s" % (
                time.time(),
                host,
                os.getpid(),
                next(_uid),
                self.suffix,
            )
            path = os.path.join(self.logdir, name)
            try:
                fd = os.open(path, _OPEN_FLAGS, 0o666)
            except FileExistsError:
                continue  # another writer's file: never clobber it, take the next number
            break
        header = _header(time.time())
        try:
            write_all(fd, header)
        except OSError:
            os.close(fd)
            raise
        self.fd, self.path, self.offset = fd, path, len(header)
        self.checked = self.offset
        self.unsynced = True
        _sinks.add(self)
        _register_mp_finalizer()

    def write_pending(self, check_deleted: bool = True) -> None:
        """Write every queued record; on failure keep them queued and raise.

        With ``check_deleted`` (the background thread, flush and close; never the adding
        call), look afterwards whether the file still has a name: records written into a file
        deleted since the last look are read back through the open descriptor and written to
        a new file, then ``FileNotFoundError`` says what happened. Nothing added is lost."""
        self._write()
        if check_deleted and self.fd is not None and self.offset > self.checked:
            old = self._carry_if_deleted()
            if old is not None:
                self._write()
                raise FileNotFoundError(
                    errno.ENOENT,
                    "event file was removed while in use; "
                    "its records since then went to a new file",
                    old,
                )

    def _write(self) -> None:
        if not self.pending:
            return
        if self.fd is None:
            self.open_file()  # after fork, or after the file was found deleted
        fd: int = self.fd  # type: ignore[assignment]  # open_file set it
        data = b"".join(self.pending) if len(self.pending) > 1 else self.pending[0]
        try:
            write_all(fd, data)
        except OSError:
            self._cut_back(fd)
            raise
        self.pending.clear()
        self.counted = self.backlog = 0
        self.offset += len(data)
        self.unsynced = True

    def _carry_if_deleted(self) -> Optional[str]:
        """If the file has no name left, queue (in front) what was written to it since the
        last look, close it, and return its path; else None."""
        fd = self.fd
        if fd is None:
            return None
        try:
            if os.fstat(fd).st_nlink:
                self.checked = self.offset
                return None
            carried = _read_at(fd, self.checked, self.offset - self.checked)
        except OSError:
            return None  # cannot tell: keep writing where we are
        path = self.path
        os.close(fd)
        self.fd = None
        if carried:
            self.pending.insert(0, carried)
            self.counted = self.backlog = 0  # counted afresh, carried bytes included
        return path

    def _cut_back(self, fd: int) -> None:
        # Leave the file ending on a whole record, so readers and later writes stay aligned.
        try:
            os.ftruncate(fd, self.offset)
            os.lseek(fd, self.offset, os.SEEK_SET)
        except OSError:
            os.close(fd)  # cannot repair it: stop using it, the next write opens a new one
            self.fd = None

    def sync(self) -> None:
        if self.fd is not None and self.unsynced:
            os.fsync(self.fd)
        self.unsynced = False
        self.last_sync = time.monotonic()

    def raise_error(self) -> None:
        err, self.error = self.error, None
        if err is not None:
            raise err

    def shut(self) -> None:
        """Write, fsync and close. If writing fails, the sink stays open with its records
        queued (a later close, or the exit hook, tries again) and the error is raised. A file
        found deleted is no failure to write: its records went to a new file, which is closed
        like any other before the FileNotFoundError says what happened."""
        moved = None
        if self.fd is not None or self.pending:
            try:
                self.write_pending()
            except FileNotFoundError as err:
                if self.pending:  # the new file could not take them either
                    raise
                moved = err
            self.sync()
        self.release()
        if moved is not None:
            raise moved

    def release(self) -> None:
        """Mark closed, close the descriptor, leave the registry (whatever is still queued)."""
        self.closed = True
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        _sinks.discard(self)

    def forget_after_fork(self) -> None:
        # In a forked child: the parent owns its queue and its file.
        self.lock = threading.Lock()
        self.pending = []
        self.counted = self.backlog = 0
        self.error = None
        if self.fd is not None:
            try:
                os.close(self.fd)  # our copy of the descriptor only
            except OSError:
                pass
            self.fd = None
        self.unsynced = False

    # -- failing writes: back off, bound the queue ---------------------------------------------

    def retry_range(self) -> Tuple[float, float]:
        """Seconds before the first retry of a failed write, and the most (a URL's sink backs
        off more: an upload is a request to a server)."""
        return RETRY_MIN, RETRY_MAX

    def failed(self, now: float) -> None:
        """A write failed: the next try (by anyone but flush and close) waits a while longer
        each time, so a full disk costs each add O(1), not a rewrite of the whole queue."""
        if self.failing:
            self.backoff = min(self.backoff * 2, self.retry_range()[1])
        self.failing = True
        self.retry_at = now + self.backoff

    def succeeded(self) -> None:
        self.failing = False
        self.backoff = self.retry_range()[0]
        self.retry_at = 0.0

    def bound_backlog(self) -> None:
        """While writes fail, keep the newest ``MAX_BACKLOG`` bytes of records; older ones are
        dropped and counted (reported once writing works again, or at exit)."""
        pending = self.pending
        for record in pending[self.counted :]:
            self.backlog += len(record)
        self.counted = len(pending)
        if self.backlog <= MAX_BACKLOG:
            return
        drop, size = 0, 0
        while self.backlog - size > MAX_BACKLOG * 7 // 8 and drop < len(pending) - 1:
            size += len(pending[drop])
            drop += 1
        del pending[:drop]
        self.counted -= drop
        self.backlog -= size
        self.dropped[0] += drop
        self.dropped[1] += size

    def take_drop_report(self) -> Optional[str]:
        """The sentence saying what was dropped since the last report, or None."""
        records, size = self.dropped
        if not records:
            return None
        self.dropped = [0, 0]
        return (
            "tinytb: %d event records (%d bytes) were dropped while writes to %s failed: "
            "the queue keeps the newest %d MiB"
            % (records, size, self.path or self.logdir, MAX_BACKLOG >> 20)
        )


def _header(wall_time: float) -> bytes:
    """The first record of every event file (and of every segment of a URL one)."""
    return frame(
        _messages.event(
            wall_time=wall_time,
            file_version=FILE_VERSION,
            source_metadata=_messages.source_metadata(WRITER_NAME),
        )
    )


def _read_at(fd: int, offset: int, size: int) -> bytes:
    chunks: List[bytes] = []
    while size > 0:
        chunk = os.pread(fd, min(size, 1 << 24), offset)
        if not chunk:
            break
        chunks.append(chunk)
        offset += len(chunk)
        size -= len(chunk)
    return b"".join(chunks)


class EventFileWriter:
    """Writes framed records to a new event file in ``logdir``.

    Args:
        logdir: the directory (created if missing), or a URL fsspec knows (``s3://b/run``):
            then the file goes out in segments (``_RemoteSink``).
        max_queue: pending records that make the adding call write them itself (0: every
            record is written at once). Not for a URL: uploads wait for a full segment,
            ``flush_secs``, ``flush()`` or ``close()``.
        flush_secs: how often the background thread fsyncs a file that has new data (for a
            URL: uploads what has arrived since the last upload).
        filename_suffix: appended to the file name.
        storage_options: for a URL, options for its fsspec filesystem (credentials,
            ``client_kwargs={"endpoint_url": ...}``); ignored for a local directory.
    """

    def __new__(cls, logdir: str, *args: Any, **kwargs: Any) -> EventFileWriter:
        if cls is EventFileWriter and _remote.is_url(logdir):
            cls = _RemoteEventFileWriter  # its __init__ runs next, with these arguments
        return object.__new__(cls)

    def __init__(
        self,
        logdir: str,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        *,
        storage_options: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._logdir = logdir
        self._args = (max_queue, flush_secs, filename_suffix)
        self._sink = _Sink(logdir, max_queue, flush_secs, filename_suffix)
        self._finalizer = weakref.finalize(self, _collect, self._sink)

    def get_logdir(self) -> str:
        return self._logdir

    @property
    def path(self) -> Optional[str]:
        """The file being written (it changes after a fork or a deleted file)."""
        return self._sink.path

    @property
    def closed(self) -> bool:
        return self._sink.closed

    def add_event(self, event: bytes) -> None:
        """Queue one serialized Event."""
        self.add_record(frame(event))

    def add_record(self, record: bytes) -> None:
        """Queue one framed record. An ``OSError`` raised here reports a write that failed
        (now, or earlier in the background): the records, this one included, stay queued and
        are written when writing works again; do not add them again."""
        sink = self._sink
        with sink.lock:
            if sink.closed:
                raise WriterClosedError()
            sink.pending.append(record)
            if len(sink.pending) > sink.max_queue:
                _over_queue(sink)
            elif len(sink.pending) == 1:
                if sink.fd is None and not sink.failing:
                    _write_now(sink, False)  # after a fork or a deletion: open the new file now
                _wake_flusher()
            if sink.error is not None:
                sink.raise_error()

    def flush(self) -> None:
        """Return once every record added so far is written and fsynced."""
        sink = self._sink
        with sink.lock:
            if sink.closed:
                return
            _write_now(sink)
            sink.sync()
            if sink.error is not None:
                sink.raise_error()
        _report_drops(sink)

    def close(self) -> None:
        """Write, fsync and close. Idempotent. If the last records cannot be written, the
        error is raised and the writer stays open with them queued: ``close()`` again (or the
        exit hook) tries once more."""
        sink = self._sink
        with sink.lock:
            if sink.closed:
                return
            try:
                sink.shut()
            except OSError:
                _note_failure(sink, time.monotonic())
                raise
            if sink.error is not None:
                sink.raise_error()
        _report_drops(sink)

    def reopen(self) -> None:
        """After ``close()``, start a new event file in the same directory; otherwise do
        nothing (TensorFlow's ``EventFileWriter.reopen`` contract)."""
        if not self._sink.closed:
            return
        self._finalizer.detach()
        self._sink = _Sink(self._logdir, *self._args)
        self._finalizer = weakref.finalize(self, _collect, self._sink)


def _over_queue(sink: _Sink) -> None:
    """max_queue records are waiting: write them in this call, unless writes are failing
    and the next try is not due yet (then only bound the queue)."""
    if sink.failing:
        sink.bound_backlog()
        if time.monotonic() < sink.retry_at:
            return
    _write_now(sink, False)


def _write_now(sink: _Sink, check_deleted: bool = True) -> None:
    try:
        sink.write_pending(check_deleted)
    except OSError:
        _note_failure(sink, time.monotonic())
        raise
    sink.succeeded()


def _note_failure(sink: _Sink, now: float) -> None:
    """After a write raised: back off while records are still queued. A FileNotFoundError
    that comes after the records were moved to a new file leaves none: no backing off."""
    sink.error = None  # this error supersedes one kept from the background
    if sink.pending:
        sink.failed(now)
    else:
        sink.succeeded()


def _report_drops(sink: _Sink) -> None:
    report = sink.take_drop_report()
    if report is not None:
        warn_caller(report, RuntimeWarning)


def _close_quietly(sink: _Sink) -> None:
    """Close a sink whose writer is gone (interpreter exit, or garbage collection)."""
    with sink.lock:
        _shut_quietly(sink)


def _shut_quietly(sink: _Sink) -> None:
    if not sink.closed:
        try:
            sink.shut()
        except Exception as err:
            lost = len(sink.pending)
            sink.release()
            if lost:  # nobody is left to raise it to: say it once
                sys.stderr.write(
                    "tinytb: %d event records could not be written to %s: %s\n"
                    % (lost, sink.path or sink.logdir, err)
                )
    report = sink.take_drop_report()
    if report is not None:
        sys.stderr.write(report + "\n")


def _collect(sink: _Sink) -> None:
    # The garbage-collection finalizer of an EventFileWriter. A collection can start in any
    # thread at any allocation, including one that holds this very lock (the background thread
    # in write_pending): never wait for it here. If it is taken, mark the sink orphaned and let
    # the background thread (or the exit hook) close it.
    if sink.lock.acquire(blocking=False):
        try:
            _shut_quietly(sink)
        finally:
            sink.lock.release()
    else:
        sink.orphaned = True


# -- the background thread ---------------------------------------------------------------------


class _Flusher:
    """One daemon thread per process, woken when a sink's queue goes from empty to non-empty."""

    name = "tinytb-flusher"

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.thread: Optional[threading.Thread] = None
        self.start_lock = threading.Lock()

    def kick(self) -> None:
        if not self.wake.is_set():
            self.wake.set()
        if self.thread is None:
            with self.start_lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self.run, name=self.name, daemon=True)
                    self.thread.start()

    def run(self) -> None:
        wake = self.wake
        while True:
            wake.wait(self.next_wake_in())
            wake.clear()  # before writing: a record queued from now on sets it again
            time.sleep(LINGER)
            now = time.monotonic()
            for sink in list(_sinks):
                with sink.lock:
                    if sink.orphaned:
                        _shut_quietly(sink)
                    if sink.closed or (sink.failing and now < sink.retry_at):
                        continue
                    try:
                        sink.write_pending()
                        sink.succeeded()
                        if sink.unsynced and now - sink.last_sync >= sink.flush_secs:
                            sink.sync()
                    except Exception as err:  # kept for the writer's next call to raise
                        _note_failure(sink, now)
                        sink.error = err
                    if sink.orphaned:  # collected while we were writing it
                        _shut_quietly(sink)

    @staticmethod
    def next_wake_in() -> Optional[float]:
        """Seconds until a file is due for fsync, or records that failed are due for another
        try; None (sleep until woken) when there is neither."""
        due = []
        for s in list(_sinks):
            if s.unsynced:
                due.append(s.last_sync + s.flush_secs)
            if s.pending or s.orphaned or s.offset > s.checked:
                due.append(s.retry_at)
        return max(0.0, min(due) - time.monotonic()) if due else None


_flusher = _Flusher()
_wake_flusher = _flusher.kick


# -- URL log dirs: the event file in segments ------------------------------------------------


class _RemoteSink(_Sink):
    """An event file in a URL log dir. Nothing is appended and nothing is read back: records
    wait in memory and go out as SEGMENTS, each a new object (its own event-file name, the
    ``file_version`` header, then whole records) stored once by one ``pipe_file``. A segment
    leaves when ``SEGMENT_BYTES`` are waiting, every ``flush_secs`` (the uploader thread), at
    ``flush()`` and at ``close()``/exit. Names sort in the order the segments were made: the
    time part never goes back within a sink, and the counter (process-wide, zero-padded)
    orders those of one second, also across sinks of one process.

    The network is never used with ``lock`` held: a segment is cut from ``pending`` under the
    lock (``segment``, kept until stored: a failed upload is retried as the same object, so a
    PUT that did reach the server is only repeated, never duplicated under another name), and
    uploaded outside it, one upload at a time (``uploading``, waited for on ``idle``)."""

    def __init__(
        self,
        logdir: str,
        max_queue: int,
        flush_secs: float,
        suffix: str,
        storage_options: Optional[Dict[str, Any]],
    ) -> None:
        self.fs, self.root = _remote.open_fs(logdir, storage_options)
        self.segment_bytes = SEGMENT_BYTES
        self.size = 0  # bytes in pending
        # cut from pending, not yet stored: (name, data, records)
        self.segment: Optional[Tuple[str, bytes, int]] = None
        self.uploading = False
        self.failures = 0  # failed uploads in a row
        self.stamp = 0  # the time part of the last name
        self.uploads = 0  # segments stored, and their bytes:
        self.uploaded = 0
        self.owes_file = True  # nothing stored yet: close() stores a header-only segment
        self.dirs_made = False
        self.last_error: Optional[BaseException] = None
        super().__init__(logdir, max_queue, flush_secs, suffix)
        self.idle = threading.Condition(self.lock)

    def open_file(self) -> None:
        # Nothing is stored before the first upload; start the uploader now, so that a writer
        # collected without records can still be finished by it (_orphan starts no thread).
        _remote_sinks.add(self)
        _register_mp_finalizer()
        _register_remote_exit()
        _uploader.kick()

    def release(self) -> None:
        self.closed = True
        _remote_sinks.discard(self)
        _orphans.discard(self)

    def forget_after_fork(self) -> None:
        # In a forked child: the parent uploads what it had; the child's own records make
        # segments with its own pid in the name.
        self.lock = threading.Lock()
        self.idle = threading.Condition(self.lock)
        self.pending = []
        self.size = self.counted = self.backlog = 0
        self.segment = None
        self.uploading = False
        self.error = None
        self.owes_file = False
        self.failures = 0
        self.succeeded()

    def retry_range(self) -> Tuple[float, float]:
        return REMOTE_RETRY_MIN, REMOTE_RETRY_MAX

    def bound_backlog(self) -> None:
        # Also while uploads work but cannot keep up: memory stays bounded.
        dropped = self.dropped[1]
        super().bound_backlog()
        self.size -= self.dropped[1] - dropped

    def due_at(self) -> Optional[float]:
        """When the uploader should look at this sink next (monotonic), or None."""
        if self.segment is not None or self.orphaned:
            return self.retry_at  # 0.0 unless failing
        if not self.pending:
            return None
        if self.size >= self.segment_bytes:
            return self.retry_at
        return max(self.retry_at, self.last_sync + self.flush_secs)

    def cut_segment(self) -> None:
        """Move records from the front of ``pending`` (up to ``segment_bytes``, at least one)
        into a new ``segment`` behind its header."""
        pending, count, size = self.pending, 0, 0
        for record in pending:
            if count and size + len(record) > self.segment_bytes:
                break
            count += 1
            size += len(record)
        wall = time.time()
        self.stamp = max(int(wall), self.stamp)
        name = SEGMENT_NAME % (self.stamp, hostname(), os.getpid(), next(_uid), self.suffix)
        self.segment = (name, b"".join([_header(wall)] + pending[:count]), count)
        del pending[:count]
        self.size -= size
        self.counted = self.backlog = 0  # counted afresh by bound_backlog


def _upload_step(
    sink: _RemoteSink, everything: bool, final: bool = False, patient: bool = True
) -> bool:
    """Store the next segment, if one is due; called without ``sink.lock``. ``everything``:
    whatever is pending is due (else only a full segment, or ``flush_secs`` after the last
    upload); ``final``: a sink that never stored anything stores its header alone;
    ``patient``: a failing sink waits for ``retry_at``. True if a segment was stored, False if
    none was due; an ``UploadError`` if storing failed (the segment is kept for the next try)."""
    with sink.lock:
        while sink.uploading:
            sink.idle.wait()
        now = time.monotonic()
        if sink.closed or (patient and sink.failing and now < sink.retry_at):
            return False
        if sink.segment is None:
            if sink.pending:
                if not (
                    everything
                    or sink.size >= sink.segment_bytes
                    or now >= sink.last_sync + sink.flush_secs
                ):
                    return False
            elif not (final and sink.owes_file):
                return False
            sink.cut_segment()
        name, data, _ = sink.segment  # type: ignore[misc]  # cut_segment set it
        sink.uploading = True
    try:
        if not sink.dirs_made:
            _remote.makedirs(sink.fs, sink.root)
        _remote.upload(sink.fs, _remote.join(sink.root, name), data)
    except BaseException as err:  # KeyboardInterrupt too: never leave `uploading` set
        with sink.lock:
            sink.uploading = False
            sink.idle.notify_all()
            if isinstance(err, OSError):
                sink.failures += 1
                sink.last_error = err
                sink.failed(time.monotonic())
        raise
    with sink.lock:
        sink.uploading = False
        sink.idle.notify_all()
        sink.dirs_made = True
        sink.segment = None
        sink.owes_file = False
        sink.uploads += 1
        sink.uploaded += len(data)
        sink.path = _remote.join(sink.logdir, name)
        sink.last_sync = time.monotonic()
        sink.failures = 0
        sink.error = None  # stored now: an earlier failure is moot
        sink.succeeded()
    return True


def _upload_all(sink: _RemoteSink, final: bool = False) -> None:
    """Store everything pending now (flush, close): no waiting for the backoff."""
    while _upload_step(sink, True, final, patient=False):
        pass


class _RemoteEventFileWriter(EventFileWriter):
    """``EventFileWriter`` on a URL log dir (``EventFileWriter(url)`` makes one): the same
    calls, over a ``_RemoteSink``. No request is made before the first upload."""

    _sink: _RemoteSink

    def __init__(
        self,
        logdir: str,
        max_queue: int = 10,
        flush_secs: float = 120,
        filename_suffix: str = "",
        *,
        storage_options: Optional[Dict[str, Any]] = None,
    ) -> None:
        self._logdir = logdir
        self._args = (max_queue, flush_secs, filename_suffix)
        self._options = storage_options
        self._sink = _RemoteSink(logdir, max_queue, flush_secs, filename_suffix, storage_options)
        self._finalizer = weakref.finalize(self, _orphan, self._sink)

    def add_record(self, record: bytes) -> None:
        """Queue one framed record (never waits on the network). An ``OSError`` raised here
        reports uploads that kept failing in the background: the records, this one included,
        stay queued and are uploaded when storing works again; do not add them again."""
        sink = self._sink
        with sink.lock:
            if sink.closed:
                raise WriterClosedError()
            sink.pending.append(record)
            sink.size += len(record)
            if sink.size >= sink.segment_bytes:
                sink.bound_backlog()
                _kick_uploader()
            elif len(sink.pending) == 1:
                _kick_uploader()  # so that it wakes flush_secs after the last upload
            if sink.error is not None:
                sink.raise_error()

    def flush(self) -> None:
        """Return once every record added so far is stored (a flush with nothing new stores
        nothing). An upload that fails raises; its records stay queued."""
        sink = self._sink
        if sink.closed:
            return
        try:
            _upload_all(sink)
        except OSError:
            with sink.lock:
                sink.error = None  # this error supersedes one kept from the background
            raise
        _report_drops(sink)

    def close(self) -> None:
        """Store what is left and close. Idempotent. If an upload fails, the error is raised
        and the writer stays open with the records queued: ``close()`` again (or the exit
        hook) tries once more."""
        sink = self._sink
        while True:
            if sink.closed:
                return
            try:
                _upload_all(sink, final=True)
            except OSError:
                with sink.lock:
                    sink.error = None
                raise
            with sink.lock:
                if sink.closed:
                    return
                if not (sink.pending or sink.segment is not None or sink.uploading):
                    sink.release()
                    break
        _report_drops(sink)

    def reopen(self) -> None:
        if not self._sink.closed:
            return
        self._finalizer.detach()
        self._sink = _RemoteSink(self._logdir, *self._args, self._options)
        self._finalizer = weakref.finalize(self, _orphan, self._sink)


def _orphan(sink: _RemoteSink) -> None:
    # The garbage-collection finalizer of a URL writer: no network here (it may run in any
    # thread at any allocation). The uploader stores what is left, then closes the sink;
    # _orphans keeps it alive until then.
    if sink.closed:
        return
    sink.orphaned = True
    _orphans.add(sink)
    if _uploader.thread is not None:
        _uploader.wake.set()


def _service(sink: _RemoteSink) -> None:
    """One look by the uploader: store the segments that are due; an orphan's are all due,
    and it is closed once everything is stored."""
    if sink.closed:
        return
    orphan = sink.orphaned
    try:
        while _upload_step(sink, orphan, final=orphan):
            pass
    except Exception as err:  # kept for the writer's next call, once it is persistent
        with sink.lock:
            if sink.failures >= REPORT_AFTER and not orphan:
                sink.error = err
        return
    if orphan:
        with sink.lock:
            if not (sink.pending or sink.segment is not None):
                sink.release()
                report = sink.take_drop_report()
                if report is not None:
                    sys.stderr.write(report + "\n")


class _Uploader(_Flusher):
    """One daemon thread per process for URL event files (their uploads never hold up the
    local files' flusher), woken when a sink gets its first pending record or is full."""

    name = "tinytb-uploader"

    def run(self) -> None:
        wake = self.wake
        while True:
            wake.wait(self.next_wake_in())
            wake.clear()
            for sink in list(_remote_sinks):
                _service(sink)

    @staticmethod
    def next_wake_in() -> Optional[float]:
        due = [at for at in (s.due_at() for s in list(_remote_sinks)) if at is not None]
        return max(0.0, min(due) - time.monotonic()) if due else None


_uploader = _Uploader()
_kick_uploader = _uploader.kick


def _finish_all(sinks: List[_RemoteSink], deadline: float) -> None:
    """The exit path's uploads: everything of every sink, retried (with the backoff) until
    ``deadline``."""
    for sink in sinks:
        while not sink.closed:
            try:
                _upload_all(sink, final=True)
            except Exception:
                now = time.monotonic()
                if now >= deadline:
                    return
                time.sleep(min(max(sink.retry_at - now, 0.0), deadline - now))
                continue
            with sink.lock:
                if not (sink.pending or sink.segment is not None or sink.uploading):
                    sink.release()


def _close_remote_all(wait: Optional[float] = None) -> None:
    """At exit: store what every URL event file has left, waiting ``EXIT_WAIT`` seconds in
    all; say on stderr what could not be stored."""
    sinks = [s for s in list(_remote_sinks) if not s.closed]
    if not sinks:
        return
    deadline = time.monotonic() + (EXIT_WAIT if wait is None else wait)
    # In a thread of its own: an upload that hangs cannot hold the exit beyond the deadline.
    worker = threading.Thread(target=_finish_all, args=(sinks, deadline), daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()) + 0.5)
    for sink in sinks:
        if sink.closed:
            continue
        if not sink.lock.acquire(timeout=1.0):
            sys.stderr.write("tinytb: could not finish the uploads to %s\n" % sink.logdir)
            continue
        try:
            size = sink.size + (len(sink.segment[1]) if sink.segment else 0)
            records = len(sink.pending) + (sink.segment[2] if sink.segment else 0)
            sink.release()
        finally:
            sink.lock.release()
        sys.stderr.write(
            "tinytb: %d event records (%d bytes) could not be uploaded to %s before exit "
            "(waited %g s): %s\n"
            % (records, size, sink.logdir, EXIT_WAIT if wait is None else wait, sink.last_error)
        )


_remote_exit: Dict[str, int] = {}


def _register_remote_exit() -> None:
    # Run before the interpreter shuts down concurrent.futures' executors (which asyncio, and
    # so fsspec's async filesystems, need to resolve host names): threading's own exit hooks
    # run first, the last registered first, and this registers after fsspec imported asyncio.
    # Python 3.8 has none: atexit's hooks also run last-registered first. _close_all (atexit)
    # still stores what came later.
    if _remote_exit.get("pid") == os.getpid():
        return
    _remote_exit["pid"] = os.getpid()
    hook = getattr(threading, "_register_atexit", None)
    try:
        if hook is None:
            raise RuntimeError
        hook(_close_remote_all)
    except RuntimeError:  # 3.8, or threading is already shutting down
        atexit.register(_close_remote_all)


# -- exit and fork ----------------------------------------------------------------------------


def _close_all() -> None:
    for sink in list(_sinks):
        _close_quietly(sink)
    if len(_remote_sinks):
        _close_remote_all()


atexit.register(_close_all)


def _register_mp_finalizer() -> None:
    # multiprocessing children end with os._exit, which skips atexit; when multiprocessing is
    # loaded, also close everything from its exit function (registered once per process).
    util = sys.modules.get("multiprocessing.util")
    pid = os.getpid()
    if util is None or _mp_registered.get("pid") == pid:
        return
    _mp_registered["pid"] = pid
    util.Finalize(None, _close_all, exitpriority=10)


_mp_registered: Dict[str, int] = {}


def _after_fork_in_child() -> None:
    global _flusher, _wake_flusher, _uploader, _kick_uploader
    _flusher = _Flusher()
    _wake_flusher = _flusher.kick
    _uploader = _Uploader()
    _kick_uploader = _uploader.kick
    for sink in list(_sinks):
        sink.forget_after_fork()
    for remote in list(_remote_sinks):
        remote.forget_after_fork()
    _orphans.clear()  # the parent finishes them


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)
