# SPDX-License-Identifier: MIT
"""Event files on disk: naming, opening, and getting records there without losing any.

This is the only tinytb module that touches the filesystem. What it promises:

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
"""

import atexit
import errno
import itertools
import os
import sys
import threading
import time
import weakref

from . import _messages
from ._record import frame

FILE_VERSION = "brain.Event:2"
WRITER_NAME = "tinytb"
LINGER = 0.02  # seconds the background thread lets records gather before writing them
RETRY = 1.0  # seconds before the background thread tries again after a failed write

_uid = itertools.count()  # TensorBoard's _global_uid: one counter for the whole process
_sinks = weakref.WeakSet()  # every open event file of this process
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) \
    | getattr(os, "O_CLOEXEC", 0)


def hostname():
    try:
        return os.uname().nodename  # what socket.gethostname() returns, without importing socket
    except AttributeError:  # Windows
        import socket
        return socket.gethostname()


class _Sink:
    """One event file and the records waiting for it. Shared by the writer that owns it, the
    background thread and the exit hook; it holds no reference back to the writer."""

    def __init__(self, logdir, max_queue, flush_secs, suffix):
        self.logdir = logdir
        self.max_queue = max_queue
        self.flush_secs = flush_secs
        self.suffix = suffix
        self.lock = threading.Lock()
        self.pending = []
        self.error = None
        self.fd = None
        self.path = None
        self.offset = 0  # bytes of whole records in the file
        self.last_sync = time.monotonic()
        self.unsynced = False
        self.retry_at = 0.0
        self.closed = False
        self.orphaned = False  # its writer was garbage-collected while the lock was taken
        self.open_file()

    # Everything below runs with self.lock held, except open_file from __init__.

    def open_file(self):
        os.makedirs(self.logdir, exist_ok=True)
        host = hostname()
        while True:
            name = "events.out.tfevents.%010d.%s.%s.%s%s" % (
                time.time(), host, os.getpid(), next(_uid), self.suffix)
            path = os.path.join(self.logdir, name)
            try:
                fd = os.open(path, _OPEN_FLAGS, 0o666)
            except FileExistsError:
                continue  # another writer's file: never clobber it, take the next number
            break
        header = frame(_messages.event(
            wall_time=time.time(), file_version=FILE_VERSION,
            source_metadata=_messages.source_metadata(WRITER_NAME)))
        try:
            _write_all(fd, header)
        except OSError:
            os.close(fd)
            raise
        self.fd, self.path, self.offset = fd, path, len(header)
        self.unsynced = True
        _sinks.add(self)
        _register_mp_finalizer()

    def write_pending(self, check_deleted=True):
        """Write every queued record; on failure keep them queued and raise. The check for a
        deleted file (an fstat) is left to the background thread, flush and close, off the
        adding call's path."""
        if not self.pending:
            return
        if self.fd is None:
            self.open_file()  # after fork, or after the file was found deleted
        elif check_deleted and _is_deleted(self.fd):
            path = self.path
            os.close(self.fd)
            self.fd = None
            raise FileNotFoundError(errno.ENOENT, "event file was removed while in use; the "
                                    "records queued for it will go to a new file", path)
        data = b"".join(self.pending) if len(self.pending) > 1 else self.pending[0]
        try:
            _write_all(self.fd, data)
        except OSError:
            self._cut_back()
            raise
        self.pending.clear()
        self.offset += len(data)
        self.unsynced = True

    def _cut_back(self):
        # Leave the file ending on a whole record, so readers and later writes stay aligned.
        try:
            os.ftruncate(self.fd, self.offset)
            os.lseek(self.fd, self.offset, os.SEEK_SET)
        except OSError:
            os.close(self.fd)  # cannot repair it: stop using it, the next write opens a new one
            self.fd = None

    def sync(self):
        if self.fd is not None and self.unsynced:
            os.fsync(self.fd)
        self.unsynced = False
        self.last_sync = time.monotonic()

    def raise_error(self):
        err, self.error = self.error, None
        raise err

    def shut(self):
        """Write, fsync and close; leaves the sink closed even if that fails."""
        try:
            self.write_pending()
            self.sync()
        finally:
            self.closed = True
            if self.fd is not None:
                os.close(self.fd)
                self.fd = None
            _sinks.discard(self)

    def forget_after_fork(self):
        # In a forked child: the parent owns its queue and its file.
        self.lock = threading.Lock()
        self.pending = []
        self.error = None
        if self.fd is not None:
            try:
                os.close(self.fd)  # our copy of the descriptor only
            except OSError:
                pass
            self.fd = None
        self.unsynced = False


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _is_deleted(fd):
    try:
        return os.fstat(fd).st_nlink == 0
    except OSError:
        return False


