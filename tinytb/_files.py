# SPDX-License-Identifier: MIT
"""Files beside the event files: the embedding projector's, replaced atomically under a lock;
and whole files read for the writer (an ONNX model), with a size cap.

``add_embedding`` writes no events: it writes files next to them (``_projector`` says which and
why). Each file is replaced atomically (a temporary file, then ``os.replace``), so TensorBoard
never reads half a file, and ``projector_config.pbtxt`` is read, merged and rewritten under a
lock: a process-wide one, and on POSIX also ``flock()`` on the log directory itself (no lock
file is left behind), so writers in other processes wait their turn instead of losing each
other's entries. Where ``flock()`` is missing (Windows) or refused (some network file systems),
only the threads of one process are ordered: two processes adding embeddings to one log dir at
the same moment can then still lose one entry of the config (never a data file).

On a URL log dir (``s3://bucket/run``: ``_remote``, through fsspec) each file is one object,
stored once and whole (an object store's PUT is atomic: a reader sees the old object or the new
one), the data files before the config that names them; the config is read (a ranged read, at
most ``MAX_CONFIG_BYTES``) and merged under the process-wide lock only: object stores have no
``flock``, so two processes adding embeddings to one URL log dir at the same moment can lose
one entry of the config.

The config already in the log dir is read as untrusted: only a regular file is opened (a
symbolic link is not followed, a FIFO does not block the call), and one over
``MAX_CONFIG_BYTES`` is refused rather than read without bound.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import stat
import threading
import warnings

from . import _remote

TYPE_CHECKING = False  # typing is not imported at run time: it costs milliseconds (tomli's way)
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Union

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

_OPEN_FLAGS = (
    os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
)
# Reading a file we did not write: never through a symbolic link, never waiting on a FIFO.
_READ_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_BINARY", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)
)
MAX_CONFIG_BYTES = 16 << 20  # a projector config of 10,000 embeddings is about 2 MB
MAX_FILE_BYTES = 1 << 31  # a protobuf message (an ONNX model) is at most 2 GiB


def write_all(fd: int, data: bytes) -> None:
    """``os.write`` until all of ``data`` is written (a write may take only part of it)."""
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


_embedding_lock = threading.Lock()
_tmp_uid = itertools.count()
PROJECTOR_CONFIG = "projector_config.pbtxt"


def _new_embedding_lock() -> None:
    global _embedding_lock
    _embedding_lock = threading.Lock()  # a fork may copy it held by another thread


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_new_embedding_lock)


@contextlib.contextmanager
def _projector_lock(log_dir: str) -> Iterator[None]:
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


def replace_file(path: str, data: Union[bytes, Iterable[bytes]]) -> None:
    """Write ``data`` (bytes, or an iterable of bytes written as they come: a large text need
    not be held whole) to ``path`` atomically: a temporary file in the same directory, fsynced,
    then ``os.replace``. A reader sees the old file or the new one, never a mix."""
    directory, name = os.path.split(path)
    tmp = os.path.join(directory, ".%s.%d.%d.tmp" % (name, os.getpid(), next(_tmp_uid)))
    fd = os.open(tmp, _OPEN_FLAGS, 0o666)
    try:
        try:
            if isinstance(data, (bytes, bytearray, memoryview)):
                write_all(fd, data)
            else:
                for chunk in data:
                    write_all(fd, chunk)
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


def _read_if_exists(path: str) -> Optional[bytes]:
    try:
        return read_file(path, MAX_CONFIG_BYTES, "projector config")
    except FileNotFoundError:
        return None


def _inside(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root and path != root
    except ValueError:  # different drives (Windows)
        return False


def write_embedding(
    log_dir: str,
    subdir: str,
    files: Mapping[str, Union[bytes, Iterable[bytes]]],
    update_config: Callable[[Optional[bytes]], bytes],
    storage_options: Optional[Dict[str, Any]] = None,
) -> str:
    """Write one embedding: ``files`` (``{name: bytes or an iterable of bytes}``) into
    ``<log_dir>/<subdir>``, then ``projector_config.pbtxt`` as ``update_config(current bytes or
    None)`` returns it.

    ``subdir`` is relative and '/'-separated; a directory that would resolve outside
    ``log_dir`` (through ``..`` or a symbolic link; TensorBoard refuses to serve such assets
    anyway) raises ``ValueError``, and a file in its place ``NotADirectoryError`` (PyTorch's
    type). The config is read and ``update_config`` called first: if it raises (a config it
    cannot read), nothing has been written. An existing directory is reused with a warning, as
    PyTorch prints one. Returns the directory's path. A URL ``log_dir`` is written through
    fsspec (``storage_options`` for its filesystem; ignored for a local directory).
    """
    if _remote.is_url(log_dir):
        return _write_embedding_remote(log_dir, subdir, files, update_config, storage_options)
    log_dir = os.fspath(log_dir)
    parts = [p for p in subdir.split("/") if p]
    target = os.path.join(log_dir, *parts)
    os.makedirs(log_dir, exist_ok=True)
    with _projector_lock(log_dir):
        root = os.path.realpath(log_dir)
        if any(p in (".", "..") for p in parts) or not _inside(os.path.realpath(target), root):
            raise ValueError("embedding directory %r is not inside log_dir %r" % (subdir, log_dir))
        config_path = os.path.join(log_dir, PROJECTOR_CONFIG)
        config = update_config(_read_if_exists(config_path))
        if os.path.isdir(target):
            warnings.warn(
                "Embedding dir %s exists, did you set global_step for add_embedding()?" % target,
                stacklevel=3,
            )
        elif os.path.lexists(target):
            raise NotADirectoryError("Path: `%s` exists, but is a file. Cannot proceed." % target)
        else:
            os.makedirs(target)
            if not _inside(os.path.realpath(target), root):  # a link swapped in meanwhile
                raise ValueError(
                    "embedding directory %r is not inside log_dir %r" % (subdir, log_dir)
                )
        for name, data in files.items():
            replace_file(os.path.join(target, name), data)
        replace_file(config_path, config)
    return target


def _write_embedding_remote(
    log_dir: str,
    subdir: str,
    files: Mapping[str, Union[bytes, Iterable[bytes]]],
    update_config: Callable[[Optional[bytes]], bytes],
    storage_options: Optional[Dict[str, Any]],
) -> str:
    """``write_embedding`` on a URL log dir: the same checks on the URL's path (no symbolic
    links there), each file one upload, the config last."""
    fs, root = _remote.open_fs(log_dir, storage_options)
    parts = [p for p in subdir.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise ValueError("embedding directory %r is not inside log_dir %r" % (subdir, log_dir))
    target = _remote.join(root, *parts)
    with _embedding_lock:
        config_path = _remote.join(root, PROJECTOR_CONFIG)
        existing = _remote.read_if_exists(fs, config_path, MAX_CONFIG_BYTES, "projector config")
        config = update_config(existing)
        there = _remote.kind(fs, target)
        url = _remote.join(log_dir, *parts)
        if there == "dir":
            warnings.warn(
                "Embedding dir %s exists, did you set global_step for add_embedding()?" % url,
                stacklevel=3,
            )
        elif there == "file":
            raise NotADirectoryError("Path: `%s` exists, but is a file. Cannot proceed." % url)
        _remote.makedirs(fs, target)
        for name, data in files.items():
            _remote.upload(fs, _remote.join(target, name), data)
        _remote.upload(fs, config_path, config)
    return url


def read_file(
    path: Union[str, bytes, "os.PathLike[str]"], limit: int = MAX_FILE_BYTES, what: str = "file"
) -> bytes:
    """The whole content of the regular file at ``path`` as bytes. ``FileNotFoundError`` and the
    other ``OSError``s as ``open`` raises them; a symbolic link, a FIFO, a device or a directory
    (anything but a regular file) and a file over ``limit`` bytes raise ``ValueError``."""
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as err:
        if os.path.islink(path):
            raise ValueError(
                "%s %s is a symbolic link: not followed" % (what, os.fsdecode(path))
            ) from None
        raise err
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("%s %s is not a regular file" % (what, os.fsdecode(path)))
        if info.st_size > limit:
            raise ValueError(
                "%s %s has %d bytes, over the limit of %d"
                % (what, os.fsdecode(path), info.st_size, limit)
            )
        chunks: List[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:  # it grew while we read it
                raise ValueError("%s %s has over %d bytes" % (what, os.fsdecode(path), limit))
            chunks.append(chunk)
    finally:
        os.close(fd)