class EventFileWriter:
    """Writes framed records to a new event file in ``logdir``.

    Args:
        logdir: the directory (created if missing).
        max_queue: pending records that make the adding call write them itself (0: every
            record is written at once).
        flush_secs: how often the background thread fsyncs a file that has new data.
        filename_suffix: appended to the file name.
    """

    def __init__(self, logdir, max_queue=10, flush_secs=120, filename_suffix=""):
        self._logdir = logdir
        self._args = (max_queue, flush_secs, filename_suffix)
        self._sink = _Sink(logdir, max_queue, flush_secs, filename_suffix)
        self._finalizer = weakref.finalize(self, _collect, self._sink)

    def get_logdir(self):
        return self._logdir

    @property
    def path(self):
        """The file being written (it changes after a fork or a deleted file)."""
        return self._sink.path

    @property
    def closed(self):
        return self._sink.closed

    def add_event(self, event):
        """Queue one serialized Event."""
        self.add_record(frame(event))

    def add_record(self, record):
        """Queue one framed record."""
        sink = self._sink
        with sink.lock:
            if sink.closed:
                raise OSError("Writer is closed")
            if sink.fd is None:
                sink.open_file()  # first record after a fork, or after the file was deleted
            sink.pending.append(record)
            if len(sink.pending) > sink.max_queue:
                _write_now(sink, False)
            elif len(sink.pending) == 1:
                _wake_flusher()
            if sink.error is not None:
                sink.raise_error()

    def flush(self):
        """Return once every record added so far is written and fsynced."""
        sink = self._sink
        with sink.lock:
            if sink.closed:
                return
            _write_now(sink)
            sink.sync()
            if sink.error is not None:
                sink.raise_error()

    def close(self):
        sink = self._sink
        with sink.lock:
            if sink.closed:
                return
            sink.shut()
            if sink.error is not None:
                sink.raise_error()

    def reopen(self):
        """After ``close()``, start a new event file in the same directory; otherwise do
        nothing (TensorFlow's ``EventFileWriter.reopen`` contract)."""
        if not self._sink.closed:
            return
        self._finalizer.detach()
        self._sink = _Sink(self._logdir, *self._args)
        self._finalizer = weakref.finalize(self, _collect, self._sink)


def _write_now(sink, check_deleted=True):
    try:
        sink.write_pending(check_deleted)
    except OSError:
        sink.error = None  # this error supersedes one kept from the background
        raise


def _close_quietly(sink):
    """Close a sink whose writer is gone (interpreter exit, or garbage collection)."""
    with sink.lock:
        _shut_quietly(sink)


def _shut_quietly(sink):
    if not sink.closed:
        try:
            sink.shut()
        except Exception:
            pass  # nobody is left to tell


def _collect(sink):
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

    def __init__(self):
        self.wake = threading.Event()
        self.thread = None
        self.start_lock = threading.Lock()

    def kick(self):
        if not self.wake.is_set():
            self.wake.set()
        if self.thread is None:
            with self.start_lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self.run, name="tinytb-flusher",
                                                   daemon=True)
                    self.thread.start()

    def run(self):
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
                    if sink.closed:
                        continue
                    try:
                        sink.write_pending()
                        if sink.unsynced and now - sink.last_sync >= sink.flush_secs:
                            sink.sync()
                    except Exception as err:  # kept for the writer's next call to raise
                        sink.error = err
                        sink.retry_at = now + RETRY
                    if sink.orphaned:  # collected while we were writing it
                        _shut_quietly(sink)

    @staticmethod
    def next_wake_in():
        """Seconds until a file is due for fsync, or records that failed are due for another
        try; None (sleep until woken) when there is neither."""
        due = []
        for s in list(_sinks):
            if s.unsynced:
                due.append(s.last_sync + s.flush_secs)
            if s.pending or s.orphaned:
                due.append(s.retry_at)
        return max(0.0, min(due) - time.monotonic()) if due else None


_flusher = _Flusher()
_wake_flusher = _flusher.kick


# -- exit and fork ----------------------------------------------------------------------------

def _close_all():
    for sink in list(_sinks):
        _close_quietly(sink)


atexit.register(_close_all)


def _register_mp_finalizer():
    # multiprocessing children end with os._exit, which skips atexit; when multiprocessing is
    # loaded, also close everything from its exit function (registered once per process).
    util = sys.modules.get("multiprocessing.util")
    pid = os.getpid()
    if util is None or _mp_registered.get("pid") == pid:
        return
    _mp_registered["pid"] = pid
    util.Finalize(None, _close_all, exitpriority=10)


_mp_registered = {}


def _after_fork_in_child():
    global _flusher, _wake_flusher
    _flusher = _Flusher()
    _wake_flusher = _flusher.kick
    for sink in list(_sinks):
        sink.forget_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


# -- the embedding projector's files ----------------------------------------------------------
# add_embedding writes no events: it writes files next to them (tinytb/_projector.py says which
# and why). Each file is replaced atomically (a temporary file, then os.replace), so
# TensorBoard never reads half a file, and projector_config.pbtxt is read, merged and rewritten
# under a lock: a process-wide one, and on POSIX also flock() on the log directory itself (no
# lock file is left behind), so writers in other processes wait their turn instead of losing
# each other's entries. Where flock() is missing (Windows) or refused (some network file
# systems), only the threads of one process are ordered: two processes adding embeddings to one
# log dir at the same moment can then still lose one entry of the config (never a data file).

import contextlib
import warnings

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

_embedding_lock = threading.Lock()
_tmp_uid = itertools.count()
PROJECTOR_CONFIG = "projector_config.pbtxt"


def _new_embedding_lock():
    global _embedding_lock
    _embedding_lock = threading.Lock()  # a fork may copy it held by another thread


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_embedding_lock)


@contextlib.contextmanager
def _projector_lock(log_dir):
    with _embedding_lock:
        fd = None
        if fcntl is not None:
            try:
                fd = os.open(log_dir, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # e.g. NFS without lock support: the process lock must do
                if fd is not None:
                    os.close(fd)
                fd = None
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)  # closing the descriptor releases the flock


def replace_file(path, data):
    """Write ``data`` to ``path`` atomically: a temporary file in the same directory, fsynced,
    then ``os.replace``. A reader sees the old file or the new one, never a mix."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, ".%s.%d.%d.tmp" % (name, os.getpid(), next(_tmp_uid)))
    fd = os.open(tmp, _OPEN_FLAGS, 0o666)
    try:
        try:
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read_if_exists(path):
    try:
        return read_file(path)
    except FileNotFoundError:
        return None


def _inside(path, root):
    try:
        return os.path.commonpath([path, root]) == root and path != root
    except ValueError:  # different drives (Windows)
        return False


def write_embedding(log_dir, subdir, files, update_config):
    """Write one embedding: ``files`` (``{name: bytes}``) into ``<log_dir>/<subdir>``, then
    ``projector_config.pbtxt`` as ``update_config(current bytes or None)`` returns it.

    ``subdir`` is relative and '/'-separated; a directory that would resolve outside
    ``log_dir`` (through ``..`` or a symbolic link; TensorBoard refuses to serve such assets
    anyway) raises ``ValueError``, and a file in its place ``NotADirectoryError`` (PyTorch's
    type). The config is read and ``update_config`` called first: if it raises (a config it
    cannot read), nothing has been written. An existing directory is reused with a warning, as
    PyTorch prints one. Returns the directory's path.
    """
    log_dir = os.fspath(log_dir)
    parts = [p for p in subdir.split("/") if p]
    target = os.path.join(log_dir, *parts)
    os.makedirs(log_dir, exist_ok=True)
    with _projector_lock(log_dir):
        root = os.path.realpath(log_dir)
        if any(p in (".", "..") for p in parts) or not _inside(os.path.realpath(target), root):
            raise ValueError("embedding directory %r is not inside log_dir %r"
                             % (subdir, log_dir))
        config_path = os.path.join(log_dir, PROJECTOR_CONFIG)
        config = update_config(_read_if_exists(config_path))
        if os.path.isdir(target):
            warnings.warn("Embedding dir %s exists, did you set global_step for "
                          "add_embedding()?" % target, stacklevel=3)
        elif os.path.lexists(target):
            raise NotADirectoryError("Path: `%s` exists, but is a file. Cannot proceed."
                                     % target)
        else:
            os.makedirs(target)
            if not _inside(os.path.realpath(target), root):  # a link swapped in meanwhile
                raise ValueError("embedding directory %r is not inside log_dir %r"
                                 % (subdir, log_dir))
        for name, data in files.items():
            replace_file(os.path.join(target, name), data)
        replace_file(config_path, config)
    return target


def read_file(path):
    """The whole content of the file at ``path`` (a str, bytes or ``os.PathLike``) as bytes;
    ``FileNotFoundError`` and the other ``OSError``s as ``open`` raises them."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
    finally:
        os.close(fd)
